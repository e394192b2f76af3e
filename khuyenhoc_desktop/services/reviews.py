"""The review meeting (hội nghị bình xét) of a title and year, and its minutes ("Biên bản").

The quorum and the approval share are parameters of the meeting: 60% / 60% by default, as
Decree 122/2018 sets for the comparable "Gia đình văn hóa" title (the learning titles' own rule
was not found). An entity is proposed for recognition when it scored a pass and the votes for it
reach the approval share of those present; nothing is proposed without a quorum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.errors import NotFoundError, ValidationError
from khuyenhoc_desktop.services import titles
from khuyenhoc_desktop.storage.models import Registration, ReviewMeeting, ReviewVote

DEFAULT_SHARE = 0.6


@dataclass
class MeetingForm:
    year: int = 0
    title_code: str = ""
    held_on: object = None  # date or "dd/mm/yyyy"
    place: str = ""
    chair_name: str = ""
    secretary_name: str = ""
    invited: int = 0
    present: int = 0
    quorum_share: float = DEFAULT_SHARE
    approval_share: float = DEFAULT_SHARE
    note: str = ""
    id: int | None = None


@dataclass
class VoteLine:
    registration_id: int
    name: str
    address: str
    total: float | None
    level: str | None
    passed: bool | None
    votes_for: int
    share: float  # of those present
    approved: bool


@dataclass
class Outcome:
    meeting_id: int
    quorum_met: bool
    attendance: float
    lines: list[VoteLine] = field(default_factory=list)

    @property
    def approved_ids(self) -> list[int]:
        return [line.registration_id for line in self.lines if line.approved]


def _int(value, name: str, what: str, errors: dict) -> int:
    try:
        number = int(str(value).strip() or 0)
    except ValueError:
        errors[name] = f"{what} phải là số nguyên."
        return 0
    if number < 0:
        errors[name] = f"{what} không được âm."
    return number


def _share(value, name: str, what: str, errors: dict) -> float:
    try:
        share = float(str(value).replace("%", "").replace(",", ".").strip())
    except ValueError:
        errors[name] = f"{what} phải là tỉ lệ, ví dụ 60%."
        return DEFAULT_SHARE
    if share > 1:
        share /= 100  # typed as a percentage
    if not 0 < share <= 1:
        errors[name] = f"{what} phải lớn hơn 0% và không quá 100%."
    return share


def save_meeting(session: Session, form: MeetingForm) -> int:
    errors: dict[str, str] = {}
    try:
        titles._check_year(form.year)
        titles._check_title(form.title_code)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        held_on = titles._as_date(form.held_on, "held_on", "Ngày họp")
    except ValidationError as exc:
        errors.update(exc.errors)
        held_on = None
    if held_on is None and "held_on" not in errors:
        errors["held_on"] = "Cần ngày họp."
    invited = _int(form.invited, "invited", "Số người được mời", errors)
    present = _int(form.present, "present", "Số người có mặt", errors)
    if not errors.get("invited") and invited == 0:
        errors["invited"] = "Cần số người được mời."
    if "present" not in errors and present > invited:
        errors["present"] = f"Số người có mặt ({present}) nhiều hơn số được mời ({invited})."
    quorum = _share(form.quorum_share, "quorum_share", "Tỉ lệ có mặt tối thiểu", errors)
    approval = _share(form.approval_share, "approval_share", "Tỉ lệ đồng ý tối thiểu", errors)
    if not form.chair_name.strip():
        errors["chair_name"] = "Cần họ tên người chủ trì."
    if not form.secretary_name.strip():
        errors["secretary_name"] = "Cần họ tên thư ký."
    if errors:
        raise ValidationError(errors)
    meeting = session.get(ReviewMeeting, form.id) if form.id is not None else ReviewMeeting()
    if meeting is None:
        raise NotFoundError("Không tìm thấy biên bản này; có thể đã bị xóa.")
    if form.id is None:
        session.add(meeting)
    meeting.year, meeting.title_code, meeting.held_on = form.year, form.title_code, held_on
    meeting.place, meeting.note = form.place.strip(), form.note.strip()
    meeting.chair_name, meeting.secretary_name = form.chair_name.strip(), form.secretary_name.strip()
    meeting.invited, meeting.present = invited, present
    meeting.quorum_share, meeting.approval_share = quorum, approval
    session.flush()
    return meeting.id


def load_meeting(session: Session, meeting_id: int) -> MeetingForm:
    m = _meeting(session, meeting_id)
    return MeetingForm(m.year, m.title_code, m.held_on, m.place, m.chair_name, m.secretary_name, m.invited,
                       m.present, m.quorum_share, m.approval_share, m.note, m.id)


def meetings(session: Session, year: int, title_code: str) -> list[ReviewMeeting]:
    return list(session.scalars(select(ReviewMeeting).where(
        ReviewMeeting.year == year, ReviewMeeting.title_code == title_code).order_by(ReviewMeeting.held_on, ReviewMeeting.id)))


def _meeting(session: Session, meeting_id: int) -> ReviewMeeting:
    meeting = session.get(ReviewMeeting, meeting_id)
    if meeting is None:
        raise NotFoundError("Không tìm thấy biên bản này; có thể đã bị xóa.")
    return meeting


def set_votes(session: Session, meeting_id: int, votes: dict[int, int]) -> None:
    """Votes for per registration; a registration of another title or year is refused."""
    meeting = _meeting(session, meeting_id)
    errors = []
    for rid, count in votes.items():
        reg = session.get(Registration, rid)
        if reg is None or reg.year != meeting.year or reg.title_code != meeting.title_code:
            errors.append(f"đăng ký mã {rid} không thuộc {meeting.title_code} năm {meeting.year}")
            continue
        try:
            count = int(count)
        except (TypeError, ValueError):
            errors.append(f"số phiếu của mã {rid} không phải số nguyên")
            continue
        if not 0 <= count <= meeting.present:
            errors.append(f"số phiếu của {rid} phải từ 0 đến {meeting.present} (số người có mặt)")
    if errors:
        raise ValidationError({"votes": "Phiếu bầu chưa đúng: " + "; ".join(errors) + "."})
    existing = {v.registration_id: v for v in session.scalars(select(ReviewVote).where(ReviewVote.meeting_id == meeting_id))}
    for rid, count in votes.items():
        vote = existing.get(rid)
        if vote is None:
            vote = ReviewVote(meeting_id=meeting_id, registration_id=rid)
            session.add(vote)
        vote.votes_for = int(count)
    session.flush()


def outcome(session: Session, meeting_id: int) -> Outcome:
    """Who is proposed for recognition: every registration of the title and year is listed (those
    without a vote count 0 votes); approved = scored pass, quorum met and votes ≥ approval share."""
    meeting = _meeting(session, meeting_id)
    attendance = meeting.present / meeting.invited if meeting.invited else 0.0
    quorum_met = attendance + 1e-9 >= meeting.quorum_share
    votes = dict(session.execute(select(ReviewVote.registration_id, ReviewVote.votes_for)
                                 .where(ReviewVote.meeting_id == meeting_id)).all())
    ids = titles.registration_ids(session, titles.RegistrationQuery(meeting.year, meeting.title_code))
    lines = []
    for row in titles.registration_rows(session, ids):
        count = votes.get(row.id, 0)
        share = count / meeting.present if meeting.present else 0.0
        approved = bool(quorum_met and row.passed and share + 1e-9 >= meeting.approval_share)
        lines.append(VoteLine(row.id, row.name, row.address, row.total, row.level, row.passed, count, share, approved))
    return Outcome(meeting.id, quorum_met, attendance, lines)


def delete_meeting(session: Session, meeting_id: int) -> None:
    session.delete(_meeting(session, meeting_id))
    session.flush()
