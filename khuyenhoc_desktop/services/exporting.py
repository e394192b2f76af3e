"""Lists to Excel: exactly the rows, order, search and filters of the list page, as a workbook
a district clerk is glad to receive (see `documents.xlsx` for the look).

The export runs the list page's own query (`lists.row_ids` for the order, `lists._display_select`
for the values) but keeps the stored values: real dates, numbers as numbers, codes turned into
their Vietnamese words. Each list may add `ListKind.export_extra` columns so that an export
imports back. CCCD and phone numbers are masked (Decree 13/2023) unless asked for in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.domain import admin_units, privacy, roles, vocab
from khuyenhoc_desktop.domain import dates
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import lists
from khuyenhoc_desktop.services.lists import Column, ListKind, ListQuery
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.storage.models import Hamlet

CHUNK = 2000
STOPPED = "Đã dừng; chưa ghi tệp nào."

_SHEET_KINDS = {
    lists.TEXT: xlsx.TEXT,
    lists.CODE: xlsx.TEXT,
    lists.NUMBER: xlsx.COUNT,
    lists.YEAR: xlsx.YEAR,
    lists.DATE: xlsx.DATE,
    lists.SCORE: xlsx.TEXT,  # written as on screen (85,5): a whole-number format would round it
}

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def is_personal_column(column: Column) -> bool:
    """Columns holding a person's CCCD or phone number: masked unless asked for in full."""
    return column.personal is not None


def export_columns(kind_key: str) -> list[Column]:
    """The page's columns, then the export-only ones."""
    spec = lists.kind(kind_key)
    return [*spec.columns, *spec.export_extra]


def has_personal_column(kind_key: str) -> bool:
    return any(is_personal_column(c) for c in export_columns(kind_key))


def fetch_raw(session: Session, kind_key: str, ids: Sequence[int]) -> dict[int, dict]:
    """Stored values of the given rows keyed by id, for every export column: the same query as
    `lists.fetch_rows`, before `Column.display` turns dates into text."""
    spec = lists.kind(kind_key)
    if not ids:
        return {}
    stmt = lists._display_select(spec)
    if spec.export_extra:
        stmt = stmt.add_columns(*(c.expr.label(c.key) for c in spec.export_extra))
    stmt = stmt.where(spec.model.id.in_(list(ids)))
    rows = {row["id"]: dict(row) for row in session.execute(stmt).mappings()}
    if spec.post and rows:
        spec.post(session, rows)
    return rows


def cell_value(column: Column, value, *, full_ids: bool = False):
    """What goes into the cell: dates and numbers as they are, codes in words, CCCD and phone
    numbers masked unless `full_ids`."""
    if value is None or value == "":
        return None
    if column.kind in (lists.CODE, lists.SCORE):
        return column.display(value) or None
    if is_personal_column(column) and not full_ids:
        return privacy.mask(column.personal, value)
    return value


def _name_column(spec: ListKind) -> Column:
    return next((c for c in spec.columns if c.sort is spec.sort_column), spec.columns[0])


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def describe_query(session: Session, q: ListQuery) -> list[str]:
    """The search, filters and order in words, for the title block: ["Lọc: Thôn 2; tìm “nguyen”"]."""
    spec = lists.kind(q.kind)
    parts = []
    if q.hamlet_id is not None and spec.hamlet_column is not None:
        hamlet = session.get(Hamlet, q.hamlet_id)
        if hamlet is not None:
            label = vocab.label(vocab.HAMLET_KINDS, hamlet.kind)
            named = fold(hamlet.name).startswith(fold(label))
            parts.append(hamlet.name if named else f"{label.lower()} {hamlet.name}")
    if q.status and spec.status_column is not None:
        label = spec.statuses.get(q.status, q.status)
        parts.append(f"{spec.status_label.lower()} {_lower_first(label)}".strip())
    if q.search.strip():
        parts.append(f"tìm “{q.search.strip()}”")
    lines = ["Lọc: " + "; ".join(parts)] if parts else []
    if q.sort_key or q.descending:
        column = spec.column(q.sort_key) if q.sort_key else _name_column(spec)
        lines.append(f"Sắp xếp: {column.header}" + (", giảm dần" if q.descending else ""))
    return lines


def title_block(session: Session, q: ListQuery, rows: int, on: dt.date) -> xlsx.TitleBlock:
    spec = lists.kind(q.kind)
    profile = get_profile(session)
    organisation = place = ""
    if profile is not None:
        organisation = profile.association_name
        province = admin_units.in_sentence(profile.province_name) if profile.province_name else ""
        place = ", ".join(p for p in (profile.commune_name, province) if p)
    return xlsx.TitleBlock(
        organisation=organisation,
        place=place,
        title=f"Danh sách {spec.title.lower()}",
        lines=(f"Ngày xuất: {dates.format_date(on)}; tổng số {format_count(rows)} {spec.noun}",
               *describe_query(session, q)),
    )


def sheet_columns(kind_key: str) -> list[xlsx.SheetColumn]:
    return [
        xlsx.SheetColumn(c.header, _SHEET_KINDS.get(c.kind, xlsx.TEXT), xlsx.px_to_chars(c.width))
        for c in export_columns(kind_key)
    ]


def default_file_name(kind_key: str, today: dt.date) -> str:
    """'Danh sách nhân khẩu 22-11-2026.xlsx' (no slashes: they cannot be in a file name)."""
    return f"Danh sách {lists.kind(kind_key).title.lower()} {today:%d-%m-%Y}.xlsx"


def export_list(
    db,
    query: ListQuery,
    out: Path,
    *,
    full_ids: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    today: dt.date | None = None,
) -> ExportResult:
    """Write the list as `query` shows it to `out` (.xlsx), streaming: memory does not grow with
    the number of rows. The file appears only when complete; a stop (`cancel()` true) or an
    error leaves no file behind and an existing `out` untouched. `full_ids`: CCCD and phone
    numbers in full, which a read-only user may not have."""
    spec = lists.kind(query.kind)
    if full_ids and roles.masks_personal_data(db.role) and has_personal_column(query.kind):
        raise UserError(f"Vai trò {roles.label(db.role)} chỉ xuất được số CCCD, điện thoại đã che bớt.")
    columns = export_columns(query.kind)
    report = progress or (lambda _done, _total, _text: None)
    stopped = cancel or (lambda: False)
    out = Path(out)
    with xlsx.replacing(out, overwrite=overwrite) as temp, db.read() as session:
        report(0, 0, f"Đang tìm các dòng của danh sách {spec.title.lower()}…")
        ids = lists.row_ids(session, query)
        total = len(ids)
        block = title_block(session, query, total, today or dates.today())
        workbook = xlsx.new_workbook(block.title)
        sheet = xlsx.TableSheet(workbook, spec.title, sheet_columns(query.kind), block)
        try:
            for start in range(0, total, CHUNK):
                if stopped():
                    raise UserError(STOPPED)
                chunk = ids[start : start + CHUNK]
                fetched = fetch_raw(session, query.kind, chunk)
                for record_id in chunk:
                    row = fetched.get(record_id)
                    if row is not None:
                        sheet.append([cell_value(c, row[c.key], full_ids=full_ids) for c in columns])
                done = min(start + CHUNK, total)
                report(done, total, f"Đã ghi {format_count(done)} / {format_count(total)} dòng…")
            rows = sheet.close()
            if stopped():
                raise UserError(STOPPED)
            report(total, total, "Đang lưu tệp…")
            workbook.save(temp)
        except BaseException:
            sheet.discard()
            raise
    return ExportResult(out, rows)
