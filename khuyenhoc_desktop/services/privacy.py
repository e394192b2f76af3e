"""Erasing a person's personal data on request (Decree 13/2023/NĐ-CP, the right to deletion)
while the commune's anonymous statistics stay exactly as they were.

Kept: sex, birth year, household and hamlet, relation to the head, education, memberships,
titles and citizen results (they are counted, not named). Cleared: the name (replaced by
"Người đã xóa dữ liệu #id"), CCCD, phone, exact birth date, occupation and notes, the address of
a household that was this person alone, and the same values in the audit trail. Fund vouchers
and payout lists are accounting records the law requires to be kept; they are not changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.errors import NotFoundError, UserError
from khuyenhoc_desktop.services import registry
from khuyenhoc_desktop.storage.models import Household, Person

ERASED_PREFIX = "Người đã xóa dữ liệu"
PERSON_COLUMNS = ("family_name", "middle_name", "given_name", "full_name", "birth_date", "cccd",
                  "occupation", "phone", "note", "sort_key", "search_text")
HOUSEHOLD_COLUMNS = ("address", "note", "search_text")


@dataclass(frozen=True)
class Erased:
    person_id: int
    former_name: str
    household_cleared: bool


def erased_name(person_id: int) -> str:
    return f"{ERASED_PREFIX} #{person_id}"


def is_erased(person: Person) -> bool:
    return person.full_name == erased_name(person.id)


def erase_person(session: Session, person_id: int) -> Erased:
    role = session.info.get("role")
    if not roles.may_erase_personal_data(role):
        raise UserError(f"Vai trò {roles.label(role)} không được xóa dữ liệu cá nhân; "
                        "hãy nhờ Chủ tịch Hội hoặc Thư ký.")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError("Không tìm thấy nhân khẩu này; có thể đã bị xóa.")
    former = person.full_name
    person.family_name = person.middle_name = ""
    person.given_name = person.full_name = erased_name(person.id)
    person.birth_year = person.birth_year or (person.birth_date.year if person.birth_date else None)
    person.birth_date = None
    person.cccd = None
    person.occupation = person.phone = person.note = ""
    person.sort_key, person.search_text = registry.person_keys("", "", person.full_name)
    session.flush()
    household_cleared = False
    if person.household_id is not None:
        household = session.get(Household, person.household_id)
        others = session.scalar(select(func.count(Person.id)).where(
            Person.household_id == household.id, Person.id != person.id))
        if not others:
            household.address = household.note = ""
            registry._refresh_household(session, household)
            household_cleared = True
    # The household's and membership's search text and sort order carry the name.
    registry._refresh_person_dependents(session, person)
    session.flush()
    _redact_audit(session, person, household_cleared)
    return Erased(person.id, former, household_cleared)


def _redact_audit(session: Session, person: Person, household_cleared: bool) -> None:
    """The audit trail keeps old values of every change: those of this person go too."""
    from khuyenhoc_desktop.services import audit

    audit.redact_record(session, "person", person.id, PERSON_COLUMNS)
    if household_cleared:
        audit.redact_record(session, "household", person.household_id, HOUSEHOLD_COLUMNS)
