"""Field rules shared by dialogs, the import and the services. Messages in Vietnamese."""

from __future__ import annotations

import datetime as dt
import re

from khuyenhoc_desktop.domain.cccd import check_cccd
from khuyenhoc_desktop.domain.dates import parse_date, today

_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")
MIN_BIRTH_YEAR = 1900


def clean_phone(value: str | None) -> str:
    return re.sub(r"[\s.\-()]", "", value or "")


def check_phone(value: str | None) -> str | None:
    phone = clean_phone(value)
    if phone and not _PHONE.match(phone):
        return "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."
    return None


def check_required(value: str | None, what: str) -> str | None:
    return None if (value or "").strip() else f"Chưa nhập {what}."


def check_date_text(text: str | None, what: str, *, required: bool = False) -> str | None:
    """Message for a dd/mm/yyyy field that is malformed, missing or in the future."""
    try:
        value = parse_date(text)
    except ValueError as exc:
        return f"{what}: {exc}"
    if value is None:
        return f"Chưa nhập {what.lower()}." if required else None
    return check_not_future(value, what)


def check_not_future(value: dt.date | None, what: str) -> str | None:
    if value and value > today():
        return f"{what} không thể sau ngày hôm nay."
    return None


def check_birth_year(year: int | None) -> str | None:
    if year is None:
        return "Chưa nhập năm sinh hoặc ngày sinh."
    if year > today().year:
        return "Năm sinh không thể sau năm hiện tại."
    if year < MIN_BIRTH_YEAR:
        return f"Năm sinh phải từ {MIN_BIRTH_YEAR} trở về sau."
    return None


def check_person_cccd(cccd: str | None, birth_year: int | None, sex: str | None) -> str | None:
    return check_cccd(cccd, birth_year, sex) if cccd else None


def check_money(amount: int | None, what: str = "Số tiền") -> str | None:
    if amount is None:
        return f"Chưa nhập {what.lower()}."
    if amount <= 0:
        return f"{what} phải lớn hơn 0."
    return None
