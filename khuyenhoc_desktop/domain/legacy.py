"""Vietnamese typed in the legacy 8-bit encodings TCVN3 (ABC) and VNI-Windows.

Old commune spreadsheets were typed with the fonts ".VnTime"/".VnArial" (TCVN3)
or "VNI-Times" (VNI).  Excel stored the raw bytes as Windows-1252 characters,
so openpyxl hands us e.g. "NguyÔn V¨n An" (TCVN3) or "Nguyeãn Vaên An" (VNI)
for "Nguyễn Văn An".  This module detects such columns and converts them to
Unicode NFC.  Pure functions: no Qt, no I/O.

Tables (three sources checked against each other):
- UniKey's VnConv converter (Pham Kim Long, GPL): `SingleByteTables` (TCVN3) and
  `DoubleByteTables` (VNI-WIN) in unikey/data.cpp, as shipped in fcitx5-unikey and
  ibus-unikey (ukengine/tables/singlebyte/tcvn3.cpp, .../doublebytes/vni_win.cpp).
- glibc iconv "TCVN5712-1" (TCVN 5712:1993 VN1): all 74 TCVN3 codes below decode
  to the same letters there (checked byte by byte; VN1 adds capitals VN3 lacks).
- duydev/vietnamese-conversion (npm, src/charsets.ts) and lamdao/xvnkb (vni.h):
  the same TCVN3 lower-case and VNI sequences.
TCVN3 (VN3) has capital codes only for Ă Â Ê Ô Ơ Ư Đ; other capitals were typed
with the capital fonts (.VnTimeH), which draw the lower-case codes as capitals.
Like UniKey we encode a toned capital with the lower-case code and decode codes
as lower case, except that a cell typed ALL IN CAPITALS is kept in capitals
(see `_tcvn3_caps`).  Bytes the standard leaves unused stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

ENCODINGS = {"tcvn3": "TCVN3 (ABC, phông .VnTime)", "vni": "VNI-Windows (phông VNI-Times)"}

# A legacy column is reported when the cells voting for that encoding are a strict
# majority of the cells that carry evidence either way, and at least EVIDENCE of
# the cells holding any non-ASCII character (see `detect`).
MAJORITY = 0.5
EVIDENCE = 0.5

# ---------------------------------------------------------------------------
# The Vietnamese letters, in UniKey's order: each vowel plain, then the tones
# sắc, huyền, hỏi, ngã, nặng.
_TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_VOWEL_BASES = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _toned(base: str) -> list[str]:
    return [base] + [unicodedata.normalize("NFC", base + mark) for mark in _TONE_MARKS]


# TCVN3 byte of each lower-case letter (None: the ASCII letter itself).
_TCVN3_LOWER = {
    "a": (None, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),
    "e": (None, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),
    "i": (None, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),
    "o": (None, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),
    "u": (None, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),
    "y": (None, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),
}
_TCVN3_CAPITALS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}

# VNI-Windows: base letter + one accent byte (circumflex and breve combine with
# the tone in a single byte), or one byte for đ, ơ, ư and the toned i, ỵ.
_VNI_LOWER = {
    "a": ("a", "aù", "aø", "aû", "aõ", "aï"),
    "ă": ("aê", "aé", "aè", "aú", "aü", "aë"),
    "â": ("aâ", "aá", "aà", "aå", "aã", "aä"),
    "e": ("e", "eù", "eø", "eû", "eõ", "eï"),
    "ê": ("eâ", "eá", "eà", "eå", "eã", "eä"),
    "i": ("i", "í", "ì", "æ", "ó", "ò"),
    "o": ("o", "où", "oø", "oû", "oõ", "oï"),
    "ô": ("oâ", "oá", "oà", "oå", "oã", "oä"),
    "ơ": ("ô", "ôù", "ôø", "ôû", "ôõ", "ôï"),
    "u": ("u", "uù", "uø", "uû", "uõ", "uï"),
    "ư": ("ö", "öù", "öø", "öû", "öõ", "öï"),
    "y": ("y", "yù", "yø", "yû", "yõ", "î"),
}


def _build_tables():
    tcvn3_encode: dict[str, str] = {}
    vni_encode: dict[str, str] = {}
    for base in _VOWEL_BASES:
        for letter, code, vni in zip(_toned(base), _TCVN3_LOWER[base], _VNI_LOWER[base]):
            if code is not None:
                tcvn3_encode[letter] = chr(code)
                if letter.upper() not in _TCVN3_CAPITALS:
                    tcvn3_encode[letter.upper()] = chr(code)  # no capital code (UniKey)
            if vni != letter:
                vni_encode[letter] = vni
                vni_encode[letter.upper()] = vni.upper()
    tcvn3_encode["đ"] = chr(0xAE)
    for capital, code in _TCVN3_CAPITALS.items():
        tcvn3_encode[capital] = chr(code)
    vni_encode["đ"], vni_encode["Đ"] = "ñ", "Ñ"
    return tcvn3_encode, vni_encode


def _vni_decode_table(encode: dict[str, str]) -> dict[str, str]:
    table = {seq: letter for letter, seq in encode.items()}
    for letter, seq in encode.items():
        if len(seq) == 2:  # tolerate an accent byte typed in the other case: "Aù" → "Á"
            table.setdefault(seq[0] + seq[1].swapcase(), letter)
    return table


_TCVN3_ENCODE, _VNI_ENCODE = _build_tables()
_TCVN3_DECODE = {
    ord(code): letter for letter, code in _TCVN3_ENCODE.items()
    if letter.islower() or letter in _TCVN3_CAPITALS
}
_VNI_DECODE = _vni_decode_table(_VNI_ENCODE)
# Longest match first: "ôù" (ớ) before "ô" (ơ).
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, _VNI_DECODE), key=len, reverse=True)))
_ENCODE_TABLES = {"tcvn3": _TCVN3_ENCODE, "vni": _VNI_ENCODE}

# Windows-1252 characters of the bytes 0x80-0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ' ' " " • – — ˜ ™ š › œ ž Ÿ).
_CP1252_HIGH = "".join(bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xA0))
# A character no legacy byte can produce: the text is already Unicode.
_NOT_LEGACY = re.compile("[^\x00-\xff" + re.escape(_CP1252_HIGH) + "]")

# Lower-case letters a TCVN3 byte decodes to (for the ALL-CAPS rule).
_TCVN3_LOWER_OUT = frozenset(v for v in _TCVN3_DECODE.values() if v.islower())
_WORD = re.compile(r"[^\W\d_]+")


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(
            f"Bảng mã không được hỗ trợ: {encoding!r}. Chỉ chuyển được từ: "
            + ", ".join(f"{k} ({v})" for k, v in ENCODINGS.items())
        )


def _tcvn3_caps(text: str) -> str:
    """Keep a cell typed in capitals (font .VnTimeH) in capitals.

    TCVN3 has no codes for capital toned vowels, so "NGUYỄN" is stored as
    "NGUYÔN" and decodes to "NGUYễN".  A cell counts as typed in capitals when
    it has no lower-case ASCII letter and one of its words has a decoded
    lower-case letter and at least two capitals ("NGUYễN", "ĐàO"); then its
    decoded letters are put in capitals.  "Hồ", "Lê", "Đỗ" alone stay as they
    are: TCVN3 cannot tell "Hồ" from "HỒ".
    """
    if not any(ch in _TCVN3_LOWER_OUT for ch in text):
        return text
    if any("a" <= ch <= "z" for ch in text):
        return text
    for word in _WORD.findall(text):
        if any(ch in _TCVN3_LOWER_OUT for ch in word) and sum(ch.isupper() for ch in word) >= 2:
            return "".join(ch.upper() if ch in _TCVN3_LOWER_OUT else ch for ch in text)
    return text


def to_unicode(text: str, encoding: str) -> str:
    """Convert one cell's text from `encoding` ('tcvn3' | 'vni') to Unicode NFC.

    Raises ValueError for an unknown encoding name.  Digits, punctuation, spaces
    and bytes the encoding does not use are kept.  A text holding a character
    no legacy byte can give (e.g. "ễ", "ư", "đ") is already Unicode and is only
    NFC-normalised, so a column with a few retyped cells can be converted cell
    by cell.
    """
    _check_encoding(encoding)
    if not text:
        return text
    if _NOT_LEGACY.search(text):
        return unicodedata.normalize("NFC", text)
    if encoding == "tcvn3":
        out = _tcvn3_caps(text.translate(_TCVN3_DECODE))
    else:
        out = _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group()], text)
    return unicodedata.normalize("NFC", out)


def from_unicode(text: str, encoding: str) -> str:
    """The legacy form of Unicode `text` as openpyxl would read it (for tests and sample files).

    TCVN3 writes capital toned vowels with the lower-case code, as UniKey does.
    Characters the encoding has no code for are kept.
    """
    _check_encoding(encoding)
    table = _ENCODE_TABLES[encoding]
    return "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFC", text or ""))


# ---------------------------------------------------------------------------
# Detection: is a word a well-formed Vietnamese syllable?

_CONSONANTS = "bcdđghklmnpqrstvx"
_INITIALS = sorted(
    ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
     "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"],
    key=len, reverse=True,
)
_FINALS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
_FINALS_STOP = frozenset(["c", "ch", "p", "t"])  # take only the sắc or nặng tone
_NUCLEI = frozenset(
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê "
    "iêu yêu oai oay oeo uây uôi uya uyê uyu ươi ươu".split()
)
# Nuclei ending in a glide or open diphthongs take no final (no "aum", "miam"); these need one.
_NUCLEI_OPEN = frozenset(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu "
    "iêu yêu oai oay oeo uây uôi uya uyu ươi ươu".split()
)
_NUCLEI_CLOSED = frozenset("ă â iê yê oă oo uâ uô ươ uyê".split())
_NUCLEI_CH_NH = frozenset("a ê i y oa uê uy".split())  # -ch, -nh only after these
_MODIFIED = frozenset("ăâêôơư")
_RHYME = re.compile(r"([aăâeêioôơuưy]+)([a-zđ]*)")


def _letter_info() -> dict[str, tuple[str, int]]:
    """Vietnamese letter → (bare lower-case letter, tone 0-5); both cases."""
    info: dict[str, tuple[str, int]] = {}
    for base in _VOWEL_BASES:
        for tone, letter in enumerate(_toned(base)):
            info[letter] = info[letter.upper()] = (base, tone)
    for ch in _CONSONANTS:
        info[ch] = info[ch.upper()] = (ch, 0)
    return info


_LETTERS = _letter_info()


def _tone_places(nucleus: str, final: str) -> tuple[int, ...]:
    """Where the tone mark may sit in `nucleus` (old and new styles both allowed)."""
    modified = [i for i, ch in enumerate(nucleus) if ch in _MODIFIED]
    if modified:
        return (modified[-1],)  # ươ → ơ, uyê → ê, ưa → ư
    if final or len(nucleus) == 1:
        return (len(nucleus) - 1,)  # hoàng, toán, quýt
    if len(nucleus) == 2:
        return (0, 1) if nucleus in ("oa", "oe", "uy") else (0,)  # hoà/hòa; mùa, tài
    return (1,)  # ngoài, khuỷu


@lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """One Vietnamese syllable: known initial, vowel nucleus and final, one tone in
    its proper place, written lower case, Capitalised or in CAPITALS."""
    bare = []
    tone_at, tone = -1, 0
    for i, ch in enumerate(word):
        info = _LETTERS.get(ch)
        if info is None:
            return False
        bare.append(info[0])
        if info[1]:
            if tone:
                return False
            tone_at, tone = i, info[1]
    rest = word[1:]
    if rest != rest.lower() and word != word.upper():  # "NguyƠn", "ThÞ"
        return False
    text = "".join(bare)
    for initial in _INITIALS:
        if not text.startswith(initial):
            continue
        m = _RHYME.fullmatch(text, len(initial))
        if not m:
            continue
        nucleus, final = m.groups()
        if nucleus not in _NUCLEI or final not in _FINALS:
            continue
        if (nucleus in _NUCLEI_OPEN and final) or (nucleus in _NUCLEI_CLOSED and not final):
            continue
        if final in ("ch", "nh") and nucleus not in _NUCLEI_CH_NH:
            continue
        if final in _FINALS_STOP and tone not in (0, 1, 5):  # "lát", "lạt", never "lảt"
            continue
        if not tone or tone_at - len(initial) in _tone_places(nucleus, final):
            return True
    return False


# A word for detection: ASCII letters and any non-ASCII non-space character
# (TCVN3 codes include symbols such as ¸ µ ¨ § and the soft hyphen for ư).
_TOKEN = re.compile(r"(?:[A-Za-z]|[^\x00-\x7f\s])+")
_ASCII_LETTER = re.compile("[A-Za-z]")


@lru_cache(maxsize=65536)
def _readings(token: str) -> tuple[bool, bool, bool]:
    """Is `token` a Vietnamese syllable as it is, read as TCVN3, read as VNI?"""
    return (
        _is_syllable(token),
        _is_syllable(to_unicode(token, "tcvn3")),
        _is_syllable(to_unicode(token, "vni")),
    )


def _vote(text: str) -> str | None:
    """'unicode', 'tcvn3', 'vni' or None (no evidence) for one cell."""
    if _NOT_LEGACY.search(text):
        # A letter or combining mark (NFD text) beyond Latin-1; not just "₫" or "≥".
        foreign = _NOT_LEGACY.findall(text)
        return "unicode" if any(ch.isalpha() or unicodedata.combining(ch) for ch in foreign) else None
    # Words with a legacy byte and an ASCII letter: "V¨n", "Vaên".  Lone symbols
    # ("½", "µ", "§") say nothing: read as TCVN3 they are single vowels.
    tokens = [t for t in _TOKEN.findall(text) if not t.isascii() and _ASCII_LETTER.search(t)]
    if not tokens:
        return None
    as_is = tcvn3 = vni = 0
    for token in tokens:
        a, t, v = _readings(token)
        as_is += a
        tcvn3 += t
        vni += v
    best = max(tcvn3, vni)
    if best > as_is and tcvn3 != vni and 2 * best >= len(tokens):
        return "tcvn3" if tcvn3 > vni else "vni"
    if as_is > best:
        return "unicode"
    return None


def detect(values: Iterable[str]) -> str | None:
    """'tcvn3', 'vni' or None (already Unicode, or plain ASCII, or not enough evidence) for a column's cell texts.

    Each cell votes:
    - 'unicode' if it has a Unicode letter no legacy byte can give (ạ ư đ ễ …),
      or if more of its non-ASCII words are well-formed Vietnamese syllables
      as they are than when read as TCVN3 or VNI;
    - 'tcvn3' / 'vni' if reading it in that encoding (and not the other) gives
      more well-formed syllables than taking it as it is, and at least half of
      its non-ASCII words;
    - nothing for plain ASCII ("John Smith", "0912345678"), empty or unclear
      cells ("Tó" is "Tú" in TCVN3 but also a fine Unicode word; a lone "½").
    The column is 'tcvn3' or 'vni' when that encoding has a strict majority of
    all votes (MAJORITY) and votes in at least half of the cells holding any
    non-ASCII character (EVIDENCE).  A tie between the two encodings, a Unicode
    majority (a mostly Unicode column with a few legacy cells), a column of
    odd symbols with few clear votes, or no votes give None.  Plain ASCII cells
    never count, so a mostly ASCII column with some legacy cells is legacy:
    converting leaves the ASCII cells as they are.
    """
    votes = {"unicode": 0, "tcvn3": 0, "vni": 0}
    non_ascii = 0
    for value in values:
        if isinstance(value, str) and not value.isascii():
            non_ascii += 1
            vote = _vote(value)
            if vote:
                votes[vote] += 1
    tcvn3, vni = votes["tcvn3"], votes["vni"]
    if tcvn3 == vni:
        return None
    best = "tcvn3" if tcvn3 > vni else "vni"
    if votes[best] > MAJORITY * sum(votes.values()) and votes[best] >= EVIDENCE * non_ascii:
        return best
    return None
