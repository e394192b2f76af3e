"""Masking personal numbers (Decree 13/2023/NĐ-CP): CCCD and phone numbers shown to read-only
users and written to exports keep only enough digits to tell people apart."""

from __future__ import annotations


def _mask(value, keep_start: int, keep_end: int) -> str:
    text = str(value or "").strip()
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_cccd(value) -> str:
    """'001090123456' → '0010******56': the province and century/sex digits stay readable;
    short values are masked whole."""
    return _mask(value, 4, 2)


def mask_phone(value) -> str:
    """'0912345678' → '091****678': the network prefix and the last three digits."""
    return _mask(value, 3, 3)


MASKS = {"cccd": mask_cccd, "phone": mask_phone}


def mask(kind: str, value) -> str:
    return MASKS[kind](value)
