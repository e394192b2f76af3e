"""The one place for money: whole đồng, shown as 1.250.000 đ; counts as 12.345."""

from __future__ import annotations

import re


def format_count(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def format_money(amount: int | None) -> str:
    return "" if amount is None else f"{format_count(amount)} đ"


def parse_money(text: str | int | None) -> int | None:
    """'1.250.000 đ', '1250000', '1 250 000' → 1250000; '' → None. ValueError if not whole đồng."""
    if text is None:
        return None
    if isinstance(text, int):
        return text
    cleaned = re.sub(r"(?i:vn[dđ])|[\s.đĐd]", "", str(text))
    if not cleaned:
        return None
    if not cleaned.isdigit():
        raise ValueError("Số tiền chỉ gồm chữ số, tính bằng đồng, ví dụ 50.000.")
    return int(cleaned)


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MAX_IN_WORDS = 999_999_999_999_999  # 999.999 tỷ: far above any voucher; larger is a typing slip


def _group_words(value: int, *, full: bool, zero_tens: str) -> list[str]:
    """Words of 1..999; `full` (a group after a higher one) reads its hundreds even when zero
    ('không trăm') and its zero tens ('linh') as a lone leading group does not."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words += [zero_tens, _DIGITS[units]]  # 105 → một trăm linh năm (no "lăm" after linh)
        elif units:
            words.append(_DIGITS[units])
        return words
    words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
    if units == 1:
        words.append("một" if tens == 1 else "mốt")  # 11 mười một, 21 hai mươi mốt
    elif units == 4:
        words.append("bốn" if tens == 1 else "tư")  # 14 mười bốn, 24 hai mươi tư
    elif units == 5:
        words.append("lăm")  # 15 mười lăm, 25 hai mươi lăm
    elif units:
        words.append(_DIGITS[units])
    return words


def _below_billion(value: int, *, full: bool, zero_tens: str) -> list[str]:
    """Words of 0..999.999.999 in groups triệu/nghìn/units; zero groups are skipped."""
    words: list[str] = []
    for scale, unit in ((1_000_000, "triệu"), (1_000, "nghìn"), (1, "")):
        group = value // scale % 1000
        if group:
            words += _group_words(group, full=full or bool(words), zero_tens=zero_tens)
            words += [unit] if unit else []
    return words


def amount_in_words(amount: int, *, zero_tens: str = "linh") -> str:
    """A whole number of đồng in Vietnamese words, as written on vouchers:
    1250000 → 'Một triệu hai trăm năm mươi nghìn đồng', 1000005 → 'Một triệu không trăm
    linh năm đồng'. No "chẵn" after round amounts, as the specification writes 1.250.000:
    "Một triệu hai trăm năm mươi nghìn đồng" (some offices add "chẵn").
    - A zero tens digit inside a group is "linh" (the northern standard of official forms);
      `zero_tens="lẻ"` gives the southern "một trăm lẻ năm".
    - mười/mươi, mốt (21) but một (11), lăm after mười/mươi (15, 25) but năm alone and after
      linh (5, 105), tư after mươi (24) but bốn after mười (14).
    - Groups nghìn, triệu, tỷ; a group after a higher one reads its zero hundreds ("không trăm");
      groups of zeros are skipped (21.000.000 → 'Hai mươi mốt triệu đồng'). Above a tỷ the
      count of tỷ is read the same way (1.500.000.000.000 → 'Một nghìn năm trăm tỷ đồng').
    Refuses 0, negatives, non-integers and more than 999.999.999.999.999 with a ValueError.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError("Số tiền phải là số nguyên đồng.")
    if amount <= 0:
        raise ValueError("Số tiền phải lớn hơn 0 đồng.")
    if amount > MAX_IN_WORDS:
        raise ValueError(f"Số tiền quá lớn để đọc thành chữ (tối đa {format_money(MAX_IN_WORDS)}).")
    billions, rest = divmod(amount, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += _below_billion(billions, full=False, zero_tens=zero_tens) + ["tỷ"]
    words += _below_billion(rest, full=bool(billions), zero_tens=zero_tens)
    words.append("đồng")
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:]
