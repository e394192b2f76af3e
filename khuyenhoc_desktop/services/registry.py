"""Keeping the lists: add, edit and delete hamlets, households, persons, clans, organisations,
branches, members and their dues, with the same validation the dialogs show.

Every function takes a `Session` inside one transaction (`with db.write() as s:`), so a caller
that changes several records saves all of them or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import vocab
from khuyenhoc_desktop.domain.dates import format_date, parse_date
from khuyenhoc_desktop.domain.text import collation_key, fold, name_sort_key, nfc, person_name_case
from khuyenhoc_desktop.domain.validation import (
    check_birth_year,
    check_date_text,
    check_money,
    check_person_cccd,
    check_phone,
    check_required,
    clean_phone,
)
from khuyenhoc_desktop.errors import DependencyError, NotFoundError, ValidationError
from khuyenhoc_desktop.storage.models import (
    Branch,
    CitizenResult,
    Clan,
    DuesPayment,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
    clan_hamlet,
)


def _text_fields(form) -> None:
    for f in fields(form):
        value = getattr(form, f.name)
        if isinstance(value, str):
            setattr(form, f.name, nfc(value))


def _choice(errors: dict, name: str, value: str, allowed: dict, what: str) -> None:
    if value not in allowed:
        errors[name] = f"{what} '{value}' không hợp lệ."


def _apply(record, form, skip: tuple[str, ...] = ("id",)) -> None:
    for f in fields(form):
        if f.name not in skip and hasattr(record, f.name):
            setattr(record, f.name, getattr(form, f.name))


def _get(session: Session, model, record_id: int | None, what: str):
    record = session.get(model, record_id) if record_id is not None else None
    if record is None:
        raise NotFoundError(f"Không tìm thấy {what} này; có thể đã bị xóa.")
    return record


def _checked_record(session: Session, model, form, validate, what: str):
    """The record a save writes into (existing or new), once the form has passed `validate`."""
    if errors := validate(session, form):
        raise ValidationError(errors)
    return _get(session, model, form.id, what) if form.id else model()


def _stored(session: Session, record) -> int:
    session.add(record)
    session.flush()
    return record.id


def _to_form(form_cls, record, **extra):
    values = {f.name: getattr(record, f.name) for f in fields(form_cls) if hasattr(record, f.name)}
    values.update(extra)
    return form_cls(**{k: ("" if v is None and k not in _NULLABLE else v) for k, v in values.items()})


_NULLABLE = {"id", "hamlet_id", "clan_id", "head_person_id", "household_id", "organisation_id",
             "person_id", "branch_id", "total"}


# ---------------------------------------------------------------- derived columns
# The one place that says what a list sorts by and what its search box finds; the demo and
# the import use these too.
def named_keys(name: str, *extra: str) -> tuple[str, str]:
    """(sort_key, search_text) of a record listed by its name."""
    return collation_key(name), fold(" ".join((name, *extra)))


def person_keys(family: str, middle: str, given: str, cccd: str = "", phone: str = "") -> tuple[str, str]:
    full = " ".join(p for p in (family, middle, given) if p)
    return name_sort_key(family, middle, given), fold(f"{full} {cccd} {phone}")


def household_search_text(head_name: str, code: str, address: str) -> str:
    return fold(f"{head_name} {code} {address}")


def member_search_text(full_name: str, card_number: str | None) -> str:
    return fold(f"{full_name} {card_number or ''}")


# ---------------------------------------------------------------- hamlets
@dataclass
class HamletForm:
    id: int | None = None
    name: str = ""
    kind: str = "thon"
    former_commune: str = ""
    former_hamlet: str = ""
    note: str = ""


def validate_hamlet(session: Session, form: HamletForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    if msg := check_required(form.name, "tên thôn, tổ dân phố"):
        errors["name"] = msg
    _choice(errors, "kind", form.kind, vocab.HAMLET_KINDS, "Loại")
    if form.name and "name" not in errors:
        same = select(Hamlet.id, Hamlet.name).where(Hamlet.id != (form.id or 0))
        for _, other in session.execute(same):
            if fold(other) == fold(form.name):
                errors["name"] = f"Đã có {other} trong danh sách."
                break
    return errors


def save_hamlet(session: Session, form: HamletForm) -> int:
    record = _checked_record(session, Hamlet, form, validate_hamlet, "thôn")
    _apply(record, form)
    record.sort_key, record.search_text = named_keys(form.name, form.former_hamlet, form.former_commune)
    return _stored(session, record)


def load_hamlet(session: Session, hamlet_id: int) -> HamletForm:
    return _to_form(HamletForm, _get(session, Hamlet, hamlet_id, "thôn"))


# ---------------------------------------------------------------- clans
@dataclass
class ClanForm:
    id: int | None = None
    name: str = ""
    head_person_id: int | None = None
    hamlet_ids: list[int] = field(default_factory=list)
    note: str = ""


def validate_clan(session: Session, form: ClanForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    if msg := check_required(form.name, "tên dòng họ"):
        errors["name"] = msg
    if form.head_person_id is not None and session.get(Person, form.head_person_id) is None:
        errors["head_person_id"] = "Trưởng họ không còn trong danh sách nhân khẩu."
    return errors


def save_clan(session: Session, form: ClanForm) -> int:
    record = _checked_record(session, Clan, form, validate_clan, "dòng họ")
    _apply(record, form, skip=("id", "hamlet_ids"))
    record.hamlets = [_get(session, Hamlet, hid, "thôn") for hid in dict.fromkeys(form.hamlet_ids)]
    record.sort_key, record.search_text = named_keys(form.name)
    return _stored(session, record)


def load_clan(session: Session, clan_id: int) -> ClanForm:
    record = _get(session, Clan, clan_id, "dòng họ")
    return _to_form(ClanForm, record, hamlet_ids=[h.id for h in record.hamlets])


# ---------------------------------------------------------------- households
@dataclass
class HouseholdForm:
    id: int | None = None
    code: str = ""
    hamlet_id: int | None = None
    clan_id: int | None = None
    head_person_id: int | None = None
    address: str = ""
    poverty: str = "none"
    note: str = ""


def validate_household(session: Session, form: HouseholdForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    if form.hamlet_id is None or session.get(Hamlet, form.hamlet_id) is None:
        errors["hamlet_id"] = "Chưa chọn thôn, tổ dân phố của hộ."
    if form.clan_id is not None and session.get(Clan, form.clan_id) is None:
        errors["clan_id"] = "Dòng họ đã chọn không còn trong danh sách."
    _choice(errors, "poverty", form.poverty, vocab.POVERTY, "Hoàn cảnh")
    if form.head_person_id is not None:
        head = session.get(Person, form.head_person_id)
        if head is None or form.id is None or head.household_id != form.id:
            errors["head_person_id"] = "Chủ hộ phải là một nhân khẩu của hộ này."
    if form.code:
        clash = session.scalar(
            select(Household.id).where(Household.code == form.code, Household.id != (form.id or 0))
        )
        if clash:
            errors["code"] = f"Mã hộ {form.code} đã dùng cho hộ khác."
    return errors


def _refresh_household(session: Session, household: Household) -> None:
    head = session.get(Person, household.head_person_id) if household.head_person_id else None
    household.sort_key = head.sort_key if head else ""
    household.search_text = household_search_text(head.full_name if head else "", household.code, household.address)


def save_household(session: Session, form: HouseholdForm) -> int:
    record = _checked_record(session, Household, form, validate_household, "hộ")
    _apply(record, form)
    session.add(record)
    session.flush()
    _refresh_household(session, record)
    return record.id


def create_household(session: Session, household: HouseholdForm, head: PersonForm) -> int:
    """A new household and its head, saved together; errors of both forms reported at once."""
    errors = validate_household(session, household)
    head_errors = validate_person(session, head)
    head_errors.pop("household_id", None)
    if errors or head_errors:
        raise ValidationError({**errors, **{f"head.{k}": v for k, v in head_errors.items()}})
    household_id = save_household(session, household)
    head.household_id, head.relation = household_id, "head"
    save_person(session, head)
    return household_id


def load_household(session: Session, household_id: int) -> HouseholdForm:
    return _to_form(HouseholdForm, _get(session, Household, household_id, "hộ"))


def household_members(session: Session, household_id: int) -> list[tuple[int, str, str, str]]:
    """(id, full name, birth, relation) of a household's persons, head first."""
    rows = session.execute(
        select(Person.id, Person.full_name, Person.birth_date, Person.birth_year, Person.relation)
        .where(Person.household_id == household_id)
        .order_by((Person.relation != "head"), Person.birth_year, Person.sort_key)
    )
    return [
        (pid, name, format_date(bdate) or (str(year) if year else ""), vocab.label(vocab.RELATIONS, rel))
        for pid, name, bdate, year, rel in rows
    ]


# ---------------------------------------------------------------- persons
@dataclass
class PersonForm:
    id: int | None = None
    household_id: int | None = None
    family_name: str = ""
    middle_name: str = ""
    given_name: str = ""
    sex: str = ""
    birth_date: str = ""
    birth_year: str = ""
    cccd: str = ""
    relation: str = "other"
    education: str = ""
    occupation: str = ""
    phone: str = ""
    note: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)


def _birth(form: PersonForm) -> tuple[object, int | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if msg := check_date_text(form.birth_date, "Ngày sinh"):
        errors["birth_date"] = msg
        return None, None, errors
    bdate = parse_date(form.birth_date)
    year: int | None = None
    if str(form.birth_year).strip():
        try:
            year = int(str(form.birth_year).strip())
        except ValueError:
            errors["birth_year"] = "Năm sinh phải là số có 4 chữ số, ví dụ 1980."
            return bdate, None, errors
    if bdate and year and bdate.year != year:
        errors["birth_year"] = f"Năm sinh {year} không khớp ngày sinh {format_date(bdate)}."
    year = bdate.year if bdate else year
    if "birth_year" not in errors and (msg := check_birth_year(year)):
        errors["birth_year"] = msg
    return bdate, year, errors


def validate_person(session: Session, form: PersonForm) -> dict[str, str]:
    _text_fields(form)
    form.family_name = person_name_case(form.family_name)
    form.middle_name = person_name_case(form.middle_name)
    form.given_name = person_name_case(form.given_name)
    form.cccd = form.cccd.replace(" ", "")
    form.phone = clean_phone(form.phone)
    errors: dict[str, str] = {}
    if msg := check_required(form.given_name, "tên (chữ cuối của họ và tên)"):
        errors["given_name"] = msg
    if msg := check_required(form.family_name, "họ"):
        errors["family_name"] = msg
    if form.sex not in vocab.SEXES:
        errors["sex"] = "Chưa chọn giới tính."
    _, year, birth_errors = _birth(form)
    errors.update(birth_errors)
    _choice(errors, "relation", form.relation, vocab.RELATIONS, "Quan hệ với chủ hộ")
    if form.education:
        _choice(errors, "education", form.education, vocab.EDUCATION, "Trình độ học vấn")
    if msg := check_person_cccd(form.cccd, year, form.sex if form.sex in vocab.SEXES else None):
        errors["cccd"] = msg
    elif form.cccd:
        clash = session.scalar(
            select(Person.full_name).where(Person.cccd == form.cccd, Person.id != (form.id or 0))
        )
        if clash:
            errors["cccd"] = f"Số CCCD này đã có ở nhân khẩu {clash}."
    if msg := check_phone(form.phone):
        errors["phone"] = msg
    if form.household_id is not None and session.get(Household, form.household_id) is None:
        errors["household_id"] = "Hộ đã chọn không còn trong danh sách."
    return errors


def person_duplicates(session: Session, form: PersonForm, hamlet_id: int | None = None) -> list[str]:
    """Warnings (not errors) about persons that are probably the same one: same CCCD is an
    error elsewhere; here same name + birth year + hamlet (`hamlet_id` for a new household)."""
    _, year, _ = _birth(form)
    if not form.given_name or year is None:
        return []
    folded = fold(form.full_name)
    if form.household_id is not None:
        hamlet_id = session.scalar(select(Household.hamlet_id).where(Household.id == form.household_id))
    stmt = (
        select(Person.full_name, Person.birth_year, Household.hamlet_id)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(Person.birth_year == year, Person.id != (form.id or 0))
    )
    return [
        f"Đã có {name} (sinh năm {byear}) cùng thôn: có thể trùng người."
        for name, byear, hid in session.execute(stmt)
        if fold(name) == folded and hid == hamlet_id
    ]


def _refresh_person_dependents(session: Session, person: Person) -> None:
    for household in session.scalars(select(Household).where(Household.head_person_id == person.id)):
        if household.id != person.household_id:
            household.head_person_id = None  # moved to another household: no longer head here
        _refresh_household(session, household)
    for member in session.scalars(select(Member).where(Member.person_id == person.id)):
        _refresh_member(member, person)


def save_person(session: Session, form: PersonForm) -> int:
    record = _checked_record(session, Person, form, validate_person, "nhân khẩu")
    bdate, year, _ = _birth(form)
    _apply(record, form, skip=("id", "birth_date", "birth_year", "cccd"))
    record.birth_date = bdate
    record.birth_year = year
    record.cccd = form.cccd or None
    record.full_name = form.full_name
    record.sort_key, record.search_text = person_keys(
        form.family_name, form.middle_name, form.given_name, form.cccd, form.phone
    )
    session.add(record)
    session.flush()
    if form.relation == "head" and form.household_id is not None:
        household = session.get(Household, form.household_id)
        if household.head_person_id in (None, record.id):
            household.head_person_id = record.id
    _refresh_person_dependents(session, record)
    return record.id


def load_person(session: Session, person_id: int) -> PersonForm:
    record = _get(session, Person, person_id, "nhân khẩu")
    return _to_form(
        PersonForm,
        record,
        birth_date=format_date(record.birth_date),
        birth_year=str(record.birth_year or ""),
        cccd=record.cccd or "",
    )


# ---------------------------------------------------------------- organisations
@dataclass
class OrganisationForm:
    id: int | None = None
    name: str = ""
    kind: str = "school"
    hamlet_id: int | None = None
    head_name: str = ""
    head_title: str = ""
    address: str = ""
    phone: str = ""
    note: str = ""


def validate_organisation(session: Session, form: OrganisationForm) -> dict[str, str]:
    _text_fields(form)
    form.phone = clean_phone(form.phone)
    errors: dict[str, str] = {}
    if msg := check_required(form.name, "tên đơn vị"):
        errors["name"] = msg
    _choice(errors, "kind", form.kind, vocab.ORGANISATION_KINDS, "Loại đơn vị")
    if msg := check_phone(form.phone):
        errors["phone"] = msg
    return errors


def save_organisation(session: Session, form: OrganisationForm) -> int:
    record = _checked_record(session, Organisation, form, validate_organisation, "đơn vị")
    _apply(record, form)
    record.head_name = person_name_case(form.head_name)
    record.sort_key, record.search_text = named_keys(form.name, form.head_name, form.address)
    return _stored(session, record)


def load_organisation(session: Session, org_id: int) -> OrganisationForm:
    return _to_form(OrganisationForm, _get(session, Organisation, org_id, "đơn vị"))


# ---------------------------------------------------------------- branches
@dataclass
class BranchForm:
    id: int | None = None
    name: str = ""
    kind: str = "hamlet"
    hamlet_id: int | None = None
    organisation_id: int | None = None
    clan_id: int | None = None
    head_name: str = ""
    founded_on: str = ""
    note: str = ""


_BRANCH_BASE = {
    "hamlet": ("hamlet_id", Hamlet, "Chưa chọn thôn, tổ dân phố của chi hội."),
    "school": ("organisation_id", Organisation, "Chưa chọn trường của chi hội."),
    "office": ("organisation_id", Organisation, "Chưa chọn cơ quan của chi hội."),
    "clan": ("clan_id", Clan, "Chưa chọn dòng họ của chi hội."),
}


def validate_branch(session: Session, form: BranchForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    if msg := check_required(form.name, "tên chi hội"):
        errors["name"] = msg
    _choice(errors, "kind", form.kind, vocab.BRANCH_KINDS, "Loại chi hội")
    if form.kind in _BRANCH_BASE:
        attr, model, message = _BRANCH_BASE[form.kind]
        ref = getattr(form, attr)
        if ref is None or session.get(model, ref) is None:
            errors[attr] = message
    if msg := check_date_text(form.founded_on, "Ngày thành lập"):
        errors["founded_on"] = msg
    return errors


def save_branch(session: Session, form: BranchForm) -> int:
    record = _checked_record(session, Branch, form, validate_branch, "chi hội")
    keep = _BRANCH_BASE.get(form.kind, (None,))[0]
    for attr in ("hamlet_id", "organisation_id", "clan_id"):
        if attr != keep:
            setattr(form, attr, None)
    _apply(record, form, skip=("id", "founded_on"))
    record.founded_on = parse_date(form.founded_on)
    record.head_name = person_name_case(form.head_name)
    record.sort_key, record.search_text = named_keys(form.name, form.head_name)
    return _stored(session, record)


def load_branch(session: Session, branch_id: int) -> BranchForm:
    record = _get(session, Branch, branch_id, "chi hội")
    return _to_form(BranchForm, record, founded_on=format_date(record.founded_on))


# ---------------------------------------------------------------- members and dues
@dataclass
class MemberForm:
    id: int | None = None
    person_id: int | None = None
    branch_id: int | None = None
    card_number: str = ""
    join_date: str = ""
    status: str = "active"
    leave_date: str = ""
    note: str = ""


def validate_member(session: Session, form: MemberForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    if form.person_id is None or session.get(Person, form.person_id) is None:
        errors["person_id"] = "Chưa chọn người (hội viên phải là một nhân khẩu trong danh sách)."
    else:
        other = session.scalar(
            select(Member.id).where(Member.person_id == form.person_id, Member.id != (form.id or 0))
        )
        if other:
            errors["person_id"] = "Người này đã là hội viên."
    if form.branch_id is None or session.get(Branch, form.branch_id) is None:
        errors["branch_id"] = "Chưa chọn chi hội."
    _choice(errors, "status", form.status, vocab.MEMBER_STATUSES, "Trạng thái")
    if msg := check_date_text(form.join_date, "Ngày vào hội"):
        errors["join_date"] = msg
    if msg := check_date_text(form.leave_date, "Ngày thôi"):
        errors["leave_date"] = msg
    if form.status != "active" and not form.leave_date and "leave_date" not in errors:
        errors["leave_date"] = "Hội viên đã thôi hoặc đã mất cần có ngày thôi."
    if "join_date" not in errors and "leave_date" not in errors:
        joined, left = parse_date(form.join_date), parse_date(form.leave_date)
        if joined and left and left < joined:
            errors["leave_date"] = "Ngày thôi không thể trước ngày vào hội."
    if form.card_number:
        clash = session.scalar(
            select(Member.id).where(Member.card_number == form.card_number, Member.id != (form.id or 0))
        )
        if clash:
            errors["card_number"] = f"Số thẻ {form.card_number} đã cấp cho hội viên khác."
    return errors


def _refresh_member(member: Member, person: Person) -> None:
    member.sort_key = person.sort_key
    member.search_text = member_search_text(person.full_name, member.card_number)


def save_member(session: Session, form: MemberForm) -> int:
    record = _checked_record(session, Member, form, validate_member, "hội viên")
    _apply(record, form, skip=("id", "join_date", "leave_date", "card_number"))
    record.card_number = form.card_number or None
    record.join_date = parse_date(form.join_date)
    record.leave_date = parse_date(form.leave_date) if form.status != "active" else None
    _refresh_member(record, session.get(Person, form.person_id))
    return _stored(session, record)


def load_member(session: Session, member_id: int) -> MemberForm:
    record = _get(session, Member, member_id, "hội viên")
    return _to_form(
        MemberForm,
        record,
        card_number=record.card_number or "",
        join_date=format_date(record.join_date),
        leave_date=format_date(record.leave_date),
    )


@dataclass
class DuesForm:
    member_id: int | None = None
    period: str = ""
    amount: int | None = None
    paid_on: str = ""
    note: str = ""


def save_dues(session: Session, form: DuesForm) -> int:
    _text_fields(form)
    errors: dict[str, str] = {}
    if form.member_id is None or session.get(Member, form.member_id) is None:
        errors["member_id"] = "Chưa chọn hội viên."
    if msg := check_required(form.period, "kỳ đóng hội phí (ví dụ 2026)"):
        errors["period"] = msg
    if msg := check_money(form.amount, "Số tiền"):
        errors["amount"] = msg
    if msg := check_date_text(form.paid_on, "Ngày đóng", required=True):
        errors["paid_on"] = msg
    if not errors and session.scalar(
        select(DuesPayment.id).where(
            DuesPayment.member_id == form.member_id, DuesPayment.period == form.period
        )
    ):
        errors["period"] = f"Hội viên đã đóng hội phí kỳ {form.period}."
    if errors:
        raise ValidationError(errors)
    record = DuesPayment(
        member_id=form.member_id,
        period=form.period,
        amount=form.amount,
        paid_on=parse_date(form.paid_on),
        note=form.note,
    )
    return _stored(session, record)


def dues_of(session: Session, member_id: int) -> list[tuple[int, str, int, str, str]]:
    """(id, period, amount, paid on, note), newest period first."""
    rows = session.execute(
        select(DuesPayment.id, DuesPayment.period, DuesPayment.amount, DuesPayment.paid_on, DuesPayment.note)
        .where(DuesPayment.member_id == member_id)
        .order_by(DuesPayment.period.desc())
    )
    return [(i, p, a, format_date(d), n) for i, p, a, d, n in rows]


def delete_dues(session: Session, dues_id: int) -> None:
    session.delete(_get(session, DuesPayment, dues_id, "khoản hội phí"))


# ---------------------------------------------------------------- citizen results (Công dân học tập)
CITIZEN_PASS_TOTAL = 80  # pass: total ≥ 80 and no indicator below 5 (one province's guidance)
CITIZEN_YEARS = (1990, 2100)


@dataclass
class CitizenResultForm:
    id: int | None = None
    person_id: int | None = None
    year: str = ""
    form_group: str = ""
    total: str = ""
    result: str = "passed"
    result_on: str = ""
    source: str = "online"
    note: str = ""


def parse_score(text: str | float | None) -> float | None:
    """A total typed as 85, 85,5 or 85.5; None when blank; ValueError when not a number."""
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = str(text or "").strip().replace(",", ".")
    return float(cleaned) if cleaned else None


def _result_year(form: CitizenResultForm) -> int | None:
    text = str(form.year).strip()
    return int(text) if text.isdigit() else None


def validate_citizen_result(session: Session, form: CitizenResultForm) -> dict[str, str]:
    _text_fields(form)
    errors: dict[str, str] = {}
    person = session.get(Person, form.person_id) if form.person_id is not None else None
    if person is None:
        errors["person_id"] = "Chưa chọn người (phải là một nhân khẩu trong danh sách)."
    year = _result_year(form)
    low, high = CITIZEN_YEARS
    if year is None or not low <= year <= high:
        errors["year"] = f"Năm đánh giá phải là năm có 4 chữ số, từ {low} đến {high}."
    if form.form_group:
        _choice(errors, "form_group", form.form_group, vocab.CITIZEN_GROUPS, "Nhóm phiếu")
    try:
        total = parse_score(form.total)
    except ValueError:
        total = None
        errors["total"] = "Tổng điểm phải là số từ 0 đến 100, ví dụ 85 hoặc 85,5."
    if total is not None and not 0 <= total <= 100:
        errors["total"] = "Tổng điểm phải là số từ 0 đến 100, ví dụ 85 hoặc 85,5."
    _choice(errors, "result", form.result, vocab.CITIZEN_RESULTS, "Kết quả")
    if msg := check_date_text(form.result_on, "Ngày"):
        errors["result_on"] = msg
    _choice(errors, "source", form.source, vocab.CITIZEN_SOURCES, "Nguồn")
    if person is not None and "year" not in errors:
        clash = session.scalar(select(CitizenResult.id).where(
            CitizenResult.person_id == person.id, CitizenResult.year == year, CitizenResult.id != (form.id or 0)))
        if clash:
            errors["year"] = f"{person.full_name} đã có kết quả năm {year}."
    return errors


def citizen_result_warnings(form: CitizenResultForm) -> list[str]:
    """Not errors: a pass below the pass mark is probably a typing slip."""
    from khuyenhoc_desktop.services.lists import format_score

    try:
        total = parse_score(form.total)
    except ValueError:
        return []
    if form.result == "passed" and total is not None and total < CITIZEN_PASS_TOTAL:
        return [f"Kết quả Đạt nhưng tổng điểm {format_score(total)} dưới {CITIZEN_PASS_TOTAL} (mức đạt)."]
    return []


def save_citizen_result(session: Session, form: CitizenResultForm) -> int:
    record = _checked_record(session, CitizenResult, form, validate_citizen_result, "kết quả")
    record.person_id = form.person_id
    record.year = _result_year(form)
    record.form_group = form.form_group
    record.total = parse_score(form.total)
    record.passed = form.result == "passed"
    record.result_on = parse_date(form.result_on)
    record.source = form.source
    record.note = form.note
    return _stored(session, record)


def load_citizen_result(session: Session, result_id: int) -> CitizenResultForm:
    from khuyenhoc_desktop.services.lists import format_score

    record = _get(session, CitizenResult, result_id, "kết quả")
    return CitizenResultForm(
        id=record.id, person_id=record.person_id, year=str(record.year), form_group=record.form_group,
        total="" if record.total is None else format_score(record.total),
        result="passed" if record.passed else "failed", result_on=format_date(record.result_on),
        source=record.source, note=record.note,
    )


# ---------------------------------------------------------------- deleting
@dataclass
class DeletePlan:
    """What deleting a record would do. `blockers` non-empty means it cannot be deleted yet."""

    title: str
    blockers: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blockers


def _count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def describe(session: Session, kind: str, record_id: int) -> str:
    """How a record is named in confirmations: 'hộ ông Nguyễn Văn An (Thôn Đông)'."""
    if kind == "hamlets":
        return _get(session, Hamlet, record_id, "thôn").name
    if kind == "households":
        hh = _get(session, Household, record_id, "hộ")
        head = session.get(Person, hh.head_person_id) if hh.head_person_id else None
        hamlet = session.get(Hamlet, hh.hamlet_id)
        who = (("ông " if head.sex == "M" else "bà ") + head.full_name) if head else (hh.code or "chưa có chủ hộ")
        return f"hộ {who} ({hamlet.name})"
    if kind == "persons":
        return _get(session, Person, record_id, "nhân khẩu").full_name
    if kind == "clans":
        return "dòng họ " + _get(session, Clan, record_id, "dòng họ").name
    if kind == "organisations":
        return _get(session, Organisation, record_id, "đơn vị").name
    if kind == "branches":
        return "chi hội " + _get(session, Branch, record_id, "chi hội").name
    if kind == "members":
        member = _get(session, Member, record_id, "hội viên")
        return "hội viên " + session.get(Person, member.person_id).full_name
    if kind == "citizen_results":
        result = _get(session, CitizenResult, record_id, "kết quả")
        return f"kết quả công dân học tập năm {result.year} của {session.get(Person, result.person_id).full_name}"
    raise NotFoundError(f"Không có danh sách '{kind}'.")


def delete_plan(session: Session, kind: str, record_id: int) -> DeletePlan:
    plan = DeletePlan(title=describe(session, kind, record_id))
    n = lambda stmt: _count(session, stmt)  # noqa: E731
    if kind == "hamlets":
        if k := n(select(Household.id).where(Household.hamlet_id == record_id)):
            plan.blockers.append(f"Còn {k} hộ thuộc thôn này; hãy chuyển các hộ sang thôn khác trước.")
        if k := n(select(Branch.id).where(Branch.hamlet_id == record_id)):
            plan.blockers.append(f"Còn {k} chi hội theo thôn này; hãy xóa hoặc sửa chi hội trước.")
        if k := n(select(Organisation.id).where(Organisation.hamlet_id == record_id)):
            plan.consequences.append(f"{k} đơn vị sẽ không còn ghi thôn.")
        if k := n(select(clan_hamlet.c.clan_id).where(clan_hamlet.c.hamlet_id == record_id)):
            plan.consequences.append(f"{k} dòng họ sẽ bỏ thôn này khỏi danh sách thôn của họ.")
    elif kind == "households":
        persons = select(Person.id).where(Person.household_id == record_id)
        if k := n(select(Member.id).where(Member.person_id.in_(persons))):
            plan.blockers.append(f"{k} người trong hộ là hội viên; hãy xóa họ khỏi danh sách hội viên trước.")
        if k := n(select(CitizenResult.person_id).where(CitizenResult.person_id.in_(persons)).distinct()):
            plan.blockers.append(f"{k} người trong hộ có kết quả công dân học tập; kết quả là lịch sử phải "
                                 "giữ, nên chưa xóa được hộ.")
        if k := n(persons):
            plan.consequences.append(f"Hộ có {k} nhân khẩu; họ sẽ bị xóa cùng.")
    elif kind == "persons":
        if n(select(Member.id).where(Member.person_id == record_id)):
            plan.blockers.append("Người này là hội viên; hãy xóa khỏi danh sách hội viên trước.")
        if k := n(select(CitizenResult.id).where(CitizenResult.person_id == record_id)):
            plan.blockers.append(f"Người này có {k} kết quả công dân học tập; kết quả là lịch sử phải giữ, "
                                 "nên chưa xóa được người này.")
        if n(select(Household.id).where(Household.head_person_id == record_id)):
            plan.consequences.append("Người này là chủ hộ; hộ sẽ chưa có chủ hộ cho đến khi chọn người khác.")
        if n(select(Clan.id).where(Clan.head_person_id == record_id)):
            plan.consequences.append("Người này là trưởng họ; dòng họ sẽ chưa có trưởng họ.")
    elif kind == "clans":
        if k := n(select(Branch.id).where(Branch.clan_id == record_id)):
            plan.blockers.append(f"Còn {k} chi hội theo dòng họ này; hãy xóa hoặc sửa chi hội trước.")
        if k := n(select(Household.id).where(Household.clan_id == record_id)):
            plan.consequences.append(f"{k} hộ sẽ không còn ghi thuộc dòng họ này.")
    elif kind == "organisations":
        if k := n(select(Branch.id).where(Branch.organisation_id == record_id)):
            plan.blockers.append(f"Còn {k} chi hội của đơn vị này; hãy xóa hoặc sửa chi hội trước.")
    elif kind == "branches":
        if k := n(select(Member.id).where(Member.branch_id == record_id)):
            plan.blockers.append(f"Chi hội còn {k} hội viên; hãy chuyển họ sang chi hội khác trước.")
    elif kind == "members":
        if k := n(select(DuesPayment.id).where(DuesPayment.member_id == record_id)):
            plan.consequences.append(f"{k} lần đóng hội phí của hội viên sẽ bị xóa cùng.")
    from khuyenhoc_desktop.services.titles import dependents

    plan.blockers.extend(dependents(session, kind, record_id))
    return plan


_MODELS = {
    "hamlets": Hamlet,
    "households": Household,
    "persons": Person,
    "clans": Clan,
    "organisations": Organisation,
    "branches": Branch,
    "members": Member,
    "citizen_results": CitizenResult,
}


def delete_record(session: Session, kind: str, record_id: int) -> DeletePlan:
    """Delete after checking the plan; raises `DependencyError` with the reasons if blocked."""
    plan = delete_plan(session, kind, record_id)
    if not plan.allowed:
        raise DependencyError(f"Chưa xóa được {plan.title}: " + " ".join(plan.blockers))
    if kind == "households":
        session.execute(update(Household).where(Household.id == record_id).values(head_person_id=None))
        session.execute(delete(Person).where(Person.household_id == record_id))
    if kind == "persons":
        for household in session.scalars(select(Household).where(Household.head_person_id == record_id)):
            household.head_person_id = None
            _refresh_household(session, household)
    session.delete(session.get(_MODELS[kind], record_id))
    session.flush()
    return plan


def person_choices(session: Session, search: str, limit: int = 50) -> list[tuple[int, str]]:
    """Persons for a picker: 'Nguyễn Văn An (1970, Thôn Đông)'."""
    from khuyenhoc_desktop.services.lists import ListQuery, row_ids

    ids = row_ids(session, ListQuery("persons", search=search))[:limit]
    rows = session.execute(
        select(Person.id, Person.full_name, Person.birth_year, Hamlet.name)
        .outerjoin(Household, Household.id == Person.household_id)
        .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id)
        .where(Person.id.in_(ids))
    )
    labels = {pid: f"{name} ({', '.join(str(x) for x in (year, hamlet) if x)})" for pid, name, year, hamlet in rows}
    return [(pid, labels[pid]) for pid in ids]


def person_label(session: Session, person_id: int | None) -> str:
    if person_id is None:
        return ""
    person = session.get(Person, person_id)
    return person.full_name if person else ""


_NAMED = {"clans": Clan, "organisations": Organisation, "branches": Branch}


def named_choices(session: Session, kind: str, search: str, limit: int = 50) -> list[tuple[int, str]]:
    """(id, name) of clans, organisations or branches for a picker, found and ordered as the
    list page finds them, a few at a time (a commune may have hundreds)."""
    from khuyenhoc_desktop.services.lists import ListQuery, row_ids

    model = _NAMED[kind]
    ids = row_ids(session, ListQuery(kind, search=search))[:limit]
    names = {i: name for i, name in session.execute(select(model.id, model.name).where(model.id.in_(ids)))}
    return [(i, names[i]) for i in ids]


def name_of(session: Session, kind: str, record_id: int | None) -> str:
    record = session.get(_NAMED[kind], record_id) if record_id is not None else None
    return record.name if record else ""


def members_without_dues(session: Session, period: str) -> int:
    paid = select(DuesPayment.member_id).where(DuesPayment.period == period)
    return session.scalar(
        select(func.count(Member.id)).where(Member.status == "active", Member.id.not_in(paid))
    ) or 0


