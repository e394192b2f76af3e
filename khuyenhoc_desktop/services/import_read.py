"""Reading a spreadsheet to import: open .xlsx/.xlsm (openpyxl, streaming) or legacy .xls (xlrd),
find the header row among the title rows, guess which column holds which field, detect
columns typed in the old TCVN3/VNI encodings, and turn cells into text the forms understand.

Nothing here touches the database; `importing.py` builds on it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import datetime as dt
import json
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from khuyenhoc_desktop.domain.text import fold, nfc
from khuyenhoc_desktop.errors import UserError

IMPORT_KINDS = ("households", "persons", "members", "organisations", "clans", "citizen_results")
KIND_TITLES = {
    "households": "Hộ gia đình",
    "persons": "Nhân khẩu",
    "members": "Hội viên",
    "organisations": "Cơ quan, đơn vị",
    "clans": "Dòng họ",
    "citizen_results": "Công dân học tập",
}
HEADER_SCAN = 30  # rows looked at for the header
SAMPLE_ROWS = 300  # data rows looked at to detect a column's legacy encoding
CANCELLED = "Đã dừng; chưa có gì được lưu."

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PASSWORD = "Tệp có mật khẩu; hãy mở bằng Excel, bỏ mật khẩu rồi lưu lại."


# ---------------------------------------------------------------- fields
@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    required: bool
    aliases: tuple[str, ...]
    type: str = "text"  # text | birth | cccd | phone | date | mark | sexmark
    hint: str = ""


def _f(key, label, aliases, type_="text", required=False, hint=""):
    return FieldSpec(key, label, required, tuple(aliases), type_, hint)


_HAMLET_ALIASES = (
    "Thôn, tổ dân phố", "Thôn/Xóm", "Thôn", "Xóm", "Tổ dân phố", "Thôn/Tổ dân phố", "Thôn, xóm",
    "Thôn/TDP", "TDP", "Ấp", "Bản", "Khu phố", "Thôn/Ấp", "Thôn/Bản", "Thôn, bản", "Thôn, ấp",
    "Thôn/Tổ", "Tổ", "Khu", "Địa bàn", "Thôn (Tổ dân phố)", "Tên thôn",
)
_NAME = ("Họ và tên", "Họ tên", "Họ và tên nhân khẩu", "Họ tên nhân khẩu", "Họ và tên thành viên",
         "Họ và tên người")
_HEAD = ("Chủ hộ", "Tên chủ hộ", "Họ tên chủ hộ", "Họ và tên chủ hộ")
_CODE = ("Mã hộ", "Mã số hộ", "Số hộ", "Hộ số", "Mã hộ gia đình", "Số hộ khẩu", "Số sổ hộ khẩu",
         "Sổ hộ khẩu số")


def _person_fields(name_aliases: tuple[str, ...]) -> list[FieldSpec]:
    return [
        _f("full_name", "Họ và tên", name_aliases, required=True),
        _f("family_middle", "Họ và tên đệm (khi tên để cột riêng)",
           ("Họ và tên đệm", "Họ và chữ đệm", "Họ đệm", "Họ và đệm", "Họ")),
        _f("given", "Tên (khi tách riêng khỏi họ)", ("Tên",)),
        _f("sex", "Giới tính", ("Giới tính", "Nam/Nữ", "Nam hay nữ", "Giới", "Phái", "Giới tính chủ hộ")),
        _f("sex_male", "Cột Nam (đánh dấu x hoặc ghi năm sinh)", ("Nam",), "sexmark"),
        _f("sex_female", "Cột Nữ (đánh dấu x hoặc ghi năm sinh)", ("Nữ",), "sexmark"),
        _f("birth_date", "Ngày sinh",
           ("Ngày sinh", "Ngày/tháng/năm sinh", "Ngày tháng năm sinh", "Sinh ngày", "NTNS",
            "Ngày sinh chủ hộ"), "birth"),
        _f("birth_year", "Năm sinh", ("Năm sinh", "Sinh năm", "Năm sinh chủ hộ"), "birth"),
        _f("cccd", "Số CCCD",
           ("Số CCCD", "CCCD", "CCCD/CMND", "CMND/CCCD", "Số CCCD/CMND", "Số CMND/CCCD", "Số CMND",
            "CMND", "Số định danh", "Số định danh cá nhân", "Căn cước công dân",
            "Số căn cước công dân", "Số căn cước", "Số CCCD chủ hộ", "Định danh", "Mã định danh",
            "Số định danh công dân"), "cccd"),
        _f("phone", "Điện thoại",
           ("Điện thoại", "Số điện thoại", "SĐT", "ĐT", "Điện thoại di động", "Di động", "ĐTDĐ"), "phone"),
    ]


def _household_fields() -> list[FieldSpec]:
    person = _person_fields(_NAME + ("Họ và tên chủ hộ", "Họ tên chủ hộ", "Tên chủ hộ", "Chủ hộ"))
    return person + [
        _f("relation", "Quan hệ với chủ hộ",
           ("Quan hệ với chủ hộ", "Quan hệ", "QH với chủ hộ", "Quan hệ với CH", "Quan hệ chủ hộ", "QHCH")),
        _f("household_code", "Mã hộ (gom các dòng cùng hộ)", _CODE),
        _f("head_name", "Chủ hộ (tên chủ hộ ghi ở mỗi dòng)", _HEAD),
        _f("hamlet", "Thôn, tổ dân phố", _HAMLET_ALIASES),
        _f("address", "Địa chỉ",
           ("Địa chỉ", "Nơi ở", "Nơi ở hiện nay", "Chỗ ở hiện nay", "Địa chỉ thường trú", "Nơi thường trú",
            "Số nhà")),
        _f("clan", "Dòng họ", ("Dòng họ", "Họ tộc", "Thuộc dòng họ")),
        _f("poverty", "Hoàn cảnh", ("Hoàn cảnh", "Diện hộ", "Phân loại hộ", "Hộ nghèo/cận nghèo")),
        _f("poor", "Cột Hộ nghèo (đánh dấu x)", ("Hộ nghèo", "Nghèo"), "mark"),
        _f("near_poor", "Cột Hộ cận nghèo (đánh dấu x)", ("Hộ cận nghèo", "Cận nghèo"), "mark"),
        *_education_fields(),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


def _education_fields() -> list[FieldSpec]:
    return [
        _f("education", "Trình độ học vấn",
           ("Trình độ học vấn", "Học vấn", "Trình độ văn hóa", "Trình độ", "TĐHV", "Trình độ học vấn cao nhất")),
        _f("occupation", "Nghề nghiệp", ("Nghề nghiệp", "Nghề", "Công việc", "Việc làm", "Nghề nghiệp hiện nay")),
    ]


def _persons_fields() -> list[FieldSpec]:
    return _person_fields(_NAME) + [
        _f("relation", "Quan hệ với chủ hộ",
           ("Quan hệ với chủ hộ", "Quan hệ", "QH với chủ hộ", "Quan hệ với CH", "Quan hệ chủ hộ", "QHCH")),
        *_education_fields(),
        _f("household_code", "Mã hộ", _CODE, hint="để biết người thuộc hộ nào"),
        _f("head_name", "Chủ hộ", _HEAD, hint="khi không có mã hộ: tên chủ hộ cùng thôn"),
        _f("hamlet", "Thôn, tổ dân phố", _HAMLET_ALIASES),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


def _members_fields() -> list[FieldSpec]:
    person = [f for f in _person_fields(_NAME) if f.key != "phone"]
    return person + [
        _f("hamlet", "Thôn, tổ dân phố", _HAMLET_ALIASES),
        _f("branch", "Chi hội",
           ("Chi hội", "Tên chi hội", "Thuộc chi hội", "Chi hội khuyến học", "Sinh hoạt tại chi hội",
            "Chi hội sinh hoạt")),
        _f("card_number", "Số thẻ", ("Số thẻ", "Số thẻ hội viên", "Mã hội viên", "Số thẻ HV", "Mã thẻ")),
        _f("join_date", "Ngày vào hội",
           ("Ngày vào hội", "Ngày kết nạp", "Năm vào hội", "Năm kết nạp", "Ngày tham gia", "Ngày gia nhập",
            "Ngày vào Hội"), "date"),
        _f("status", "Trạng thái", ("Trạng thái", "Tình trạng", "Tình trạng sinh hoạt")),
        _f("leave_date", "Ngày thôi", ("Ngày thôi", "Ngày ra hội", "Ngày thôi sinh hoạt"), "date"),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


def _organisations_fields() -> list[FieldSpec]:
    return [
        _f("name", "Tên đơn vị",
           ("Tên đơn vị", "Tên cơ quan, đơn vị", "Tên cơ quan", "Tên trường", "Đơn vị", "Cơ quan, đơn vị",
            "Tên cơ sở", "Tên"), required=True),
        _f("kind", "Loại", ("Loại", "Loại đơn vị", "Loại hình")),
        _f("hamlet", "Thôn, tổ dân phố", _HAMLET_ALIASES),
        _f("head_name", "Người đứng đầu",
           ("Người đứng đầu", "Thủ trưởng", "Thủ trưởng đơn vị", "Hiệu trưởng", "Giám đốc",
            "Họ tên người đứng đầu", "Lãnh đạo đơn vị")),
        _f("head_title", "Chức vụ", ("Chức vụ", "Chức vụ người đứng đầu")),
        _f("address", "Địa chỉ", ("Địa chỉ", "Trụ sở")),
        _f("phone", "Điện thoại", ("Điện thoại", "Số điện thoại", "SĐT", "ĐT"), "phone"),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


def _clans_fields() -> list[FieldSpec]:
    return [
        _f("name", "Tên dòng họ", ("Tên dòng họ", "Dòng họ", "Họ tộc", "Tên họ", "Tên"), required=True),
        _f("head_name", "Trưởng họ", ("Trưởng họ", "Trưởng tộc", "Tộc trưởng", "Họ tên trưởng họ")),
        _f("hamlets", "Thôn, tổ dân phố", _HAMLET_ALIASES, hint="nhiều thôn cách nhau bằng dấu phẩy"),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


def _citizen_results_fields() -> list[FieldSpec]:
    person = [f for f in _person_fields(_NAME) if f.key not in ("sex", "sex_male", "sex_female", "phone")]
    return person + [
        _f("hamlet", "Thôn, tổ dân phố", _HAMLET_ALIASES),
        _f("year", "Năm đánh giá",
           ("Năm đánh giá", "Năm", "Năm công nhận", "Năm tự đánh giá", "Năm xét"), required=True),
        _f("form_group", "Nhóm phiếu",
           ("Nhóm phiếu", "Nhóm", "Đối tượng", "Nhóm đối tượng", "Phiếu", "Loại phiếu", "Nhóm phiếu đánh giá")),
        _f("total", "Tổng điểm", ("Tổng điểm", "Điểm", "Tổng số điểm", "Điểm tự đánh giá", "Số điểm")),
        _f("result", "Kết quả (Đạt/Chưa đạt)",
           ("Kết quả", "Đạt", "Kết quả đánh giá", "Đạt/Chưa đạt", "Xếp loại", "Công nhận")),
        _f("result_on", "Ngày",
           ("Ngày", "Ngày đánh giá", "Ngày tự đánh giá", "Ngày công nhận", "Ngày nộp"), "date"),
        _f("source", "Nguồn", ("Nguồn", "Hình thức", "Hình thức đánh giá", "Nguồn kết quả")),
        _f("note", "Ghi chú", ("Ghi chú",)),
    ]


_FIELDS = {
    "households": _household_fields,
    "persons": _persons_fields,
    "members": _members_fields,
    "organisations": _organisations_fields,
    "clans": _clans_fields,
    "citizen_results": _citizen_results_fields,
}
# Headers that say "this is the header row" but are not imported.
IGNORED_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự", "Dân tộc", "Tôn giáo", "Quốc tịch", "Số nhân khẩu",
                   "Ký tên", "Ký nhận", "Chữ ký", "Tuổi", "Số người")


def check_kind(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise UserError(f"Không nhập được danh sách '{kind}'. Chọn một trong: {', '.join(IMPORT_KINDS)}.")


def fields_for(kind: str) -> list[FieldSpec]:
    """What a column can be mapped to, with Vietnamese labels, in the order a wizard shows them."""
    check_kind(kind)
    return _FIELDS[kind]()


# ---------------------------------------------------------------- header matching
_PARENS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^\w]+")


def _keep(text: str) -> str:
    """Lower case with diacritics kept, punctuation as spaces."""
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFC", text).lower()).split())


def header_key(text: str) -> str:
    """How two headers are compared: no case, diacritics or punctuation."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).replace("_", " ").split())


@dataclass(frozen=True)
class _Alias:
    field: str
    index: int
    keep: str
    folded: str


def _aliases(kind: str) -> list[_Alias]:
    out = []
    for spec in fields_for(kind):
        for i, alias in enumerate(spec.aliases):
            out.append(_Alias(spec.key, i, _keep(alias), header_key(alias)))
    return out


def _quality(header: str, alias: _Alias) -> int:
    """4 same words with diacritics, 3 same without, 2 header starts with the alias, 1 contains it."""
    best = 0
    for text in {header, _PARENS.sub(" ", header)}:
        keep, folded = _keep(text), header_key(text)
        if not folded:
            continue
        if keep == alias.keep:
            return 4
        if folded == alias.folded:
            best = max(best, 3)
        elif len(alias.folded) >= 4 and folded.startswith(alias.folded + " "):
            best = max(best, 2)
        elif alias.folded.count(" ") >= 1 and f" {alias.folded} " in f" {folded} ":
            best = max(best, 1)
    return best


_IGNORED_KEYS = {header_key(h) for h in IGNORED_HEADERS}


def assign_columns(headers: dict[int, list[tuple]], kind: str) -> tuple[dict[str, int], float]:
    """Field -> column from candidate header texts per column ((text, penalty[, exact only])).

    Greedy on (quality, alias preference, field order): each field and each column once."""
    aliases = _aliases(kind)
    order = {spec.key: i for i, spec in enumerate(fields_for(kind))}
    scored = []
    ignored = 0.0
    for col, texts in headers.items():
        hit_ignored = False
        for text, penalty, *exact in texts:
            if header_key(_PARENS.sub(" ", text)) in _IGNORED_KEYS or header_key(text) in _IGNORED_KEYS:
                hit_ignored = True
            for alias in aliases:
                q = _quality(text, alias)
                if q >= (3 if exact and exact[0] else 1):
                    scored.append((q - penalty, -alias.index, -order[alias.field], col, alias.field))
        if hit_ignored:
            ignored += 1
    scored.sort(reverse=True)
    mapping: dict[str, int] = {}
    used: set[int] = set()
    score = 0.0
    for q, _, _, col, key in scored:
        if key in mapping or col in used or q <= 0:
            continue
        mapping[key] = col
        used.add(col)
        score += q
    if kind == "households" and "full_name" not in mapping and "head_name" in mapping:
        mapping["full_name"] = mapping.pop("head_name")  # a list of households: one row per head
    return mapping, score + ignored * 1.5


def _row_texts(row: Sequence) -> list[str]:
    return [cell_text(v) for v in row]


def header_candidates(top: list[str], bottom: list[str] | None) -> tuple[dict[int, list[tuple[str, int]]], dict[int, str]]:
    """Candidate texts per column (1-based) for a one- or two-row header, and the display text.

    Two rows: an empty top cell over a filled bottom one belongs to the merged cell on its left
    ("Năm sinh" over "Nam" | "Nữ")."""
    width = max(len(top), len(bottom or []))
    cands: dict[int, list[tuple[str, int]]] = {}
    display: dict[int, str] = {}
    carry = ""
    for i in range(width):
        t = top[i] if i < len(top) else ""
        b = (bottom[i] if i < len(bottom) else "") if bottom is not None else ""
        if bottom is not None:
            if t:
                carry = t
            elif b:
                t = carry
            else:
                carry = ""
        texts: list[tuple[str, int]] = []
        if b and t:
            texts = [(b, 0, True), (f"{t} {b}", 0), (t, 1)]
            display[i + 1] = f"{t} / {b}"
        elif t or b:
            texts = [(t or b, 0)]
            display[i + 1] = t or b
        if texts:
            cands[i + 1] = texts
    return cands, display


# ---------------------------------------------------------------- cell values
def cell_text(value) -> str:
    """A cell as text: numbers without '.0', dates as dd/mm/yyyy, text NFC and trimmed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) or value.year > 1900:
            return value.strftime("%d/%m/%Y")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return nfc(str(value))


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------- legacy encodings
def legacy_module():
    """`domain.legacy` (TCVN3/VNI codecs), or None while it is not installed."""
    try:
        from khuyenhoc_desktop.domain import legacy
    except ImportError:  # pragma: no cover - only while the codec module is being written
        return None
    return legacy


def detect_encoding(values: list[str]) -> str | None:
    legacy = legacy_module()
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    if legacy is None or not texts:
        return None
    return legacy.detect(texts)


def convert(text: str, encoding: str | None) -> str:
    if not encoding or not text:
        return text
    legacy = legacy_module()
    return nfc(legacy.to_unicode(text, encoding)) if legacy else text


# ---------------------------------------------------------------- opening files
class _Book(ABC):
    """One open workbook: sheet names and rows as lists of Python values (1-based row numbers)."""

    @abstractmethod
    def sheet_names(self) -> list[str]: ...

    @abstractmethod
    def row_count(self, sheet: str) -> int: ...

    @abstractmethod
    def rows(self, sheet: str) -> Iterator[tuple[int, list]]: ...

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _damaged(path: Path) -> UserError:
    return UserError(
        f"Tệp {path.name} bị hỏng hoặc chưa chép đủ; hãy mở bằng Excel, lưu lại rồi nhập lại."
    )


class _XlsxBook(_Book):
    def __init__(self, path: Path):
        import openpyxl
        import openpyxl.reader.excel as excel

        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _damaged(path) from None
        if "xl/workbook.xml" not in names:
            if "content.xml" in names:
                raise UserError(
                    f"Tệp {path.name} là bảng tính OpenDocument (.ods); hãy mở rồi lưu thành .xlsx."
                )
            if "word/document.xml" in names:
                raise UserError(f"Tệp {path.name} là văn bản Word, không phải bảng tính Excel.")
            raise UserError(f"Tệp {path.name} không phải bảng tính Excel.")
        try:
            with _SIZE_LOCK:
                plain, excel.ReadOnlyWorksheet = excel.ReadOnlyWorksheet, _sized_sheet_class()
                try:
                    self.wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                finally:
                    excel.ReadOnlyWorksheet = plain
        except Exception:
            raise _damaged(path) from None

    def sheet_names(self) -> list[str]:
        return [ws.title for ws in self.wb.worksheets]

    def _sheet(self, sheet: str):
        try:
            ws = self.wb[sheet]
        except KeyError:
            raise UserError(f"Tệp không có trang tính '{sheet}'.") from None
        if not hasattr(ws, "iter_rows"):  # a chart sheet
            raise UserError(f"Trang '{sheet}' là biểu đồ, không có bảng để nhập.")
        return ws

    def row_count(self, sheet: str) -> int:
        """Rows of a sheet: its stated size, or (when the writing program left it out or wrote
        'A1') the <row> elements counted in the raw XML, which is quick."""
        ws = self._sheet(sheet)
        try:
            stated = int(ws.max_row or 0)
        except Exception:
            stated = 0
        if stated > 1:
            return stated
        part = getattr(ws, "_worksheet_path", None)
        if not part:
            return stated
        counted, tail = 0, b""
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(part) as fh:
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    counted += data.count(b"<row ") + data.count(b"<row>")
                    tail = data[-5:]
                    counted -= tail.count(b"<row ") + tail.count(b"<row>")
                counted += tail.count(b"<row ") + tail.count(b"<row>")
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, _zlib_error()):
            return stated
        return max(stated, counted)

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        ws = self._sheet(sheet)
        ws.reset_dimensions()  # some programs write a wrong size; read every row there is
        try:
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(row)
        except (zipfile.BadZipFile, EOFError, OSError, _zlib_error()):
            raise _damaged(self.path) from None
        except UserError:
            raise
        except Exception as exc:  # the XML inside is cut or broken
            if type(exc).__module__.startswith(("xml", "lxml", "openpyxl", "zipfile", "zlib")):
                raise _damaged(self.path) from None
            raise

    def close(self) -> None:
        self.wb.close()


_SIZE_LOCK = threading.Lock()
_SIZED_SHEET = None
_END = object()


def _sized_sheet_class():
    """openpyxl's read-only sheet, with two shortcuts that give the same values:
    - opening it only reads the size the file states (<dimension>, before the cells). openpyxl's
      own looks for it to the end of the sheet when there is none (our exports, many other
      programs): a whole extra parse, 1,5 s for 30.000 rows. An unstated size stays None, as
      for a sheet that states none; `rows` never needs it;
    - a text cell written in place (inlineStr, as our exports and many programs write them) is
      read straight from its <t> elements instead of through openpyxl's rich-text objects,
      a third of the reading time."""
    global _SIZED_SHEET
    if _SIZED_SHEET is None:
        from openpyxl.utils.cell import coordinate_to_tuple
        from openpyxl.worksheet import _read_only
        from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
        from openpyxl.worksheet.dimensions import SheetDimension
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse

        dimension, data = f"{{{SHEET_MAIN_NS}}}dimension", f"{{{SHEET_MAIN_NS}}}sheetData"
        text_tag, run_tag = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"

        def last_text(element) -> str | None:
            found = None
            for child in element:
                if child.tag == text_tag:
                    found = child.text
            return found

        class _Parser(WorkSheetParser):
            def parse_cell(self, element):
                if (element.get("t") != "inlineStr" or self.rich_text
                        or (not self.data_only and element.find(FORMULA_TAG) is not None)):
                    return super().parse_cell(element)
                coordinate = element.get("r")
                style_id = element.get("s", 0)
                if style_id:
                    style_id = int(style_id)
                if coordinate:
                    row, column = coordinate_to_tuple(coordinate)
                    self.col_counter = column
                else:
                    self.col_counter += 1
                    row, column = self.row_counter, self.col_counter
                data_type, value = "inlineStr", None
                inline = element.find(INLINE_STRING)
                if inline is not None:  # as openpyxl's Text(…).content: the plain text, then each run's
                    data_type = "s"
                    parts = [last_text(inline)]
                    parts += [last_text(run) for run in inline if run.tag == run_tag]
                    value = "".join(p for p in parts if p is not None)
                return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": style_id}

        class _SizedSheet(_read_only.ReadOnlyWorksheet):
            def _cells_by_row(self, *args, **kwargs):
                # openpyxl makes its parser on the first step: let it make ours, then put its own back
                rows = super()._cells_by_row(*args, **kwargs)
                with _SIZE_LOCK:
                    _read_only.WorkSheetParser = _Parser
                    try:
                        first = next(rows, _END)
                    finally:
                        _read_only.WorkSheetParser = WorkSheetParser
                if first is not _END:
                    yield first
                    yield from rows

            def _get_size(self):
                with self._get_source() as src:
                    for _event, element in iterparse(src, events=("start",)):
                        if element.tag == dimension:
                            bounds = SheetDimension.from_tree(element).boundaries
                            if bounds is not None:
                                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                            return
                        if element.tag == data:
                            return

        _SIZED_SHEET = _SizedSheet
    return _SIZED_SHEET


def _zlib_error():
    import zlib

    return zlib.error


class _XlsBook(_Book):
    def __init__(self, path: Path):
        try:
            import xlrd
        except ImportError:  # pragma: no cover - xlrd is a dependency
            raise UserError(
                f"Tệp {path.name} là dạng Excel 97-2003 (.xls); hãy mở bằng Excel và lưu thành .xlsx."
            ) from None
        self.xlrd = xlrd
        self.path = path
        try:
            self.book = xlrd.open_workbook(str(path), on_demand=True)
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise UserError(PASSWORD) from None
            raise _damaged(path) from None
        except Exception:
            raise _damaged(path) from None

    def sheet_names(self) -> list[str]:
        return list(self.book.sheet_names())

    def _sheet(self, sheet: str):
        try:
            return self.book.sheet_by_name(sheet)
        except self.xlrd.XLRDError:
            raise UserError(f"Tệp không có trang tính '{sheet}'.") from None
        except Exception:
            raise _damaged(self.path) from None

    def row_count(self, sheet: str) -> int:
        return self._sheet(sheet).nrows

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        xlrd = self.xlrd
        ws = self._sheet(sheet)
        for r in range(ws.nrows):
            values = []
            for cell in ws.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate.xldate_as_datetime(cell.value, self.book.datemode)
                    except Exception:
                        value = cell.value
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    value = None
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(cell.value)
                else:
                    value = cell.value
                values.append(value)
            yield r + 1, values

    def close(self) -> None:
        try:
            self.book.release_resources()
        except Exception:
            pass


def _ole2_streams(path: Path) -> list[str]:
    try:
        from xlrd import compdoc
    except ImportError:  # pragma: no cover
        data = path.read_bytes()
        return ["EncryptedPackage"] if "EncryptedPackage".encode("utf-16-le") in data else []
    import io

    try:
        doc = compdoc.CompDoc(path.read_bytes(), logfile=io.StringIO())
    except Exception:
        raise _damaged(path) from None
    return [d.name for d in doc.dirlist]


def open_book(path: str | Path) -> _Book:
    """The workbook at `path`, judged by its content rather than its name."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} là một thư mục, không phải tệp Excel.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise UserError(f"Không có tệp {path}.") from None
    except OSError as exc:
        raise UserError(f"Không mở được tệp {path.name}: {exc.strerror}.") from None
    if not head:
        raise UserError(f"Tệp {path.name} trống (0 byte).")
    if head.startswith(ZIP_MAGIC):
        return _XlsxBook(path)
    if head == OLE2_MAGIC:
        streams = _ole2_streams(path)
        if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
            raise UserError(PASSWORD)
        if "Workbook" in streams or "Book" in streams:
            return _XlsBook(path)
        raise UserError(f"Tệp {path.name} không phải bảng tính Excel.")
    if head[:5].lower() in (b"<html", b"<!doc", b"<?xml", b"<tabl") or head.lstrip()[:1] == b"<":
        raise UserError(
            f"Tệp {path.name} thực ra là trang web (HTML) mang đuôi Excel; hãy mở bằng Excel và lưu thành .xlsx."
        )
    raise UserError(f"Tệp {path.name} không phải bảng tính Excel (.xlsx hoặc .xls).")


# ---------------------------------------------------------------- sheets and layout
@dataclass
class SheetInfo:
    name: str
    rows: int


def read_sheets(path: str | Path) -> list[SheetInfo]:
    """The sheets of a workbook with their (approximate) row counts."""
    with open_book(path) as book:
        names = book.sheet_names()
        if not names:
            raise UserError(f"Tệp {Path(path).name} không có trang tính nào.")
        return [SheetInfo(name, _safe_count(book, name)) for name in names]


def _safe_count(book: _Book, name: str) -> int:
    try:
        return book.row_count(name)
    except UserError:
        return 0


@dataclass
class Layout:
    sheet: str
    header_row: int
    mapping: dict[str, int]
    encodings: dict[int, str] = field(default_factory=dict)
    header_rows: int = 1  # 2 for a merged two-row header
    headers: dict[int, str] = field(default_factory=dict)  # column -> header text as shown
    title: str = ""  # text of the rows above the header ("DANH SÁCH HỘ … THÔN ĐÔNG")
    width: int = 0  # number of columns of the table

    @property
    def first_data_row(self) -> int:
        return self.header_row + self.header_rows


def _head_block(book: _Book, sheet: str, limit: int) -> list[list]:
    rows = []
    for number, row in book.rows(sheet):
        rows.append(row)
        if number >= limit:
            break
    return rows


def _smart(text: str) -> str:
    """A header or title cell, converted when it is itself in a legacy encoding."""
    if not text or text.isascii():
        return text
    enc = detect_encoding([text])
    return convert(text, enc) if enc else text


def _header_texts(row: list) -> list[str]:
    return [_smart(t) for t in _row_texts(row)]


@dataclass
class _HeaderGuess:
    row: int
    rows: int
    mapping: dict[str, int]
    score: float
    display: dict[int, str]


def _find_header(block: list[list], kind: str) -> _HeaderGuess | None:
    raw = [_row_texts(r) for r in block]
    conv = [_header_texts(r) for r in block]
    best: _HeaderGuess | None = None
    for i in range(len(block)):
        for two in (False, True):
            if two and i + 1 >= len(block):
                continue
            for texts in ((raw, conv) if conv != raw else (raw,)):
                top = texts[i]
                bottom = texts[i + 1] if two else None
                if sum(1 for t in top if t) < (2 if two else 1):
                    continue  # a title over the table is not the upper half of its header
                if two and any(v is not None and not isinstance(v, str) for v in block[i + 1]):
                    continue  # numbers and dates below: that is data, not the lower half of a header
                cands, display = header_candidates(top, bottom)
                mapping, score = assign_columns(cands, kind)
                if two:
                    score -= 0.5  # one row unless the second adds something
                if best is None or score > best.score + 1e-9:
                    best = _HeaderGuess(i + 1, 2 if two else 1, mapping, score, display)
    if best is None or best.score < 4 or not best.mapping:
        return None
    return best


def _choose_sheet(book: _Book, kind: str, sheet: str | None) -> tuple[str, list[list], _HeaderGuess | None]:
    names = book.sheet_names()
    if not names:
        raise UserError("Tệp không có trang tính nào.")
    if sheet is not None:
        if sheet not in names:
            raise UserError(f"Tệp không có trang tính '{sheet}'. Các trang: {', '.join(names)}.")
        candidates = [sheet]
    else:
        candidates = names
    results = []
    failure: UserError | None = None
    for name in candidates:
        try:
            block = _head_block(book, name, HEADER_SCAN)
        except UserError as exc:
            if sheet is not None:
                raise
            failure = failure or exc
            continue
        if not any(v not in (None, "") for row in block for v in row):
            results.append((-1.0, name, block, None))
            continue
        guess = _find_header(block, kind)
        results.append((guess.score if guess else 0.0, name, block, guess))
    if not results:
        raise failure or UserError("Không đọc được trang tính nào trong tệp.")
    results.sort(key=lambda r: -r[0])  # stable: the first sheet wins a tie
    score, name, block, guess = results[0]
    if score < 0:
        if sheet is not None or len(candidates) == 1:
            raise UserError(f"Trang tính '{name}' không có dữ liệu.")
        raise UserError("Các trang tính trong tệp đều trống.")
    return name, block, guess


def _title_text(block: list[list], header_row: int) -> str:
    parts = []
    for row in block[: header_row - 1]:
        parts += [t for t in _header_texts(row) if t]
    return " ".join(parts)


def _width(block: list[list], layout_first: int) -> int:
    width = 0
    for row in block[layout_first - 1 :]:
        for i in range(len(row) - 1, -1, -1):
            if row[i] not in (None, ""):
                width = max(width, i + 1)
                break
    return width


def guess_layout(path: str | Path, kind: str, sheet: str | None = None, *, saved: dict | None = None,
                 header_row: int | None = None, header_rows: int | None = None) -> Layout:
    """Sheet (the best-matching one unless given), header row(s), field -> column and the
    legacy encoding of each column, guessed from the first rows. `saved`: a mapping from
    `load_mapping` to apply instead of guessing the columns. `header_row` (1-based, within
    the first 30 rows) and `header_rows` (1 or 2): where the header is, when the user says so
    (the wizard); the columns are then guessed from that row."""
    check_kind(kind)
    with open_book(path) as book:
        name, block, guess = _choose_sheet(book, kind, sheet)
        if saved is not None:
            layout = _apply_saved(block, name, saved)
        elif header_row is not None:
            if not 1 <= header_row <= max(len(block), 1) or header_rows not in (None, 1, 2):
                raise UserError(f"Dòng tiêu đề phải từ 1 đến {max(len(block), 1)}.")
            layout = _layout_at(block, name, kind, header_row, header_rows)
        elif guess is None:
            layout = Layout(name, 1, {}, header_rows=1)
        else:
            layout = Layout(name, guess.row, dict(guess.mapping), header_rows=guess.rows)
        layout.title = _title_text(block, layout.header_row)
        layout.headers = header_display(block, layout.header_row, layout.header_rows)
        if saved is not None and getattr(saved, "encodings", None):
            by_text = {header_key(t): e for t, e in saved.encodings.items()}
            layout.encodings = {c: by_text[header_key(t)] for c, t in layout.headers.items() if header_key(t) in by_text}
        else:
            layout.encodings = _column_encodings(book, layout)
        layout.width = max([_width(block, layout.header_row)] + list(layout.headers) + list(layout.mapping.values()))
    return layout


def _layout_at(block: list[list], sheet: str, kind: str, row: int, rows: int | None) -> Layout:
    best = None
    for two in ((False, True) if rows is None else (rows == 2,)):
        if row > len(block) or (two and row >= len(block)):
            continue
        top = _header_texts(block[row - 1])
        bottom = _header_texts(block[row]) if two else None
        mapping, score = assign_columns(header_candidates(top, bottom)[0], kind)
        score -= 0.5 if two else 0
        if best is None or score > best[0]:
            best = (score, mapping, 2 if two else 1)
    if best is None:
        return Layout(sheet, row, {}, header_rows=rows or 1)
    return Layout(sheet, row, best[1], header_rows=best[2])


def header_display(block: list[list], header_row: int, header_rows: int) -> dict[int, str]:
    """Column -> header text as shown (legacy text converted, two rows joined by ' / ')."""
    if header_row > len(block):
        return {}
    top = _header_texts(block[header_row - 1])
    bottom = _header_texts(block[header_row]) if header_rows == 2 and header_row < len(block) else None
    _, display = header_candidates(top, bottom)
    return display


def _column_encodings(book: _Book, layout: Layout) -> dict[int, str]:
    """Legacy encoding per column, judged on up to SAMPLE_ROWS data rows. On the way, a name
    whose header 'Họ và tên' spans two columns ('Nguyễn Văn' | 'An') is mapped as two."""
    samples: dict[int, list[str]] = {}
    seen = 0
    for number, row in book.rows(layout.sheet):
        if number < layout.first_data_row:
            continue
        if not any(v not in (None, "") for v in row):
            continue
        for i, v in enumerate(row):
            if isinstance(v, str) and v.strip():
                samples.setdefault(i + 1, []).append(v)
        seen += 1
        if seen >= SAMPLE_ROWS:
            break
    out = {}
    for col, values in samples.items():
        enc = detect_encoding(values)
        if enc:
            out[col] = enc
    _split_name(layout, samples, seen)
    return out


def _split_name(layout: Layout, samples: dict[int, list[str]], seen: int) -> None:
    m = layout.mapping
    col = m.get("full_name")
    if col is None or "given" in m or "family_middle" in m or layout.headers.get(col + 1) or col + 1 in m.values():
        return
    right = [v.strip() for v in samples.get(col + 1, [])]
    left = [v.strip() for v in samples.get(col, [])]
    if not seen or len(right) < 0.8 * seen or len(left) < 0.8 * seen:
        return
    one_word = sum(1 for v in right if len(v.split()) == 1 and not v[:1].isdigit())
    if one_word >= 0.9 * len(right) and sum(1 for v in left if len(v.split()) >= 1) >= 0.9 * len(left):
        del m["full_name"]
        m["family_middle"], m["given"] = col, col + 1


@dataclass
class ColumnInfo:
    index: int
    letter: str
    header: str
    samples: list[str]
    converted: list[str]
    encoding: str | None
    field: str | None = None  # the field this column is mapped to in the layout


def describe_columns(path: str | Path, layout: Layout, samples: int = 5) -> list[ColumnInfo]:
    """Each column of the table: header, the first non-empty values as in the file and as
    they will be imported (legacy encodings converted)."""
    raw: dict[int, list[str]] = {}
    seen = 0
    with open_book(path) as book:
        for number, row in book.rows(layout.sheet):
            if number < layout.first_data_row:
                continue
            texts = [cell_text(v) for v in row]
            if not any(texts) or is_numbering(texts) or is_totals(texts[:3]):
                continue
            seen += 1
            for i, text in enumerate(texts):
                if text and len(raw.setdefault(i + 1, [])) < samples:
                    raw[i + 1].append(text)
            if seen >= SAMPLE_ROWS or (raw and all(len(v) >= samples for v in raw.values()) and seen > 50):
                break
    width = max([layout.width] + list(layout.headers) + list(raw) + list(layout.mapping.values()) + [0])
    by_col = {col: key for key, col in layout.mapping.items()}
    out = []
    for col in range(1, width + 1):
        enc = layout.encodings.get(col)
        values = raw.get(col, [])
        out.append(ColumnInfo(
            index=col,
            letter=column_letter(col),
            header=layout.headers.get(col, ""),
            samples=values,
            converted=[convert(v, enc) for v in values],
            encoding=enc,
            field=by_col.get(col),
        ))
    return out


# ---------------------------------------------------------------- saved mappings
MAPPING_VERSION = 1


class SavedMapping(dict):
    """A saved column mapping: field key -> header text (a plain dict for callers), plus how
    many header rows and which headers' columns were in a legacy encoding."""

    def __init__(self, columns: dict[str, str], *, kind: str, header_rows: int = 1,
                 encodings: dict[str, str] | None = None):
        super().__init__(columns)
        self.kind = kind
        self.header_rows = header_rows
        self.encodings = dict(encodings or {})


def save_mapping(layout: Layout, kind: str, path_json: str | Path) -> None:
    """Write the column mapping by header text, so it applies to another file with the same
    headers (another hamlet's list in the same template)."""
    check_kind(kind)
    columns = {}
    for key, col in layout.mapping.items():
        header = layout.headers.get(col, "")
        if not header:
            raise UserError(f"Cột {column_letter(col)} không có tiêu đề; không lưu được cách ghép theo tên cột.")
        columns[key] = header
    encodings = {layout.headers[c]: e for c, e in layout.encodings.items() if layout.headers.get(c)}
    data = {
        "program": "khuyenhoc",
        "version": MAPPING_VERSION,
        "kind": kind,
        "header_rows": layout.header_rows,
        "columns": columns,
        "encodings": encodings,
    }
    try:
        Path(path_json).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Không ghi được tệp {Path(path_json).name}: {exc.strerror}.") from None


def load_mapping(path_json: str | Path, kind: str) -> SavedMapping:
    """A saved mapping, checked (right program, right list, known fields): field key -> header
    text, to give to `guess_layout(…, saved=…)`, which finds those headers in another file."""
    check_kind(kind)
    path = Path(path_json)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Không có tệp cách ghép cột {path}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise UserError(f"Tệp {path.name} không phải tệp cách ghép cột của chương trình.") from None
    if not isinstance(data, dict) or data.get("program") != "khuyenhoc" or not isinstance(data.get("columns"), dict):
        raise UserError(f"Tệp {path.name} không phải tệp cách ghép cột của chương trình.")
    if data.get("version") != MAPPING_VERSION:
        raise UserError(f"Tệp cách ghép cột {path.name} thuộc phiên bản khác của chương trình.")
    if data.get("kind") != kind:
        other = KIND_TITLES.get(str(data.get("kind")), str(data.get("kind")))
        raise UserError(
            f"Tệp cách ghép cột {path.name} dành cho danh sách {other}, không phải {KIND_TITLES[kind]}."
        )
    known = {f.key for f in fields_for(kind)}
    unknown = [k for k in data["columns"] if k not in known]
    if unknown:
        raise UserError(f"Tệp cách ghép cột {path.name} có trường không biết: {', '.join(unknown)}.")
    if not all(isinstance(v, str) and v.strip() for v in data["columns"].values()):
        raise UserError(f"Tệp cách ghép cột {path.name} có tên cột trống.")
    legacy = legacy_module()
    codes = set(getattr(legacy, "ENCODINGS", {"tcvn3": "", "vni": ""}))
    encodings = data.get("encodings") or {}
    if not isinstance(encodings, dict) or any(e not in codes for e in encodings.values()):
        raise UserError(f"Tệp cách ghép cột {path.name} ghi bảng mã không biết.")
    header_rows = data.get("header_rows", 1)
    if header_rows not in (1, 2):
        raise UserError(f"Tệp cách ghép cột {path.name} ghi số dòng tiêu đề không hợp lệ.")
    return SavedMapping(data["columns"], kind=kind, header_rows=header_rows, encodings=encodings)


def _apply_saved(block: list[list], sheet: str, saved: dict) -> Layout:
    wanted = {key: header_key(text) for key, text in saved.items()}
    rows = getattr(saved, "header_rows", 1)
    best = None
    for i in range(len(block)):
        top = _header_texts(block[i])
        bottom = _header_texts(block[i + 1]) if rows == 2 and i + 1 < len(block) else None
        if rows == 2 and bottom is None:
            continue
        _, display = header_candidates(top, bottom)
        by_text: dict[str, int] = {}
        for col, text in display.items():
            by_text.setdefault(header_key(text), col)
        mapping = {key: by_text[h] for key, h in wanted.items() if h in by_text}
        if best is None or len(mapping) > len(best[1]):
            best = (i + 1, mapping, display)
    if best is None or len(best[1]) < len(wanted):
        found = best[1] if best else {}
        missing = [saved[k] for k in wanted if k not in found]
        raise UserError(
            "Tệp này không có các cột như trong cách ghép đã lưu: " + ", ".join(f"'{m}'" for m in missing) + "."
        )
    return Layout(sheet, best[0], best[1], header_rows=rows)


def layout_from_mapping(path: str | Path, kind: str, saved: dict, sheet: str | None = None) -> Layout:
    return guess_layout(path, kind, sheet, saved=saved)


def check_layout(layout: Layout, kind: str) -> None:
    """Vietnamese error when the mapping cannot work: unknown fields, a column twice, required missing."""
    specs = {f.key: f for f in fields_for(kind)}
    unknown = [k for k in layout.mapping if k not in specs]
    if unknown:
        raise UserError(f"Không có trường {', '.join(unknown)} trong danh sách {KIND_TITLES[kind]}.")
    cols: dict[int, str] = {}
    for key, col in layout.mapping.items():
        if not isinstance(col, int) or col < 1:
            raise UserError(f"Cột của trường {specs[key].label} không hợp lệ.")
        if col in cols:
            raise UserError(
                f"Cột {column_letter(col)} được chọn cho cả {specs[cols[col]].label} và {specs[key].label}."
            )
        cols[col] = key
    if layout.header_row < 1 or layout.header_rows not in (1, 2):
        raise UserError("Dòng tiêu đề không hợp lệ.")
    named = "full_name" in layout.mapping or "given" in layout.mapping
    if kind in ("households", "persons", "members", "citizen_results") and not named:
        raise UserError("Chưa chọn cột Họ và tên.")
    if kind == "citizen_results":
        if "year" not in layout.mapping:
            raise UserError("Chưa chọn cột Năm đánh giá.")
        if not {"result", "total"} & set(layout.mapping):
            raise UserError("Chưa chọn cột Kết quả hoặc Tổng điểm: cần một trong hai để biết đạt hay chưa đạt.")
    if kind in ("organisations", "clans") and "name" not in layout.mapping:
        raise UserError(f"Chưa chọn cột {specs['name'].label}.")
    if kind == "persons" and not ({"household_code", "head_name"} & set(layout.mapping)):
        raise UserError("Chưa chọn cột Mã hộ hoặc Chủ hộ: cần một trong hai để biết mỗi người thuộc hộ nào.")
    legacy = legacy_module()
    codes = set(getattr(legacy, "ENCODINGS", {"tcvn3": "", "vni": ""}))
    for col, enc in layout.encodings.items():
        if enc not in codes:
            raise UserError(f"Bảng mã '{enc}' của cột {column_letter(col)} không có.")


# ---------------------------------------------------------------- data rows
_SMALL_NUMBER = re.compile(r"^\(?\d{1,2}\)?$|^\(?[a-zA-Z]\)?$")
_TOTALS = ("tong cong", "cong", "tong so", "tong", "cong so", "tong so ho", "tong cong toan xa")
_FOOTER = re.compile(
    r"^(ngay \d* ?thang|.*ngay .{0,12}thang .{0,12}nam|nguoi lap|xac nhan|truong thon|truong ban|"
    r"chu tich|tm |kt |t m |ky ten|ky va ghi|ky ghi ro|ghi ro ho ten|thu truong|can bo|to truong|truong xom|"
    r"truong ap|truong khu|bi thu|noi nhan)"
)


_SUBTOTAL = ("cong thon", "cong xom", "cong to", "cong ap", "cong ban", "cong khu", "cong toan", "cong chi hoi",
             "cong trang", "cong so", "cong ho", "cong danh sach")


def is_totals_key(k: str) -> bool:
    """'Tổng cộng', 'Cộng', 'Cộng thôn Đông' (folded), never a name such as 'Công Văn Tổng'."""
    return k in _TOTALS or k.startswith(("tong cong", "tong so ")) or k.startswith(_SUBTOTAL)


def is_totals_text(text: str) -> bool:
    keep = _keep(text)
    if keep.startswith(("công ", "tống ")):
        return False  # diacritics tell a name from 'Cộng', 'Tổng'
    return is_totals_key(header_key(text)) or keep.startswith(("cộng ", "tổng cộng"))


def is_totals(texts: list[str]) -> bool:
    return any(is_totals_text(t) for t in texts if t)


def is_small_number(text: str) -> bool:
    return bool(_SMALL_NUMBER.match(text))


def is_numbering(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return len(filled) >= 3 and all(_SMALL_NUMBER.match(t) for t in filled)


def is_footer(text: str) -> bool:
    text = text.strip()
    return bool(_FOOTER.match(header_key(text))) or (text.startswith("(") and text.endswith(")"))


def is_footer_key(k: str) -> bool:
    return bool(_FOOTER.match(k))


def iter_data_rows(
    book: _Book, layout: Layout, *, progress: Progress | None = None, cancel: Cancel | None = None,
    total: int = 0, what: str = "Đang đọc tệp…",
) -> Iterator[tuple[int, list]]:
    """(row number, raw values) of the rows after the header, blank rows left out."""
    for number, row in book.rows(layout.sheet):
        if number < layout.first_data_row:
            continue
        if number % 500 == 0:
            if cancel is not None and cancel():
                raise UserError(CANCELLED)
            if progress is not None:
                progress(number, max(total, number), what)
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            continue
        yield number, row
