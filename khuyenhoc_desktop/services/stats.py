"""The commune at a glance: the profile and the count of everything (home page, `stats`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.storage.models import (
    Branch,
    Clan,
    DuesPayment,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
)


def _count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count(model.id)).where(*where)) or 0


def commune_stats(session: Session) -> dict:
    profile = get_profile(session)
    return {
        "profile": profile.to_dict() if profile else None,
        "counts": {
            "hamlets": _count(session, Hamlet),
            "households": _count(session, Household),
            "poor_households": _count(session, Household, Household.poverty == "poor"),
            "near_poor_households": _count(session, Household, Household.poverty == "near_poor"),
            "persons": _count(session, Person),
            "clans": _count(session, Clan),
            "organisations": _count(session, Organisation),
            "branches": _count(session, Branch),
            "members": _count(session, Member),
            "active_members": _count(session, Member, Member.status == "active"),
            "dues_payments": _count(session, DuesPayment),
        },
        "dues_total": session.scalar(select(func.coalesce(func.sum(DuesPayment.amount), 0))) or 0,
    }
