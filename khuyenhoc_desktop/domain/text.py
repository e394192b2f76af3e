"""The one place for Vietnamese text: NFC, search folding, collation keys, name parts."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")

# Vowel modifiers that make a distinct letter (ă â ê ô ơ ư), and tone marks.
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
# ngang (none), huyền, hỏi, ngã, sắc, nặng: the dictionary tone order.
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]
# Key alphabet (byte order == intended order, also in UTF-8):
# ' ' ends a name part, '!' ends a word inside a part, '"'..'\'' are the six tones,
# '0'..'9' digits, 'A'.. letters, anything else after them by code point.
_FIELD_SEP = " "
_WORD_SEP = "!"
_TONE_CHARS = "\"#$%&'"
_LETTER_KEY = {letter: chr(0x41 + i) for i, letter in enumerate(_ALPHABET)}


def nfc(value: str | None) -> str:
    """Normalise user text: NFC, no surrounding or repeated spaces."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Search form: lower case, no tone or vowel marks, đ→d, single spaces."""
    if not value:
        return ""
    return " ".join(filter(None, map(_fold_word, value.split())))


# Names and addresses repeat a small set of words: each is folded once (an import folds ~10⁵ names).
@functools.lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D").lower()


def search_terms(query: str | None) -> list[str]:
    """Words of a search box, folded; punctuation other than digits and letters dropped."""
    return [t for t in re.split(r"[^0-9a-z]+", fold(query)) if t]


def _letter_and_tone(ch: str) -> tuple[str, int]:
    parts = unicodedata.normalize("NFD", ch.lower())
    base, marks = parts[0], parts[1:]
    tone = 0
    letter = base
    for mark in marks:
        if mark in _TONE_MARKS:
            tone = _TONE_MARKS[mark]
        elif mark in _LETTER_MARKS:
            letter = unicodedata.normalize("NFC", letter + mark)
    return letter, tone


@functools.lru_cache(maxsize=1 << 16)
def _word_key(word: str) -> str:
    # Numbers compare by value: "Thôn 2" before "Thôn 10".
    word = _DIGITS.sub(lambda m: m.group().rjust(8, "0"), word)
    out = []
    tone = 0
    for ch in word:
        letter, ch_tone = _letter_and_tone(ch)
        tone = tone or ch_tone
        if letter in _LETTER_KEY:
            out.append(_LETTER_KEY[letter])
        elif letter.isdigit() and letter.isascii():
            out.append(letter)
        else:
            out.append(chr(0x100 + ord(letter)))
    out.append(_TONE_CHARS[tone])
    return "".join(out)


def collation_key(text: str | None) -> str:
    """Key whose plain (binary) order is the Vietnamese dictionary order of `text`."""
    return _WORD_SEP.join(_word_key(w) for w in nfc(text).split(" ") if w)


def name_sort_key(family: str, middle: str, given: str) -> str:
    """Persons sort by given name, then middle name(s), then family name."""
    return _FIELD_SEP.join(collation_key(part) for part in (given, middle, family))


@dataclass(frozen=True)
class NameParts:
    family: str
    middle: str
    given: str

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.family, self.middle, self.given) if p)


def person_name_case(value: str | None) -> str:
    """'NGUYỄN văn an' → 'Nguyễn Văn An'."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in nfc(value).split(" ") if w)


def split_full_name(full_name: str | None) -> NameParts:
    """Family name is the first word, given name the last, middle whatever is between."""
    words = person_name_case(full_name).split(" ")
    words = [w for w in words if w]
    if not words:
        return NameParts("", "", "")
    if len(words) == 1:
        return NameParts("", "", words[0])
    return NameParts(words[0], " ".join(words[1:-1]), words[-1])
