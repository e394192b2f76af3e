"""Amounts in Vietnamese words, as vouchers write them; initials for public lists."""

import pytest

from khuyenhoc_desktop.domain.money import amount_in_words
from khuyenhoc_desktop.domain.names import initials

WORDS = [
    (1, "Một đồng"),
    (5, "Năm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"),
    (25, "Hai mươi lăm đồng"),
    (55, "Năm mươi lăm đồng"),
    (101, "Một trăm linh một đồng"),
    (104, "Một trăm linh bốn đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (111, "Một trăm mười một đồng"),
    (115, "Một trăm mười lăm đồng"),
    (1_000, "Một nghìn đồng"),
    (1_001, "Một nghìn không trăm linh một đồng"),
    (500_000, "Năm trăm nghìn đồng"),
    (1_000_005, "Một triệu không trăm linh năm đồng"),
    (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
    (1_250_500, "Một triệu hai trăm năm mươi nghìn năm trăm đồng"),
    (21_000_000, "Hai mươi mốt triệu đồng"),
    (1_000_000_000, "Một tỷ đồng"),
    (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
    (2_000_015_000, "Hai tỷ không trăm mười lăm nghìn đồng"),
    (1_050_000_000, "Một tỷ không trăm năm mươi triệu đồng"),
    (1_500_000_000_000, "Một nghìn năm trăm tỷ đồng"),
    (999_999_999_999_999, "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi "
                          "chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
]


@pytest.mark.parametrize(("amount", "words"), WORDS)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_southern_zero_tens():
    assert amount_in_words(105, zero_tens="lẻ") == "Một trăm lẻ năm đồng"
    assert amount_in_words(1_000_005, zero_tens="lẻ") == "Một triệu không trăm lẻ năm đồng"


@pytest.mark.parametrize(("amount", "message"), [
    (0, "lớn hơn 0"), (-5, "lớn hơn 0"), (1.5, "số nguyên"), ("1000", "số nguyên"), (True, "số nguyên"),
    (None, "số nguyên"), (1_000_000_000_000_000, "quá lớn"),
])
def test_refusals(amount, message):
    with pytest.raises(ValueError, match=message):
        amount_in_words(amount)


def test_initials():
    assert initials("Nguyễn Văn An") == "N.V.A."
    assert initials(" đỗ  thị   Ánh ") == "Đ.T.A."
    assert initials("Lê Ấn") == "L.Â."
    assert initials("") == ""
