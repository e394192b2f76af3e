"""The one place that reads and writes dates: dd/mm/yyyy on screen and in files."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")


def today() -> dt.date:
    return dt.date.today()


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def long_date(value: dt.date) -> str:
    """'ngày 05 tháng 01 năm 2026'; Decree 30 pads days under 10 and months under 3 only
    ('tháng 01', 'tháng 02', but 'tháng 3' … 'tháng 12')."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def parse_date(text: str | None) -> dt.date | None:
    """'05/09/1980' → date; '' → None. Raises ValueError with a Vietnamese message."""
    if text is None or not str(text).strip():
        return None
    match = _DATE.match(str(text))
    if not match:
        raise ValueError("Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/09/1980.")
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"Ngày {text.strip()} không có thật trên lịch.") from None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
