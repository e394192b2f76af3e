"""What the scoring screens need around `services.titles`: the counts line of a title's year,
the entries a registration already has for a form, and saving many score sheets at once
(the grid), each refused sheet reported by itself without stopping the others.

No Qt: the window, the CLI and the tests use the same functions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import forms as forms_mod
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import form_library, titles
from khuyenhoc_desktop.storage.models import (
    Clan,
    CommuneProfile,
    Decision,
    DecisionEntry,
    Evaluation,
    FormVersion,
    Household,
    Organisation,
    Person,
    clan_hamlet,
)

BATCH = 50  # score sheets written per transaction by `save_many`


# ---------------------------------------------------------------- counts
@dataclass(frozen=True)
class CycleCounts:
    registered: int
    total: int  # entities of the title's kind (in the hamlet when filtered)
    scored: int
    passed: int
    recognised: int


def _entity_total(session: Session, kind: str, hamlet_id: int | None) -> int:
    if hamlet_id is None or kind == "commune":
        model = titles.ENTITY_KINDS[kind][0]
        return session.scalar(select(func.count(model.id))) or 0
    if kind == "household":
        stmt = select(func.count(Household.id)).where(Household.hamlet_id == hamlet_id)
    elif kind == "organisation":
        stmt = select(func.count(Organisation.id)).where(Organisation.hamlet_id == hamlet_id)
    elif kind == "person":
        stmt = select(func.count(Person.id)).join(Household, Household.id == Person.household_id).where(
            Household.hamlet_id == hamlet_id)
    elif kind == "clan":
        stmt = select(func.count(Clan.id)).where(
            Clan.id.in_(select(clan_hamlet.c.clan_id).where(clan_hamlet.c.hamlet_id == hamlet_id)))
    else:  # a hamlet: itself
        return 1
    return session.scalar(stmt) or 0


def cycle_counts(session: Session, year: int, title_code: str, hamlet_id: int | None = None) -> CycleCounts:
    """Registered / total, scored, passed and recognised for the counts line of the titles page."""
    kind = titles.TITLE_ENTITY[title_code]

    def count(status: str) -> int:
        return titles.count_registrations(session, titles.RegistrationQuery(year, title_code, hamlet_id, "", status))

    passed, failed = count("passed"), count("failed")
    return CycleCounts(count(""), _entity_total(session, kind, hamlet_id), passed + failed, passed,
                       count("recognised"))


def commune_ids(session: Session) -> list[int]:
    """The commune profile (one row) that "CĐHT cấp xã" registers."""
    return list(session.scalars(select(CommuneProfile.id)))


# ---------------------------------------------------------------- what a sheet starts with
@dataclass
class Sheet:
    """A registration's entries for one form: the saved ones when it was scored with this form,
    the registry's computed values otherwise."""

    registration_id: int
    values: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    computed: dict = field(default_factory=dict)  # indicator id -> titles.ComputedValue
    scored: bool = False  # saved with this form
    locked: str = ""  # why it cannot be scored again (in an issued decision)


def _locked_numbers(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for rid, number in session.execute(
            select(DecisionEntry.registration_id, Decision.number).join(Decision, Decision.id == DecisionEntry.decision_id)
            .where(DecisionEntry.registration_id.in_(ids), Decision.issued)):
        out.setdefault(rid, []).append(number)
    return out


def sheets(session: Session, ids: list[int], form: forms_mod.Form) -> dict[int, Sheet]:
    """Sheets of many registrations at once (the grid's rows, the dialog's current one)."""
    ids = list(ids)
    saved = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        for ev, form_id in session.execute(
                select(Evaluation, FormVersion.form_id).join(FormVersion, FormVersion.id == Evaluation.form_version_id)
                .where(Evaluation.registration_id.in_(chunk))):
            saved[ev.registration_id] = (ev, form_id)
    locked = {}
    for chunk_start in range(0, len(ids), 500):
        locked.update(_locked_numbers(session, ids[chunk_start:chunk_start + 500]))
    uses_registry = any((i.compute or {}).get("rule") for i in form.indicators)
    out = {}
    for rid in ids:
        sheet = Sheet(rid)
        if uses_registry:
            sheet.computed = titles.computed_values(session, rid, form)
            sheet.values = {k: c.value for k, c in sheet.computed.items()}
        ev, form_id = saved.get(rid, (None, None))
        if ev is not None and form_id == form.id:
            known = {i.id for i in form.indicators}
            sheet.values.update({k: v for k, v in json.loads(ev.values or "{}").items() if k in known})
            sheet.evidence = {k: v for k, v in json.loads(ev.evidence or "{}").items() if k in known}
            sheet.overrides = json.loads(ev.overrides or "{}")
            sheet.scored = True
        if numbers := locked.get(rid):
            sheet.locked = (f"Đã được công nhận trong quyết định {', '.join(numbers)}; "
                            "không chấm lại được.")
        out[rid] = sheet
    return out


def scored_form_id(session: Session, registration_id: int) -> str | None:
    """The id of the form a registration was scored with (None: not scored)."""
    return session.scalar(select(FormVersion.form_id).join(Evaluation, Evaluation.form_version_id == FormVersion.id)
                          .where(Evaluation.registration_id == registration_id))


def most_used_form_id(session: Session, ids: list[int]) -> str | None:
    """The form most of these registrations were scored with (the grid's starting form)."""
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        for form_id, n in session.execute(
                select(FormVersion.form_id, func.count(Evaluation.id)).join(Evaluation, Evaluation.form_version_id == FormVersion.id)
                .where(Evaluation.registration_id.in_(ids[start:start + 500])).group_by(FormVersion.form_id)):
            counts[form_id] = counts.get(form_id, 0) + n
    return max(counts, key=counts.get) if counts else None


def usable_form(forms: list[forms_mod.Form], preferred_id: str | None = None) -> forms_mod.Form | None:
    """The form to start with: `preferred_id` when offered, else the first one complete enough
    to score, else the first one (which then says what it lacks)."""
    for form in forms:
        if form.id == preferred_id:
            return form
    for form in forms:
        if not forms_mod.missing(form):
            return form
    return forms[0] if forms else None


def title_forms(session: Session, title_code: str) -> list[forms_mod.Form]:
    return form_library.available_forms(session, title_code)


# ---------------------------------------------------------------- saving many
@dataclass
class SheetInput:
    registration_id: int
    values: dict
    evidence: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)


def error_text(exc: UserError) -> str:
    """One Vietnamese line for a refused sheet."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.errors.values())
    return str(exc)


def save_many(db, form: forms_mod.Form, inputs: list[SheetInput], scored_on=None) -> dict[int, str]:
    """Score every sheet, `BATCH` per transaction. A refused sheet is left out (the services
    check everything before writing, so the others of its batch are still saved).
    Returns {registration id: Vietnamese message} of the refused ones."""
    errors: dict[int, str] = {}
    for start in range(0, len(inputs), BATCH):
        with db.write() as session:
            for item in inputs[start:start + BATCH]:
                try:
                    titles.score_registration(session, item.registration_id, form, item.values,
                                              item.evidence, scored_on, item.overrides)
                except UserError as exc:
                    errors[item.registration_id] = error_text(exc)
    return errors
