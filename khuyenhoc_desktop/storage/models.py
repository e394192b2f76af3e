"""SQLAlchemy models. Portable SQL only: SQLite specifics live in `database.py` and `search.py`.

Every record has a local key (`id`), a global id (`uid`, a UUID) for merging between PCs,
and created/updated times in UTC.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from khuyenhoc_desktop.domain.dates import utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Record:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class CommuneProfile(Record, Base):
    """One row: the commune and its association; used by the title bar and every document."""

    __tablename__ = "commune_profile"
    province_code: Mapped[int | None] = mapped_column(Integer)
    province_name: Mapped[str] = mapped_column(String(120), default="")
    commune_code: Mapped[int | None] = mapped_column(Integer)
    commune_name: Mapped[str] = mapped_column(String(120), default="")
    association_name: Mapped[str] = mapped_column(String(200), default="")
    parent_body: Mapped[str] = mapped_column(String(200), default="")
    report_to: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    officers: Mapped[list[Officer]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Officer.position"
    )


class Officer(Record, Base):
    __tablename__ = "officer"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("commune_profile.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str] = mapped_column(String(120), default="")
    profile: Mapped[CommuneProfile] = relationship(back_populates="officers")


class Hamlet(Record, Base):
    __tablename__ = "hamlet"
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), default="thon", nullable=False)
    former_commune: Mapped[str] = mapped_column(String(120), default="")
    former_hamlet: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


clan_hamlet = Table(
    "clan_hamlet",
    Base.metadata,
    Column("clan_id", ForeignKey("clan.id", ondelete="CASCADE"), primary_key=True),
    Column("hamlet_id", ForeignKey("hamlet.id", ondelete="CASCADE"), primary_key=True),
)


class Clan(Record, Base):
    __tablename__ = "clan"
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    head_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL", use_alter=True), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    hamlets: Mapped[list[Hamlet]] = relationship(secondary=clan_hamlet)


class Household(Record, Base):
    __tablename__ = "household"
    code: Mapped[str] = mapped_column(String(30), default="")
    hamlet_id: Mapped[int] = mapped_column(
        ForeignKey("hamlet.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    clan_id: Mapped[int | None] = mapped_column(
        ForeignKey("clan.id", ondelete="SET NULL"), index=True
    )
    head_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL", use_alter=True), index=True
    )
    address: Mapped[str] = mapped_column(String(300), default="")
    poverty: Mapped[str] = mapped_column(String(12), default="none", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class Person(Record, Base):
    __tablename__ = "person"
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )
    family_name: Mapped[str] = mapped_column(String(60), default="")
    middle_name: Mapped[str] = mapped_column(String(80), default="")
    given_name: Mapped[str] = mapped_column(String(60), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer, index=True)
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)
    relation: Mapped[str] = mapped_column(String(12), default="other", nullable=False)
    education: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    occupation: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class Organisation(Record, Base):
    __tablename__ = "organisation"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), default="school", nullable=False)
    hamlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("hamlet.id", ondelete="SET NULL"), index=True
    )
    head_name: Mapped[str] = mapped_column(String(120), default="")
    head_title: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class Branch(Record, Base):
    """Chi hội: by hamlet, school, office or clan."""

    __tablename__ = "branch"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), default="hamlet", nullable=False)
    hamlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("hamlet.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    clan_id: Mapped[int | None] = mapped_column(
        ForeignKey("clan.id", ondelete="RESTRICT"), index=True
    )
    head_name: Mapped[str] = mapped_column(String(120), default="")
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class Member(Record, Base):
    __tablename__ = "member"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    branch_id: Mapped[int] = mapped_column(
        ForeignKey("branch.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    card_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    join_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False, index=True)
    leave_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class DuesPayment(Record, Base):
    __tablename__ = "dues_payment"
    __table_args__ = (UniqueConstraint("member_id", "period"),)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
    )
    period: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="")


SEARCHABLE_TABLES = ("hamlet", "clan", "household", "person", "organisation", "branch", "member")


# ---------------------------------------------------------------- learning titles (issue 4)
# The entity a registration is for lives in one of several tables (household, clan, hamlet,
# organisation, person, commune_profile), so it is named by `entity_kind` + `entity_id` rather
# than a foreign key; `services.titles.dependents` tells the registry what a delete would orphan.


class FormVersion(Record, Base):
    """A frozen copy of a criteria set exactly as it was used to score (the JSON text)."""

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "sha256"),)
    form_id: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    version: Mapped[str] = mapped_column(String(60), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)


class Registration(Record, Base):
    """An entity registers for a learning title in a year (đăng ký danh hiệu)."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("year", "title_code", "entity_kind", "entity_id"),)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    title_code: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class Evaluation(Record, Base):
    """The scoring of one registration against one frozen form version."""

    __tablename__ = "evaluation"
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    form_version_id: Mapped[int] = mapped_column(
        ForeignKey("form_version.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    values: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    evidence: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    total: Mapped[float] = mapped_column(Float, nullable=False)
    level: Mapped[str | None] = mapped_column(String(60))
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    scored_on: Mapped[dt.date | None] = mapped_column(Date)
    # indicator id -> value computed from the registry when scored, and the reason given where
    # the entered value differs from it (JSON objects).
    computed: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    overrides: Mapped[str] = mapped_column(Text, default="{}", nullable=False)


class Decision(Record, Base):
    """A recognition decision (quyết định công nhận); final once `issued`."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("year", "number"),)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    title_code: Mapped[str] = mapped_column(String(20), nullable=False)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    signer_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    signer_title: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    basis: Mapped[str] = mapped_column(Text, default="", nullable=False)
    amends_id: Mapped[int | None] = mapped_column(
        ForeignKey("decision.id", ondelete="RESTRICT"), index=True
    )
    issued: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class DecisionEntry(Record, Base):
    """One recognised entity (through its registration) in a decision's list."""

    __tablename__ = "decision_entry"
    __table_args__ = (UniqueConstraint("decision_id", "registration_id"),)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), nullable=False, index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    level: Mapped[str | None] = mapped_column(String(60))
    certificate_number: Mapped[str | None] = mapped_column(String(40))


class ReviewMeeting(Record, Base):
    """The review meeting (hội nghị bình xét) of one title and year: its minutes ("Biên bản")."""

    __tablename__ = "review_meeting"
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    title_code: Mapped[str] = mapped_column(String(20), nullable=False)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    chair_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    secretary_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    invited: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    present: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    quorum_share: Mapped[float] = mapped_column(Float, default=0.6, nullable=False)
    approval_share: Mapped[float] = mapped_column(Float, default=0.6, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class ReviewVote(Record, Base):
    """Votes for one registered entity at a review meeting."""

    __tablename__ = "review_vote"
    __table_args__ = (UniqueConstraint("meeting_id", "registration_id"),)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("review_meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, index=True
    )
    votes_for: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class CitizenResult(Record, Base):
    """A citizen's learning result (Công dân học tập) for a year, usually self-assessed online."""

    __tablename__ = "citizen_result"
    __table_args__ = (UniqueConstraint("person_id", "year"),)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    form_group: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    total: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    result_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="online", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class CustomForm(Record, Base):
    """A criteria set imported or edited by the user (a province's copy), kept in the data file
    so it travels with backups; shipped sets stay in `forms/`."""

    __tablename__ = "custom_form"
    form_id: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(300), default="", nullable=False)


class Setting(Record, Base):
    """Named settings that documents share between the window and the command line (JSON)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    value: Mapped[str] = mapped_column(Text, default="{}", nullable=False)


# ---------------------------------------------------------------- the fund (issue 5)
# A voucher is never edited or deleted: a mistake is undone by a cancellation (a reversing entry
# dated in the open period, with its reason), and a period whose books are closed is locked.


class PayoutDecision(Record, Base):
    """A decision to pay scholarships, awards or support, with its list of beneficiaries."""

    __tablename__ = "payout_decision"
    __table_args__ = (UniqueConstraint("year", "number"),)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    decided_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    signer_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    signer_title: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    payout_kind: Mapped[str] = mapped_column(String(12), nullable=False)
    purpose: Mapped[str] = mapped_column(String(300), default="", nullable=False)


class Voucher(Record, Base):
    """A receipt (phiếu thu) or payment (phiếu chi), numbered without gaps per kind and year."""

    __tablename__ = "voucher"
    __table_args__ = (UniqueConstraint("kind", "fiscal_year", "seq"), UniqueConstraint("number"))
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # receipt | payment
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    voucher_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    method: Mapped[str] = mapped_column(String(8), default="cash", nullable=False)  # cash | bank | in_kind
    in_kind: Mapped[str] = mapped_column(Text, default="", nullable=False)  # what was given, for in_kind
    party_kind: Mapped[str] = mapped_column(String(12), default="free", nullable=False)
    party_id: Mapped[int | None] = mapped_column(Integer)
    party_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    party_address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("hamlet.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    purpose: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    payout_kind: Mapped[str | None] = mapped_column(String(12))  # payments: scholarship | award | support | other
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("payout_decision.id", ondelete="RESTRICT"), index=True
    )
    handled_by: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    prints: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    cancelled_by: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PayoutLine(Record, Base):
    """One beneficiary of a payout decision."""

    __tablename__ = "payout_line"
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("payout_decision.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    class_name: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    school: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("hamlet.id", ondelete="SET NULL"), index=True)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[str] = mapped_column(String(16), default="other", nullable=False)
    recipient: Mapped[str] = mapped_column(String(10), default="pupil", nullable=False)  # pupil | teacher | other
    minor: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class FundLock(Record, Base):
    """The fund's books are closed up to `locked_until` (a finalised report): nothing dated on or
    before it may be recorded or cancelled there."""

    __tablename__ = "fund_lock"
    locked_until: Mapped[dt.date] = mapped_column(Date, nullable=False)
    locked_by: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


# ---------------------------------------------------------------- reports upward (issue 6)


class Report(Record, Base):
    """A half-year or annual report: a numbered snapshot. While a draft its figures are computed
    afresh; finalising freezes them (and the annex layout) so the papers can be made again
    byte for byte."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("year", "number"),)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # half_year | annual
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    report_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    addressed_to: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    recipients: Mapped[str] = mapped_column(Text, default="[]", nullable=False)  # JSON list
    narrative: Mapped[str] = mapped_column(Text, default="[]", nullable=False)  # JSON [[heading, text], …]
    layout: Mapped[str] = mapped_column(Text, default="", nullable=False)  # JSON: the annex layout, as chosen
    figures: Mapped[str] = mapped_column(Text, default="", nullable=False)  # JSON, frozen when finalised
    finalised: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    finalised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)



# ---------------------------------------------------------------- audit trail (issue 7)
# Log lines, not records: no uid or created/updated times (`at` is the time). Written only by
# the SQLite triggers of `storage/audit.py`, which also keep the log append-only.


class AuditLog(Base):
    """One inserted, changed or deleted row: who, when, and the old and new values (JSON; for a
    change only the columns that changed)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "table_name", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    table_name: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # insert | update | delete | redact
    old_values: Mapped[str | None] = mapped_column(Text)
    new_values: Mapped[str | None] = mapped_column(Text)


class AuditContext(Base):
    """One row the triggers read: who is writing now (set by `Database.write()` for its
    transaction), and a redaction under way (set by `services.audit.redact_record`)."""

    __tablename__ = "audit_context"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    redaction: Mapped[str | None] = mapped_column(Text)

# ---------------------------------------------------------------- access control (issue 7)
# No user at all means the file has no password protection. Passwords and the recovery key are
# kept only as scrypt hashes (`services.users`); which role writes which table: `domain.roles`.


class AppUser(Record, Base):
    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    failed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    last_sign_in: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC


class AppRecovery(Record, Base):
    """The one recovery key of a protected file (its hash): resets a chairman's password. Named
    "secret" so that the audit trail logs that it changed, never its value."""

    __tablename__ = "app_recovery"
    secret_hash: Mapped[str] = mapped_column(String(300), nullable=False)
