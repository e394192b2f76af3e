"""The list pages' queries: the same rows, order, search and filters for the GUI and the CLI.

A list is a set of row ids in display order (cheap even at 100.000 rows) plus a way to fetch
the displayed values of any slice of them, so views page from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from khuyenhoc_desktop.domain import privacy, roles, vocab
from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold, search_terms
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.storage.models import (
    Branch,
    CitizenResult,
    Clan,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
    clan_hamlet,
)
from khuyenhoc_desktop.storage.search import match_count, word_prefix_filter

TEXT, NUMBER, YEAR, DATE, CODE, SCORE = "text", "number", "year", "date", "code", "score"


def format_score(value: float) -> str:
    """A score as Vietnamese write it: 85, 85,5."""
    return f"{value:g}".replace(".", ",")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    expr: ColumnElement
    kind: str = TEXT
    sort: ColumnElement | None = None
    codes: dict[str, str] | None = None
    width: int = 120
    # "cccd" or "phone": a person's number, masked for read-only users and in exports.
    personal: str | None = None

    def display(self, value) -> str | int:
        if value is None:
            return ""
        if self.kind == DATE:
            return format_date(value)
        if self.kind == CODE:
            return vocab.label(self.codes or {}, value)
        if self.kind == SCORE:
            return format_score(value)
        return value

    def text(self, value) -> str:
        """How a displayed value reads on screen and in text output: counts as 12.345."""
        if self.kind == NUMBER and isinstance(value, int):
            return format_count(value)
        return str(value)

    @property
    def numeric(self) -> bool:
        return self.kind in (NUMBER, YEAR, SCORE)


@dataclass(frozen=True)
class ListKind:
    key: str
    title: str
    noun: str
    model: type
    columns: tuple[Column, ...]
    joins: Callable[[Select], Select]
    hamlet_column: ColumnElement | None = None
    status_column: ColumnElement | None = None
    statuses: dict[str, str] = field(default_factory=dict)
    status_label: str = ""
    empty_text: str = ""
    post: Callable[[Session, dict[int, dict]], None] | None = None
    # Appended to the page's columns in Excel exports, so that an export imports back.
    export_extra: tuple[Column, ...] = ()
    # A list of records about persons that have no name of their own (citizen results): it is
    # in the order of `name_key` (the person's sort key, reached through `joins`), and its
    # search box finds the rows whose `search_link` points at a match in `search_model`'s index.
    name_key: ColumnElement | None = None
    search_model: type | None = None
    search_link: ColumnElement | None = None

    @property
    def sort_column(self) -> ColumnElement:
        """What the list is in order of when no column is chosen."""
        return self.name_key if self.name_key is not None else self.model.sort_key

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise UserError(f"Danh sách {self.title} không có cột {key}.")


@dataclass(frozen=True)
class ListQuery:
    kind: str
    search: str = ""
    hamlet_id: int | None = None
    status: str | None = None
    sort_key: str | None = None
    descending: bool = False


_HeadPerson = aliased(Person)
_ClanHead = aliased(Person)
_PersonHousehold = aliased(Household)
_PersonHamlet = aliased(Hamlet)
_OrgHamlet = aliased(Hamlet)
_BranchHamlet = aliased(Hamlet)
_BranchOrg = aliased(Organisation)
_BranchClan = aliased(Clan)
_MemberPerson = aliased(Person)
_MemberHousehold = aliased(Household)
_MemberHamlet = aliased(Hamlet)
_HouseholdHead = aliased(Person)
_CitizenPerson = aliased(Person)
_CitizenHousehold = aliased(Household)
_CitizenHamlet = aliased(Hamlet)
_citizen_passed = case((CitizenResult.passed, "passed"), else_="failed")

_household_count = (
    select(func.count(Household.id)).where(Household.hamlet_id == Hamlet.id).scalar_subquery()
)
_clan_household_count = (
    select(func.count(Household.id)).where(Household.clan_id == Clan.id).scalar_subquery()
)
_household_size = (
    select(func.count(Person.id)).where(Person.household_id == Household.id).scalar_subquery()
)
_person_household_head = (
    select(_HouseholdHead.full_name)
    .where(_HouseholdHead.id == _PersonHousehold.head_person_id)
    .scalar_subquery()
)
_branch_member_count = (
    select(func.count(Member.id))
    .where(Member.branch_id == Branch.id, Member.status == "active")
    .scalar_subquery()
)


def _clan_hamlets(session: Session, rows: dict[int, dict]) -> None:
    names: dict[int, list[tuple[str, str]]] = {}
    stmt = (
        select(clan_hamlet.c.clan_id, Hamlet.name, Hamlet.sort_key)
        .join(Hamlet, Hamlet.id == clan_hamlet.c.hamlet_id)
        .where(clan_hamlet.c.clan_id.in_(list(rows)))
    )
    for clan_id, name, key in session.execute(stmt):
        names.setdefault(clan_id, []).append((key, name))
    for clan_id, row in rows.items():
        row["hamlets"] = ", ".join(name for _, name in sorted(names.get(clan_id, [])))


KINDS: dict[str, ListKind] = {
    k.key: k
    for k in (
        ListKind(
            key="hamlets",
            title="Thôn, tổ dân phố",
            noun="thôn, tổ dân phố",
            model=Hamlet,
            columns=(
                Column("name", "Tên", Hamlet.name, sort=Hamlet.sort_key, width=180),
                Column("kind", "Loại", Hamlet.kind, CODE, codes=vocab.HAMLET_KINDS, width=100),
                Column("households", "Số hộ", _household_count, NUMBER, width=70),
                Column("former_commune", "Thuộc xã cũ", Hamlet.former_commune, width=150),
                Column("former_hamlet", "Thôn cũ", Hamlet.former_hamlet, width=150),
                Column("note", "Ghi chú", Hamlet.note, width=200),
            ),
            joins=lambda s: s,
            status_column=Hamlet.kind,
            statuses=vocab.HAMLET_KINDS,
            status_label="Loại",
            empty_text="Chưa có thôn, tổ dân phố nào. Bấm Thêm mới để bắt đầu.",
        ),
        ListKind(
            key="households",
            title="Hộ gia đình",
            noun="hộ",
            model=Household,
            columns=(
                Column("code", "Mã hộ", Household.code, width=70),
                Column("head", "Chủ hộ", _HeadPerson.full_name, sort=Household.sort_key, width=180),
                Column("hamlet", "Thôn, tổ dân phố", Hamlet.name, sort=Hamlet.sort_key, width=140),
                Column("clan", "Dòng họ", Clan.name, sort=Clan.sort_key, width=120),
                Column("address", "Địa chỉ", Household.address, width=180),
                Column("size", "Số nhân khẩu", _household_size, NUMBER, width=90),
                Column("poverty", "Hoàn cảnh", Household.poverty, CODE, codes=vocab.POVERTY, width=110),
                Column("note", "Ghi chú", Household.note, width=160),
            ),
            joins=lambda s: s.join(Hamlet, Hamlet.id == Household.hamlet_id)
            .outerjoin(_HeadPerson, _HeadPerson.id == Household.head_person_id)
            .outerjoin(Clan, Clan.id == Household.clan_id),
            hamlet_column=Household.hamlet_id,
            status_column=Household.poverty,
            statuses={"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "none": "Không nghèo"},
            status_label="Hoàn cảnh",
            empty_text="Chưa có hộ nào. Bấm Thêm mới hoặc Nhập từ Excel.",
            export_extra=(
                Column("head_sex", "Giới tính chủ hộ", _HeadPerson.sex, CODE, codes=vocab.SEXES, width=70),
                Column("head_birth_year", "Năm sinh chủ hộ", _HeadPerson.birth_year, YEAR, width=70),
                Column("head_cccd", "Số CCCD chủ hộ", _HeadPerson.cccd, width=110, personal="cccd"),
            ),
        ),
        ListKind(
            key="persons",
            title="Nhân khẩu",
            noun="người",
            model=Person,
            columns=(
                Column("full_name", "Họ và tên", Person.full_name, sort=Person.sort_key, width=180),
                Column("sex", "Giới tính", Person.sex, CODE, codes=vocab.SEXES, width=70),
                Column("birth_date", "Ngày sinh", Person.birth_date, DATE, width=90),
                Column("birth_year", "Năm sinh", Person.birth_year, YEAR, width=70),
                Column("cccd", "Số CCCD", Person.cccd, width=110, personal="cccd"),
                Column("relation", "Quan hệ với chủ hộ", Person.relation, CODE, codes=vocab.RELATIONS, width=120),
                Column("education", "Trình độ học vấn", Person.education, CODE, codes=vocab.EDUCATION, width=140),
                Column("occupation", "Nghề nghiệp", Person.occupation, width=120),
                Column("phone", "Điện thoại", Person.phone, width=100, personal="phone"),
                Column("hamlet", "Thôn, tổ dân phố", _PersonHamlet.name, sort=_PersonHamlet.sort_key, width=140),
            ),
            joins=lambda s: s.outerjoin(
                _PersonHousehold, _PersonHousehold.id == Person.household_id
            ).outerjoin(_PersonHamlet, _PersonHamlet.id == _PersonHousehold.hamlet_id),
            hamlet_column=_PersonHousehold.hamlet_id,
            status_column=Person.sex,
            statuses=vocab.SEXES,
            status_label="Giới tính",
            empty_text="Chưa có nhân khẩu nào. Thêm nhân khẩu từ trang Hộ gia đình.",
            export_extra=(
                Column("household_code", "Mã hộ", _PersonHousehold.code, width=70),
                Column("household_head", "Chủ hộ", _person_household_head, width=180),
            ),
        ),
        ListKind(
            key="clans",
            title="Dòng họ",
            noun="dòng họ",
            model=Clan,
            columns=(
                Column("name", "Tên dòng họ", Clan.name, sort=Clan.sort_key, width=180),
                Column("head", "Trưởng họ", _ClanHead.full_name, sort=_ClanHead.sort_key, width=180),
                Column("hamlets", "Thôn, tổ dân phố", Clan.id, width=220),
                Column("households", "Số hộ", _clan_household_count, NUMBER, width=70),
                Column("note", "Ghi chú", Clan.note, width=200),
            ),
            joins=lambda s: s.outerjoin(_ClanHead, _ClanHead.id == Clan.head_person_id),
            hamlet_column=None,
            empty_text="Chưa có dòng họ nào. Bấm Thêm mới để bắt đầu.",
            post=_clan_hamlets,
        ),
        ListKind(
            key="organisations",
            title="Cơ quan, đơn vị",
            noun="đơn vị",
            model=Organisation,
            columns=(
                Column("name", "Tên đơn vị", Organisation.name, sort=Organisation.sort_key, width=260),
                Column("kind", "Loại", Organisation.kind, CODE, codes=vocab.ORGANISATION_KINDS, width=100),
                Column("hamlet", "Thôn, tổ dân phố", _OrgHamlet.name, sort=_OrgHamlet.sort_key, width=140),
                Column("head_name", "Người đứng đầu", Organisation.head_name, width=160),
                Column("head_title", "Chức vụ", Organisation.head_title, width=120),
                Column("address", "Địa chỉ", Organisation.address, width=180),
                Column("phone", "Điện thoại", Organisation.phone, width=100),
            ),
            joins=lambda s: s.outerjoin(_OrgHamlet, _OrgHamlet.id == Organisation.hamlet_id),
            hamlet_column=Organisation.hamlet_id,
            status_column=Organisation.kind,
            statuses=vocab.ORGANISATION_KINDS,
            status_label="Loại",
            empty_text="Chưa có cơ quan, đơn vị nào. Bấm Thêm mới để bắt đầu.",
        ),
        ListKind(
            key="branches",
            title="Chi hội",
            noun="chi hội",
            model=Branch,
            columns=(
                Column("name", "Tên chi hội", Branch.name, sort=Branch.sort_key, width=280),
                Column("kind", "Theo", Branch.kind, CODE, codes=vocab.BRANCH_KINDS, width=130),
                Column(
                    "base",
                    "Thôn / đơn vị / dòng họ",
                    func.coalesce(_BranchHamlet.name, _BranchOrg.name, _BranchClan.name),
                    width=220,
                ),
                Column("head_name", "Chi hội trưởng", Branch.head_name, width=160),
                Column("members", "Số hội viên", _branch_member_count, NUMBER, width=90),
                Column("founded_on", "Ngày thành lập", Branch.founded_on, DATE, width=100),
            ),
            joins=lambda s: s.outerjoin(_BranchHamlet, _BranchHamlet.id == Branch.hamlet_id)
            .outerjoin(_BranchOrg, _BranchOrg.id == Branch.organisation_id)
            .outerjoin(_BranchClan, _BranchClan.id == Branch.clan_id),
            hamlet_column=Branch.hamlet_id,
            status_column=Branch.kind,
            statuses=vocab.BRANCH_KINDS,
            status_label="Theo",
            empty_text="Chưa có chi hội nào. Bấm Thêm mới để bắt đầu.",
        ),
        ListKind(
            key="members",
            title="Hội viên",
            noun="hội viên",
            model=Member,
            columns=(
                Column("full_name", "Họ và tên", _MemberPerson.full_name, sort=Member.sort_key, width=180),
                Column("birth_year", "Năm sinh", _MemberPerson.birth_year, YEAR, width=70),
                Column("card_number", "Số thẻ", Member.card_number, width=90),
                Column("branch", "Chi hội", Branch.name, sort=Branch.sort_key, width=240),
                Column("join_date", "Ngày vào hội", Member.join_date, DATE, width=100),
                Column("status", "Trạng thái", Member.status, CODE, codes=vocab.MEMBER_STATUSES, width=110),
                Column("leave_date", "Ngày thôi", Member.leave_date, DATE, width=90),
                Column("hamlet", "Thôn, tổ dân phố", _MemberHamlet.name, sort=_MemberHamlet.sort_key, width=140),
            ),
            joins=lambda s: s.join(_MemberPerson, _MemberPerson.id == Member.person_id)
            .join(Branch, Branch.id == Member.branch_id)
            .outerjoin(_MemberHousehold, _MemberHousehold.id == _MemberPerson.household_id)
            .outerjoin(_MemberHamlet, _MemberHamlet.id == _MemberHousehold.hamlet_id),
            hamlet_column=_MemberHousehold.hamlet_id,
            status_column=Member.status,
            statuses=vocab.MEMBER_STATUSES,
            status_label="Trạng thái",
            empty_text="Chưa có hội viên nào. Bấm Thêm mới để kết nạp hội viên.",
            export_extra=(
                Column("cccd", "Số CCCD", _MemberPerson.cccd, width=110, personal="cccd"),
                Column("sex", "Giới tính", _MemberPerson.sex, CODE, codes=vocab.SEXES, width=70),
            ),
        ),
        ListKind(
            key="citizen_results",
            title="Công dân học tập",
            noun="kết quả",
            model=CitizenResult,
            columns=(
                Column("full_name", "Họ tên", _CitizenPerson.full_name, sort=_CitizenPerson.sort_key, width=180),
                Column("birth_year", "Năm sinh", _CitizenPerson.birth_year, YEAR, width=70),
                Column("hamlet", "Thôn", _CitizenHamlet.name, sort=_CitizenHamlet.sort_key, width=130),
                Column("year", "Năm đánh giá", CitizenResult.year, YEAR, width=90),
                Column("form_group", "Nhóm phiếu", CitizenResult.form_group, CODE, codes=vocab.CITIZEN_GROUPS,
                       width=200),
                Column("total", "Tổng điểm", CitizenResult.total, SCORE, width=75),
                Column("passed", "Kết quả", _citizen_passed, CODE, codes=vocab.CITIZEN_RESULTS, width=80),
                Column("result_on", "Ngày", CitizenResult.result_on, DATE, width=90),
                Column("source", "Nguồn", CitizenResult.source, CODE, codes=vocab.CITIZEN_SOURCES, width=120),
                Column("note", "Ghi chú", CitizenResult.note, width=160),
            ),
            joins=lambda s: s.join(_CitizenPerson, _CitizenPerson.id == CitizenResult.person_id)
            .outerjoin(_CitizenHousehold, _CitizenHousehold.id == _CitizenPerson.household_id)
            .outerjoin(_CitizenHamlet, _CitizenHamlet.id == _CitizenHousehold.hamlet_id),
            hamlet_column=_CitizenHousehold.hamlet_id,
            status_column=_citizen_passed,
            statuses=vocab.CITIZEN_RESULTS,
            status_label="Kết quả",
            empty_text="Chưa có kết quả công dân học tập nào. Bấm Thêm mới hoặc Nhập từ Excel.",
            export_extra=(Column("cccd", "Số CCCD", _CitizenPerson.cccd, width=110, personal="cccd"),),
            name_key=_CitizenPerson.sort_key,
            search_model=Person,
            search_link=CitizenResult.person_id,
        ),
    )
}


def kind(key: str) -> ListKind:
    try:
        return KINDS[key]
    except KeyError:
        raise UserError(
            f"Không có danh sách '{key}'. Chọn một trong: {', '.join(KINDS)}."
        ) from None


def _filtered(session: Session, q: ListQuery, stmt: Select, *, dense: bool = False) -> Select:
    spec = kind(q.kind)
    table = spec.model.__table__
    dialect = session.get_bind().dialect.name
    # With another filter the rows are found through it; the matches are only probed.
    dense = dense or q.hamlet_id is not None or bool(q.status)
    terms = search_terms(q.search)
    if spec.search_model is None:
        condition = word_prefix_filter(dialect, table, terms, dense=dense)
    else:
        found = word_prefix_filter(dialect, spec.search_model.__table__, terms)
        condition = None if found is None else spec.search_link.in_(select(spec.search_model.id).where(found))
    if condition is not None:
        stmt = stmt.where(condition)
    if q.hamlet_id is not None and spec.hamlet_column is not None:
        stmt = stmt.where(spec.hamlet_column == q.hamlet_id)
    if q.status and spec.status_column is not None:
        stmt = stmt.where(spec.status_column == q.status)
    return stmt


def _needs_joins(spec: ListKind, q: ListQuery) -> bool:
    return (q.sort_key is not None or spec.name_key is not None
            or (q.hamlet_id is not None and spec.hamlet_column is not None))


def name_ordered(q: ListQuery) -> bool:
    """True when the list is in its indexed name order (asc or desc), so it can be read a page
    at a time with OFFSET; other orders sort all matching rows once (`row_ids`)."""
    if q.sort_key is None:
        return True
    col = kind(q.kind).column(q.sort_key)
    return col.sort is not None and col.sort is kind(q.kind).sort_column


def _order(spec: ListKind, q: ListQuery) -> list:
    model, name = spec.model, spec.sort_column
    if name_ordered(q):
        return [name.desc(), model.id.desc()] if q.descending else [name, model.id]
    col = spec.column(q.sort_key)
    sort = col.sort if col.sort is not None else col.expr
    return [sort.desc() if q.descending else sort.asc(), name, model.id]


def row_ids(session: Session, q: ListQuery) -> list[int]:
    """Ids of all matching rows in display order (name order unless a column is chosen)."""
    spec = kind(q.kind)
    stmt = select(spec.model.id)
    if _needs_joins(spec, q):
        stmt = spec.joins(stmt.select_from(spec.model))
    stmt = _filtered(session, q, stmt)
    return list(session.scalars(stmt.order_by(*_order(spec, q))))


def count_rows(session: Session, q: ListQuery) -> int:
    """How many rows match the search and filters."""
    spec = kind(q.kind)
    terms = search_terms(q.search)
    if terms and q.hamlet_id is None and not q.status and spec.search_model is None:
        fast = match_count(session, spec.model.__table__, terms)
        if fast is not None:
            return fast
    stmt = select(func.count(spec.model.id)).select_from(spec.model)
    if q.hamlet_id is not None and spec.hamlet_column is not None:
        stmt = spec.joins(stmt)
    return session.scalar(_filtered(session, q, stmt)) or 0


DENSE_MATCHES = 2000


def _display_select(spec: ListKind) -> Select:
    stmt = select(spec.model.id, *(c.expr.label(c.key) for c in spec.columns)).select_from(spec.model)
    return spec.joins(stmt)


def masks_personal_data(session: Session) -> bool:
    """Read-only users see CCCD and phone numbers masked (Decree 13/2023): the signed-in role
    travels with the session (`Database.read`), so every screen and command gets it."""
    return roles.masks_personal_data(session.info.get("role"))


def _display_rows(session: Session, spec: ListKind, stmt: Select) -> list[dict]:
    rows = []
    masked = [c for c in spec.columns if c.personal] if masks_personal_data(session) else []
    for record in session.execute(stmt):
        values = record._mapping
        row = {"id": values["id"], **{c.key: c.display(values[c.key]) for c in spec.columns}}
        for c in masked:
            row[c.key] = privacy.mask(c.personal, row[c.key])
        rows.append(row)
    if spec.post and rows:
        by_id = {row["id"]: row for row in rows}
        spec.post(session, by_id)
    return rows


def page_rows(session: Session, q: ListQuery, offset: int, limit: int, matches: int) -> list[dict]:
    """One page of a name-ordered list (`name_ordered(q)`), each row with its "id"."""
    spec = kind(q.kind)
    stmt = _filtered(session, q, _display_select(spec), dense=matches > DENSE_MATCHES)
    return _display_rows(session, spec, stmt.order_by(*_order(spec, q)).offset(offset).limit(limit))


def fetch_rows(session: Session, kind_key: str, ids: Sequence[int]) -> dict[int, dict]:
    """Displayed values of the given rows, keyed by id."""
    spec = kind(kind_key)
    if not ids:
        return {}
    stmt = _display_select(spec).where(spec.model.id.in_(list(ids)))
    return {row["id"]: row for row in _display_rows(session, spec, stmt)}


def position(session: Session, q: ListQuery, record_id: int) -> int:
    """Row number of a record in a name-ordered list, or -1 if it does not match."""
    spec = kind(q.kind)
    model, name = spec.model, spec.sort_column
    joined = spec.name_key is not None or (q.hamlet_id is not None and spec.hamlet_column is not None)
    key_query = select(name).select_from(model).where(model.id == record_id)
    key = session.scalar(spec.joins(key_query) if spec.name_key is not None else key_query)
    if key is None:
        return -1
    base = select(func.count(model.id)).select_from(model)
    if joined:
        base = spec.joins(base)
    base = _filtered(session, q, base)
    if not session.scalar(base.where(model.id == record_id)):
        return -1
    if q.descending:
        before = or_(name > key, and_(name == key, model.id > record_id))
    else:
        before = or_(name < key, and_(name == key, model.id < record_id))
    return session.scalar(base.where(before)) or 0


def total_count(session: Session, kind_key: str) -> int:
    model = kind(kind_key).model
    return session.scalar(select(func.count(model.id))) or 0


def hamlet_choices(session: Session) -> list[tuple[int, str]]:
    return [(i, name) for i, name in session.execute(select(Hamlet.id, Hamlet.name).order_by(Hamlet.sort_key))]


def find_hamlet(session: Session, name: str) -> int:
    """Hamlet id by name, ignoring case and diacritics; a Vietnamese error if none or several."""
    wanted = fold(name)
    matches = [hid for hid, hname in hamlet_choices(session) if fold(hname) == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(f"Không có thôn, tổ dân phố nào tên '{name}'.")
    raise UserError(f"Có nhiều thôn tên '{name}'; hãy ghi rõ hơn.")


def as_table(session: Session, q: ListQuery) -> tuple[list[Column], list[dict]]:
    """The whole list as the page shows it, for the CLI and exports."""
    spec = kind(q.kind)
    ids = row_ids(session, q)
    rows: list[dict] = []
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        fetched = fetch_rows(session, q.kind, chunk)
        rows.extend(fetched[i] for i in chunk)
    return list(spec.columns), rows
