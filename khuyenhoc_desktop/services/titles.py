"""The yearly cycle of learning titles (danh hiệu học tập): registration, scoring against a frozen
criteria set, recognition decisions, and the history per entity ("n năm liền").

Every function takes a `Session` inside one transaction (`with db.write() as s:`). Messages are
Vietnamese; wrong input raises `ValidationError` / `UserError` / `NotFoundError`.

The entity of a registration is `entity_kind` + `entity_id` (it may live in several tables), so
the registry must ask `dependents()` before deleting a household, clan, hamlet, organisation or
person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import forms as forms_mod
from khuyenhoc_desktop.domain import numbering, vocab
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.domain.dates import format_date, parse_date, today
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import app_settings, form_library
from khuyenhoc_desktop.storage.models import clan_hamlet
from khuyenhoc_desktop.storage.search import word_prefix_filter
from khuyenhoc_desktop.storage.models import (
    Clan,
    CommuneProfile,
    Decision,
    DecisionEntry,
    Evaluation,
    FormVersion,
    Hamlet,
    Household,
    Organisation,
    Person,
    Registration,
)

# entity kind -> (model, Vietnamese noun)
ENTITY_KINDS = {
    "household": (Household, "hộ"),
    "clan": (Clan, "dòng họ"),
    "hamlet": (Hamlet, "thôn, tổ dân phố"),
    "organisation": (Organisation, "đơn vị"),
    "person": (Person, "người"),
    "commune": (CommuneProfile, "xã"),
}
# title code -> the entity kind it is awarded to
TITLE_ENTITY = {
    "GĐHT": "household",
    "DHHT": "clan",
    "CĐHT thôn": "hamlet",
    "ĐVHT": "organisation",
    "CĐHT cấp xã": "commune",
    "CDHT": "person",
}
# the registry's list names (services.registry / services.lists) -> entity kind
REGISTRY_KINDS = {
    "households": "household",
    "clans": "clan",
    "hamlets": "hamlet",
    "organisations": "organisation",
    "persons": "person",
}
ISSUED_MESSAGE = "Quyết định đã ban hành; hãy ban hành quyết định mới sửa đổi."
_NUMBER = numbering.PATTERN


def _check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise ValidationError({"year": f"Năm '{year}' không hợp lệ (cần một năm từ 1990 đến 2100)."})
    return year


def _check_title(title_code: str) -> str:
    if title_code not in TITLE_ENTITY:
        raise ValidationError(
            {"title_code": f"Danh hiệu '{title_code}' không có; chọn một trong: {', '.join(TITLE_ENTITY)}."}
        )
    return title_code


def _check_kind(title_code: str, kind: str) -> str:
    if kind not in ENTITY_KINDS:
        raise ValidationError({"kind": f"Loại '{kind}' không hợp lệ; chọn một trong: {', '.join(ENTITY_KINDS)}."})
    wanted = TITLE_ENTITY[title_code]
    if kind != wanted:
        raise ValidationError(
            {"kind": f"Danh hiệu {title_code} dành cho {ENTITY_KINDS[wanted][1]}, không dành cho {ENTITY_KINDS[kind][1]}."}
        )
    return kind


def _as_date(value, name: str, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError({name: f"{what}: {exc}"}) from None


# ---------------------------------------------------------------- names
ALIASES_KEY = "title_aliases"


def title_names(session: Session) -> dict[str, str]:
    """Title code -> the name shown and printed: the official name, or the commune's display
    alias (older local names such as "Gia đình hiếu học")."""
    aliases = app_settings.get(session, ALIASES_KEY, {}) or {}
    return {code: (str(aliases.get(code) or "").strip() or name) for code, name in vocab.TITLES.items()}


def set_title_aliases(session: Session, aliases: dict[str, str]) -> None:
    if stray := [k for k in aliases if k not in vocab.TITLES]:
        raise ValidationError({"aliases": f"Danh hiệu không có: {', '.join(stray)}."})
    app_settings.put(session, ALIASES_KEY, {k: str(v).strip() for k, v in aliases.items() if str(v).strip()})


@dataclass(frozen=True)
class EntityLabel:
    name: str  # "Nguyễn Văn An" (household: its head), "Họ Lê", "Thôn Đông"
    address: str  # household address or hamlet, …
    hamlet: str = ""
    formal: str = ""  # as printed on a certificate: "Gia đình ông Nguyễn Văn An"


def entity_labels(session: Session, kind: str, ids) -> dict[int, EntityLabel]:
    """Names and addresses of many entities at once (lists, decisions, certificates)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    out: dict[int, EntityLabel] = {}
    if kind == "household":
        rows = session.execute(
            select(Household.id, Household.address, Household.code, Hamlet.name, Person.full_name, Person.sex)
            .join(Hamlet, Hamlet.id == Household.hamlet_id)
            .outerjoin(Person, Person.id == Household.head_person_id).where(Household.id.in_(ids)))
        for hid, address, code, hamlet, head, sex in rows:
            name = head or (f"Hộ số {code}" if code else f"Hộ mã {hid}")
            formal = f"Gia đình {'bà' if sex == 'F' else 'ông'} {head}" if head else name
            out[hid] = EntityLabel(name, address or hamlet, hamlet, formal)
    elif kind == "clan":
        for clan in session.scalars(select(Clan).where(Clan.id.in_(ids))):
            hamlets = ", ".join(h.name for h in clan.hamlets)
            out[clan.id] = EntityLabel(clan.name, hamlets, hamlets, f"Dòng họ {clan.name}"
                                       if not fold(clan.name).startswith("dong ho") else clan.name)
    elif kind == "hamlet":
        for hamlet in session.scalars(select(Hamlet).where(Hamlet.id.in_(ids))):
            out[hamlet.id] = EntityLabel(hamlet.name, "", hamlet.name, hamlet.name)
    elif kind == "organisation":
        rows = session.execute(select(Organisation.id, Organisation.name, Organisation.address, Hamlet.name)
                               .outerjoin(Hamlet, Hamlet.id == Organisation.hamlet_id).where(Organisation.id.in_(ids)))
        for oid, name, address, hamlet in rows:
            out[oid] = EntityLabel(name, address or hamlet or "", hamlet or "", name)
    elif kind == "person":
        rows = session.execute(select(Person.id, Person.full_name, Person.sex, Hamlet.name, Household.address)
                               .outerjoin(Household, Household.id == Person.household_id)
                               .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id).where(Person.id.in_(ids)))
        for pid, name, sex, hamlet, address in rows:
            out[pid] = EntityLabel(name, address or hamlet or "", hamlet or "",
                                   f"{'Bà' if sex == 'F' else 'Ông'} {name}")
    elif kind == "commune":
        for profile in session.scalars(select(CommuneProfile).where(CommuneProfile.id.in_(ids))):
            out[profile.id] = EntityLabel(profile.commune_name, profile.province_name, "", profile.commune_name)
    return out


# ---------------------------------------------------------------- registration
def register(session: Session, year: int, title_code: str, kind: str, ids, registered_on=None) -> dict:
    """Register the entities `ids` of `kind` for `title_code` in `year`.
    Returns {"added": n, "already": m}; an entity already registered is left as it is."""
    _check_year(year)
    _check_title(title_code)
    _check_kind(title_code, kind)
    on = _as_date(registered_on, "registered_on", "Ngày đăng ký") or today()
    model, noun = ENTITY_KINDS[kind]
    ids = list(dict.fromkeys(int(i) for i in ids))
    if ids:
        found = set(session.scalars(select(model.id).where(model.id.in_(ids))))
        if lost := [i for i in ids if i not in found]:
            raise NotFoundError(f"Không tìm thấy {noun} mã {', '.join(map(str, lost))}; có thể đã bị xóa.")
    existing = set(session.scalars(select(Registration.entity_id).where(
        Registration.year == year, Registration.title_code == title_code,
        Registration.entity_kind == kind, Registration.entity_id.in_(ids))))
    added = 0
    for entity_id in ids:
        if entity_id in existing:
            continue
        session.add(Registration(year=year, title_code=title_code, entity_kind=kind,
                                 entity_id=entity_id, registered_on=on))
        added += 1
    session.flush()
    return {"added": added, "already": len(existing)}


def register_hamlet_households(session: Session, year: int, hamlet_id: int, registered_on=None) -> dict:
    """Register every household of a hamlet for GĐHT in `year` (the hamlet branch's list)."""
    if session.get(Hamlet, hamlet_id) is None:
        raise NotFoundError("Không tìm thấy thôn, tổ dân phố này; có thể đã bị xóa.")
    ids = list(session.scalars(select(Household.id).where(Household.hamlet_id == hamlet_id).order_by(Household.id)))
    return register(session, year, "GĐHT", "household", ids, registered_on)


def unregister(session: Session, registration_id: int) -> None:
    """Withdraw a registration (its evaluation goes with it); refused once it is in a decision."""
    reg = _registration(session, registration_id)
    if _in_decisions(session, registration_id):
        raise UserError("Đăng ký này đã có trong quyết định công nhận; không hủy được.")
    session.delete(reg)
    session.flush()


def registered_counts(session: Session, year: int, title_code: str) -> tuple[int, int]:
    """(registered, total entities of the title's kind) — e.g. (120, 300) households for GĐHT."""
    _check_title(title_code)
    kind = TITLE_ENTITY[title_code]
    registered = session.scalar(select(func.count(Registration.id)).where(
        Registration.year == year, Registration.title_code == title_code, Registration.entity_kind == kind)) or 0
    model = ENTITY_KINDS[kind][0]
    total = session.scalar(select(func.count(model.id))) or 0
    return registered, total


def registered_entity_ids(session: Session, year: int, title_code: str) -> set[int]:
    """Ids of the entities already registered for the title in the year (to mark them in pickers)."""
    _check_title(title_code)
    return set(session.scalars(select(Registration.entity_id).where(
        Registration.year == year, Registration.title_code == title_code,
        Registration.entity_kind == TITLE_ENTITY[title_code])))


def registrations(session: Session, year: int, title_code: str) -> list[Registration]:
    return list(session.scalars(select(Registration).where(
        Registration.year == year, Registration.title_code == title_code).order_by(Registration.id)))


# ---------------------------------------------------------------- the registration list (paged)
STATUSES = {
    "": "Tất cả",
    "unscored": "Chưa chấm",
    "passed": "Đạt",
    "failed": "Chưa đạt",
    "recognised": "Đã công nhận",
}


@dataclass
class RegistrationQuery:
    year: int
    title_code: str
    hamlet_id: int | None = None
    search: str = ""
    status: str = ""  # a key of STATUSES


@dataclass
class RegistrationRow:
    id: int
    entity_kind: str
    entity_id: int
    name: str
    address: str
    hamlet: str
    registered_on: dt.date | None
    total: float | None
    level: str | None
    passed: bool | None  # None: not scored yet
    decision: str | None  # number of the issued decision recognising it
    years_in_a_row: int


def _registration_select(session: Session, query: RegistrationQuery):
    _check_title(query.title_code)
    kind = TITLE_ENTITY[query.title_code]
    model = ENTITY_KINDS[kind][0]
    stmt = (select(Registration.id).join(model, model.id == Registration.entity_id)
            .where(Registration.year == query.year, Registration.title_code == query.title_code,
                   Registration.entity_kind == kind))
    if query.hamlet_id is not None:
        if kind in ("household", "organisation"):
            stmt = stmt.where(model.hamlet_id == query.hamlet_id)
        elif kind == "person":
            stmt = stmt.where(Person.household_id.in_(select(Household.id).where(Household.hamlet_id == query.hamlet_id)))
        elif kind == "clan":
            stmt = stmt.where(Clan.id.in_(select(clan_hamlet.c.clan_id).where(clan_hamlet.c.hamlet_id == query.hamlet_id)))
        elif kind == "hamlet":
            stmt = stmt.where(Hamlet.id == query.hamlet_id)
    terms = fold(query.search).split()
    if terms and hasattr(model, "search_text"):
        stmt = stmt.where(word_prefix_filter(session.get_bind().dialect.name, model.__table__, terms))
    scored = select(Evaluation.registration_id)
    recognised = select(DecisionEntry.registration_id).where(DecisionEntry.decision_id.in_(_effective_decisions()))
    if query.status == "unscored":
        stmt = stmt.where(Registration.id.not_in(scored))
    elif query.status == "passed":
        stmt = stmt.where(Registration.id.in_(scored.where(Evaluation.passed)))
    elif query.status == "failed":
        stmt = stmt.where(Registration.id.in_(scored.where(Evaluation.passed.is_(False))))
    elif query.status == "recognised":
        stmt = stmt.where(Registration.id.in_(recognised))
    elif query.status:
        raise ValidationError({"status": f"Trạng thái '{query.status}' không có."})
    order = [model.sort_key] if hasattr(model, "sort_key") else []
    return stmt.order_by(*order, Registration.id)


def count_registrations(session: Session, query: RegistrationQuery) -> int:
    return session.scalar(select(func.count()).select_from(_registration_select(session, query).subquery())) or 0


def registration_ids(session: Session, query: RegistrationQuery) -> list[int]:
    """Every matching registration id, in list order (entity name order)."""
    return list(session.scalars(_registration_select(session, query)))


def page_registrations(session: Session, query: RegistrationQuery, offset: int, limit: int) -> list[RegistrationRow]:
    ids = list(session.scalars(_registration_select(session, query).offset(offset).limit(limit)))
    return registration_rows(session, ids)


def registration_rows(session: Session, ids: list[int]) -> list[RegistrationRow]:
    """Rows for these registrations, in the given order."""
    if not ids:
        return []
    regs = {r.id: r for r in session.scalars(select(Registration).where(Registration.id.in_(ids)))}
    evaluations = {e.registration_id: e for e in session.scalars(
        select(Evaluation).where(Evaluation.registration_id.in_(ids)))}
    decided: dict[int, str] = {}
    for rid, number in session.execute(
            select(DecisionEntry.registration_id, Decision.number).join(Decision, Decision.id == DecisionEntry.decision_id)
            .where(DecisionEntry.registration_id.in_(ids), Decision.id.in_(_effective_decisions()))):
        decided[rid] = number
    labels: dict[str, dict[int, EntityLabel]] = {}
    for reg in regs.values():
        labels.setdefault(reg.entity_kind, {})[reg.entity_id] = None
    for kind, wanted in labels.items():
        labels[kind] = entity_labels(session, kind, wanted)
    rows = []
    for rid in ids:
        reg = regs.get(rid)
        if reg is None:
            continue
        label = labels[reg.entity_kind].get(reg.entity_id) or EntityLabel(f"(mã {reg.entity_id})", "")
        ev = evaluations.get(rid)
        rows.append(RegistrationRow(
            id=rid, entity_kind=reg.entity_kind, entity_id=reg.entity_id, name=label.name, address=label.address,
            hamlet=label.hamlet, registered_on=reg.registered_on, total=ev.total if ev else None,
            level=ev.level if ev else None, passed=ev.passed if ev else None, decision=decided.get(rid),
            years_in_a_row=years_in_a_row(session, reg.entity_kind, reg.entity_id, reg.title_code, reg.year)
            if rid in decided else 0))
    return rows


def _registration(session: Session, registration_id: int) -> Registration:
    reg = session.get(Registration, registration_id)
    if reg is None:
        raise NotFoundError("Không tìm thấy đăng ký này; có thể đã bị xóa.")
    return reg


def _in_decisions(session: Session, registration_id: int) -> list[str]:
    """Numbers of the issued decisions listing this registration."""
    return list(session.scalars(select(Decision.number).join(DecisionEntry, DecisionEntry.decision_id == Decision.id)
                                .where(DecisionEntry.registration_id == registration_id, Decision.issued)))


# ---------------------------------------------------------------- scoring
def form_text(form: forms_mod.Form) -> str:
    """The canonical JSON text of a form, as frozen in `FormVersion.content`."""
    return json.dumps(form.raw, ensure_ascii=False, sort_keys=True, indent=1)


def snapshot_form(session: Session, form: forms_mod.Form) -> FormVersion:
    """The frozen copy of `form` (an identical earlier copy is reused, found by SHA-256)."""
    content = form_text(form)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    found = session.scalar(select(FormVersion).where(FormVersion.form_id == form.id, FormVersion.sha256 == digest))
    if found is not None:
        return found
    version = FormVersion(form_id=form.id, version=form.version, content=content, sha256=digest)
    session.add(version)
    session.flush()
    return version


def stored_form(session: Session, form_version_id: int) -> forms_mod.Form:
    """The form exactly as it was when frozen (for showing or re-printing a past evaluation)."""
    version = session.get(FormVersion, form_version_id)
    if version is None:
        raise NotFoundError("Không tìm thấy bộ tiêu chí đã lưu này.")
    return forms_mod._build(json.loads(version.content), None)  # content was checked when frozen


def score_registration(session: Session, registration_id: int, form, values: dict,
                       evidence: dict | None = None, scored_on=None, overrides: dict | None = None) -> Evaluation:
    """Score a registration with `form` (a form id from `forms/` or a loaded `Form`), freezing
    the form's content so the result never changes when the form file does. Scoring again
    replaces the registration's evaluation, unless it is already in an issued decision.

    Computed indicators (`compute` in the form) are filled from the registry when `values` leaves
    them out; a value that differs from the computed one needs a reason in `overrides`."""
    reg = _registration(session, registration_id)
    if isinstance(form, str):
        form = form_library.find_form(session, form)
    if form.title_code != reg.title_code:
        raise ValidationError({"form": f"Bộ tiêu chí {form.id} dành cho danh hiệu {form.title_code}, "
                                       f"không dùng cho {reg.title_code}."})
    if numbers := _in_decisions(session, registration_id):
        raise UserError(f"Đăng ký này đã được công nhận trong quyết định {', '.join(numbers)}; không chấm lại được.")
    evidence = dict(evidence or {})
    known = {i.id for i in form.indicators}
    if stray := [k for k in evidence if k not in known]:
        raise ValidationError({"evidence": f"Minh chứng ghi cho chỉ tiêu không có trong bộ {form.id}: {', '.join(stray)}."})
    computed = computed_values(session, registration_id, form)
    values = dict(values)
    reasons = {k: str(v).strip() for k, v in (overrides or {}).items() if str(v).strip()}
    unexplained = []
    for iid, comp in computed.items():
        values.setdefault(iid, comp.value)
        if values[iid] != comp.value and iid not in reasons:
            unexplained.append(f"{iid} (tính được {_shown(comp.value)}, nhập {_shown(values[iid])})")
    if unexplained:
        raise ValidationError({"overrides": "Cần ghi lý do khi sửa giá trị tính từ sổ: " + "; ".join(unexplained) + "."})
    reasons = {k: v for k, v in reasons.items() if k in computed and values.get(k) != computed[k].value}
    result = forms_mod.score(form, values)  # refuses an incomplete form / wrong values (UserError)
    version = snapshot_form(session, form)
    evaluation = session.scalar(select(Evaluation).where(Evaluation.registration_id == registration_id))
    if evaluation is None:
        evaluation = Evaluation(registration_id=registration_id)
        session.add(evaluation)
    evaluation.form_version_id = version.id
    evaluation.values = json.dumps(values, ensure_ascii=False, sort_keys=True)
    evaluation.evidence = json.dumps({k: str(v) for k, v in evidence.items()}, ensure_ascii=False, sort_keys=True)
    evaluation.total = float(result.total)
    evaluation.level = result.level
    evaluation.passed = bool(result.passed)
    evaluation.scored_on = _as_date(scored_on, "scored_on", "Ngày chấm") or today()
    evaluation.computed = json.dumps({k: c.value for k, c in computed.items()}, ensure_ascii=False, sort_keys=True)
    evaluation.overrides = json.dumps(reasons, ensure_ascii=False, sort_keys=True)
    session.flush()
    return evaluation


def _shown(value) -> str:
    if isinstance(value, bool):
        return "đạt" if value else "không đạt"
    return _num(value)


@dataclass(frozen=True)
class ComputedValue:
    value: float | bool
    explanation: str  # "3/4 hộ của dòng họ đạt GĐHT năm 2025 (75%)"


def gdht_share(session: Session, kind: str, entity_id: int, year: int) -> tuple[int, int]:
    """(households recognised GĐHT in `year`, all households) of a clan or a hamlet."""
    column = {"clan": Household.clan_id, "hamlet": Household.hamlet_id}[kind]
    total = session.scalar(select(func.count(Household.id)).where(column == entity_id)) or 0
    recognised = session.scalar(
        select(func.count(func.distinct(Registration.entity_id)))
        .join(DecisionEntry, DecisionEntry.registration_id == Registration.id)
        .join(Household, Household.id == Registration.entity_id)
        .where(Registration.entity_kind == "household", Registration.title_code == "GĐHT", Registration.year == year,
               column == entity_id, DecisionEntry.decision_id.in_(_effective_decisions()))) or 0
    return recognised, total


def computed_values(session: Session, registration_id: int, form: forms_mod.Form) -> dict[str, ComputedValue]:
    """The indicators of `form` that the registry can compute for this registration."""
    reg = _registration(session, registration_id)
    out: dict[str, ComputedValue] = {}
    for indicator in form.indicators:
        rule = (indicator.compute or {}).get("rule")
        if rule != "gdht_share" or reg.entity_kind not in ("clan", "hamlet"):
            continue
        recognised, total = gdht_share(session, reg.entity_kind, reg.entity_id, reg.year)
        share = recognised / total if total else 0.0
        if indicator.kind == "points":
            value = round(share * float(indicator.max_points or 0), 1)
            value = int(value) if float(value).is_integer() else value
        else:
            value = share >= float(indicator.compute.get("min_share") or 0)
        whose = "dòng họ" if reg.entity_kind == "clan" else "thôn"
        out[indicator.id] = ComputedValue(
            value, f"{recognised}/{total} hộ của {whose} đạt Gia đình học tập năm {reg.year} "
                   f"({_num(round(share * 100, 1))}%)")
    return out


def evaluation_of(session: Session, registration_id: int) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.registration_id == registration_id))


# ---------------------------------------------------------------- decisions
@dataclass
class DecisionForm:
    number: str = ""
    year: int = 0
    title_code: str = ""
    issued_on: object = None  # date or "dd/mm/yyyy"
    signer_name: str = ""
    signer_title: str = ""
    basis: str = ""
    registration_ids: list[int] = field(default_factory=list)
    id: int | None = None
    issued: bool = False  # as loaded; saving decides by its `issue` argument


def next_decision_number(session: Session, year: int, suffix: str = "QĐ-HKH") -> str:
    """The next free number of the year's series: '01/QĐ-HKH', '02/QĐ-HKH', …"""
    return numbering.next_in_series(session.scalars(select(Decision.number).where(Decision.year == year)), suffix)


def _validate_decision(session: Session, form: DecisionForm, issuing: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    form.number = (form.number or "").strip()
    if not form.number:
        errors["number"] = "Cần số quyết định (ví dụ 12/QĐ-HKH)."
    elif not _NUMBER.match(form.number):
        errors["number"] = f"Số quyết định '{form.number}' chưa đúng dạng số/ký hiệu, ví dụ 12/QĐ-HKH."
    try:
        _check_year(form.year)
        _check_title(form.title_code)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        form.issued_on = _as_date(form.issued_on, "issued_on", "Ngày ban hành")
    except ValidationError as exc:
        errors.update(exc.errors)
    if issuing:
        if form.issued_on is None and "issued_on" not in errors:
            errors["issued_on"] = "Cần ngày ban hành."
        if not form.signer_name.strip():
            errors["signer_name"] = "Cần họ tên người ký."
        if not form.signer_title.strip():
            errors["signer_title"] = "Cần chức vụ người ký."
    if "number" not in errors and not errors.get("year"):
        clash = session.scalar(select(Decision.id).where(Decision.year == form.year, Decision.number == form.number))
        if clash is not None and clash != form.id:
            errors["number"] = f"Số quyết định {form.number} năm {form.year} đã có."
    problems = []
    for rid in dict.fromkeys(form.registration_ids):
        reg = session.get(Registration, rid)
        if reg is None:
            problems.append(f"đăng ký mã {rid} không còn")
            continue
        if reg.year != form.year or reg.title_code != form.title_code:
            problems.append(f"đăng ký mã {rid} là {reg.title_code} năm {reg.year}")
            continue
        ev = evaluation_of(session, rid)
        if ev is None:
            problems.append(f"đăng ký mã {rid} chưa được chấm")
        elif not ev.passed:
            problems.append(f"đăng ký mã {rid} chưa đạt ({_num(ev.total)} điểm)")
    if problems:
        errors["registration_ids"] = "Danh sách công nhận chỉ gồm các đăng ký đã chấm đạt: " + "; ".join(problems) + "."
    return errors


def _num(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def save_decision(session: Session, form: DecisionForm, issue: bool = False, amends_id: int | None = None) -> int:
    """Create or edit a draft decision (and issue it when `issue`). An issued decision is final."""
    decision = None
    if form.id is not None:
        decision = session.get(Decision, form.id)
        if decision is None:
            raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
        if decision.issued:
            raise UserError(ISSUED_MESSAGE)
    if errors := _validate_decision(session, form, issue):
        raise ValidationError(errors)
    if decision is None:
        decision = Decision(amends_id=amends_id)
        session.add(decision)
    decision.number = form.number
    decision.year = form.year
    decision.title_code = form.title_code
    decision.issued_on = form.issued_on
    decision.signer_name = form.signer_name.strip()
    decision.signer_title = form.signer_title.strip()
    decision.basis = form.basis.strip()
    decision.issued = bool(issue)
    session.flush()
    wanted = list(dict.fromkeys(form.registration_ids))
    for entry in session.scalars(select(DecisionEntry).where(DecisionEntry.decision_id == decision.id)):
        if entry.registration_id not in wanted:
            session.delete(entry)
    have = set(session.scalars(select(DecisionEntry.registration_id).where(DecisionEntry.decision_id == decision.id)))
    for rid in wanted:
        level = evaluation_of(session, rid).level
        if rid in have:
            entry = session.scalar(select(DecisionEntry).where(DecisionEntry.decision_id == decision.id,
                                                               DecisionEntry.registration_id == rid))
            entry.level = level
        else:
            session.add(DecisionEntry(decision_id=decision.id, registration_id=rid, level=level))
    session.flush()
    if issue:
        _number_certificates(session, decision, form.registration_ids)
    return decision.id


def _number_certificates(session: Session, decision: Decision, order: list[int], suffix: str = "GCN-HKH") -> None:
    """Certificate numbers run through the year over all decisions: '01/GCN-HKH', …; an
    amending decision keeps the number already given to an entity it lists again."""
    highest = numbering.highest(session.scalars(
        select(DecisionEntry.certificate_number).join(Decision).where(Decision.year == decision.year)), suffix)
    entries = {e.registration_id: e for e in session.scalars(
        select(DecisionEntry).where(DecisionEntry.decision_id == decision.id))}
    for rid in dict.fromkeys(order):
        entry = entries[rid]
        earlier = None
        if decision.amends_id is not None:
            earlier = session.scalar(select(DecisionEntry.certificate_number).where(
                DecisionEntry.decision_id == decision.amends_id, DecisionEntry.registration_id == rid))
        if earlier:
            entry.certificate_number = earlier
        else:
            highest += 1
            entry.certificate_number = f"{highest:02d}/{suffix}"
    session.flush()


def load_decision(session: Session, decision_id: int) -> DecisionForm:
    """A saved decision as the form that edits it (its list in the order it was saved)."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
    ids = list(session.scalars(select(DecisionEntry.registration_id)
                               .where(DecisionEntry.decision_id == decision_id).order_by(DecisionEntry.id)))
    return DecisionForm(number=decision.number, year=decision.year, title_code=decision.title_code,
                        issued_on=decision.issued_on, signer_name=decision.signer_name,
                        signer_title=decision.signer_title, basis=decision.basis, registration_ids=ids, id=decision.id,
                        issued=decision.issued)


def issue_decision(session: Session, form: DecisionForm) -> int:
    """Save and issue a decision in one step; from then on it cannot be edited."""
    return save_decision(session, form, issue=True)


def edit_decision(session: Session, form: DecisionForm) -> int:
    """Edit a draft (form.id set); refused with ISSUED_MESSAGE once the decision is issued."""
    if form.id is None:
        raise NotFoundError("Chưa chọn quyết định để sửa.")
    return save_decision(session, form, issue=False)


def delete_decision(session: Session, decision_id: int) -> None:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
    if decision.issued:
        raise UserError(ISSUED_MESSAGE)
    session.delete(decision)
    session.flush()


def amend_decision(session: Session, amends_id: int, form: DecisionForm, issue: bool = True) -> int:
    """A new decision correcting an issued one; its list replaces the old decision's list."""
    old = session.get(Decision, amends_id)
    if old is None:
        raise NotFoundError("Không tìm thấy quyết định cần sửa đổi.")
    if not old.issued:
        raise UserError("Quyết định này chưa ban hành; hãy sửa trực tiếp, không cần quyết định sửa đổi.")
    if not form.year:
        form.year = old.year
    if not form.title_code:
        form.title_code = old.title_code
    if form.year != old.year or form.title_code != old.title_code:
        raise ValidationError({"title_code": f"Quyết định sửa đổi phải cùng danh hiệu {old.title_code} năm {old.year}."})
    if not form.basis.strip():
        form.basis = f"Sửa đổi Quyết định số {old.number}."
    form.id = None
    return save_decision(session, form, issue=issue, amends_id=old.id)


def _effective_decisions():
    """Issued decisions not replaced by an issued amending decision."""
    newer = select(Decision.amends_id).where(Decision.issued, Decision.amends_id.is_not(None))
    return select(Decision.id).where(Decision.issued, Decision.id.not_in(newer))


def recognised_years(session: Session, kind: str, entity_id: int, title_code: str) -> list[int]:
    """The years in which the entity holds the title by an issued (not superseded) decision."""
    stmt = (select(Registration.year).join(DecisionEntry, DecisionEntry.registration_id == Registration.id)
            .where(Registration.entity_kind == kind, Registration.entity_id == entity_id,
                   Registration.title_code == title_code,
                   DecisionEntry.decision_id.in_(_effective_decisions())).distinct())
    return sorted(session.scalars(stmt))


def years_in_a_row(session: Session, kind: str, entity_id: int, title_code: str, up_to_year: int) -> int:
    """How many consecutive years ending with `up_to_year` the entity was recognised ("n năm liền");
    0 when it was not recognised in `up_to_year`."""
    years = set(recognised_years(session, kind, entity_id, title_code))
    n = 0
    while up_to_year - n in years:
        n += 1
    return n


def history_text(session: Session, kind: str, entity_id: int) -> str:
    """The entity's titles by year, e.g. "Gia đình học tập: 2023, 2024, 2025 (3 năm liền)"; "" if none."""
    names = title_names(session)
    parts = []
    for code in TITLE_ENTITY:
        if TITLE_ENTITY[code] != kind:
            continue
        years = recognised_years(session, kind, entity_id, code)
        if not years:
            continue
        run = years_in_a_row(session, kind, entity_id, code, years[-1])
        parts.append(f"{names[code]}: {', '.join(map(str, years))}" + (f" ({run} năm liền)" if run >= 2 else ""))
    return "; ".join(parts)


def list_decisions(session: Session, year: int | None = None) -> list[dict]:
    """Decisions, newest year first then by number: id, number, date, title_code, year, entities,
    issued, amends (number of the amended decision or None)."""
    count = (select(func.count(DecisionEntry.id)).where(DecisionEntry.decision_id == Decision.id)
             .correlate(Decision).scalar_subquery())
    stmt = select(Decision, count)
    if year is not None:
        stmt = stmt.where(Decision.year == year)
    rows = []
    for decision, entities in session.execute(stmt):
        amended = session.get(Decision, decision.amends_id) if decision.amends_id else None
        rows.append({
            "id": decision.id, "number": decision.number, "issued_on": decision.issued_on,
            "date": format_date(decision.issued_on), "title_code": decision.title_code, "year": decision.year,
            "entities": entities, "issued": decision.issued, "amends": amended.number if amended else None,
        })

    def key(row):
        m = _NUMBER.match(row["number"])
        return (-row["year"], int(m[1]) if m else 0, row["number"])

    return sorted(rows, key=key)


# ---------------------------------------------------------------- deleting entities
def dependents(session: Session, kind: str, entity_id: int) -> list[str]:
    """Why an entity cannot be deleted yet (Vietnamese, one line each; empty: nothing refers to it).
    `kind` is an entity kind ('household') or a registry list name ('households'). Deleting a
    household also deletes its persons, so their registrations count too."""
    kind = REGISTRY_KINDS.get(kind, kind)
    if kind not in ENTITY_KINDS:
        return []
    targets = [(kind, [entity_id])]
    if kind == "household":
        targets.append(("person", list(session.scalars(select(Person.id).where(Person.household_id == entity_id)))))
    lines = []
    for k, ids in targets:
        if not ids:
            continue
        regs = list(session.scalars(select(Registration).where(Registration.entity_kind == k,
                                                                Registration.entity_id.in_(ids))))
        if not regs:
            continue
        decided = [r for r in regs if _in_decisions(session, r.id)]
        who = "Người trong hộ" if (k == "person" and kind == "household") else "Bản ghi này"
        if decided:
            years = sorted({f"{r.title_code} {r.year}" for r in decided})
            lines.append(f"{who} đã được công nhận danh hiệu ({', '.join(years)}); "
                         "lịch sử danh hiệu phải được giữ, không xóa được.")
        rest = [r for r in regs if r not in decided]
        if rest:
            years = sorted({f"{r.title_code} {r.year}" for r in rest})
            lines.append(f"{who} còn {len(rest)} đăng ký danh hiệu ({', '.join(years)}); "
                         "hãy hủy đăng ký trước.")
    return lines
