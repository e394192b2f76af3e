"""Domain rules without a database: citizen IDs, money, dates and the field checks."""

import datetime as dt

import pytest

from khuyenhoc_desktop.domain import cccd, dates, money, validation
from khuyenhoc_desktop.domain.cccd import check_cccd, make_cccd


# ---------------------------------------------------------------- CCCD
@pytest.mark.parametrize(
    "year, sex, digit",
    [(1900, "M", 0), (1985, "M", 0), (1999, "F", 1), (1962, "F", 1), (2000, "M", 2), (2007, "M", 2),
     (2000, "F", 3), (2012, "F", 3), (2100, "M", 4), (2101, "F", 5)],
)
def test_century_sex_digit(year, sex, digit):
    assert cccd.century_sex_digit(year, sex) == digit


@pytest.mark.parametrize(
    "province, year, sex, serial, expected",
    [
        ("001", 1985, "M", 123, "001085000123"),
        ("079", 1962, "F", 4567, "079162004567"),
        ("036", 2007, "M", 1, "036207000001"),
        ("096", 2012, "F", 999999, "096312999999"),
    ],
)
def test_make_cccd_layout_and_it_checks_clean(province, year, sex, serial, expected):
    number = make_cccd(province, year, sex, serial)
    assert number == expected
    assert check_cccd(number) is None
    assert check_cccd(number, year, sex) is None


@pytest.mark.parametrize("bad", ["", "12345678901", "1234567890123", "00108500012a", "001 85000123"])
def test_cccd_must_have_twelve_digits(bad):
    assert check_cccd(bad) == "Số CCCD phải có đủ 12 chữ số."


def test_cccd_unknown_province_code():
    assert check_cccd("000085000123") == "Số CCCD bắt đầu bằng mã tỉnh 000 không có thật."
    # 003 is not in the 63-province list (there is no Hà Giang 003: it is 002).
    assert check_cccd("003085000123") == "Số CCCD bắt đầu bằng mã tỉnh 003 không có thật."


def test_cccd_year_digits_must_match_birth_year():
    number = make_cccd("001", 1985, "M", 1)
    assert check_cccd(number, 1986, "M") == (
        "Số CCCD không khớp năm sinh 1986 (chữ số 5–6 phải là 86)."
    )


def test_cccd_century_digit_must_match_birth_year():
    number_2005 = make_cccd("001", 2005, "M", 1)  # digit 4 = 2
    assert check_cccd(number_2005, 1905, "M") == (
        "Số CCCD không khớp năm sinh 1905 (chữ số thứ 4 sai thế kỷ)."
    )
    number_1905_f = make_cccd("001", 1905, "F", 1)  # digit 4 = 1
    assert check_cccd(number_1905_f, 2005, "F") == (
        "Số CCCD không khớp năm sinh 2005 (chữ số thứ 4 sai thế kỷ)."
    )


@pytest.mark.parametrize("year", [1975, 2004])
def test_cccd_sex_digit_must_match_sex(year):
    message = "Số CCCD không khớp giới tính (chữ số thứ 4 chẵn là nam, lẻ là nữ)."
    assert check_cccd(make_cccd("001", year, "M", 5), year, "F") == message
    assert check_cccd(make_cccd("001", year, "F", 5), year, "M") == message
    # Unknown sex: nothing to compare.
    assert check_cccd(make_cccd("001", year, "F", 5), year, None) is None


def test_person_cccd_empty_is_allowed():
    assert validation.check_person_cccd("", 1980, "M") is None
    assert validation.check_person_cccd(None, 1980, "M") is None


# ---------------------------------------------------------------- money
@pytest.mark.parametrize(
    "text, amount",
    [
        ("1.250.000 đ", 1_250_000),
        ("1.250.000đ", 1_250_000),
        ("1250000", 1_250_000),
        ("1 250 000", 1_250_000),
        ("50.000 VND", 50_000),
        ("50.000 vnđ", 50_000),
        ("50.000 VNĐ", 50_000),
        ("0", 0),
        (75_000, 75_000),
    ],
)
def test_parse_money(text, amount):
    assert money.parse_money(text) == amount


@pytest.mark.parametrize("empty", [None, "", "   ", " đ "])
def test_parse_money_empty(empty):
    assert money.parse_money(empty) is None


@pytest.mark.parametrize("bad", ["12,5", "-5000", "năm mươi nghìn", "1.250.000,50"])
def test_parse_money_rejects_non_whole_dong(bad):
    with pytest.raises(ValueError) as info:
        money.parse_money(bad)
    assert str(info.value) == "Số tiền chỉ gồm chữ số, tính bằng đồng, ví dụ 50.000."


@pytest.mark.parametrize(
    "amount, text",
    [(1_250_000, "1.250.000 đ"), (0, "0 đ"), (500, "500 đ"), (1000, "1.000 đ"), (12_345_678_900, "12.345.678.900 đ")],
)
def test_format_money(amount, text):
    assert money.format_money(amount) == text
    assert money.parse_money(text) == amount


def test_format_money_none_and_counts():
    assert money.format_money(None) == ""
    assert money.format_count(12345) == "12.345"
    assert money.format_count(7) == "7"
    assert money.format_count(3321) == "3.321"


def test_check_money():
    assert validation.check_money(None) == "Chưa nhập số tiền."
    assert validation.check_money(0) == "Số tiền phải lớn hơn 0."
    assert validation.check_money(-1, "Mức hội phí") == "Mức hội phí phải lớn hơn 0."
    assert validation.check_money(50_000) is None


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize(
    "text, value",
    [
        ("05/01/2026", dt.date(2026, 1, 5)),
        ("5/1/2026", dt.date(2026, 1, 5)),
        (" 05.01.2026 ", dt.date(2026, 1, 5)),
        ("05-01-2026", dt.date(2026, 1, 5)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_parse_date(text, value):
    assert dates.parse_date(text) == value


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_parse_date_empty(empty):
    assert dates.parse_date(empty) is None


@pytest.mark.parametrize("bad", ["2020-01-05", "05/01/26", "05/2026", "hôm qua", "5 tháng 1 2026"])
def test_parse_date_malformed(bad):
    with pytest.raises(ValueError) as info:
        dates.parse_date(bad)
    assert str(info.value) == "Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/09/1980."


@pytest.mark.parametrize("bad", ["31/02/2020", "29/02/2023", "00/01/2020", "15/13/2020"])
def test_parse_date_not_on_calendar(bad):
    with pytest.raises(ValueError) as info:
        dates.parse_date(bad)
    assert str(info.value) == f"Ngày {bad} không có thật trên lịch."


def test_format_and_long_date():
    assert dates.format_date(dt.date(2026, 1, 5)) == "05/01/2026"
    assert dates.format_date(dt.date(2026, 9, 5)) == "05/09/2026"
    assert dates.format_date(None) == ""
    assert dates.long_date(dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert dates.long_date(dt.date(2025, 12, 31)) == "ngày 31 tháng 12 năm 2025"
    assert dates.long_date(dt.date(2026, 5, 1)) == "ngày 01 tháng 5 năm 2026"
    value = dt.date(1980, 9, 5)
    assert dates.parse_date(dates.format_date(value)) == value


def test_utcnow_is_naive_utc():
    now = dates.utcnow()
    assert now.tzinfo is None
    aware = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert abs((aware - now).total_seconds()) < 5


# ---------------------------------------------------------------- field checks
def test_check_date_text():
    assert validation.check_date_text("", "Ngày sinh") is None
    assert validation.check_date_text("", "Ngày đóng", required=True) == "Chưa nhập ngày đóng."
    assert validation.check_date_text("31/02/2020", "Ngày sinh") == (
        "Ngày sinh: Ngày 31/02/2020 không có thật trên lịch."
    )
    assert validation.check_date_text("2020-01-05", "Ngày sinh") == (
        "Ngày sinh: Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/09/1980."
    )
    tomorrow = dates.today() + dt.timedelta(days=1)
    assert validation.check_date_text(dates.format_date(tomorrow), "Ngày vào hội") == (
        "Ngày vào hội không thể sau ngày hôm nay."
    )
    assert validation.check_date_text(dates.format_date(dates.today()), "Ngày vào hội") is None


def test_check_birth_year():
    this_year = dates.today().year
    assert validation.check_birth_year(None) == "Chưa nhập năm sinh hoặc ngày sinh."
    assert validation.check_birth_year(this_year + 1) == "Năm sinh không thể sau năm hiện tại."
    assert validation.check_birth_year(1899) == "Năm sinh phải từ 1900 trở về sau."
    assert validation.check_birth_year(this_year) is None
    assert validation.check_birth_year(1900) is None


@pytest.mark.parametrize("good", ["", "0912345678", "0912 345 678", "091.234.5678", "+84912345678", "02213123456"])
def test_check_phone_accepts(good):
    assert validation.check_phone(good) is None


@pytest.mark.parametrize("bad", ["12345", "912345678", "09123456789012", "0912abc678", "+8491234"])
def test_check_phone_rejects(bad):
    assert validation.check_phone(bad) == (
        "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."
    )


def test_clean_phone_and_required():
    assert validation.clean_phone(" 0912-345.678 ") == "0912345678"
    assert validation.clean_phone(None) == ""
    assert validation.check_required("  ", "họ") == "Chưa nhập họ."
    assert validation.check_required(None, "tên hội") == "Chưa nhập tên hội."
    assert validation.check_required("Hội", "tên hội") is None
