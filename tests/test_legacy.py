"""Legacy 8-bit Vietnamese (TCVN3/ABC, VNI-Windows) as read from old Excel files."""

import random
import unicodedata

import pytest

from khuyenhoc_desktop.domain.legacy import ENCODINGS, detect, from_unicode, to_unicode

# Real names and place names; together they hold every vowel with every tone, đ/Đ, ơ/ư.
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bích Ngọc",
    "Lê Hữu Phước",
    "Phạm Quốc Việt",
    "Hoàng Thị Hằng",
    "Huỳnh Thúc Kháng",
    "Vũ Đình Tuấn",
    "Võ Thị Sáu",
    "Đặng Thùy Trâm",
    "Bùi Xuân Phái",
    "Đỗ Mười",
    "Ngô Bảo Châu",
    "Dương Vân Nga",
    "Lý Thường Kiệt",
    "Trịnh Công Sơn",
    "Đoàn Thị Điểm",
    "Hồ Xuân Hương",
    "Nguyễn Thị Mỵ",
    "Phan Văn Kỷ",
    "Trần Văn Dẫn",
    "Lương Thị Mỡ",
    "Nguyễn Thị Bé",
    "Nguyễn Thị Nhỏ",
    "Tôn Thất Thuyết",
    "Nguyễn Phước Bửu Lộc",
    "Nguyễn Văn Lực",
    "Phùng Khắc Khoan",
    "Cao Bá Quát",
    "Thúy Kiều",
    "Đà Nẵng",
    "Thừa Thiên Huế",
    "Bà Rịa - Vũng Tàu",
    "Mèo Vạc, Hà Giang",
    "Xã Ẳng Tở, huyện Mường Ảng, Điện Biên",
    "Quảng Ngãi",
    "Thanh Hóa",
    "Kẽm Trống",
    "Vĩnh Phúc",
    "Bình Thuận",
    "Mỹ Tho, Tiền Giang",
    "Trường Mầm non Tuổi Trẻ",
    "Mẹ Việt Nam Anh hùng",
    "Khổng Tử",
    "Ủy ban nhân dân xã Yên Thế",
    "Lê Lợi",
    "Nguyễn Minh Đức",
    "Cẩm Phả, Quảng Ninh",
    "Tỉnh Hòa Bình",
    "Phụng Hiệp, Hậu Giang",
]

# The 134 non-ASCII Vietnamese letters: 12 vowels x (plain + 5 tones) - 6 ASCII, plus đ; both cases.
VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
LOWER = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES] + ["đ"]
LETTERS = [c for c in LOWER + [c.upper() for c in LOWER] if not c.isascii()]

# TCVN3 has capital codes only for these; other capital letters are written with
# the lower-case code (UniKey does the same) and come back in lower case.
TCVN3_CAPITALS = set("ĂÂÊÔƠƯĐ")


def tcvn3_expected(text: str) -> str:
    return "".join(
        c.lower() if c.isupper() and not c.isascii() and c not in TCVN3_CAPITALS else c
        for c in text
    )


def test_there_are_134_letters_and_the_names_cover_them_all():
    assert len(set(LETTERS)) == 134
    used = set("".join(NAMES).lower())
    assert set(LOWER) - set("aeiouy") <= used
    assert any(c in "".join(NAMES) for c in "ĐƠƯ") and "Đ" in "".join(NAMES)
    assert len(NAMES) >= 40


def test_encodings_contract():
    assert set(ENCODINGS) == {"tcvn3", "vni"}


@pytest.mark.parametrize(
    "legacy, encoding, text",
    [
        # The examples of old commune files, and bytes from the published tables.
        ("NguyÔn V¨n An", "tcvn3", "Nguyễn Văn An"),
        ("Nguyeãn Vaên An", "vni", "Nguyễn Văn An"),
        ("§Æng ThÞ §µo", "tcvn3", "Đặng Thị Đào"),
        ("Tr\xad\xacng", "tcvn3", "Trương"),  # ư is 0xAD, the soft hyphen
        ("¸ µ ¶ · ¹", "tcvn3", "á à ả ã ạ"),
        ("¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ \xad ®", "tcvn3", "Ă Â Ê Ô Ơ Ư Đ ă â ê ô ơ ư đ"),
        ("ý ú û ü þ", "tcvn3", "ý ỳ ỷ ỹ ỵ"),
        ("Ñaëng Thò Ñaøo", "vni", "Đặng Thị Đào"),
        ("Tröôøng", "vni", "Trường"),  # longest match: öô + ôø
        ("ngöôøi Quaûng Ngaõi", "vni", "người Quảng Ngãi"),
        ("í ì æ ó ò", "vni", "í ì ỉ ĩ ị"),
        ("yù yø yû yõ î Î", "vni", "ý ỳ ỷ ỹ ỵ Ỵ"),
        ("aê aé aè aú aü aë", "vni", "ă ắ ằ ẳ ẵ ặ"),
        ("AÂ AÁ AÀ AÅ AÃ AÄ", "vni", "Â Ấ Ầ Ẩ Ẫ Ậ"),
        ("Aù", "vni", "Á"),  # accent byte typed in the other case
    ],
)
def test_known_conversions(legacy, encoding, text):
    assert to_unicode(legacy, encoding) == text
    assert unicodedata.is_normalized("NFC", to_unicode(legacy, encoding))


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_round_trips(letter):
    assert to_unicode(from_unicode(letter, "vni"), "vni") == letter
    assert to_unicode(from_unicode(letter, "tcvn3"), "tcvn3") == tcvn3_expected(letter)


@pytest.mark.parametrize("name", NAMES)
def test_names_round_trip(name):
    vni = from_unicode(name, "vni")
    tcvn3 = from_unicode(name, "tcvn3")
    assert vni != name or name.isascii()
    assert to_unicode(vni, "vni") == name
    assert to_unicode(tcvn3, "tcvn3") == tcvn3_expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_names_in_capitals_round_trip(name):
    caps = name.upper()
    assert to_unicode(from_unicode(caps, "vni"), "vni") == caps
    # Typed with .VnTimeH: the cell has no lower-case ASCII letter, so the letters
    # TCVN3 can only write in lower case are put back in capitals.
    back = to_unicode(from_unicode(caps, "tcvn3"), "tcvn3")
    assert back == caps or back == tcvn3_expected(caps)
    assert back.upper() == caps


def test_tcvn3_capital_cells():
    assert to_unicode("NGUYÔN V¡N AN", "tcvn3") == "NGUYỄN VĂN AN"
    assert to_unicode("§ÆNG THÞ §µO", "tcvn3") == "ĐẶNG THỊ ĐÀO"
    # Not enough to tell "Hồ" from "HỒ": kept as the bytes say.
    assert to_unicode("Hå", "tcvn3") == "Hồ"
    assert to_unicode("Lª Hå", "tcvn3") == "Lê Hồ"
    assert to_unicode("Tæ 5 KP Hå", "tcvn3") == "Tổ 5 KP Hồ"
    assert to_unicode("NguyÔn ThÞ ¸nh", "tcvn3") == "Nguyễn Thị ánh"


def test_digits_punctuation_and_spaces_are_kept():
    text = "Tổ 5,  KP 3 - (Phường 12); ĐT: 0912.345.678 / 50%  "
    for encoding in ENCODINGS:
        legacy = from_unicode(text, encoding)
        assert to_unicode(legacy, encoding) == text
    assert to_unicode("KH-000123 #1 ", "vni") == "KH-000123 #1 "
    assert to_unicode("", "tcvn3") == ""


def test_nothing_is_lost():
    rnd = random.Random(5)
    latin1 = [chr(c) for c in range(0x20, 0x100) if chr(c).isprintable()]
    for _ in range(500):
        text = "".join(rnd.choice(latin1) for _ in range(rnd.randint(1, 30)))
        # TCVN3 is one byte per letter: same length, unused bytes kept.
        assert len(to_unicode(text, "tcvn3")) == len(text)
        assert to_unicode(from_unicode(to_unicode(text, "vni"), "vni"), "vni") == to_unicode(text, "vni")
    ascii_text = "".join(chr(c) for c in range(0x20, 0x7F))
    for encoding in ENCODINGS:
        assert to_unicode(ascii_text, encoding) == ascii_text


def test_output_is_nfc_and_unicode_cells_are_left_alone():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Lê")
    for encoding in ENCODINGS:
        assert to_unicode(decomposed, encoding) == "Nguyễn Thị Lê"
        assert to_unicode("Trần Thị Hằng", encoding) == "Trần Thị Hằng"
    assert from_unicode(decomposed, "vni") == from_unicode("Nguyễn Thị Lê", "vni")


def test_unknown_encoding():
    with pytest.raises(ValueError, match="Bảng mã không được hỗ trợ"):
        to_unicode("abc", "viscii")
    with pytest.raises(ValueError, match="Bảng mã"):
        from_unicode("abc", "TCVN")


# Detection -----------------------------------------------------------------


def test_detects_whole_columns():
    assert detect(from_unicode(n, "tcvn3") for n in NAMES) == "tcvn3"
    assert detect([from_unicode(n, "vni") for n in NAMES]) == "vni"
    assert detect([from_unicode(n.upper(), "tcvn3") for n in NAMES]) == "tcvn3"
    assert detect([from_unicode(n.upper(), "vni") for n in NAMES]) == "vni"


def test_one_cell_is_enough_when_it_is_clear():
    assert detect(["NguyÔn V¨n An"]) == "tcvn3"
    assert detect(["Nguyeãn Vaên An"]) == "vni"


@pytest.mark.parametrize("name", NAMES)
def test_single_cells_never_get_the_wrong_answer(name):
    assert detect([name]) is None
    assert detect([name.upper()]) is None
    assert detect([from_unicode(name, "tcvn3")]) in ("tcvn3", None)
    assert detect([from_unicode(name, "vni")]) in ("vni", None)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [""],
        ["", "   "],
        NAMES,
        [n.upper() for n in NAMES],
        [unicodedata.normalize("NFD", n) for n in NAMES],
        # Unicode Vietnamese that happens to use only Latin-1 letters.
        ["Lê Thú", "Hà", "Võ Tú", "Ngô Hòa", "Tô Lâm", "Hồ"],
        ["John Smith", "KH-000123", "0912345678", "N/A", "Nguyen Van A"],
        ["Café", "José García", "Zoë Müller", "François", "Señor Ñoño", "Ærø"],
        ["≥ 5", "100.000 ₫", "–", "…"],
        # Lone symbols would read as single TCVN3 vowels (½ = ẵ, µ = à).
        ["1½", "2¼", "3 µm", "§ 4", "© 2001", "50 °C", "± 2"],
    ],
)
def test_not_legacy(values):
    assert detect(values) is None


def test_mixed_columns_follow_the_majority():
    unicode_cells = NAMES[:20]
    legacy_cells = [from_unicode(n, "tcvn3") for n in NAMES[20:26]]
    # Mostly Unicode with a few legacy cells: do not convert the column.
    assert detect(unicode_cells + legacy_cells) is None
    # Mostly legacy with a few retyped cells: convert; the Unicode cells survive.
    legacy_col = [from_unicode(n, "tcvn3") for n in NAMES[:30]] + NAMES[30:34]
    assert detect(legacy_col) == "tcvn3"
    converted = [to_unicode(v, "tcvn3") for v in legacy_col]
    assert converted[30:34] == NAMES[30:34]
    # ASCII cells carry no evidence either way.
    ascii_cells = ["Nguyen Van A", "0912345678", "KH-000123"] * 10
    assert detect(ascii_cells + [from_unicode(n, "vni") for n in NAMES[:3]]) == "vni"
    # Half and half: no majority.
    assert detect(NAMES[:5] + [from_unicode(n, "vni") for n in NAMES[5:10]]) is None


def test_tie_between_encodings_is_none():
    tcvn3 = [from_unicode(n, "tcvn3") for n in NAMES[:5]]
    vni = [from_unicode(n, "vni") for n in NAMES[5:10]]
    assert detect(tcvn3 + vni) is None


def test_detect_ignores_non_text_cells():
    assert detect([None, 12, 3.5, "NguyÔn V¨n An"]) == "tcvn3"  # type: ignore[list-item]
