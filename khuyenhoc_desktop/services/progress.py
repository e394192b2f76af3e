"""Progress against the national targets for 2025 (QĐ 387/QĐ-TTg, 25/03/2022): the share of
households, clans, hamlets and units recognised in a year, and of working adults with a passed
"Công dân học tập" result — for the commune and per hamlet, with numerator and denominator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.services.titles import _effective_decisions, title_names
from khuyenhoc_desktop.storage.models import (
    CitizenResult,
    Clan,
    DecisionEntry,
    Hamlet,
    Household,
    Organisation,
    Person,
    Registration,
    clan_hamlet,
)

TARGETS = {"GĐHT": 0.70, "DHHT": 0.65, "CĐHT thôn": 0.65, "ĐVHT": 0.80, "CDHT": 0.40}
TARGET_SOURCE = "QĐ 387/QĐ-TTg"
# Working age for the CDHT share [inferred: the target says "working adults"]; persons without a
# birth year are left out of both counts.
WORKING_AGE = (15, 60)
NOUNS = {"GĐHT": "hộ", "DHHT": "dòng họ", "CĐHT thôn": "thôn, tổ dân phố", "ĐVHT": "đơn vị",
         "CDHT": "người trong độ tuổi lao động"}


@dataclass(frozen=True)
class ProgressLine:
    title_code: str
    title_name: str
    scope: str  # "Toàn xã" or the hamlet's name
    hamlet_id: int | None
    recognised: int
    total: int
    target: float

    @property
    def share(self) -> float:
        return self.recognised / self.total if self.total else 0.0

    @property
    def reached(self) -> bool:
        return self.total > 0 and self.share + 1e-9 >= self.target


def recognised_ids(title_code: str, kind: str, year: int):
    return (select(Registration.entity_id).join(DecisionEntry, DecisionEntry.registration_id == Registration.id)
            .where(Registration.year == year, Registration.title_code == title_code, Registration.entity_kind == kind,
                   DecisionEntry.decision_id.in_(_effective_decisions())))


def _grouped(session: Session, key, model, condition) -> tuple[dict, dict]:
    totals = dict(session.execute(select(key, func.count(model.id)).group_by(key)).all())
    done = dict(session.execute(select(key, func.count(model.id)).where(condition).group_by(key)).all())
    return done, totals


def progress(session: Session, year: int) -> tuple[list[ProgressLine], dict[str, list[ProgressLine]]]:
    """(commune lines, per-hamlet lines by title) for the titles with a national target."""
    names = title_names(session)
    hamlets = list(session.execute(select(Hamlet.id, Hamlet.name).order_by(Hamlet.sort_key, Hamlet.id)))
    per_hamlet: dict[str, tuple[dict, dict]] = {}
    commune: dict[str, tuple[int, int]] = {}

    per_hamlet["GĐHT"] = _grouped(session, Household.hamlet_id, Household,
                                  Household.id.in_(recognised_ids("GĐHT", "household", year)))
    per_hamlet["ĐVHT"] = _grouped(session, Organisation.hamlet_id, Organisation,
                                  Organisation.id.in_(recognised_ids("ĐVHT", "organisation", year)))
    young, old = year - WORKING_AGE[1], year - WORKING_AGE[0]
    # `+ 0` keeps SQLite off the birth-year index: through it every adult's row is fetched out of
    # order, five times slower on a large commune than walking the households hamlet by hamlet.
    adults = (Person.birth_year + 0).between(young, old)
    passed = select(CitizenResult.person_id).where(CitizenResult.year == year, CitizenResult.passed)
    person_hamlet = (select(Household.hamlet_id, func.count(Person.id)).join(Household, Household.id == Person.household_id)
                     .where(adults).group_by(Household.hamlet_id))
    per_hamlet["CDHT"] = (dict(session.execute(person_hamlet.where(Person.id.in_(passed))).all()),
                          dict(session.execute(person_hamlet).all()))
    clan_done = recognised_ids("DHHT", "clan", year)
    per_hamlet["DHHT"] = (
        dict(session.execute(select(clan_hamlet.c.hamlet_id, func.count()).where(clan_hamlet.c.clan_id.in_(clan_done))
                             .group_by(clan_hamlet.c.hamlet_id)).all()),
        dict(session.execute(select(clan_hamlet.c.hamlet_id, func.count()).group_by(clan_hamlet.c.hamlet_id)).all()))

    for code, (done, totals) in per_hamlet.items():
        commune[code] = (sum(v for k, v in done.items() if k is not None), sum(v for k, v in totals.items() if k is not None))
    # Clans may span hamlets or have none: the commune counts each clan once.
    commune["DHHT"] = (session.scalar(select(func.count(Clan.id)).where(Clan.id.in_(clan_done))) or 0,
                       session.scalar(select(func.count(Clan.id))) or 0)
    commune["ĐVHT"] = (session.scalar(select(func.count(Organisation.id)).where(
        Organisation.id.in_(recognised_ids("ĐVHT", "organisation", year)))) or 0,
        session.scalar(select(func.count(Organisation.id))) or 0)
    commune["CĐHT thôn"] = (session.scalar(select(func.count(Hamlet.id)).where(
        Hamlet.id.in_(recognised_ids("CĐHT thôn", "hamlet", year)))) or 0, len(hamlets))

    lines = [ProgressLine(code, names[code], "Toàn xã", None, *commune[code], TARGETS[code]) for code in TARGETS]
    by_hamlet: dict[str, list[ProgressLine]] = {}
    for code, (done, totals) in per_hamlet.items():
        by_hamlet[code] = [ProgressLine(code, names[code], name, hid, done.get(hid, 0), totals.get(hid, 0), TARGETS[code])
                           for hid, name in hamlets]
    return lines, by_hamlet


def years(session: Session, current: int) -> tuple[list[int], int]:
    """(years to offer, newest first; the year to show first): the years with registrations and
    the current one; first shown is the newest year with an issued decision (its results are
    final), else the current year."""
    from khuyenhoc_desktop.storage.models import Decision

    offered = sorted(set(session.scalars(select(Registration.year).distinct())) | {current}, reverse=True)
    decided = session.scalar(select(func.max(Decision.year)).where(Decision.issued))
    return offered, decided if decided is not None else current
