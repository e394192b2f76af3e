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
