"""Reading the audit trail (who changed what, when, old and new values), exporting it to Excel,
and the one permitted rewrite of it: removing a person's personal values (Decree 13/2023).

The log itself is written by SQLite triggers (`storage/audit.py`), never here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Boolean, Date, DateTime, Integer, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.domain import privacy, roles, vocab
from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services.exporting import STOPPED
from khuyenhoc_desktop.storage import audit as triggers
from khuyenhoc_desktop.storage.models import AuditLog, Base, CommuneProfile

REDACTED = "(đã xóa)"
UNKNOWN_ACTOR = "(không rõ)"

ACTIONS = {
    triggers.INSERT: "Thêm",
    triggers.UPDATE: "Sửa",
    triggers.DELETE: "Xóa",
    triggers.REDACT: "Xóa dữ liệu cá nhân",
}

TABLE_LABELS = {
    "commune_profile": "Hồ sơ xã",
    "officer": "Lãnh đạo Hội",
    "hamlet": "Thôn, tổ dân phố",
    "clan": "Dòng họ",
    "clan_hamlet": "Thôn của dòng họ",
    "household": "Hộ gia đình",
    "person": "Nhân khẩu",
    "organisation": "Cơ quan, đơn vị",
    "branch": "Chi hội",
    "member": "Hội viên",
    "dues_payment": "Hội phí",
    "form_version": "Bộ tiêu chí đã dùng",
    "registration": "Đăng ký danh hiệu",
    "evaluation": "Chấm điểm",
    "decision": "Quyết định công nhận",
    "decision_entry": "Danh sách công nhận",
    "review_meeting": "Hội nghị bình xét",
    "review_vote": "Kết quả bình xét",
    "citizen_result": "Công dân học tập",
    "custom_form": "Bộ tiêu chí",
    "setting": "Cài đặt",
    "payout_decision": "Quyết định chi",
    "voucher": "Phiếu thu, chi",
    "payout_line": "Người nhận tiền",
    "fund_lock": "Khóa sổ quỹ",
    "report": "Báo cáo",
    "app_user": "Người dùng",
    "app_recovery": "Khóa khôi phục",
}

# Rows of a link table logged under the record they belong to (their record_id is its id).
_LINKED = {"clan": ("clan_hamlet",)}

# Columns named alike in many tables; the list pages' own headers and codes are added below.
_COMMON_LABELS = {
    "name": "Tên", "note": "Ghi chú", "address": "Địa chỉ", "phone": "Điện thoại", "email": "Thư điện tử",
    "kind": "Loại", "year": "Năm", "number": "Số", "amount": "Số tiền", "position": "Thứ tự",
    "title": "Chức vụ", "level": "Mức", "total": "Tổng điểm", "passed": "Đạt", "content": "Nội dung",
    "source": "Nguồn", "status": "Trạng thái", "hamlet_id": "Thôn, tổ dân phố", "clan_id": "Dòng họ",
    "household_id": "Hộ", "person_id": "Nhân khẩu", "branch_id": "Chi hội", "member_id": "Hội viên",
    "organisation_id": "Cơ quan, đơn vị", "registration_id": "Đăng ký", "decision_id": "Quyết định",
    "head_person_id": "Chủ hộ / trưởng họ", "family_name": "Họ", "middle_name": "Tên đệm", "given_name": "Tên",
    "full_name": "Họ và tên", "title_code": "Danh hiệu", "entity_kind": "Loại đối tượng",
    "entity_id": "Mã đối tượng", "period": "Kỳ", "paid_on": "Ngày nộp", "signer_name": "Người ký",
    "signer_title": "Chức vụ người ký", "issued_on": "Ngày ký", "issued": "Đã ban hành",
    "voucher_date": "Ngày phiếu", "party_name": "Người nộp / nhận", "purpose": "Nội dung",
    "cancelled_on": "Ngày hủy", "cancel_reason": "Lý do hủy", "cancelled_by": "Người hủy",
    "cancelled_at": "Thời điểm hủy", "head_name": "Người đứng đầu", "head_title": "Chức vụ",
    "card_number": "Số thẻ", "join_date": "Ngày vào hội", "leave_date": "Ngày thôi",
    "founded_on": "Ngày thành lập", "association_name": "Tên hội", "commune_name": "Xã, phường",
    "province_name": "Tỉnh, thành phố", "province_code": "Mã tỉnh", "commune_code": "Mã xã",
    "parent_body": "Cơ quan cấp trên", "report_to": "Nơi nhận báo cáo", "profile_id": "Hồ sơ xã",
    "key": "Khóa", "value": "Giá trị", "form_id": "Mã bộ tiêu chí", "version": "Phiên bản", "sha256": "Mã băm",
    "fiscal_year": "Năm tài chính", "seq": "Số thứ tự", "method": "Hình thức", "in_kind": "Hiện vật",
    "party_kind": "Loại người nộp / nhận", "party_id": "Mã người nộp / nhận",
    "party_address": "Địa chỉ người nộp / nhận", "anonymous": "Ẩn danh", "payout_kind": "Loại chi",
    "handled_by": "Người lập phiếu", "prints": "Số lần in", "class_name": "Lớp", "school": "Trường",
    "recipient": "Đối tượng nhận", "minor": "Chưa thành niên", "decided_on": "Ngày quyết định",
    "form_version_id": "Bộ tiêu chí đã dùng", "values": "Điểm từng tiêu chí", "evidence": "Minh chứng",
    "scored_on": "Ngày chấm", "computed": "Giá trị tính từ danh sách", "overrides": "Lý do sửa giá trị",
    "registered_on": "Ngày đăng ký", "basis": "Căn cứ", "amends_id": "Sửa đổi quyết định",
    "certificate_number": "Số giấy chứng nhận", "meeting_id": "Hội nghị", "held_on": "Ngày họp",
    "place": "Địa điểm", "chair_name": "Chủ trì", "secretary_name": "Thư ký", "invited": "Số được mời",
    "present": "Số có mặt", "quorum_share": "Tỷ lệ dự họp tối thiểu", "approval_share": "Tỷ lệ tán thành",
    "votes_for": "Số phiếu tán thành", "locked_until": "Khóa đến", "locked_by": "Người khóa",
    "period_start": "Từ ngày", "period_end": "Đến ngày", "report_date": "Ngày báo cáo",
    "addressed_to": "Kính gửi", "recipients": "Nơi nhận", "narrative": "Nội dung báo cáo",
    "layout": "Mẫu phụ lục", "figures": "Số liệu", "finalised": "Đã chốt", "finalised_at": "Thời điểm chốt",
    "username": "Tên đăng nhập", "role": "Vai trò", "password_hash": "Mật khẩu",
    "failed_count": "Số lần đăng nhập sai", "last_sign_in": "Lần đăng nhập cuối", "secret_hash": "Khóa khôi phục",
}


def _codes() -> dict[tuple[str, str], dict[str, str]]:
    from khuyenhoc_desktop.services import fund, reports

    return {
        ("voucher", "kind"): fund.KINDS, ("voucher", "method"): fund.METHODS,
        ("voucher", "party_kind"): fund.PARTY_KINDS, ("voucher", "payout_kind"): fund.PAYOUT_KINDS,
        ("payout_decision", "payout_kind"): fund.PAYOUT_KINDS, ("payout_line", "level"): fund.LEVELS,
        ("payout_line", "recipient"): fund.RECIPIENTS, ("report", "kind"): reports.KINDS,
        ("app_user", "role"): {code: role.label for code, role in roles.ROLES.items()},
        **{(table, "title_code"): vocab.TITLES for table in ("registration", "decision", "review_meeting")},
    }


@functools.cache
def _column_labels() -> dict[tuple[str, str], tuple[str, dict | None]]:
    """(table, column) → (header, codes), from the list pages where a header shows a plain column."""
    from khuyenhoc_desktop.services.lists import KINDS

    labels: dict[tuple[str, str], tuple[str, dict | None]] = {}
    for spec in KINDS.values():
        for col in spec.columns + spec.export_extra:
            table = getattr(getattr(col.expr, "table", None), "name", None)
            if table == spec.model.__tablename__ and getattr(col.expr, "key", None):
                codes = col.codes
                if codes is not None and col.expr is spec.status_column:
                    codes = {**codes, **spec.statuses}  # "Không nghèo" rather than nothing
                labels.setdefault((table, col.expr.key), (col.header, codes))
    for key, codes in _codes().items():
        labels[key] = (labels.get(key, (_COMMON_LABELS.get(key[1], key[1]), None))[0], codes)
    return labels


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table, table)


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def field_label(table: str, column: str) -> str:
    found = _column_labels().get((table, column))
    return found[0] if found else _COMMON_LABELS.get(column, column)


def format_value(table: str, column: str, value) -> str:
    """A stored value as a person reads it: dates dd/mm/yyyy, codes by their label, money in đồng."""
    if value is None:
        return ""
    if value in (REDACTED, triggers.HIDDEN):
        return value
    found = _column_labels().get((table, column))
    if found and found[1] and isinstance(value, str):
        return found[1].get(value) or value
    model_table = Base.metadata.tables.get(table)
    kind = model_table.c[column].type if model_table is not None and column in model_table.c else None
    try:
        if isinstance(kind, DateTime) and isinstance(value, str):
            return format_moment(dt.datetime.fromisoformat(value))
        if isinstance(kind, Date) and isinstance(value, str):
            return format_date(dt.date.fromisoformat(value[:10]))
    except ValueError:
        return str(value)
    if model_table is not None and column in model_table.c and model_table.c[column].foreign_keys:
        return f"#{value}"  # another record, by its number
    if isinstance(kind, Boolean):
        return "Có" if value else "Không"
    if isinstance(kind, Integer) and isinstance(value, int) and column == "amount":
        return format_money(value)
    return str(value)


def format_moment(at: dt.datetime) -> str:
    """A UTC moment (as stored, without zone) in this computer's local time."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%d/%m/%Y %H:%M:%S")


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    id: int
    at: dt.datetime  # UTC
    actor: str
    table: str
    record_id: int | None
    action: str
    old_values: dict | None
    new_values: dict | None

    @property
    def at_text(self) -> str:
        return format_moment(self.at)

    @property
    def actor_text(self) -> str:
        return self.actor or UNKNOWN_ACTOR

    @property
    def table_text(self) -> str:
        return table_label(self.table)

    @property
    def action_text(self) -> str:
        return action_label(self.action)

    def changes(self) -> list[Change]:
        """One line per field: inserts show the new values, deletes the old ones."""
        old, new = self.old_values or {}, self.new_values or {}
        fields = list(dict.fromkeys([*old, *new]))
        return [
            Change(f, field_label(self.table, f), format_value(self.table, f, old.get(f)),
                   format_value(self.table, f, new.get(f)))
            for f in fields
        ]

    def lines(self) -> list[str]:
        """The changes in words: "Họ và tên: Lê Na → Lê Nga" for a change, "Họ và tên: Lê Na"
        for an insert or delete, the field's name alone for a redaction."""
        lines = []
        for change in self.changes():
            if self.action == triggers.UPDATE:
                lines.append(f"{change.label}: {change.old or '(trống)'} → {change.new or '(trống)'}")
            elif self.action == triggers.REDACT:
                lines.append(change.label)
            else:
                lines.append(f"{change.label}: {change.new or change.old}")
        return lines

    def summary(self, limit: int = 4) -> str:
        """A one-line gist for a table cell."""
        lines = self.lines()
        more = len(lines) - limit
        return "; ".join(lines[:limit]) + (f"; … (+{more})" if more > 0 else "")


@dataclass(frozen=True)
class AuditFilter:
    """What to show. `since`/`until` are local calendar days, both included."""

    table: str | None = None
    record_id: int | None = None
    actor: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def describe(self) -> str:
        parts = []
        if self.table:
            parts.append(f"bảng {table_label(self.table)}")
        if self.record_id is not None:
            parts.append(f"mã bản ghi {self.record_id}")
        if self.actor is not None:
            parts.append(f"người thực hiện {self.actor or UNKNOWN_ACTOR}")
        if self.since:
            parts.append(f"từ ngày {format_date(self.since)}")
        if self.until:
            parts.append(f"đến ngày {format_date(self.until)}")
        return "; ".join(parts)


def _utc(day: dt.date) -> dt.datetime:
    """Local midnight starting `day`, as the naive UTC moment the log stores."""
    local = dt.datetime.combine(day, dt.time.min).astimezone()
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _where(f: AuditFilter) -> list:
    conditions = []
    if f.table and f.record_id is not None:
        conditions.append(and_(AuditLog.table_name.in_((f.table, *_LINKED.get(f.table, ()))),
                               AuditLog.record_id == f.record_id))
    elif f.table:
        conditions.append(AuditLog.table_name == f.table)
    elif f.record_id is not None:
        conditions.append(AuditLog.record_id == f.record_id)
    if f.actor is not None:
        conditions.append(AuditLog.actor == f.actor)
    if f.since:
        conditions.append(AuditLog.at >= _utc(f.since))
    if f.until:
        conditions.append(AuditLog.at < _utc(f.until + dt.timedelta(days=1)))
    return conditions


def _masks(session: Session) -> bool:
    """Read-only users see CCCD and phone numbers masked here as on the lists (Decree 13/2023)."""
    return roles.masks_personal_data(session.info.get("role"))


def _values(stored: str | None, masked: bool) -> dict | None:
    if not stored:
        return None
    values = json.loads(stored)
    if masked:
        for key in privacy.MASKS.keys() & values.keys():
            if values[key] not in (None, REDACTED, triggers.HIDDEN):
                values[key] = privacy.mask(key, values[key])
    return values


def _entry(row: AuditLog, masked: bool = False) -> Entry:
    return Entry(row.id, row.at, row.actor, row.table_name, row.record_id, row.action,
                 _values(row.old_values, masked), _values(row.new_values, masked))


def entries(session: Session, *, table: str | None = None, record_id: int | None = None,
            actor: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
            offset: int = 0, limit: int = 100) -> list[Entry]:
    """The log's entries, newest first, one page at a time."""
    stmt: Select = (select(AuditLog).where(*_where(AuditFilter(table, record_id, actor, since, until)))
                    .order_by(AuditLog.id.desc()).offset(offset).limit(limit))
    masked = _masks(session)
    return [_entry(row, masked) for row in session.scalars(stmt)]


def count(session: Session, *, table: str | None = None, record_id: int | None = None,
          actor: str | None = None, since: dt.date | None = None, until: dt.date | None = None) -> int:
    conditions = _where(AuditFilter(table, record_id, actor, since, until))
    return session.scalar(select(func.count()).select_from(AuditLog).where(*conditions))


def tables(session: Session) -> list[tuple[str, str]]:
    """(table, label) of the tables the log mentions, by label."""
    names = session.scalars(select(AuditLog.table_name).distinct())
    return sorted(((n, table_label(n)) for n in names), key=lambda p: p[1])


def actors(session: Session) -> list[str]:
    return sorted(session.scalars(select(AuditLog.actor).distinct()))


def _chunks(session: Session, f: AuditFilter, masked: bool, size: int = 2000) -> Iterator[list[Entry]]:
    """Every matching entry, oldest first, a chunk at a time (memory stays flat)."""
    last = 0
    while True:
        rows = list(session.scalars(select(AuditLog).where(*_where(f), AuditLog.id > last)
                                    .order_by(AuditLog.id).limit(size)))
        if not rows:
            return
        last = rows[-1].id
        yield [_entry(row, masked) for row in rows]


EXPORT_COLUMNS = (
    xlsx.SheetColumn("Thời điểm", xlsx.TEXT, 20),
    xlsx.SheetColumn("Người thực hiện", xlsx.TEXT, 16),
    xlsx.SheetColumn("Bảng", xlsx.TEXT, 18),
    xlsx.SheetColumn("Mã bản ghi", xlsx.TEXT, 10),
    xlsx.SheetColumn("Thao tác", xlsx.TEXT, 10),
    xlsx.SheetColumn("Trường", xlsx.TEXT, 18),
    xlsx.SheetColumn("Giá trị cũ", xlsx.TEXT, 30),
    xlsx.SheetColumn("Giá trị mới", xlsx.TEXT, 30),
)


# Excel holds 1.048.576 rows a sheet; a long log goes on to the next sheet.
SHEET_ROWS = 1_000_000


def export_xlsx(session: Session, path: Path | str, filters: AuditFilter | None = None, *,
                full_personal_data: bool = False, overwrite: bool = False, today: dt.date | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> int:
    """Write the matching entries to `path` (.xlsx), oldest first, one row per changed field;
    returns the number of entries. CCCD and phone numbers are masked as in list exports unless
    `full_personal_data` (never for a read-only user). The file appears only when complete; a
    stop (`cancel()` true) or an error leaves no file and an existing `path` untouched."""
    f = filters or AuditFilter()
    report = progress or (lambda _done, _total, _text: None)
    stopped = cancel or (lambda: False)
    total = count(session, table=f.table, record_id=f.record_id, actor=f.actor, since=f.since, until=f.until)
    profile = session.scalar(select(CommuneProfile))
    lines = [f"Ngày xuất: {format_date(today or dt.date.today())}; {format_count(total)} lần thay đổi"]
    if described := f.describe():
        lines.append(f"Lọc: {described}")
    block = xlsx.TitleBlock(organisation=profile.association_name if profile else "",
                            place=profile.commune_name if profile else "",
                            title="Nhật ký thay đổi dữ liệu", lines=tuple(lines))
    masked = _masks(session) or not full_personal_data
    with xlsx.replacing(Path(path), overwrite=overwrite) as temp:
        workbook = xlsx.new_workbook(block.title)
        sheets = [xlsx.TableSheet(workbook, "Nhật ký thay đổi", EXPORT_COLUMNS, block)]
        try:
            done = 0
            for chunk in _chunks(session, f, masked):
                if stopped():
                    raise UserError(STOPPED)
                for entry in chunk:
                    head = [entry.at_text, entry.actor_text, entry.table_text,
                            "" if entry.record_id is None else str(entry.record_id), entry.action_text]
                    for change in entry.changes() or [Change("", "", "", "")]:
                        if sheets[-1].rows >= SHEET_ROWS:
                            sheets[-1].close()
                            sheets.append(xlsx.TableSheet(workbook, f"Nhật ký thay đổi ({len(sheets) + 1})",
                                                          EXPORT_COLUMNS, block))
                        sheets[-1].append([*head, change.label, change.old, change.new])
                done += len(chunk)
                report(done, total, f"Đã ghi {format_count(done)} / {format_count(total)} lần thay đổi…")
            sheets[-1].close()
            report(total, total, "Đang lưu tệp…")
            workbook.save(temp)
        except BaseException:
            for sheet in sheets:
                sheet.discard()
            raise
    return total


def redact_record(session: Session, table_name: str, record_id: int, columns: Iterable[str]) -> int:
    """Replace the values of `columns` in every logged entry of one record by "(đã xóa)", for
    removing a person's personal data (Decree 13/2023). The log's guard lets exactly this through
    (only stored values change, only while the flag is set in this transaction), and setting the
    flag writes an entry of its own saying which fields were removed, by whom and when.
    Returns the number of entries rewritten. Runs inside the caller's transaction."""
    names = [c for c in dict.fromkeys(columns) if c]
    if not names:
        raise UserError("Chưa chọn trường nào để xóa khỏi nhật ký.")
    if any(not n.replace("_", "").isalnum() for n in names):
        raise UserError("Tên trường không hợp lệ.")
    matching = and_(AuditLog.table_name == table_name, AuditLog.record_id == record_id,
                    AuditLog.action != triggers.REDACT)
    flag = json.dumps({"table": table_name, "record_id": record_id,
                       "values": dict.fromkeys(names, REDACTED)}, ensure_ascii=False)
    session.flush()  # a delete just made through the ORM is logged before its values are removed
    session.execute(text(f"UPDATE {triggers.CONTEXT} SET redaction = :flag WHERE id = 1"), {"flag": flag})
    paths = ", ".join(f"'$.\"{n}\"', :marker" for n in names)
    touched = or_(*(func.json_type(col, f'$."{n}"').is_not(None)
                    for col in (AuditLog.old_values, AuditLog.new_values) for n in names))
    ids = list(session.scalars(select(AuditLog.id).where(matching, touched)))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            text(f"UPDATE {triggers.LOG} SET old_values = json_replace(old_values, {paths}), "
                 f"new_values = json_replace(new_values, {paths}) WHERE id IN ({', '.join(map(str, chunk))})"),
            {"marker": REDACTED},
        )
    session.execute(text(f"UPDATE {triggers.CONTEXT} SET redaction = NULL WHERE id = 1"))
    return len(ids)
