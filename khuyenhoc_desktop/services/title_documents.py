"""Papers of the learning titles from the database: certificates of a decision, the decision
itself with its attached list, registration lists, score sheets (blank or filled) and the
review minutes. The writers (documents.certificates, documents.title_papers) know nothing of the
database; this module gathers their values.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.certificates import (
    Certificate,
    CertificateTemplate,
    Issuer,
    issuer_from_profile,
    render_certificates,
)
from khuyenhoc_desktop.documents import title_papers as papers
from khuyenhoc_desktop.domain import forms
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.errors import NotFoundError, UserError
from khuyenhoc_desktop.services import app_settings, form_library, reviews, titles
from khuyenhoc_desktop.storage.models import (
    CommuneProfile,
    Decision,
    DecisionEntry,
    Hamlet,
    Household,
    Registration,
    ReviewMeeting,
)

# entity kind -> the noun printed in lists ("Công nhận 45 hộ gia đình …")
NOUNS = {"household": "hộ gia đình", "clan": "dòng họ", "hamlet": "thôn, tổ dân phố", "organisation": "đơn vị",
         "commune": "xã", "person": "công dân"}

TEMPLATE_KEY = "certificate_template"


def load_template(session: Session) -> CertificateTemplate:
    """The commune's certificate template (defaults for what was never set)."""
    stored = app_settings.get(session, TEMPLATE_KEY, {}) or {}
    known = {f.name for f in dataclasses.fields(CertificateTemplate)}
    return CertificateTemplate(**{k: v for k, v in stored.items() if k in known})


def save_template(session: Session, template: CertificateTemplate) -> None:
    if template.paper.upper() not in ("A4", "A5"):
        raise UserError("Khổ giấy chỉ chọn A4 hoặc A5.")
    if not 0.5 <= float(template.font_scale) <= 1.5:
        raise UserError("Cỡ chữ chỉ chỉnh trong khoảng 50% đến 150%.")
    for name in ("offset_x_mm", "offset_y_mm"):
        if abs(float(getattr(template, name))) > 50:
            raise UserError("Độ lệch khi in chỉ chỉnh trong khoảng -50 mm đến 50 mm.")
    app_settings.put(session, TEMPLATE_KEY, dataclasses.asdict(template))


def find_decision(session: Session, number: str, year: int | None = None) -> Decision:
    """The decision numbered `number` (numbers restart every year: without `year` the newest
    one is taken)."""
    stmt = select(Decision).where(Decision.number == number.strip())
    if year is not None:
        stmt = stmt.where(Decision.year == year)
    found = session.scalars(stmt.order_by(Decision.year.desc())).first()
    if found is None:
        where = f" năm {year}" if year is not None else ""
        raise NotFoundError(f"Không có quyết định số {number.strip()}{where}; xem: khuyenhoc decisions list.")
    return found


def commune_issuer(session: Session, date=None) -> Issuer:
    """The association as issuing body, its chairman signing, dated `date` (default today)."""
    profile = session.scalar(select(CommuneProfile))
    if profile is None:
        raise UserError("Chưa khai báo thông tin xã và Hội (Cài đặt › Thông tin xã, Hội); giấy tờ cần tên cơ quan ban hành.")
    return issuer_from_profile(profile, date or today())


def issuer_for(session: Session, decision: Decision) -> Issuer:
    """Who signs: the decision's signer when given, else the chairman in the commune profile."""
    issuer = commune_issuer(session, decision.issued_on)
    if decision.signer_name.strip():
        issuer.signer_name = pdf.text(decision.signer_name)
    if decision.signer_title.strip():
        issuer.signer_title = pdf.caps(decision.signer_title)
    return issuer


def decision_certificates(session: Session, decision_id: int) -> list[Certificate]:
    """One certificate per entity of the decision, in list order (entity name order)."""
    decision = _decision(session, decision_id)
    entries = {e.registration_id: e for e in session.scalars(
        select(DecisionEntry).where(DecisionEntry.decision_id == decision_id))}
    kind = titles.TITLE_ENTITY[decision.title_code]
    regs = {r.id: r for r in session.scalars(select(Registration).where(Registration.id.in_(entries)))}
    labels = titles.entity_labels(session, kind, [r.entity_id for r in regs.values()])
    title_name = titles.title_names(session)[decision.title_code]
    ordered = titles.registration_ids(session, titles.RegistrationQuery(decision.year, decision.title_code))
    out = []
    for rid in [r for r in ordered if r in entries]:
        label = labels[regs[rid].entity_id]
        entry = entries[rid]
        out.append(Certificate(
            entity_name=label.formal, entity_address=label.address, title_name=title_name, year=decision.year,
            level=entry.level if entry.level and entry.level not in ("Đạt",) else None,
            number=entry.certificate_number or "", decision_number=decision.number,
            decision_date=decision.issued_on or today()))
    return out


@dataclasses.dataclass
class CertificateJob:
    number: str
    year: int
    certificates: list[Certificate]
    issuer: Issuer


def certificate_job(session: Session, decision_id: int) -> CertificateJob:
    """What printing an issued decision's certificates needs; refused for a draft or an empty list."""
    decision = _decision(session, decision_id)
    if not decision.issued:
        raise UserError(f"Quyết định {decision.number} chưa ban hành; chỉ in giấy công nhận theo quyết định đã ban hành.")
    certificates = decision_certificates(session, decision_id)
    if not certificates:
        raise UserError(f"Quyết định {decision.number} chưa có ai trong danh sách công nhận.")
    return CertificateJob(decision.number, decision.year, certificates, issuer_for(session, decision))


def print_certificates(session: Session, decision_id: int, out_path: Path | str,
                       template: CertificateTemplate | None = None) -> int:
    """All certificates of an issued decision into one PDF; returns the page count."""
    job = certificate_job(session, decision_id)
    return render_certificates(job.certificates, job.issuer, out_path, template or load_template(session))


def _decision(session: Session, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
    return decision


def print_decision(session: Session, decision_id: int, out_path: Path | str) -> int:
    """The decision and its attached list (a draft is marked "DỰ THẢO" and undated)."""
    decision = _decision(session, decision_id)
    entries = set(session.scalars(select(DecisionEntry.registration_id).where(DecisionEntry.decision_id == decision_id)))
    if not entries:
        raise UserError(f"Quyết định {decision.number} chưa có ai trong danh sách công nhận.")
    numbers = dict(session.execute(select(DecisionEntry.registration_id, DecisionEntry.certificate_number)
                                   .where(DecisionEntry.decision_id == decision_id)).all())
    levels = dict(session.execute(select(DecisionEntry.registration_id, DecisionEntry.level)
                                  .where(DecisionEntry.decision_id == decision_id)).all())
    ordered = [r for r in titles.registration_ids(session, titles.RegistrationQuery(decision.year, decision.title_code))
               if r in entries]
    lines = []
    for row in titles.registration_rows(session, ordered):
        in_a_row = titles.years_in_a_row(session, row.entity_kind, row.entity_id, decision.title_code, decision.year)
        level = levels.get(row.id)
        lines.append(papers.DecisionEntryLine(
            row.name, row.address, level if level and level != "Đạt" else None, numbers.get(row.id) or "",
            f"{in_a_row} năm liền" if decision.issued and in_a_row >= 2 else ""))
    amended = session.get(Decision, decision.amends_id) if decision.amends_id else None
    doc = papers.DecisionDoc(
        number=decision.number, issued_on=decision.issued_on if decision.issued else None,
        title_name=titles.title_names(session)[decision.title_code], year=decision.year,
        entity_noun=NOUNS[titles.TITLE_ENTITY[decision.title_code]],
        basis=[line.strip() for line in decision.basis.splitlines() if line.strip()], entries=lines,
        recipients=["Như Điều 3", "Lưu: VT"], amends_number=amended.number if amended else None,
        draft=not decision.issued)
    return papers.render_decision(doc, issuer_for(session, decision), out_path)


def print_registration_list(session: Session, year: int, title_code: str, out_path: Path | str,
                            hamlet_id: int | None = None) -> int:
    """The registration list of a title and year (one hamlet, or the whole commune)."""
    query = titles.RegistrationQuery(year, title_code, hamlet_id=hamlet_id)
    rows = titles.registration_rows(session, titles.registration_ids(session, query))
    hamlet = session.get(Hamlet, hamlet_id) if hamlet_id is not None else None
    if hamlet_id is not None and hamlet is None:
        raise NotFoundError("Không tìm thấy thôn, tổ dân phố này; có thể đã bị xóa.")
    kind = titles.TITLE_ENTITY[title_code]
    total = titles.registered_counts(session, year, title_code)[1] if hamlet is None else None
    if hamlet is not None and kind == "household":
        total = session.scalar(select(func.count(Household.id)).where(Household.hamlet_id == hamlet.id))
    doc = papers.RegistrationListDoc(
        title_name=titles.title_names(session)[title_code], year=year,
        entries=[papers.RegistrationLine(r.name, r.address, r.registered_on) for r in rows],
        entity_noun=NOUNS[kind], hamlet_name=hamlet.name if hamlet else "", total_count=total,
        right_title="TRƯỞNG THÔN" if hamlet else "TM. BAN CHẤP HÀNH HỘI", blank_rows=0 if rows else 10)
    return papers.render_registration_list(doc, commune_issuer(session), out_path)


def default_form(session: Session, title_code: str) -> forms.Form:
    """The first complete criteria set for the title (shipped ones first, then the province's)."""
    for form in form_library.available_forms(session, title_code):
        if not forms.missing(form):
            return form
    raise UserError(f"Chưa có bộ tiêu chí đầy đủ cho danh hiệu {title_code}; hãy điền bộ tiêu chí (trang Bộ tiêu chí).")


def print_score_sheets(session: Session, registration_ids: list[int], out_path: Path | str, *,
                       blank: bool = False, form_id: str | None = None) -> int:
    """Score sheets (phiếu đánh giá), one per registration: filled from the evaluation with the
    exact form version it was scored with, or blank for paper work (with `form_id` or the
    title's default set)."""
    if not registration_ids:
        raise UserError("Chưa chọn đăng ký nào để in phiếu đánh giá.")
    rows = titles.registration_rows(session, list(registration_ids))
    chosen = form_library.find_form(session, form_id) if form_id else None
    sheets = []
    for row in rows:
        reg = session.get(Registration, row.id)
        label = titles.entity_labels(session, row.entity_kind, [row.entity_id])[row.entity_id]
        evaluation = None if blank else titles.evaluation_of(session, row.id)
        if evaluation is not None:
            form = titles.stored_form(session, evaluation.form_version_id)
            values = json.loads(evaluation.values)
            evidence = json.loads(evaluation.evidence)
            sheets.append(papers.ScoreSheet.from_form(form, label.formal, label.address, reg.year, values, evidence,
                                                      forms.score(form, values)))
        else:
            form = chosen or default_form(session, reg.title_code)
            sheets.append(papers.ScoreSheet.from_form(form, label.formal, label.address, reg.year))
    return papers.render_score_sheets(sheets, commune_issuer(session), out_path)


def print_minutes(session: Session, meeting_id: int, out_path: Path | str) -> int:
    """The minutes ("Biên bản") of a review meeting with its votes and who is proposed."""
    meeting = session.get(ReviewMeeting, meeting_id)
    if meeting is None:
        raise NotFoundError("Không tìm thấy biên bản này; có thể đã bị xóa.")
    result = reviews.outcome(session, meeting_id)
    doc = papers.MinutesDoc(
        title_name=titles.title_names(session)[meeting.title_code], year=meeting.year, held_on=meeting.held_on,
        place=meeting.place, chair_name=meeting.chair_name, secretary_name=meeting.secretary_name,
        invited=meeting.invited, present=meeting.present, quorum_share=meeting.quorum_share,
        approval_share=meeting.approval_share, quorum_met=result.quorum_met,
        rows=[papers.MinutesRow(v.name, v.address, v.total, v.level, v.votes_for, v.share, v.approved)
              for v in result.lines],
        note=meeting.note, entity_noun=NOUNS[titles.TITLE_ENTITY[meeting.title_code]])
    return papers.render_minutes(doc, commune_issuer(session, meeting.held_on), out_path)
