"""Papers of the learning titles from the database: certificates of a decision (and, with the
writers in documents.title_papers, the decision itself, registration lists, score sheets and
the review minutes). The writers know nothing of the database; this module gathers their values.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.certificates import (
    Certificate,
    CertificateTemplate,
    Issuer,
    issuer_from_profile,
    render_certificates,
)
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.errors import NotFoundError, UserError
from khuyenhoc_desktop.services import app_settings, titles
from khuyenhoc_desktop.storage.models import CommuneProfile, Decision, DecisionEntry, Registration

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


def issuer_for(session: Session, decision: Decision) -> Issuer:
    """Who signs: the decision's signer when given, else the chairman in the commune profile."""
    profile = session.scalar(select(CommuneProfile))
    if profile is None:
        raise UserError("Chưa khai báo thông tin xã và Hội (Cài đặt › Thông tin xã, Hội); giấy tờ cần tên cơ quan ban hành.")
    issuer = issuer_from_profile(profile, decision.issued_on or today())
    if decision.signer_name.strip():
        issuer.signer_name = pdf.text(decision.signer_name)
    if decision.signer_title.strip():
        issuer.signer_title = pdf.caps(decision.signer_title)
    return issuer


def decision_certificates(session: Session, decision_id: int) -> list[Certificate]:
    """One certificate per entity of the decision, in list order (entity name order)."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
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


def print_certificates(session: Session, decision_id: int, out_path: Path | str,
                       template: CertificateTemplate | None = None) -> int:
    """All certificates of an issued decision into one PDF; returns the page count."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định này; có thể đã bị xóa.")
    if not decision.issued:
        raise UserError(f"Quyết định {decision.number} chưa ban hành; chỉ in giấy công nhận theo quyết định đã ban hành.")
    certificates = decision_certificates(session, decision_id)
    if not certificates:
        raise UserError(f"Quyết định {decision.number} chưa có ai trong danh sách công nhận.")
    return render_certificates(certificates, issuer_for(session, decision), out_path,
                               template or load_template(session))
