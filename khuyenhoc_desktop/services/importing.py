"""Importing lists from Excel: households (one row per household, or one row per person grouped
into households), persons, members, organisations, clans and citizen results (Công dân học tập).

The same rules as the dialogs: every row becomes the registry's form and goes through the
registry's `validate_*`; only the uniqueness look-ups those functions would make one query per
row for (CCCD, household code, member card, "already a member") are answered from indexes loaded
once, with the registry's exact messages. Everything is written in one transaction with bulk
inserts (search index rebuilt once for large files): all or nothing, and with `skip_invalid`
only the valid rows. `analyse` runs the very same steps in a transaction that is rolled back.

Reading the file (formats, header row, column guessing, legacy encodings) is in `import_read`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import copy
import datetime as dt
import gc
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import vocab
from khuyenhoc_desktop.domain.cccd import PROVINCE_CODES
from khuyenhoc_desktop.domain.dates import format_date, parse_date, utcnow
from khuyenhoc_desktop.domain.text import fold, nfc, person_name_case, split_full_name
from khuyenhoc_desktop.domain.validation import check_person_cccd
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import registry
from khuyenhoc_desktop.services.import_read import (  # noqa: F401 - the import API lives here
    CANCELLED,
    IMPORT_KINDS,
    KIND_TITLES,
    ColumnInfo,
    FieldSpec,
    Layout,
    SavedMapping,
    SheetInfo,
    cell_text,
    check_kind,
    check_layout,
    column_letter,
    convert,
    describe_columns,
    fields_for,
    guess_layout,
    header_key,
    is_footer,
    is_footer_key,
    is_numbering,
    is_small_number,
    is_totals,
    is_totals_key,
    iter_data_rows,
    layout_from_mapping,
    load_mapping,
    open_book,
    read_sheets,
    save_mapping,
)
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    CitizenResultForm,
    ClanForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    OrganisationForm,
    PersonForm,
)
from khuyenhoc_desktop.storage import audit, search
from khuyenhoc_desktop.storage.models import (
    Branch,
    CitizenResult,
    Clan,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
    new_uid,
)

__all__ = [  # the import API (the wizard and the command use only these)
    "IMPORT_KINDS", "KIND_TITLES", "ACTIONS", "ACTION_LABELS", "CANCELLED",
    "FieldSpec", "fields_for", "SheetInfo", "read_sheets", "Layout", "guess_layout", "layout_from_mapping",
    "check_layout", "ColumnInfo", "describe_columns", "column_letter", "save_mapping", "load_mapping",
    "SavedMapping",
    "RowIssue", "Duplicate", "ImportPlan", "analyse", "ImportOptions", "ImportResult", "run_import",
    "write_rejected", "birth_parts", "cccd_text", "date_text", "phone_text", "education_code",
]

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
ACTIONS = ("skip", "merge", "add")
ACTION_LABELS = {"skip": "Bỏ qua", "merge": "Gộp vào bản đã có", "add": "Vẫn thêm mới"}
BULK_ROWS = 2000  # above this many rows the search index is rebuilt once instead of per row
_CHUNK = 5000


# ---------------------------------------------------------------- results
@dataclass
class RowIssue:
    row: int  # row number in the file
    field: str | None
    message: str


@dataclass
class Duplicate:
    row: int
    name: str
    reason: str
    existing_id: int | None  # the record already in the data file, or None
    other_row: int | None  # the earlier row of the same file, or None
    action: str = "skip"  # 'skip' | 'merge' | 'add'
    target: str = ""  # which list existing_id belongs to: households, persons, members, …


@dataclass
class ImportPlan:
    kind: str
    layout: Layout
    rows: int  # data rows read (blank, totals and footer rows left out)
    valid: int  # rows without an error
    rejected: list[RowIssue]
    duplicates: list[Duplicate]
    missing_hamlets: list[str]
    missing_clans: list[str]
    missing_branches: list[str] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)  # changed on the way in, not refused
    default_hamlet: str = ""  # hamlet of every household when the file has no hamlet column
    households: int = 0  # households kind: households found in the file
    file: str = ""
    notes: list[str] = field(default_factory=list)  # about the whole file, e.g. how results were read

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({i.row for i in self.rejected})


@dataclass
class ImportOptions:
    skip_invalid: bool = False
    create_missing: bool = False
    duplicates: str = "skip"
    default_hamlet: str = ""  # name of the hamlet for rows without one


@dataclass
class ImportResult:
    added: int
    merged: int
    skipped: int
    rejected: list[RowIssue]
    dry_run: bool
    persons_added: int = 0  # households: persons written with the new households
    persons_merged: int = 0
    persons_skipped: int = 0
    rows: int = 0
    written: bool = False  # False when nothing was saved (dry run, or rows rejected)
    warnings: list[RowIssue] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    missing_hamlets: list[str] = field(default_factory=list)
    missing_clans: list[str] = field(default_factory=list)
    missing_branches: list[str] = field(default_factory=list)
    created_hamlets: list[str] = field(default_factory=list)
    created_clans: list[str] = field(default_factory=list)
    created_branches: list[str] = field(default_factory=list)
    default_hamlet: str = ""
    would_add: int = 0  # what the valid rows hold, also when rejected rows kept everything out
    would_merge: int = 0
    would_skip: int = 0
    households: int = 0  # households kind: households found in the file
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({i.row for i in self.rejected})


# ---------------------------------------------------------------- values from cells
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _excel_serial(n: float) -> dt.date | None:
    if 1 <= n < 2958466:
        try:
            return _EXCEL_EPOCH + dt.timedelta(days=int(n))
        except OverflowError:
            return None
    return None


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def birth_parts(value) -> tuple[str, str]:
    """(birth date text, birth year text) from a cell: an Excel date, 05/09/1980, 5-9-1980,
    1980-09-05, 09/1980 or just 1980."""
    if value is None or value == "":
        return "", ""
    if (d := _as_date(value)) is not None:
        serial = (d - _EXCEL_EPOCH).days
        if d.year <= 1905 and 1900 <= serial <= 2100:
            return "", str(serial)  # the year 1980 in a cell formatted as a date shows as 1905
        return format_date(d), ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1000 <= value <= 2999:
            return "", str(int(value))
        d = _excel_serial(value)
        return (format_date(d), "") if d else (cell_text(value), "")
    text_ = cell_text(value).rstrip(".")
    if m := _YEAR.match(text_):
        return "", m.group(1)
    if m := _ISO.match(text_):
        return f"{int(m.group(3)):02d}/{int(m.group(2)):02d}/{m.group(1)}", ""
    if m := _MONTH_YEAR.match(text_):
        return "", m.group(2)
    return text_, ""


def date_text(value, what: str) -> tuple[str, str | None]:
    """A date field (join date, leave date): the text, and a warning when only a year or a
    month was given and the 1st was assumed."""
    if value is None or value == "":
        return "", None
    if (d := _as_date(value)) is not None:
        return format_date(d), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1000 <= value <= 2999:
            return f"01/01/{int(value)}", f"{what} chỉ ghi năm {int(value)}; đã ghi là 01/01/{int(value)}."
        d = _excel_serial(value)
        return (format_date(d), None) if d else (cell_text(value), None)
    text_ = cell_text(value).rstrip(".")
    if m := _YEAR.match(text_):
        return f"01/01/{m.group(1)}", f"{what} chỉ ghi năm {m.group(1)}; đã ghi là 01/01/{m.group(1)}."
    if m := _ISO.match(text_):
        return f"{int(m.group(3)):02d}/{int(m.group(2)):02d}/{m.group(1)}", None
    if m := _MONTH_YEAR.match(text_):
        fixed = f"01/{int(m.group(1)):02d}/{m.group(2)}"
        return fixed, f"{what} chỉ ghi tháng {text_}; đã ghi là {fixed}."
    return text_, None


def cccd_text(value) -> tuple[str, str | None]:
    """CCCD as text. Every CCCD starts with 0 (province codes 001–096), which Excel drops from
    a number: 10 or 11 digits whose 12-digit form starts with a real province code are
    restored, with a warning."""
    if value is None or value == "":
        return "", None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = str(value) if isinstance(value, int) else cell_text(value).lstrip("'").replace(" ", "").replace(".", "")
    if "*" in digits:
        # A list exported with masked IDs ("0010******56") comes back without them.
        return "", f"Số CCCD {digits} đã bị che khi xuất; để trống."
    if len(digits) in (10, 11) and digits.isdigit() and digits.zfill(12)[:3] in PROVINCE_CODES:
        fixed = digits.zfill(12)
        return fixed, (f"Số CCCD {digits} chỉ có {len(digits)} chữ số (Excel bỏ số 0 ở đầu khi lưu dạng số); "
                       f"đã ghi là {fixed}.")
    return digits, None


def phone_text(value) -> tuple[str, str | None]:
    if value is None or value == "":
        return "", None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if len(digits) == 9:
            return "0" + digits, f"Số điện thoại {digits} thiếu số 0 ở đầu (Excel bỏ khi lưu dạng số); đã ghi là 0{digits}."
        return digits, None
    text_ = cell_text(value).lstrip("'")
    if "*" in text_:
        # Like a masked CCCD: a list exported without full personal data.
        return "", f"Số điện thoại {text_} đã bị che khi xuất; để trống."
    return text_, None


def _is_mark(value) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    t = fold(cell_text(value))
    return bool(t) and t not in ("0", "-", "khong", "k", "no", "false")


_SEX = {"nam": "M", "m": "M", "male": "M", "trai": "M", "nam gioi": "M", "ong": "M",
        "nu": "F", "f": "F", "female": "F", "gai": "F", "nu gioi": "F", "ba": "F"}

_RELATIONS = {
    "head": ("chu ho", "ch", "chu ho gia dinh", "head"),
    "spouse": ("vo", "chong", "vo chong", "vc", "vo cua chu ho", "chong cua chu ho", "spouse"),
    "child": ("con", "con trai", "con gai", "con de", "con nuoi", "con ruot", "con ut", "con ca", "con thu",
              "con rieng", "child"),
    "parent": ("bo", "me", "cha", "bo de", "me de", "cha de", "bo me", "cha me", "me ruot", "bo ruot",
               "cha ruot", "parent"),
    "grandchild": ("chau", "chau noi", "chau ngoai", "chat", "chat noi", "chat ngoai", "chau ruot",
                   "grandchild"),
    "sibling": ("anh", "chi", "em", "anh trai", "chi gai", "em trai", "em gai", "anh ruot", "chi ruot",
                "em ruot", "anh chi em", "sibling"),
    "other": ("khac", "other", "ong", "ba", "ong noi", "ba noi", "ong ngoai", "ba ngoai", "con dau", "con re",
              "bo vo", "me vo", "bo chong", "me chong", "cha vo", "cha chong", "co", "di", "chu", "bac", "cau",
              "mo", "thim", "nguoi o cung", "o cung", "o nho", "nguoi giup viec", "chau dau", "chau re",
              "anh re", "chi dau", "em re", "em dau", "cu", "cu ong", "cu ba"),
}
RELATION_WORDS = {w: code for code, words in _RELATIONS.items() for w in words}

_EDUCATION_WORDS = {
    **{fold(label): code for code, label in vocab.EDUCATION.items()},
    "mu chu": "none", "khong biet chu": "none", "chua biet chu": "none", "khong di hoc": "none",
    "mam non": "preschool", "mau giao": "preschool", "nha tre": "preschool",
    "tieu hoc": "primary", "cap 1": "primary", "cap i": "primary", "th": "primary",
    "trung hoc co so": "lower_secondary", "thcs": "lower_secondary", "cap 2": "lower_secondary",
    "cap ii": "lower_secondary",
    "trung hoc pho thong": "upper_secondary", "thpt": "upper_secondary", "cap 3": "upper_secondary",
    "cap iii": "upper_secondary", "bo tuc": "upper_secondary",
    "trung cap": "vocational", "tc": "vocational", "so cap": "vocational", "nghe": "vocational",
    "trung cap nghe": "vocational", "cao dang": "college", "cd": "college",
    "dai hoc": "university", "dh": "university", "cu nhan": "university", "ky su": "university",
    "thac si": "postgraduate", "ths": "postgraduate", "tien si": "postgraduate", "ts": "postgraduate",
    "cao hoc": "postgraduate", "sau dai hoc": "postgraduate",
}
_GRADE = re.compile(r"^(?:lop\s*)?(\d{1,2})(?:\s*/\s*(10|12))?$")


def education_code(value: str) -> str | None:
    """Code for a schooling level as communes write it ('12/12', 'Lớp 7', 'ĐH'); None if unknown."""
    key = " ".join(re.sub(r"[^\w/]+", " ", fold(value)).split())
    if not key:
        return ""
    if key in _EDUCATION_WORDS:
        return _EDUCATION_WORDS[key]
    if m := _GRADE.match(key):
        grade, system = int(m.group(1)), int(m.group(2) or 12)
        if grade == 0:
            return "none"
        if system == 10:
            return "primary" if grade <= 4 else "lower_secondary" if grade <= 7 else "upper_secondary" if grade <= 10 else None
        return "primary" if grade <= 5 else "lower_secondary" if grade <= 9 else "upper_secondary" if grade <= 12 else None
    return None


_POVERTY = {"ho ngheo": "poor", "ngheo": "poor", "hn": "poor", "ho can ngheo": "near_poor",
            "can ngheo": "near_poor", "hcn": "near_poor", "khong": "none", "khong ngheo": "none",
            "binh thuong": "none", "": "none"}
_STATUS = {"dang sinh hoat": "active", "sinh hoat": "active", "con sinh hoat": "active", "active": "active",
           "da thoi": "left", "thoi": "left", "ra hoi": "left", "da ra hoi": "left", "thoi sinh hoat": "left",
           "chuyen di": "left", "left": "left",
           "da mat": "deceased", "mat": "deceased", "tu tran": "deceased", "da tu tran": "deceased",
           "qua doi": "deceased", "da qua doi": "deceased", "deceased": "deceased"}
_ORG_KINDS = {**{fold(v): k for k, v in vocab.ORGANISATION_KINDS.items()}, "truong": "school",
              "co quan": "office", "cong ty": "firm", "doanh nghiep": "firm", "hop tac xa": "firm"}


def _keep_lower(value: str) -> str:
    return value.lower()


def _words(value: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(value)).split())


def organisation_kind(name: str) -> str:
    """A likely kind from an organisation's name, for files without a kind column."""
    key = _words(name)
    if key.startswith(("truong", "nha tre", "mam non", "trung tam hoc tap", "mau giao")):
        return "school"
    if key.startswith(("cong ty", "doanh nghiep", "htx", "hop tac xa", "ngan hang", "cua hang", "xuong",
                       "co so san xuat", "nha may")):
        return "firm"
    if key.startswith(("uy ban", "ubnd", "dang uy", "hdnd", "hoi dong", "cong an", "tram", "buu dien",
                       "ban chi huy", "mat tran", "hoi ", "doan ", "chi bo", "quan su", "van phong", "phong ")):
        return "office"
    return "other"


# ---------------------------------------------------------------- look-ups
_KIND_WORDS = ("to dan pho", "khu pho", "thon", "xom", "ap", "ban", "tdp", "kp", "to", "khu", "lang", "doi")
_HAMLET_KIND_OF = {"thon": "thon", "xom": "xom", "ap": "ap", "ban": "ban", "to dan pho": "to_dan_pho",
                   "tdp": "to_dan_pho", "khu pho": "khu_pho", "kp": "khu_pho"}


def _bare_place(name: str) -> str:
    key = _words(name)
    key = re.sub(r"\b0+(\d)", r"\1", key)
    for word in _KIND_WORDS:
        if key.startswith(word + " "):
            return key[len(word) + 1 :]
    return key


class _Names:
    """Records found by name ignoring case and diacritics (and, for hamlets, 'Thôn'/'Xóm')."""

    def __init__(self, rows: list[tuple[int, str]], bare=None):
        self.names: dict[int, str] = {}
        self.exact: dict[str, list[int]] = {}
        self.loose: dict[str, list[int]] = {}
        self.keys: dict[str, tuple[str, str | None]] = {}
        self.bare = bare
        for rid, name in rows:
            self.add(rid, name)

    def add(self, rid: int, name: str) -> None:
        self.names[rid] = name
        self.exact.setdefault(_words(name), []).append(rid)
        if self.bare:
            self.loose.setdefault(self.bare(name), []).append(rid)

    def find(self, name: str) -> list[int]:
        # a file names the same few hamlets (clans) on every row: fold each spelling once
        keys = self.keys.get(name)
        if keys is None:
            keys = self.keys[name] = (_words(name), self.bare(name) if self.bare else None)
        ids = self.exact.get(keys[0])
        if ids:
            return ids
        if self.bare:
            return self.loose.get(keys[1], [])
        return []


def _title_case_if_caps(value: str) -> str:
    value = nfc(value)
    return person_name_case(value) if value.isupper() else value


# ---------------------------------------------------------------- the engine
@dataclass
class _Person:
    row: int
    form: PersonForm
    year: int | None
    hamlet_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # the row's field values (text)
    _folded: tuple[str, str] | None = None

    @property
    def folded(self) -> str:
        """fold(full name), worked out once for the several look-ups of one row."""
        full = self.form.full_name
        if self._folded is None or self._folded[0] != full:
            self._folded = (full, fold(full))
        return self._folded[1]


def _bulk_insert(session: Session, table, rows: list[dict]) -> None:
    """INSERT many rows straight through the driver (5× faster than Core's executemany),
    each value turned into what SQLAlchemy itself would store, by the column type's own
    bind processor. Other dialects go through Core."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    processors = [c.type.bind_processor(conn.dialect) for c in columns]
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    params = [
        tuple(v if (f is None or v is None) else f(v) for f, v in zip(processors, (row[n] for n in names)))
        for row in rows
    ]
    ids = [row["id"] for row in rows] if "id" in rows[0] else []
    audit.insert_logged_in_one(conn, table.name, ids, lambda: conn.exec_driver_sql(sql, params))


_BULK_TABLES = {"household": Household, "person": Person, "member": Member, "citizen_result": CitizenResult}


class _Held:
    """The session as the registry's checks see it, except that `get` of a hamlet or clan the
    engine holds is a dictionary look-up: Session.get costs as much as the rest of a household's
    check, once per row."""

    def __init__(self, session: Session, records: dict):
        self._session = session
        self._records = records

    def get(self, model, rid):
        record = self._records.get((model, rid))
        return record if record is not None else self._session.get(model, rid)

    def __getattr__(self, name):
        return getattr(self._session, name)


class _Regroup(Exception):
    """The rows of one household are not next to each other: read again, grouping by code."""


class _Engine(ABC):
    """Reads, checks and (when `write`) stores one file, inside the caller's session."""

    def __init__(self, session: Session, path: Path, kind: str, layout: Layout, options: ImportOptions,
                 actions: dict[int, str] | None, write: bool, progress: Progress | None, cancel: Cancel | None):
        self.s = session
        self.path = path
        self.kind = kind
        self.layout = layout
        self.options = options
        self.actions = actions or {}
        self.write = write
        self.progress = progress
        self.cancel = cancel
        self.specs = {f.key: f for f in fields_for(kind)}
        self.rows = 0
        self.rejected: list[RowIssue] = []
        self.rejected_set: set[int] = set()
        self.warnings: list[RowIssue] = []
        self.duplicates: list[Duplicate] = []
        # folded name -> the name as first written: "Thôn Đông" and "thon dong" are one hamlet
        self.missing_hamlets: dict[str, str] = {}
        self.missing_clans: dict[str, str] = {}
        self.missing_branches: dict[str, str] = {}
        self.created_hamlets: list[str] = []
        self.created_clans: list[str] = []
        self.created_branches: list[str] = []
        self.added = self.merged = self.skipped = 0
        self.persons_added = self.persons_merged = self.persons_skipped = 0
        self.default_hamlet = ""
        self.default_hamlet_id: int | None = None
        self.now = utcnow()
        self.notes: list[str] = []
        self.pending: dict[str, list[dict]] = {table: [] for table in _BULK_TABLES}
        self.next_id: dict[str, int] = {}
        self._columns = [(key, col - 1, layout.encodings.get(col)) for key, col in layout.mapping.items()]
        name_col = next((layout.mapping[k] for k in ("full_name", "given", "name") if k in layout.mapping), None)
        self._name_header = header_key(layout.headers.get(name_col, "")) if name_col else ""
        # The registry's checks look hamlets and clans up with session.get: keep them loaded (the
        # identity map holds objects weakly) and answer those look-ups from a dictionary.
        self._loaded: dict[tuple[type, int], object] = {}
        for record in [*session.scalars(select(Hamlet)), *session.scalars(select(Clan))]:
            self.hold(record)
        self.held = _Held(session, self._loaded)
        self.hamlets = _Names([(r.id, r.name) for r in self._loaded.values() if isinstance(r, Hamlet)],
                              bare=_bare_place)

    # -------------------------------------------------------- plumbing
    def hold(self, record) -> None:
        self._loaded[(type(record), record.id)] = record

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise UserError(CANCELLED)

    def reject(self, row: int, fieldname: str | None, message: str) -> None:
        self.rejected.append(RowIssue(row, fieldname, message))
        self.rejected_set.add(row)

    def warn(self, row: int, fieldname: str | None, message: str) -> None:
        self.warnings.append(RowIssue(row, fieldname, message))

    def action_for(self, row: int) -> str:
        return self.actions.get(row, self.options.duplicates)

    def duplicate(self, row: int, name: str, reason: str, existing_id: int | None, other_row: int | None,
                  target: str) -> str:
        action = self.action_for(row)
        self.duplicates.append(Duplicate(row, name, reason, existing_id, other_row, action, target))
        return action

    @property
    def storing(self) -> bool:
        """Still writing: a dry run never does, and a rejected row stops it unless skip_invalid."""
        return self.write and (self.options.skip_invalid or not self.rejected)

    def new_id(self, table: str) -> int:
        if table not in self.next_id:
            model = _BULK_TABLES[table]
            self.next_id[table] = (self.s.scalar(select(func.max(model.id))) or 0) + 1
        rid = self.next_id[table]
        self.next_id[table] += 1
        return rid

    def stamp(self) -> dict:
        return {"uid": new_uid(), "created_at": self.now, "updated_at": self.now}

    def queue(self, table: str, row: dict) -> None:
        self.pending[table].append(row)
        if len(self.pending[table]) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.write:
            for rows in self.pending.values():
                rows.clear()
            return
        for table, model in _BULK_TABLES.items():  # in this order: a row's references first
            rows = self.pending[table]
            if rows:
                _bulk_insert(self.s, model.__table__, rows)
                rows.clear()

    # -------------------------------------------------------- rows
    def values(self, raw: list) -> dict | None:
        """Field -> value of one data row (text converted from legacy encodings), or None for
        rows that are not data: totals, column numbers, a repeated header, signature lines."""
        out = {}
        for key, idx, enc in self._columns:
            v = raw[idx] if idx < len(raw) else None
            if isinstance(v, str):
                v = convert(nfc(v), enc) if enc else nfc(v)
                if v == "":
                    v = None
            out[key] = v
        if all(v is None for v in out.values()):
            return None
        name = cell_text(out.get("full_name") or out.get("given") or out.get("name"))
        key = header_key(name)
        if (not key or is_small_number(name) or is_totals_key(key) or is_footer_key(key)
                or key == self._name_header or _keep_lower(name).startswith(("cộng", "tổng"))):
            texts = [cell_text(v) for v in raw]  # only such rows need the closer look
            if (not name or is_totals([name])) and is_totals(texts):
                return None
            if is_numbering(texts):
                return None
            if name and self._name_header and header_key(name) == self._name_header:
                return None  # the header again (a list pasted page after page)
            if not name or is_footer(name):
                filled = [cell_text(v) for v in out.values() if v is not None]
                if all(t == name or is_footer(t) for t in filled):
                    return None
        return out

    def text(self, values: dict, key: str) -> str:
        value = values.get(key)
        return value if type(value) is str else cell_text(value)  # `values` normalised the text already

    def run(self) -> None:
        book = open_book(self.path)
        restore_cache = self._large_cache()
        # The engine keeps every row's look-ups alive to the end, and the cycle collector went
        # through all of them again and again (a tenth of the import); what it frees comes at the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            total = book.row_count(self.layout.sheet)
            self.prepare(total)
            self.first_pass(book, total)
            for number, raw in iter_data_rows(book, self.layout, progress=self.progress, cancel=self.cancel,
                                              total=total, what="Đang đọc và kiểm tra…"):
                values = self.values(raw)
                if values is None:
                    continue
                self.rows += 1
                self.feed(number, values)
            self.finish()
            self.check_cancel()
            self.flush()
            self.after()
        finally:
            if collecting:
                gc.enable()
            restore_cache()
            book.close()

    def _large_cache(self) -> Callable[[], None]:
        """SQLite's page cache raised to 64 MB for the import (the default 2 MB cannot hold the
        indexes of 30.000 households: a third of the inserting time went on re-reading pages);
        returns what puts the connection's own size back."""
        conn = self.s.connection()
        if conn.dialect.name != "sqlite":
            return lambda: None
        raw = conn.connection.driver_connection
        size = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute(f"PRAGMA cache_size = {min(int(size), -65536)}")
        return lambda: raw.execute(f"PRAGMA cache_size = {int(size)}")

    # hooks
    def prepare(self, total: int) -> None:
        pass

    def first_pass(self, book, total: int) -> None:
        pass

    @abstractmethod
    def feed(self, row: int, values: dict) -> None: ...

    def settled(self, action: str, row: int, target: int | None, form, merge) -> bool:
        """Skip or merge a likely duplicate; True when the row needs nothing more ('add' goes on).
        A merge into a row of the same file that was itself not written counts as skipped."""
        if action == "merge" and target is not None:
            merge(row, target, form)
            return True
        if action in ("skip", "merge"):
            self.skipped += 1
            return True
        return False

    def finish(self) -> None:
        pass

    def after(self) -> None:
        pass

    # -------------------------------------------------------- shared look-ups
    def hamlet_id(self, name: str, row: int, rows: list[int] | None = None) -> int | None | bool:
        """Hamlet id for a name; False when unknown (rows rejected) — created with create_missing."""
        if not name:
            return self.default_hamlet_id
        ids = self.hamlets.find(name)
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            for r in rows or [row]:
                self.reject(r, "hamlet", f"Có nhiều thôn tên '{name}'; hãy ghi rõ hơn.")
            return False
        if self.options.create_missing:
            return self.create_hamlet(name)
        self.missing_hamlets.setdefault(_words(name), _title_case_if_caps(name))
        for r in rows or [row]:
            self.reject(r, "hamlet", f"Chưa có thôn, tổ dân phố '{name}' trong danh sách; hãy thêm thôn "
                                     "hoặc chọn tạo thôn mới khi nhập.")
        return False

    def create_hamlet(self, name: str) -> int:
        name = _title_case_if_caps(name)
        key = _words(name)
        kind = next((code for word, code in _HAMLET_KIND_OF.items() if key == word or key.startswith(word + " ")),
                    "thon")
        hid = registry.save_hamlet(self.s, HamletForm(name=name, kind=kind))
        self.hold(self.s.get(Hamlet, hid))
        self.hamlets.add(hid, name)
        self.created_hamlets.append(name)
        return hid

    def find_default_hamlet(self) -> None:
        """The hamlet for rows without one: the option, else a hamlet named in the title rows."""
        if self.options.default_hamlet:
            ids = self.hamlets.find(self.options.default_hamlet)
            if len(ids) == 1:
                self.default_hamlet_id = ids[0]
            elif self.options.create_missing and not ids:
                self.default_hamlet_id = self.create_hamlet(self.options.default_hamlet)
            else:
                raise UserError(f"Không có thôn, tổ dân phố nào tên '{self.options.default_hamlet}'.")
            self.default_hamlet = self.hamlets.names[self.default_hamlet_id]
            return
        if "hamlet" in self.layout.mapping or not self.layout.title:
            return
        title = f" {_words(self.layout.title)} "
        found = [(len(_words(n)), hid) for hid, n in self.hamlets.names.items() if f" {_words(n)} " in title]
        if found:
            found.sort(reverse=True)
            if len(found) == 1 or found[0][0] > found[1][0]:
                self.default_hamlet_id = found[0][1]
                self.default_hamlet = self.hamlets.names[self.default_hamlet_id]


# ---------------------------------------------------------------- persons (shared)
class _PersonIndex:
    """The data file's persons as they were before the import, plus the rows added so far."""

    def __init__(self, session: Session):
        self.cccd: dict[str, tuple[int, str]] = {}
        self.by_name: dict[tuple[str, int | None], list[tuple[int, int | None, int | None]]] = {}
        self.by_name_only: dict[str, list[tuple[int, int | None]]] = {}
        self.info: dict[int, tuple[str, str, int | None, int | None]] = {}  # id -> name, sort key, hh, hamlet
        stmt = (
            select(Person.id, Person.full_name, Person.birth_year, Person.cccd, Person.sort_key,
                   Person.household_id, Household.hamlet_id)
            .outerjoin(Household, Household.id == Person.household_id)
        )
        for pid, name, year, cccd, sort_key, hid, hamlet in session.execute(stmt):
            self.add(pid, name, year, cccd, sort_key, hid, hamlet)

    def add(self, pid, name, year, cccd, sort_key, hid, hamlet) -> None:
        if cccd:
            self.cccd[cccd] = (pid, name)
        folded = fold(name)
        self.by_name.setdefault((folded, year), []).append((pid, hid, hamlet))
        self.by_name_only.setdefault(folded, []).append((pid, hamlet))
        self.info[pid] = (name, sort_key, hid, hamlet)

    def same_person(self, folded: str, year: int | None, hamlet: int | None) -> int | None:
        """`folded`: fold() of the full name."""
        if year is None:
            return None
        for pid, _, h in self.by_name.get((folded, year), []):
            if h == hamlet:
                return pid
        return None


class _PersonEngine(_Engine):
    """What households and persons imports share: turning a row into a checked PersonForm."""

    def prepare(self, total: int) -> None:
        self.index = _PersonIndex(self.s)
        self.file_cccd: dict[str, int] = {}
        self.file_names: dict[tuple[str, int, int | None], int] = {}
        self.codes: dict[str, tuple[int, int]] = {}  # household code -> (id, hamlet)
        for hid, code, hamlet in self.s.execute(select(Household.id, Household.code, Household.hamlet_id)):
            if code:
                self.codes[code.upper()] = (hid, hamlet)
        self.find_default_hamlet()
        self.bulk = total > BULK_ROWS and self.write
        if self.bulk:
            self._paused = search.index_paused(self.s, ("household", "person"))
            self._paused.__enter__()
        if self.write:
            self.s.execute(text("PRAGMA defer_foreign_keys = ON"))

    def after(self) -> None:
        if getattr(self, "_paused", None) is not None:
            self._paused.__exit__(None, None, None)
            self._paused = None

    def person(self, row: int, v: dict) -> _Person:
        full = self.text(v, "full_name")
        if not full and ("given" in v or "family_middle" in v):
            full = " ".join(p for p in (self.text(v, "family_middle"), self.text(v, "given")) if p)
        parts = split_full_name(full)
        birth_date, birth_year = birth_parts(v.get("birth_date"))
        by_date, by_year = birth_parts(v.get("birth_year"))
        birth_date = birth_date or by_date
        birth_year = birth_year or by_year
        sex = self.text(v, "sex")
        sex_code = _SEX.get(fold(sex), sex) if sex else ""
        male, female = _is_mark(v.get("sex_male")), _is_mark(v.get("sex_female"))
        if not sex_code and (male or female):
            sex_code = "M" if male and not female else "F" if female and not male else ""
            mark = v.get("sex_male") if male else v.get("sex_female")
            d, y = birth_parts(mark)
            if not birth_date and not birth_year and (d or y) and not (isinstance(mark, str) and _is_x(mark)):
                birth_date, birth_year = (d, y) if (y or parse_ok(d)) else ("", "")
        cccd, w = cccd_text(v.get("cccd"))
        if w:
            self.warn(row, "cccd", w)
        phone, w = phone_text(v.get("phone"))
        if w:
            self.warn(row, "phone", w)
        relation_text = self.text(v, "relation")
        relation = "other"
        if relation_text:
            key = _words(relation_text)
            relation = RELATION_WORDS.get(key) or RELATION_WORDS.get(key.split(" ")[0] if key else "", "")
            if not relation:
                relation = "other"
                self.warn(row, "relation", f"Quan hệ với chủ hộ '{relation_text}' chưa rõ; đã ghi là Khác.")
        education_text = self.text(v, "education")
        education = education_code(education_text) if education_text else ""
        if education is None:
            self.warn(row, "education", f"Trình độ học vấn '{education_text}' chưa rõ; để trống.")
            education = ""
        form = PersonForm(
            family_name=parts.family, middle_name=parts.middle, given_name=parts.given, sex=sex_code,
            birth_date=birth_date, birth_year=birth_year, cccd=cccd, relation=relation, education=education,
            occupation=self.text(v, "occupation"), phone=phone,
            note=self.text(v, "note") if self.kind == "persons" else "",
        )
        return _Person(row, form, None, self.text(v, "hamlet"), values=v)

    def check(self, p: _Person, *, own_id: int | None = None) -> None:
        """The registry's person rules; the CCCD clash answered from the index (same message)."""
        form = p.form
        cccd, household_id = form.cccd, form.household_id
        form.cccd, form.household_id = "", None
        errors = registry.validate_person(self.s, form)
        form.cccd, form.household_id = nfc(cccd).replace(" ", ""), household_id
        _, year, _ = registry._birth(form)
        p.year = year if "birth_year" not in errors and "birth_date" not in errors else None
        sex = form.sex if form.sex in vocab.SEXES else None
        if msg := check_person_cccd(form.cccd, year, sex):
            errors["cccd"] = msg
        p.errors = errors

    def cccd_clash(self, p: _Person, own_id: int | None = None) -> str | None:
        owner = self.index.cccd.get(p.form.cccd)
        if owner and owner[0] != own_id:
            return f"Số CCCD này đã có ở nhân khẩu {owner[1]}."
        return None

    def person_row(self, p: _Person, household_id: int, pid: int) -> dict:
        form = p.form
        bdate, year, _ = registry._birth(form)
        sort_key, search_text = registry.person_keys(form.family_name, form.middle_name, form.given_name,
                                                     form.cccd, form.phone)
        return {
            "id": pid, **self.stamp(), "household_id": household_id, "family_name": form.family_name,
            "middle_name": form.middle_name, "given_name": form.given_name, "full_name": form.full_name,
            "sex": form.sex, "birth_date": bdate, "birth_year": year, "cccd": form.cccd or None,
            "relation": form.relation, "education": form.education, "occupation": form.occupation,
            "phone": form.phone, "note": form.note, "sort_key": sort_key, "search_text": search_text,
        }

    def remember(self, p: _Person, pid: int, household_id: int, hamlet: int | None, sort_key: str = "") -> None:
        """A person written (or to be written) by this import: later rows see it as in the file."""
        if p.form.cccd:
            self.file_cccd[p.form.cccd] = p.row
        if p.year is not None:
            self.file_names.setdefault((p.folded, p.year, hamlet), p.row)
        self.row_person[p.row] = (pid, household_id)

    def file_cccd_clash(self, p: _Person) -> str | None:
        """Two rows of this file with one CCCD, kept both ('add'): the registry's message."""
        if p.form.cccd and p.form.cccd in self.file_cccd:
            other = self.row_person.get(self.file_cccd[p.form.cccd])
            name = self.index.info.get(other[0], ("",))[0] if other else ""
            return f"Số CCCD này đã có ở nhân khẩu {name}." if name else None
        return None

    def file_duplicate(self, p: _Person, hamlet: int | None) -> tuple[int, str] | None:
        if p.form.cccd and p.form.cccd in self.file_cccd:
            return self.file_cccd[p.form.cccd], f"Trùng số CCCD với dòng {self.file_cccd[p.form.cccd]}"
        if p.year is not None:
            other = self.file_names.get((p.folded, p.year, hamlet))
            if other is not None:
                return other, f"Trùng họ tên, năm sinh, thôn với dòng {other}"
        return None

    def db_duplicate(self, p: _Person, hamlet: int | None) -> tuple[int, str] | None:
        if p.form.cccd and p.form.cccd in self.index.cccd:
            pid, name = self.index.cccd[p.form.cccd]
            return pid, f"Trùng số CCCD với {name} đã có"
        pid = self.index.same_person(p.folded, p.year, hamlet)
        if pid is not None:
            name = self.index.info[pid][0]
            return pid, f"Trùng họ tên, năm sinh, thôn với {name} đã có"
        return None

    # -------------------------------------------------------- merging
    def merge_person(self, p: _Person, pid: int, *, household_id: int | None = None) -> bool:
        """Update person `pid` with the row's non-empty values (registry rules and save).
        False (and the row rejected) when the result breaks a rule."""
        try:
            original = registry.load_person(self.s, pid)
        except NotFoundError:
            return True  # a row of this same file, not written in a dry run
        form = copy.copy(original)
        new = p.form
        for name in ("family_name", "middle_name", "given_name", "sex", "cccd", "education", "occupation",
                     "phone", "note"):
            value = getattr(new, name)
            if value:
                setattr(form, name, value)
        if new.given_name:
            form.family_name, form.middle_name = new.family_name, new.middle_name
        if new.birth_date:
            if not (parse_ok(form.birth_date) and parse_date(form.birth_date) == parse_date(new.birth_date)):
                form.birth_date, form.birth_year = new.birth_date, ""
        elif new.birth_year and str(new.birth_year) != form.birth_year:
            form.birth_year = str(new.birth_year)
            if form.birth_date and parse_ok(form.birth_date) and parse_date(form.birth_date).year != int(new.birth_year):
                form.birth_date = ""
        if "relation" in self.layout.mapping and new.relation and form.relation != "head":
            form.relation = new.relation
        if household_id is not None and form.household_id is None:
            form.household_id = household_id
        if form == original:
            return True  # nothing new in the row: nothing to check or write
        try:
            if self.storing:
                registry.save_person(self.s, form)
            elif errors := registry.validate_person(self.s, form):
                raise ValidationError(errors)
        except ValidationError as exc:
            for k, message in exc.errors.items():
                self.reject(p.row, k, message)
            return False
        return True

    def exists(self, model, rid: int) -> bool:
        return self.s.scalar(select(model.id).where(model.id == rid)) is not None


def parse_ok(text_: str) -> bool:
    try:
        return parse_date(text_) is not None
    except ValueError:
        return False


def _is_x(value: str) -> bool:
    return fold(value).strip() in ("x", "v", "co", "1", "+", "*")


# ---------------------------------------------------------------- households
class _HouseholdEngine(_PersonEngine):
    """One row per household (its head), or one row per person grouped into households."""

    def prepare(self, total: int) -> None:
        super().prepare(total)
        m = self.layout.mapping
        self.mode = ("code" if "household_code" in m else "relation" if "relation" in m
                     else "head" if "head_name" in m else "single")
        self.group: list[tuple[int, dict]] = []
        self.group_key = None
        self.finished: set = set()  # keys of the groups already done (file read in order)
        self.last_row: dict | None = None  # key -> its last row, when grouping an unordered file
        self.open_groups: dict = {}
        self.row_person: dict[int, tuple[int, int]] = {}
        self.households = 0
        self.clans = _Names([(r.id, r.name) for r in self._loaded.values() if isinstance(r, Clan)])
        self.heads_by_household: dict[int, int | None] = {}

    def key_of(self, v: dict):
        if self.mode == "code":
            return self.text(v, "household_code").upper() or None
        if self.mode == "head":
            return (_words(self.text(v, "head_name")), _words(self.text(v, "hamlet"))) if self.text(v, "head_name") else None
        return None

    def is_head(self, v: dict) -> bool:
        rel = self.text(v, "relation")
        return bool(rel) and RELATION_WORDS.get(_words(rel)) == "head"

    def first_pass(self, book, total: int) -> None:
        """For a file whose households are not in consecutive rows: where each one ends."""
        if not self.buffered or self.mode not in ("code", "head"):
            return
        self.last_row = {}
        for number, raw in iter_data_rows(book, self.layout, progress=self.progress, cancel=self.cancel,
                                          total=total, what="Đang gom các dòng theo hộ…"):
            values = self.values(raw)
            if values is not None:
                key = self.key_of(values)
                self.last_row[key if key is not None else ("row", number)] = number

    buffered = False

    def feed(self, row: int, v: dict) -> None:
        if self.mode == "single":
            self.group = [(row, v)]
            self.close_group()
            return
        if self.last_row is not None:
            key = self.key_of(v)
            key = key if key is not None else ("row", row)
            rows = self.open_groups.setdefault(key, [])
            rows.append((row, v))
            if self.last_row.get(key) == row:
                self.group, self.group_key = self.open_groups.pop(key), key
                self.close_group()
            return
        if self.mode == "relation":
            if self.is_head(v) and self.group:
                self.close_group()
            self.group.append((row, v))
            return
        key = self.key_of(v)
        if key is None:
            # no code / head name on this row: a head starts a household, anyone else joins the last
            if self.group and (self.is_head(v) or "relation" not in self.layout.mapping):
                self.close_group()
            if not self.group:
                self.group_key = ("row", row)
            self.group.append((row, v))
            return
        if key != self.group_key and self.group:
            self.close_group()
        if key in self.finished:
            raise _Regroup
        self.group_key = key
        self.group.append((row, v))

    def finish(self) -> None:
        if self.group:
            self.close_group()
        for key in list(self.open_groups):
            self.group, self.group_key = self.open_groups.pop(key), key
            self.close_group()

    # -------------------------------------------------------- one household
    def close_group(self) -> None:
        rows, key = self.group, self.group_key
        self.group, self.group_key = [], None
        if self.households % 200 == 0:
            self.check_cancel()
        if key is not None:
            self.finished.add(key)
        self.households += 1
        persons = [self.person(r, v) for r, v in rows]
        numbers = [p.row for p in persons]
        # the head
        if self.mode == "single":
            heads = [persons[0]]
        elif "relation" in self.layout.mapping:
            heads = [p for p in persons if p.form.relation == "head"]
            if not heads and self.mode == "head":
                wanted = _words(self.text(rows[0][1], "head_name"))
                heads = [p for p in persons if _words(p.form.full_name) == wanted][:1]
        else:
            heads = [persons[0]]
            if self.mode == "head":
                wanted = _words(self.text(rows[0][1], "head_name"))
                heads = [p for p in persons if _words(p.form.full_name) == wanted][:1] or heads
        if not heads:
            for r in numbers:
                self.reject(r, "relation", "Hộ này không có ai ghi là Chủ hộ ở cột Quan hệ với chủ hộ.")
            return
        if len(heads) > 1:
            listed = ", ".join(str(h.row) for h in heads)
            for r in numbers:
                self.reject(r, "relation", f"Hộ này có {len(heads)} người ghi là Chủ hộ (dòng {listed}).")
            return
        head = heads[0]
        head.form.relation = "head"
        persons.remove(head)
        persons.insert(0, head)
        for p in persons[1:]:
            if p.form.relation == "head":
                p.form.relation = "other"
        # the household's own fields: from the head's row, else the first row that has them
        def first(key: str) -> str:
            for p in persons:
                if value := self.text(p.values, key):
                    return value
            return ""

        hamlet_text = first("hamlet")
        hamlet = self.hamlet_id(hamlet_text, head.row, numbers)
        if hamlet is False:
            return
        clan_id = None
        if clan_text := first("clan"):
            ids = self.clans.find(clan_text)
            if len(ids) == 1:
                clan_id = ids[0]
            elif len(ids) > 1:
                for r in numbers:
                    self.reject(r, "clan", f"Có nhiều dòng họ tên '{clan_text}'; hãy ghi rõ hơn.")
                return
            elif self.options.create_missing:
                clan_id = registry.save_clan(self.s, ClanForm(name=_title_case_if_caps(clan_text),
                                                              hamlet_ids=[hamlet] if hamlet else []))
                self.hold(self.s.get(Clan, clan_id))
                self.clans.add(clan_id, _title_case_if_caps(clan_text))
                self.created_clans.append(_title_case_if_caps(clan_text))
            else:
                self.missing_clans.setdefault(_words(clan_text), _title_case_if_caps(clan_text))
                for r in numbers:
                    self.reject(r, "clan", f"Chưa có dòng họ '{clan_text}' trong danh sách; hãy thêm dòng họ "
                                           "hoặc chọn tạo mới khi nhập.")
                return
        poverty = self.poverty(persons)
        hh_form = HouseholdForm(code=first("household_code"), hamlet_id=hamlet, clan_id=clan_id,
                                address=first("address"), poverty=poverty, note=first("note"))
        code = nfc(hh_form.code)
        hh_form.code = ""
        hh_errors = registry.validate_household(self.held, hh_form)
        hh_form.code = code
        for p in persons:
            self.check(p)
        bad = {p.row for p in persons if p.errors}
        if hh_errors or bad:
            for k, message in hh_errors.items():
                self.reject(head.row, k, message)
            for p in persons:
                for k, message in p.errors.items():
                    self.reject(p.row, k, message)
            first_bad = min(bad | ({head.row} if hh_errors else set()))
            for p in persons:
                if p.row not in self.rejected_set:
                    self.reject(p.row, None, f"Hộ có dòng lỗi (dòng {first_bad}); cả hộ chưa được nhập.")
            return
        # is this household already there (its code, or its head) or earlier in the file?
        existing = None
        if code and code.upper() in self.codes:
            hid = self.codes[code.upper()][0]
            existing = (hid, f"Mã hộ {code} đã có", None)
        else:
            dup = self.db_duplicate(head, hamlet)
            if dup is not None:
                hid = self.index.info[dup[0]][2]
                if hid is not None:
                    existing = (hid, dup[1], None)
            if existing is None and (fdup := self.file_duplicate(head, hamlet)) is not None:
                other_row, reason = fdup
                target = self.row_person.get(other_row)
                existing = (target[1] if target else None, reason, other_row)
        if existing is not None:
            hid, reason, other_row = existing
            action = self.duplicate(head.row, head.form.full_name, reason, None if other_row else hid, other_row,
                                    "households")
            if action == "skip":
                self.skipped += 1
                self.persons_skipped += len(persons)
                return
            if action == "merge":
                if hid is None:  # the earlier row was itself not written
                    self.skipped += 1
                    return
                self.merge_household(hid, hh_form, persons, hamlet)
                return
            if code and code.upper() in self.codes:
                for r in numbers:
                    self.reject(r, "household_code", f"Mã hộ {code} đã dùng cho hộ khác.")
                return
        self.add_household(hh_form, persons, hamlet, key)

    def poverty(self, persons: list[_Person]) -> str:
        for p in persons:
            if _is_mark(p.values.get("poor")):
                return "poor"
            if _is_mark(p.values.get("near_poor")):
                return "near_poor"
        for p in persons:
            if value := self.text(p.values, "poverty"):
                return _POVERTY.get(_words(value), value)
        return "none"

    def add_household(self, hh_form: HouseholdForm, persons: list[_Person], hamlet: int, key) -> None:
        # person-level duplicates among the members of a new household
        keep: list[_Person] = [persons[0]]
        merges: list[tuple[_Person, int]] = []
        for p in persons[1:]:
            dup = self.db_duplicate(p, hamlet)
            other = None
            if dup is None and (fdup := self.file_duplicate(p, hamlet)) is not None:
                other, reason = fdup
                target = self.row_person.get(other)
                dup = (target[0] if target else None, reason)
            if dup is None:
                keep.append(p)
                continue
            pid, reason = dup
            action = self.duplicate(p.row, p.form.full_name, reason, None if other else pid, other, "persons")
            if action == "skip":
                self.persons_skipped += 1
            elif action == "merge":
                if pid is not None:
                    merges.append((p, pid))
            else:
                keep.append(p)
        clashes = [(p, msg) for p in keep if (msg := self.cccd_clash(p) or self.file_cccd_clash(p))]
        if clashes:
            for p, msg in clashes:
                self.reject(p.row, "cccd", msg)
            for p in persons:
                if p.row not in self.rejected_set:
                    self.reject(p.row, None, f"Hộ có dòng lỗi (dòng {clashes[0][0].row}); cả hộ chưa được nhập.")
            return
        hid = self.new_id("household")
        head_id = None
        rows = []
        for p in keep:
            pid = self.new_id("person")
            row = self.person_row(p, hid, pid)
            rows.append(row)
            if p is persons[0]:
                head_id = pid
                head_row = row
            self.remember(p, pid, hid, hamlet)
            self.index_new(p, pid, hid, hamlet, row["sort_key"])
        if self.storing:
            self.queue("household", {
                "id": hid, **self.stamp(), "code": hh_form.code, "hamlet_id": hamlet, "clan_id": hh_form.clan_id,
                "head_person_id": head_id, "address": hh_form.address, "poverty": hh_form.poverty,
                "note": hh_form.note, "sort_key": head_row["sort_key"],
                "search_text": registry.household_search_text(head_row["full_name"], hh_form.code, hh_form.address),
            })
            for row in rows:
                self.queue("person", row)
        if hh_form.code:
            self.codes[hh_form.code.upper()] = (hid, hamlet)
        self.added += 1
        self.persons_added += len(rows)
        for p, pid in merges:
            self.flush()
            if self.merge_person(p, pid):
                self.persons_merged += 1

    def index_new(self, p: _Person, pid: int, hid: int, hamlet: int | None, sort_key: str) -> None:
        self.index.info[pid] = (p.form.full_name, sort_key, hid, hamlet)

    def merge_household(self, hid: int, hh_form: HouseholdForm, persons: list[_Person], hamlet: int) -> None:
        self.flush()
        if self.exists(Household, hid):
            original = registry.load_household(self.s, hid)
            form = copy.copy(original)
            for name in ("code", "address", "note"):
                if value := getattr(hh_form, name):
                    setattr(form, name, value)
            if hh_form.clan_id:
                form.clan_id = hh_form.clan_id
            if hh_form.poverty != "none" or "poverty" in self.layout.mapping:
                form.poverty = hh_form.poverty
            if hamlet:
                form.hamlet_id = hamlet
            try:
                if form == original:
                    pass  # nothing new for the household itself
                elif self.storing:
                    registry.save_household(self.s, form)
                elif errors := registry.validate_household(self.s, form):
                    raise ValidationError(errors)
            except ValidationError as exc:
                for k, message in exc.errors.items():
                    self.reject(persons[0].row, k, message)
                return
            members = {pid: (name, year, cccd) for pid, name, year, cccd in self.s.execute(
                select(Person.id, Person.full_name, Person.birth_year, Person.cccd).where(Person.household_id == hid))}
        else:
            members = {}
        self.merged += 1
        for p in persons:
            match = None
            for pid, (name, year, cccd) in members.items():
                if (p.form.cccd and cccd == p.form.cccd) or (
                    fold(name) == fold(p.form.full_name) and (p.year is None or year is None or year == p.year)
                ):
                    match = pid
                    break
            if match is None and p.form.cccd and (owner := self.index.cccd.get(p.form.cccd)):
                match = owner[0]
            if match is not None:
                if self.merge_person(p, match):
                    self.persons_merged += 1
                    self.remember(p, match, hid, hamlet)
                continue
            if msg := self.cccd_clash(p):
                self.reject(p.row, "cccd", msg)
                continue
            if self.exists(Household, hid) and p.form.relation == "head":
                p.form.relation = "other"
            pid = self.new_id("person")
            row = self.person_row(p, hid, pid)
            if self.storing:
                self.queue("person", row)
            self.remember(p, pid, hid, hamlet)
            self.index_new(p, pid, hid, hamlet, row["sort_key"])
            self.persons_added += 1


# ---------------------------------------------------------------- persons
class _PersonsEngine(_PersonEngine):
    """Persons added to households already in the data file."""

    def prepare(self, total: int) -> None:
        super().prepare(total)
        self.row_person: dict[int, tuple[int, int]] = {}
        self.heads: dict[str, list[tuple[int, int]]] = {}  # folded head name -> [(household, hamlet)]
        stmt = (select(Household.id, Household.hamlet_id, Person.full_name)
                .join(Person, Person.id == Household.head_person_id))
        for hid, hamlet, name in self.s.execute(stmt):
            self.heads.setdefault(_words(name), []).append((hid, hamlet))
        self.has_head = {hid: True for hid, in self.s.execute(
            select(Household.id).where(Household.head_person_id.is_not(None)))}

    def household_of(self, p: _Person) -> tuple[int, int] | None:
        v = p.values
        code = self.text(v, "household_code")
        if code:
            found = self.codes.get(code.upper())
            if found is None:
                self.reject(p.row, "household_code", f"Không tìm thấy hộ mã {code} trong danh sách hộ.")
            return found
        head = self.text(v, "head_name")
        if not head:
            self.reject(p.row, "household_code",
                        "Chưa có mã hộ hoặc tên chủ hộ để biết người này thuộc hộ nào.")
            return None
        candidates = self.heads.get(_words(head), [])
        hamlet_text = self.text(v, "hamlet")
        where = ""
        if hamlet_text:
            ids = self.hamlets.find(hamlet_text)
            if not ids:
                self.reject(p.row, "hamlet", f"Chưa có thôn, tổ dân phố '{hamlet_text}' trong danh sách.")
                self.missing_hamlets.setdefault(_words(hamlet_text), _title_case_if_caps(hamlet_text))
                return None
            candidates = [c for c in candidates if c[1] in ids]
            where = f" ở {self.hamlets.names[ids[0]]}"
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            self.reject(p.row, "head_name", f"Không tìm thấy hộ có chủ hộ {person_name_case(head)}{where}.")
        else:
            self.reject(p.row, "head_name", f"Có {len(candidates)} hộ có chủ hộ {person_name_case(head)}{where}; "
                                            "hãy thêm cột Mã hộ.")
        return None

    def feed(self, row: int, v: dict) -> None:
        if self.rows % 500 == 0:
            self.check_cancel()
        p = self.person(row, v)
        self.check(p)
        found = self.household_of(p)
        if p.errors:
            for k, message in p.errors.items():
                self.reject(row, k, message)
            return
        if found is None:
            return
        hid, hamlet = found
        dup = self.db_duplicate(p, hamlet)
        other = None
        if dup is None and (fdup := self.file_duplicate(p, hamlet)) is not None:
            other, reason = fdup
            target = self.row_person.get(other)
            dup = (target[0] if target else None, reason)
        if dup is not None:
            pid, reason = dup
            action = self.duplicate(row, p.form.full_name, reason, None if other else pid, other, "persons")
            if action == "skip":
                self.skipped += 1
                return
            if action == "merge":
                if pid is None:
                    self.skipped += 1
                    return
                self.flush()
                if self.merge_person(p, pid):
                    self.merged += 1
                return
        if msg := self.cccd_clash(p) or self.file_cccd_clash(p):
            self.reject(row, "cccd", msg)
            return
        pid = self.new_id("person")
        p.form.household_id = hid
        record = self.person_row(p, hid, pid)
        if self.storing:
            self.queue("person", record)
        if p.form.relation == "head" and not self.has_head.get(hid):
            self.has_head[hid] = True
            self.new_heads.append((hid, pid))
        self.remember(p, pid, hid, hamlet)
        self.index.info[pid] = (p.form.full_name, record["sort_key"], hid, hamlet)
        self.added += 1

    new_heads: list

    def run(self) -> None:
        self.new_heads = []
        super().run()

    def after(self) -> None:
        if self.storing and self.new_heads:
            for hid, pid in self.new_heads:
                household = self.s.get(Household, hid)
                household.head_person_id = pid
                registry._refresh_household(self.s, household)
            self.s.flush()
        super().after()


# ---------------------------------------------------------------- lists about registered persons
class _PersonRefEngine(_Engine):
    """Lists about persons already in the registry (members, citizen results): each row names
    one, found by CCCD, else by name and birth year, narrowed by hamlet."""

    def prepare(self, total: int) -> None:
        self.index = _PersonIndex(self.s)

    def person_id(self, row: int, v: dict) -> tuple[int | None, str]:
        cccd, w = cccd_text(v.get("cccd"))
        if w:
            self.warn(row, "cccd", w)
        full = self.text(v, "full_name")
        if not full and ("given" in v or "family_middle" in v):
            full = " ".join(p for p in (self.text(v, "family_middle"), self.text(v, "given")) if p)
        full = person_name_case(full)
        if cccd and cccd in self.index.cccd:
            return self.index.cccd[cccd][0], full
        d, y = birth_parts(v.get("birth_date"))
        d2, y2 = birth_parts(v.get("birth_year"))
        year = None
        for t in (y, y2):
            if t.isdigit():
                year = int(t)
        for t in (d, d2):
            if year is None and parse_ok(t):
                year = parse_date(t).year
        if year is None:
            for key in ("sex_male", "sex_female"):
                dd, yy = birth_parts(v.get(key))
                if yy.isdigit():
                    year = int(yy)
                elif parse_ok(dd):
                    year = parse_date(dd).year
        if not full:
            self.reject(row, "full_name", "Chưa nhập tên (chữ cuối của họ và tên).")
            return None, full
        found = [(pid, hamlet) for pid, _, hamlet in self.index.by_name.get((fold(full), year), [])] if year else []
        if not year:
            found = list(self.index.by_name_only.get(fold(full), []))
        hamlet_text = self.text(v, "hamlet")
        if hamlet_text and found:
            ids = self.hamlets.find(hamlet_text)
            found = [f for f in found if f[1] in ids]
        who = f"{full}" + (f" (sinh năm {year})" if year else "") + (f", {hamlet_text}" if hamlet_text else "")
        if len(found) == 1:
            return found[0][0], full
        if not found:
            self.reject(row, "full_name", f"Không tìm thấy nhân khẩu {who} trong danh sách; "
                                          "hãy nhập hộ gia đình trước hoặc kiểm tra họ tên, năm sinh.")
        else:
            self.reject(row, "full_name", f"Có {len(found)} nhân khẩu {who}; hãy thêm cột Số CCCD, Năm sinh "
                                          "hoặc Thôn để biết là ai.")
        return None, full


# ---------------------------------------------------------------- members
class _MembersEngine(_PersonRefEngine):
    def prepare(self, total: int) -> None:
        super().prepare(total)
        self.members: dict[int, int] = dict(
            (pid, mid) for mid, pid in self.s.execute(select(Member.id, Member.person_id)))
        self.cards: set[str] = {c for c, in self.s.execute(select(Member.card_number)) if c}
        self.file_person: dict[int, int] = {}  # person id -> row
        self.file_cards: dict[str, int] = {}
        self.row_member: dict[int, int] = {}
        branches = list(self.s.execute(select(Branch.id, Branch.name, Branch.kind, Branch.hamlet_id)))
        self.branches = _Names([(b, n) for b, n, _, _ in branches], bare=_bare_branch)
        self.hamlet_branches: dict[int, list[int]] = {}
        for b, _, kind, hamlet in branches:
            if kind == "hamlet" and hamlet:
                self.hamlet_branches.setdefault(hamlet, []).append(b)
        self.bulk = total > BULK_ROWS and self.write
        if self.bulk:
            self._paused = search.index_paused(self.s, ("member",))
            self._paused.__enter__()

    def after(self) -> None:
        if getattr(self, "_paused", None) is not None:
            self._paused.__exit__(None, None, None)
            self._paused = None

    def create_branch(self, name: str) -> int:
        """A missing branch, attached to what its name points to: a hamlet ("Chi hội Thôn 2"),
        a school or office ("Chi hội Trường THCS …"), a clan ("Chi hội dòng họ Nguyễn …"), else "other"."""
        label = _title_case_if_caps(name)
        bare = _strip_branch_words(name)
        form = BranchForm(name=label, kind="other")
        hamlet_ids = self.hamlets.find(bare)
        if len(hamlet_ids) == 1:
            if not _words(label).startswith("chi hoi"):
                form.name = f"Chi hội khuyến học {self.hamlets.names[hamlet_ids[0]]}"
            form.kind, form.hamlet_id = "hamlet", hamlet_ids[0]
        else:
            orgs = [(oid, kind) for oid, oname, kind in self.s.execute(
                select(Organisation.id, Organisation.name, Organisation.kind)) if _words(oname) == bare]
            clans = [cid for cid, cname in self.s.execute(select(Clan.id, Clan.name))
                     if _words(cname) == bare.removeprefix("dong ")]
            if len(orgs) == 1:
                form.organisation_id = orgs[0][0]
                form.kind = "school" if orgs[0][1] == "school" else "office"
            elif len(clans) == 1:
                form.kind, form.clan_id = "clan", clans[0]
        bid = registry.save_branch(self.s, form)
        self.branches.add(bid, form.name)
        if form.hamlet_id is not None:
            self.hamlet_branches.setdefault(form.hamlet_id, []).append(bid)
        self.created_branches.append(form.name)
        return bid

    def branch_id(self, row: int, v: dict, person_id: int | None) -> int | None | bool:
        name = self.text(v, "branch")
        if not name:
            if person_id is None:
                return None
            hamlet = self.index.info.get(person_id, (None, None, None, None))[3]
            ids = self.hamlet_branches.get(hamlet, [])
            return ids[0] if len(ids) == 1 else None
        ids = self.branches.find(name)
        if not ids:
            bare_hamlet = self.hamlets.find(_strip_branch_words(name))
            by_hamlet = [b for h in bare_hamlet for b in self.hamlet_branches.get(h, [])]
            if len(by_hamlet) == 1:
                return by_hamlet[0]
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            self.reject(row, "branch", f"Có nhiều chi hội tên '{name}'; hãy ghi rõ hơn.")
            return False
        if self.options.create_missing:
            return self.create_branch(name)
        self.missing_branches.setdefault(_words(name), _title_case_if_caps(name))
        self.reject(row, "branch", f"Chưa có chi hội '{name}' trong danh sách; hãy thêm chi hội "
                                   "hoặc chọn tạo mới khi nhập.")
        return False

    def feed(self, row: int, v: dict) -> None:
        if self.rows % 500 == 0:
            self.check_cancel()
        pid, full = self.person_id(row, v)
        branch = self.branch_id(row, v, pid)
        join, w = date_text(v.get("join_date"), "Ngày vào hội")
        if w:
            self.warn(row, "join_date", w)
        leave, w = date_text(v.get("leave_date"), "Ngày thôi")
        if w:
            self.warn(row, "leave_date", w)
        status_text = self.text(v, "status")
        status = _STATUS.get(_words(status_text), status_text) if status_text else ("left" if leave else "active")
        card = self.text(v, "card_number")
        form = MemberForm(person_id=None, branch_id=branch if branch not in (None, False) else None,
                          card_number="", join_date=join, status=status, leave_date=leave,
                          note=self.text(v, "note"))
        errors = registry.validate_member(self.s, form)
        errors.pop("person_id", None)
        if branch is False:
            errors.pop("branch_id", None)
        form.card_number = nfc(card)
        if pid is None or branch is False or errors:
            for k, message in errors.items():
                self.reject(row, k, message)
            return
        form.person_id = pid
        name = self.index.info[pid][0]
        existing = self.members.get(pid)
        other = self.file_person.get(pid)
        if existing is not None or other is not None:
            reason = f"{name} đã là hội viên" if existing is not None else f"Trùng người với dòng {other}"
            target = existing if existing is not None else self.row_member.get(other)
            action = self.duplicate(row, name, reason, existing, other, "members")
            if self.settled(action, row, target, form, self.merge_member):
                return
            self.reject(row, "person_id", "Người này đã là hội viên.")
            return
        if form.card_number and (form.card_number in self.cards or form.card_number in self.file_cards):
            self.reject(row, "card_number", f"Số thẻ {form.card_number} đã cấp cho hội viên khác.")
            return
        mid = self.new_id("member")
        person_name, sort_key, _, _ = self.index.info[pid]
        if self.storing:
            self.queue("member", {
                "id": mid, **self.stamp(), "person_id": pid, "branch_id": form.branch_id,
                "card_number": form.card_number or None, "join_date": parse_date(form.join_date),
                "status": form.status,
                "leave_date": parse_date(form.leave_date) if form.status != "active" else None,
                "note": form.note, "sort_key": sort_key,
                "search_text": registry.member_search_text(person_name, form.card_number),
            })
        self.file_person[pid] = row
        self.row_member[row] = mid
        if form.card_number:
            self.file_cards[form.card_number] = row
        self.added += 1

    def merge_member(self, row: int, mid: int, new: MemberForm) -> None:
        self.flush()
        if self.s.scalar(select(Member.id).where(Member.id == mid)) is None:
            self.merged += 1
            return
        form = registry.load_member(self.s, mid)
        for name in ("card_number", "join_date", "leave_date", "note"):
            if value := getattr(new, name):
                setattr(form, name, value)
        if "branch" in self.layout.mapping and new.branch_id:
            form.branch_id = new.branch_id
        if "status" in self.layout.mapping or new.leave_date:
            form.status = new.status
        try:
            if self.storing:
                registry.save_member(self.s, form)
            elif errors := registry.validate_member(self.s, form):
                raise ValidationError(errors)
        except ValidationError as exc:
            for k, message in exc.errors.items():
                self.reject(row, k, message)
            return
        self.merged += 1


def _strip_branch_words(name: str) -> str:
    key = _words(name)
    for prefix in ("chi hoi khuyen hoc", "chi hoi kh", "chi hoi", "to khuyen hoc", "ban khuyen hoc"):
        if key.startswith(prefix + " "):
            return key[len(prefix) + 1 :]
    return key


def _bare_branch(name: str) -> str:
    return _strip_branch_words(name)


# ---------------------------------------------------------------- organisations and clans
class _SmallEngine(_Engine):
    """Organisations and clans: short lists, saved one by one through the registry."""

    model = Organisation

    def prepare(self, total: int) -> None:
        self.existing = _Names(list(self.s.execute(select(self.model.id, self.model.name))))
        self.seen: dict[str, tuple[int, int | None]] = {}  # folded name -> (row, id)

    def feed(self, row: int, v: dict) -> None:
        self.check_cancel()
        form = self.form(row, v)
        if form is None:
            return
        errors = self.validate(form)
        if errors:
            for k, message in errors.items():
                self.reject(row, k, message)
            return
        key = _words(form.name)
        ids = self.existing.find(form.name)
        earlier = self.seen.get(key)
        if ids or earlier:
            what = "Đã có đơn vị" if self.kind == "organisations" else "Đã có dòng họ"
            reason = f"{what} {self.existing.names[ids[0]]}" if ids else f"Trùng tên với dòng {earlier[0]}"
            target = ids[0] if ids else earlier[1]
            action = self.duplicate(row, form.name, reason, ids[0] if ids else None, None if ids else earlier[0],
                                    self.kind)
            if self.settled(action, row, target, form, self.merge):
                return
        rid = self.save(form) if self.storing else None
        self.seen.setdefault(key, (row, rid))
        self.added += 1

    @abstractmethod
    def save(self, form) -> int: ...

    def merge(self, row: int, rid: int, new) -> None:
        form = self.load(rid)
        for f in new.__dataclass_fields__:
            value = getattr(new, f)
            if f not in ("id", "name") and value not in ("", None, []):  # the name matched already
                setattr(form, f, value)
        try:
            if self.storing:
                self.save(form)
            elif errors := self.validate(form):
                raise ValidationError(errors)
        except ValidationError as exc:
            for k, message in exc.errors.items():
                self.reject(row, k, message)
            return
        self.merged += 1

    def hamlet_ref(self, row: int, name: str) -> int | None | bool:
        if not name:
            return None
        return self.hamlet_id(name, row)


class _OrganisationsEngine(_SmallEngine):
    model = Organisation

    def form(self, row: int, v: dict) -> OrganisationForm | None:
        hamlet = self.hamlet_ref(row, self.text(v, "hamlet"))
        if hamlet is False:
            return None
        name = self.text(v, "name")
        kind_text = self.text(v, "kind")
        kind = _ORG_KINDS.get(_words(kind_text), kind_text) if kind_text else organisation_kind(name)
        phone, w = phone_text(v.get("phone"))
        if w:
            self.warn(row, "phone", w)
        return OrganisationForm(name=name, kind=kind, hamlet_id=hamlet, head_name=self.text(v, "head_name"),
                                head_title=self.text(v, "head_title"), address=self.text(v, "address"),
                                phone=phone, note=self.text(v, "note"))

    def validate(self, form):
        return registry.validate_organisation(self.s, form)

    def save(self, form) -> int:
        return registry.save_organisation(self.s, form)

    def load(self, rid):
        return registry.load_organisation(self.s, rid)


class _ClansEngine(_SmallEngine):
    model = Clan

    def prepare(self, total: int) -> None:
        super().prepare(total)
        self.index = _PersonIndex(self.s)

    def form(self, row: int, v: dict) -> ClanForm | None:
        hamlet_ids: list[int] = []
        for part in re.split(r"[,;]+", self.text(v, "hamlets")):
            if part.strip():
                hid = self.hamlet_id(part.strip(), row)
                if hid is False:
                    return None
                hamlet_ids.append(hid)
        name = self.text(v, "name")
        head_id = None
        if head := self.text(v, "head_name"):
            found = list(self.index.by_name_only.get(fold(head), []))
            if hamlet_ids and len(found) > 1:
                found = [f for f in found if f[1] in hamlet_ids]
            if len(found) == 1:
                head_id = found[0][0]
            else:
                how = "chưa có trong danh sách nhân khẩu" if not found else f"trùng tên {len(found)} người"
                self.warn(row, "head_name", f"Trưởng họ {person_name_case(head)} {how}; để trống, chọn sau.")
        return ClanForm(name=name, head_person_id=head_id, hamlet_ids=hamlet_ids, note=self.text(v, "note"))

    def validate(self, form):
        return registry.validate_clan(self.s, form)

    def save(self, form) -> int:
        return registry.save_clan(self.s, form)

    def load(self, rid):
        return registry.load_clan(self.s, rid)

    def merge(self, row: int, rid: int, new) -> None:
        if new.hamlet_ids:
            new.hamlet_ids = list(dict.fromkeys(registry.load_clan(self.s, rid).hamlet_ids + new.hamlet_ids))
        super().merge(row, rid, new)


# ---------------------------------------------------------------- citizen results
_PASSED_WORDS = {"dat", "x", "co", "v", "1", "+", "passed", "yes", "d"}
_FAILED_WORDS = {"chua dat", "khong dat", "khong", "k", "0", "-", "failed", "no", "cd", "kd"}
_GROUP_WORDS = (("nong dan", "1"), ("lao dong nong thon", "1"), ("cong nhan", "2"), ("tho", "2"),
                ("can bo", "3"), ("cong chuc", "3"), ("quan ly", "3"), ("doanh nhan", "3"))
_GROUP_NUMBER = re.compile(r"^(?:nhom\s*)?([1-4])$")


def citizen_group(value: str) -> str | None:
    """Form group code from "2", "Nhóm 2", its label or a word of it; None when unclear."""
    key = _words(value)
    if m := _GROUP_NUMBER.match(key):
        return m.group(1)
    for code, label in vocab.CITIZEN_GROUPS.items():
        if key == _words(label):
            return code
    for word, code in _GROUP_WORDS:
        if f" {word} " in f" {key} ":
            return code
    return None


def citizen_source(value: str) -> str | None:
    key = _words(value)
    if any(w in key for w in ("giay", "paper", "phieu")):
        return "paper"
    if any(w in key for w in ("congdanhoctap", "online", "truc tuyen", "mang", "web", "dien tu")):
        return "online"
    return None


class _CitizenResultsEngine(_PersonRefEngine):
    """One result per person and year; a second one for the same year is a duplicate (skip,
    merge or, refused with the registry's message, add)."""

    def prepare(self, total: int) -> None:
        super().prepare(total)
        self.results: dict[tuple[int, int], int] = {
            (pid, year): rid for rid, pid, year in
            self.s.execute(select(CitizenResult.id, CitizenResult.person_id, CitizenResult.year))}
        self.file_results: dict[tuple[int, int], int] = {}  # (person, year) -> row
        self.row_result: dict[int, int] = {}
        if "result" not in self.layout.mapping:
            self.notes.append(f"Tệp không có cột Kết quả: người có tổng điểm từ {registry.CITIZEN_PASS_TOTAL} "
                              "trở lên được ghi là Đạt, còn lại Chưa đạt.")

    def result(self, row: int, v: dict, total: str) -> str | None:
        """'passed' / 'failed', from the result column, else from the total."""
        text_ = self.text(v, "result")
        if text_:
            key = _words(text_)
            if key in _PASSED_WORDS:
                return "passed"
            if key in _FAILED_WORDS:
                return "failed"
            self.reject(row, "result", f"Kết quả '{text_}' chưa rõ; hãy ghi Đạt hoặc Chưa đạt.")
            return None
        try:
            score = registry.parse_score(total)
        except ValueError:
            return None  # the total's own error says it
        if score is None:
            self.reject(row, "result", "Chưa ghi kết quả (Đạt hoặc Chưa đạt) hay tổng điểm.")
            return None
        if "result" in self.layout.mapping:
            self.warn(row, "result", f"Kết quả để trống; theo tổng điểm ghi là "
                                     f"{'Đạt' if score >= registry.CITIZEN_PASS_TOTAL else 'Chưa đạt'}.")
        return "passed" if score >= registry.CITIZEN_PASS_TOTAL else "failed"

    def feed(self, row: int, v: dict) -> None:
        if self.rows % 500 == 0:
            self.check_cancel()
        pid, _ = self.person_id(row, v)
        total = self.text(v, "total")
        result = self.result(row, v, total)
        group_text = self.text(v, "form_group")
        group = citizen_group(group_text) if group_text else ""
        if group is None:
            self.warn(row, "form_group", f"Nhóm phiếu '{group_text}' chưa rõ; để trống.")
            group = ""
        source_text = self.text(v, "source")
        source = citizen_source(source_text) if source_text else "online"
        if source is None:
            self.warn(row, "source", f"Nguồn '{source_text}' chưa rõ; đã ghi là {vocab.CITIZEN_SOURCES['online']}.")
            source = "online"
        result_on, w = date_text(v.get("result_on"), "Ngày")
        if w:
            self.warn(row, "result_on", w)
        form = CitizenResultForm(year=self.text(v, "year"), form_group=group, total=total,
                                 result=result or "failed", result_on=result_on, source=source,
                                 note=self.text(v, "note"))
        errors = registry.validate_citizen_result(self.s, form)  # no person: no query per row
        errors.pop("person_id", None)
        for k, message in errors.items():
            self.reject(row, k, message)
        if pid is None or result is None or errors:
            return
        form.person_id = pid
        year = int(form.year)
        name = self.index.info[pid][0]
        existing = self.results.get((pid, year))
        other = self.file_results.get((pid, year))
        if existing is not None or other is not None:
            reason = (f"{name} đã có kết quả năm {year}" if existing is not None
                      else f"Trùng người và năm với dòng {other}")
            target = existing if existing is not None else self.row_result.get(other)
            action = self.duplicate(row, name, reason, existing, other, "citizen_results")
            if self.settled(action, row, target, form, self.merge_result):
                return
            self.reject(row, "year", f"{name} đã có kết quả năm {year}.")
            return
        rid = self.new_id("citizen_result")
        if self.storing:
            self.queue("citizen_result", {
                "id": rid, **self.stamp(), "person_id": pid, "year": year, "form_group": group,
                "total": registry.parse_score(total), "passed": result == "passed",
                "result_on": parse_date(result_on), "source": source, "note": form.note,
            })
        self.file_results[(pid, year)] = row
        self.row_result[row] = rid
        self.added += 1

    def merge_result(self, row: int, rid: int, new: CitizenResultForm) -> None:
        """The row's values over the saved result; columns the file lacks keep theirs."""
        self.flush()
        if self.s.scalar(select(CitizenResult.id).where(CitizenResult.id == rid)) is None:
            self.merged += 1  # a row of this same file, not written in a dry run
            return
        form = registry.load_citizen_result(self.s, rid)
        for name in ("form_group", "total", "result_on", "note"):
            if value := getattr(new, name):
                setattr(form, name, value)
        form.result = new.result  # read from the row's result, else its total (a row with neither is refused)
        if "source" in self.layout.mapping:
            form.source = new.source
        try:
            if self.storing:
                registry.save_citizen_result(self.s, form)
            elif errors := registry.validate_citizen_result(self.s, form):
                raise ValidationError(errors)
        except ValidationError as exc:
            for k, message in exc.errors.items():
                self.reject(row, k, message)
            return
        self.merged += 1


_ENGINES = {
    "households": _HouseholdEngine,
    "persons": _PersonsEngine,
    "members": _MembersEngine,
    "organisations": _OrganisationsEngine,
    "clans": _ClansEngine,
    "citizen_results": _CitizenResultsEngine,
}


# ---------------------------------------------------------------- the API
def _check(kind: str, layout: Layout, options: ImportOptions) -> None:
    check_kind(kind)
    check_layout(layout, kind)
    if options.duplicates not in ACTIONS:
        raise UserError(f"Cách xử lý trùng '{options.duplicates}' không có; chọn một trong: {', '.join(ACTIONS)}.")


def _engine(session, path, kind, layout, options, actions, write, progress, cancel) -> _Engine:
    return _ENGINES[kind](session, Path(path), kind, layout, options, actions, write, progress, cancel)


def _plan_of(engine: _Engine, path) -> ImportPlan:
    rejected_rows = {i.row for i in engine.rejected}
    return ImportPlan(
        kind=engine.kind, layout=engine.layout, rows=engine.rows, valid=engine.rows - len(rejected_rows),
        rejected=sorted(engine.rejected, key=lambda i: i.row), duplicates=engine.duplicates,
        missing_hamlets=list(engine.missing_hamlets.values()), missing_clans=list(engine.missing_clans.values()),
        missing_branches=list(engine.missing_branches.values()), warnings=sorted(engine.warnings, key=lambda i: i.row),
        default_hamlet=engine.default_hamlet, households=getattr(engine, "households", 0), file=str(path),
        notes=engine.notes,
    )


class _Rollback(Exception):
    pass


def _run_engine(db, path, kind, layout, options, actions, write, progress, cancel) -> tuple[_Engine, bool]:
    """Run the engine in one transaction; kept only when writing and nothing stops it.
    Returns the engine and whether its changes were committed."""
    for buffered in (False, True):
        written = False
        try:
            if not write:
                with db.read() as session:
                    try:
                        engine = _engine(session, path, kind, layout, options, actions, False, progress, cancel)
                        engine.buffered = buffered
                        engine.run()
                    finally:
                        session.rollback()
                return engine, False
            with db.write() as session:
                engine = _engine(session, path, kind, layout, options, actions, True, progress, cancel)
                engine.buffered = buffered
                engine.run()
                if engine.rejected and not options.skip_invalid:
                    raise _Rollback
                if progress is not None:
                    progress(1, 1, "Đang ghi tệp dữ liệu…")
                engine.check_cancel()
                written = True
            return engine, written
        except _Rollback:
            return engine, False
        except _Regroup:
            continue  # the households' rows are scattered: read again grouping by code
    raise AssertionError("unreachable")  # pragma: no cover


def analyse(db, path, kind: str, layout: Layout, *, progress: Progress | None = None,
            cancel: Cancel | None = None, options: ImportOptions | None = None) -> ImportPlan:
    """Read and check the whole file as an import would, and write nothing: rows, errors,
    likely duplicates (each with the action that would apply), missing hamlets and clans."""
    options = options or ImportOptions()
    _check(kind, layout, options)
    engine, _ = _run_engine(db, path, kind, layout, options, None, False, progress, cancel)
    return _plan_of(engine, path)


def run_import(db, path, kind: str, layout: Layout, options: ImportOptions, *, plan: ImportPlan | None = None,
               dry_run: bool = False, progress: Progress | None = None, cancel: Cancel | None = None) -> ImportResult:
    """Import the file in one transaction. Rows with errors: nothing is written unless
    `options.skip_invalid`, then only the valid rows are. Duplicates: the actions of `plan`
    (one per row, as the user set them), else `options.duplicates` for all.
    The counts say what was written (dry run: what would be); `would_add` etc. what the valid
    rows hold even when nothing was written because of rejected rows."""
    _check(kind, layout, options)
    actions = None
    if plan is not None:
        bad = [d.action for d in plan.duplicates if d.action not in ACTIONS]
        if bad:
            raise UserError(f"Cách xử lý trùng '{bad[0]}' không có; chọn một trong: {', '.join(ACTIONS)}.")
        actions = {d.row: d.action for d in plan.duplicates}
    engine, written = _run_engine(db, path, kind, layout, options, actions, not dry_run, progress, cancel)
    if progress is not None:
        progress(1, 1, "Đã nhập xong." if written else "Đã kiểm tra xong.")
    hold = options.skip_invalid or not engine.rejected
    return ImportResult(
        added=engine.added if hold else 0,
        merged=engine.merged if hold else 0,
        skipped=engine.skipped if hold else 0,
        rejected=sorted(engine.rejected, key=lambda i: i.row), dry_run=dry_run,
        persons_added=engine.persons_added if hold else 0,
        persons_merged=engine.persons_merged if hold else 0,
        persons_skipped=engine.persons_skipped if hold else 0,
        rows=engine.rows, written=written, warnings=sorted(engine.warnings, key=lambda i: i.row),
        duplicates=engine.duplicates, missing_hamlets=list(engine.missing_hamlets.values()),
        missing_clans=list(engine.missing_clans.values()), missing_branches=list(engine.missing_branches.values()),
        created_hamlets=engine.created_hamlets if hold else [],
        created_clans=engine.created_clans if hold else [],
        created_branches=engine.created_branches if hold else [],
        default_hamlet=engine.default_hamlet,
        would_add=engine.added, would_merge=engine.merged, would_skip=engine.skipped,
        households=getattr(engine, "households", 0), notes=engine.notes,
    )


# ---------------------------------------------------------------- rejected rows
def write_rejected(rejected: list[RowIssue], path, layout: Layout, out_path) -> int:
    """A workbook of the rejected rows: the header, each row's cells as in the file (legacy
    text converted to Unicode) and two more columns, "Dòng gốc" and "Lý do". Returns the
    number of rows written."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    reasons: dict[int, list[str]] = {}
    for issue in rejected:
        messages = reasons.setdefault(issue.row, [])
        if issue.message not in messages:
            messages.append(issue.message)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Dòng bị từ chối")
    bold = Font(bold=True)
    width = layout.width or max(list(layout.headers) + list(layout.mapping.values()) + [1])

    def cell(value, header=False):
        if isinstance(value, str):
            value = value[:32767]
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text that looks like a formula stays text
        if isinstance(value, (dt.date, dt.datetime)):
            c.number_format = "DD/MM/YYYY"
        if header:
            c.font = bold
        return c

    headers = [layout.headers.get(c, "") for c in range(1, width + 1)]
    ws.append([cell(h, True) for h in headers] + [cell("Dòng gốc", True), cell("Lý do", True)])
    written = 0
    with open_book(path) as book:
        for number, row in book.rows(layout.sheet):
            if number not in reasons:
                continue
            values = []
            for i in range(width):
                v = row[i] if i < len(row) else None
                enc = layout.encodings.get(i + 1)
                if isinstance(v, str):
                    v = convert(nfc(v), enc) if enc else v
                values.append(cell(v))
            ws.append(values + [cell(number), cell("; ".join(reasons[number]))])
            written += 1
    try:
        wb.save(out_path)
    except OSError as exc:
        raise UserError(f"Không ghi được tệp {Path(out_path).name}: {exc.strerror}.") from None
    return written
