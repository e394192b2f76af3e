"""The learning titles of the demo commune: a completed previous year (registrations, scores, a
review meeting, one issued decision per title, citizens' results), the year before for GĐHT (so
"n năm liền" shows), and an open current year (registrations, part of them scored, no decision).

Scored with the illustrative provincial copies of the criteria sets (`*-minh-hoa-tinh`), which
say so wherever they are shown. Households go in with bulk inserts (a ward has tens of
thousands); the few clans, hamlets, units and the commune go through the services.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import forms
from khuyenhoc_desktop.services import reviews, titles
from khuyenhoc_desktop.storage.models import (
    CitizenResult,
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
    ReviewMeeting,
    ReviewVote,
)

FORMS = {
    "GĐHT": "gdht-qd448-2015-minh-hoa-tinh",
    "DHHT": "dhht-qd448-template-minh-hoa-tinh",
    "CĐHT thôn": "cdht-thon-qd448-template-minh-hoa-tinh",
    "ĐVHT": "dvht-tt22-2020",
    "CĐHT cấp xã": "cdht-xa-tt25-2023-minh-hoa-tinh",
}
TABLES = (FormVersion, Registration, Evaluation, ReviewMeeting, ReviewVote, Decision, DecisionEntry, CitizenResult)
_CHUNK = 5000


class _Titles:
    def __init__(self, session: Session, seed: int, year: int, stamp: Callable[[], dict]):
        self.s = session
        self.rng = random.Random(seed * 7919 + 4)
        self.year = year
        self._stamp = stamp
        self.stamped: set[str] = set()
        chair = session.scalar(select(CommuneProfile)).officers[0]
        self.signer = chair.name
        self.households = list(session.scalars(select(Household.id).order_by(Household.sort_key, Household.id)))

    def stamp(self) -> dict:
        values = self._stamp()
        self.stamped.add(values["uid"])
        return values

    # ---------------------------------------------------------------- households, in bulk
    def household_values(self) -> dict:
        """Points of one household: most are good families; about one in eight falls short."""
        weak = self.rng.random() < 0.12
        values = {}
        for indicator in self.gdht.indicators:
            top = indicator.max_points
            if weak and indicator.id[0] in "34":
                values[indicator.id] = self.rng.choice((0, 2, 4))
            else:
                values[indicator.id] = self.rng.choice((top, top, top, top - 1, top - 2, top - 3))
        return values

    def gdht_year(self, year: int, share: float, scored_share: float, decide: bool) -> None:
        chosen = [h for h in self.households if self.rng.random() < share]
        first_id = (self.s.scalar(select(Registration.id).order_by(Registration.id.desc()).limit(1)) or 0) + 1
        regs, evaluations = [], []
        registered_on = dt.date(year, 3, 15)
        for offset, hid in enumerate(chosen):
            rid = first_id + offset
            regs.append({"id": rid, **self.stamp(), "year": year, "title_code": "GĐHT", "entity_kind": "household",
                         "entity_id": hid, "registered_on": registered_on, "note": ""})
            if self.rng.random() >= scored_share:
                continue
            values = self.household_values()
            result = forms.score(self.gdht, values)
            evaluations.append({
                **self.stamp(), "registration_id": rid, "form_version_id": self.gdht_version,
                "values": json.dumps(values, sort_keys=True), "evidence": "{}", "computed": "{}", "overrides": "{}",
                "total": float(result.total), "level": result.level, "passed": bool(result.passed),
                "scored_on": dt.date(year, 11, self.rng.randint(5, 25)),
            })
        self._insert(Registration, regs)
        self._insert(Evaluation, evaluations)
        if not decide:
            return
        passed = [e["registration_id"] for e in evaluations if e["passed"]]
        meeting = reviews.save_meeting(self.s, self._meeting_form(year, "GĐHT"))
        self._insert(ReviewVote, [{**self.stamp(), "meeting_id": meeting, "registration_id": rid,
                                   "votes_for": 29 - self.rng.choice((0, 0, 1, 2))} for rid in passed])
        decision = Decision(number=titles.next_decision_number(self.s, year), year=year, title_code="GĐHT",
                            issued_on=dt.date(year, 12, 20), signer_name=self.signer, signer_title="Chủ tịch",
                            basis=self.basis("GĐHT", year), issued=True)
        self.s.add(decision)
        self.s.flush()
        levels = {e["registration_id"]: e["level"] for e in evaluations}
        self._insert(DecisionEntry, [
            {**self.stamp(), "decision_id": decision.id, "registration_id": rid, "level": levels[rid],
             "certificate_number": f"{n:02d}/GCN-HKH"} for n, rid in enumerate(passed, 1)])

    # ---------------------------------------------------------------- the few, through the services
    def _meeting_form(self, year: int, title_code: str) -> reviews.MeetingForm:
        return reviews.MeetingForm(
            year=year, title_code=title_code, held_on=dt.date(year, 12, 5), place="Hội trường Ủy ban nhân dân xã",
            chair_name=self.signer, secretary_name=self.secretary, invited=35, present=29)

    def basis(self, title_code: str, year: int) -> str:
        form = forms.find_form(FORMS[title_code])
        return "\n".join((
            "Căn cứ Điều lệ Hội Khuyến học Việt Nam;",
            f"Căn cứ {form.legal_text} và bộ tiêu chí của tỉnh;",
            f"Căn cứ biên bản họp bình xét ngày 05/12/{year};",
        ))

    def small_title(self, year: int, title_code: str, kind_ids: list[int], values_for: Callable[[], dict],
                    decide: bool) -> None:
        form = forms.find_form(FORMS[title_code])
        kind = titles.TITLE_ENTITY[title_code]
        titles.register(self.s, year, title_code, kind, kind_ids, dt.date(year, 3, 20))
        passed = []
        for reg in titles.registrations(self.s, year, title_code):
            ev = titles.score_registration(self.s, reg.id, form, values_for(), scored_on=dt.date(year, 11, 28))
            if ev.passed:
                passed.append(reg.id)
        if not decide or not passed:
            return
        meeting = reviews.save_meeting(self.s, self._meeting_form(year, title_code))
        reviews.set_votes(self.s, meeting, dict.fromkeys(passed, 27))
        titles.issue_decision(self.s, titles.DecisionForm(
            number=titles.next_decision_number(self.s, year), year=year, title_code=title_code,
            issued_on=dt.date(year, 12, 22), signer_name=self.signer, signer_title="Chủ tịch",
            basis=self.basis(title_code, year), registration_ids=passed))

    def activity(self, top: int) -> Callable[[], dict]:
        return lambda: {"2.1": self.rng.choice((top, top - 2, top - 5, top - 8, top // 2))}

    def unit_values(self) -> dict:
        form = forms.find_form(FORMS["ĐVHT"])
        return {i.id: self.rng.choice((i.max_points, i.max_points, i.max_points - 1, round(i.max_points * 0.6)))
                for i in form.indicators}

    def commune_values(self) -> dict:
        form = forms.find_form(FORMS["CĐHT cấp xã"])
        return {i.id: True for i in form.indicators}

    def citizens(self, year: int, share: float) -> None:
        adults = self.s.scalars(select(Person.id).where(Person.birth_year.between(year - 60, year - 15))
                                .order_by(Person.id))
        rows = []
        for pid in adults:
            if self.rng.random() >= share:
                continue
            total = self.rng.choice((72, 78, 81, 84, 86, 88, 90, 92, 95))
            rows.append({**self.stamp(), "person_id": pid, "year": year, "form_group": self.rng.choice("1123"),
                         "total": float(total), "passed": total >= 80,
                         "result_on": dt.date(year, self.rng.randint(4, 11), self.rng.randint(1, 28)),
                         "source": "paper" if self.rng.random() < 0.15 else "online", "note": ""})
        self._insert(CitizenResult, rows)

    def _insert(self, model, rows: list[dict]) -> None:
        for start in range(0, len(rows), _CHUNK):
            self.s.execute(insert(model.__table__), rows[start : start + _CHUNK])

    # ---------------------------------------------------------------- the whole story
    def build(self) -> None:
        officers = self.s.scalar(select(CommuneProfile)).officers
        self.secretary = officers[1].name if len(officers) > 1 else self.signer
        self.gdht = forms.find_form(FORMS["GĐHT"])
        self.gdht_version = titles.snapshot_form(self.s, self.gdht).id
        prev = self.year - 1
        self.gdht_year(prev - 1, 0.7, 1.0, decide=True)
        self.gdht_year(prev, 0.8, 1.0, decide=True)
        clans = list(self.s.scalars(select(Clan.id).order_by(Clan.id)))
        hamlets = list(self.s.scalars(select(Hamlet.id).order_by(Hamlet.id)))
        units = list(self.s.scalars(select(Organisation.id).order_by(Organisation.id)))
        commune = [self.s.scalar(select(CommuneProfile.id))]
        self.small_title(prev, "DHHT", clans, self.activity(40), decide=True)
        self.small_title(prev, "CĐHT thôn", hamlets, self.activity(40), decide=True)
        self.small_title(prev, "ĐVHT", units, self.unit_values, decide=True)
        self.small_title(prev, "CĐHT cấp xã", commune, self.commune_values, decide=True)
        self.citizens(prev, 0.35)
        self.gdht_year(self.year, 0.75, 0.4, decide=False)
        titles.register(self.s, self.year, "DHHT", "clan", clans, dt.date(self.year, 3, 20))
        self.citizens(self.year, 0.1)
        reseed_uids(self.s, TABLES, self.stamped, self.stamp)


def reseed_uids(session: Session, models, stamped: set[str], stamp: Callable[[], dict]) -> None:
    """Rows made through the services got random uids: make them follow the seed too (the demo
    is the same file for the same seed)."""
    for model in models:
        table = model.__table__
        random_ones = [rid for rid, uid in session.execute(select(table.c.id, table.c.uid).order_by(table.c.id))
                       if uid not in stamped]
        if random_ones:
            session.execute(update(table).where(table.c.id == bindparam("rid")).values(uid=bindparam("new_uid")),
                            [{"rid": rid, "new_uid": stamp()["uid"]} for rid in random_ones])

def add_titles(session: Session, seed: int, year: int, stamp: Callable[[], dict]) -> dict:
    """Add the titles' years to a freshly built demo commune; returns counts."""
    builder = _Titles(session, seed, year, stamp)
    builder.build()
    count = lambda model: len(session.scalars(select(model.id)).all())  # noqa: E731
    return {"registrations": count(Registration), "decisions": count(Decision), "citizen_results": count(CitizenResult)}
