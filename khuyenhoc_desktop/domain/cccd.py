"""Citizen ID (CCCD): 12 digits = province of birth registration + century/sex + year + serial."""

from __future__ import annotations

# Birth-registration province codes (the 63-province list of TT 07/2016/TT-BCA, never remapped).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)


def century_sex_digit(birth_year: int, sex: str) -> int:
    """1900s: 0 male, 1 female; 2000s: 2 / 3; and so on every century."""
    century_index = (birth_year // 100) - 19
    return 2 * century_index + (1 if sex == "F" else 0)


def make_cccd(province_code: str, birth_year: int, sex: str, serial: int) -> str:
    return f"{province_code}{century_sex_digit(birth_year, sex)}{birth_year % 100:02d}{serial:06d}"


def check_cccd(cccd: str, birth_year: int | None = None, sex: str | None = None) -> str | None:
    """Vietnamese message for what is wrong with `cccd`, or None if it is consistent."""
    if len(cccd) != 12 or not cccd.isdigit():
        return "Số CCCD phải có đủ 12 chữ số."
    if cccd[:3] not in PROVINCE_CODES:
        return f"Số CCCD bắt đầu bằng mã tỉnh {cccd[:3]} không có thật."
    digit = int(cccd[3])
    if birth_year is not None:
        if cccd[4:6] != f"{birth_year % 100:02d}":
            return f"Số CCCD không khớp năm sinh {birth_year} (chữ số 5–6 phải là {birth_year % 100:02d})."
        expected_century = century_sex_digit(birth_year, "M") // 2
        if digit // 2 != expected_century:
            return f"Số CCCD không khớp năm sinh {birth_year} (chữ số thứ 4 sai thế kỷ)."
    if sex in ("M", "F") and digit % 2 != (1 if sex == "F" else 0):
        return "Số CCCD không khớp giới tính (chữ số thứ 4 chẵn là nam, lẻ là nữ)."
    return None
