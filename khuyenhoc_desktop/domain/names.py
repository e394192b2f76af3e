"""Personal names in public papers."""

from __future__ import annotations

import unicodedata

from khuyenhoc_desktop.domain.text import nfc

# Tone marks (huyền, sắc, hỏi, ngã, nặng); the marks that make letters (ă â ê ô ơ ư) stay.
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}


def initials(full_name: str) -> str:
    """'Nguyễn Văn An' → 'N.V.A.': the first letter of each word in capitals, as the alphabet
    has it (tone marks dropped: 'Ánh' → 'A', 'Ấn' → 'Â', 'Đỗ' → 'Đ'). Used to publish a minor's
    name on a public notice without naming the child."""
    letters = []
    for word in nfc(full_name).split():
        first = "".join(c for c in unicodedata.normalize("NFD", word[0]) if c not in _TONES)
        letters.append(unicodedata.normalize("NFC", first).upper())
    return "".join(f"{letter}." for letter in letters)
