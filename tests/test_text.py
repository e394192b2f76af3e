import unicodedata

import pytest

from khuyenhoc_desktop.domain.text import (
    collation_key,
    fold,
    name_sort_key,
    nfc,
    search_terms,
    split_full_name,
)


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("Đỗ đức", "do duc"),
        (unicodedata.normalize("NFD", "Trần Thị Hằng"), "tran thi hang"),
        ("  Lê   Ánh  ", "le anh"),
        ("Phường 10", "phuong 10"),
        ("Lê \u0301 Ánh\u00a0\tVăn\n", "le anh van"),  # a stray mark alone, odd spaces
        ("", ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_search_terms_drop_punctuation():
    assert search_terms("Đặng-Văn,  AN") == ["dang", "van", "an"]


def test_nfc_joins_decomposed_marks():
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert len(decomposed) > len("Nguyễn")
    assert nfc(decomposed) == "Nguyễn"


def test_vietnamese_given_name_order():
    names = [
        "Lý Zin", "Đỗ Ă", "Ngô Dũng", "Nguyễn Ân", "Trần Án", "Vũ Đức", "Bùi Bình",
        "Phạm Anh", "Lê Ấn", "Hồ Ánh", "Võ Ý", "Đặng An", "Trần Văn Ơn", "Lê Thị Ô",
        "Mai Ỷ", "Lưu Đào", "Tạ Dương",
    ]
    expected = [
        "Đặng An", "Trần Án", "Phạm Anh", "Hồ Ánh", "Đỗ Ă", "Nguyễn Ân", "Lê Ấn",
        "Bùi Bình", "Ngô Dũng", "Tạ Dương", "Lưu Đào", "Vũ Đức", "Lê Thị Ô", "Trần Văn Ơn",
        "Mai Ỷ", "Võ Ý", "Lý Zin",
    ]

    def key(name):
        parts = split_full_name(name)
        return name_sort_key(parts.family, parts.middle, parts.given)

    assert sorted(names, key=key) == expected


def test_same_given_name_orders_by_middle_then_family():
    names = ["Trần Văn An", "Nguyễn Văn An", "Lê An", "Nguyễn Thị An", "Bùi Văn Minh An"]
    parts = [split_full_name(n) for n in names]
    ordered = [p.full for p in sorted(parts, key=lambda p: name_sort_key(p.family, p.middle, p.given))]
    assert ordered == ["Lê An", "Nguyễn Thị An", "Nguyễn Văn An", "Trần Văn An", "Bùi Văn Minh An"]


def test_tone_order_ngang_huyen_hoi_nga_sac_nang():
    words = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(words), key=collation_key) == words


def test_numbers_in_names_compare_by_value():
    names = ["Thôn 10", "Thôn 2", "Thôn 1"]
    assert sorted(names, key=collation_key) == ["Thôn 1", "Thôn 2", "Thôn 10"]


def test_split_full_name():
    parts = split_full_name("  nguyễn   THỊ minh  khai ")
    assert (parts.family, parts.middle, parts.given) == ("Nguyễn", "Thị Minh", "Khai")
    assert split_full_name("An").given == "An"
