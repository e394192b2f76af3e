"""Certificates of recognition ("Giấy công nhận"): one landscape page per entity, one PDF.

Pure writer from plain values: `Certificate` (who and what), `Issuer` (who signs, where, when)
and `CertificateTemplate` (what the user may adjust: paper, border, offsets for pre-printed paper,
texts and sizes). Sizes are given for landscape A4 and scale with the paper (A5 = ×0,707) and
with `font_scale`. Long texts shrink, then wrap, to stay inside the border.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.pdf import MM, SERIF, SERIF_BOLD, SERIF_ITALIC
from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.text import fold


@dataclass
class CertificateTemplate:
    paper: str = "A4"  # "A4" or "A5"; always landscape
    show_border: bool = True
    offset_x_mm: float = 0.0  # + moves everything right
    offset_y_mm: float = 0.0  # + moves everything down
    title: str = "GIẤY CÔNG NHẬN"
    font_scale: float = 1.0
    show_motto: bool = True
    show_issuing_body: bool = True
    show_parent_body: bool = True
    # Lines; {title}, {year}, {level}, {number}, {decision_number}, {decision_date} are filled in.
    title_line: str = "Đạt danh hiệu {title} năm {year}"
    level_line: str = "Xếp loại: {level}"
    address_line: str = "Địa chỉ: {address}"
    number_line: str = "Số: {number}"
    decision_line: str = "(Theo Quyết định số {decision_number} ngày {decision_date})"
    # Sizes in points on landscape A4 at font_scale 1.
    title_size: float = 36.0
    entity_size: float = 26.0
    body_size: float = 16.0
    small_size: float = 12.0
    signature_space_mm: float = 24.0


@dataclass
class Certificate:
    entity_name: str
    entity_address: str
    title_name: str  # e.g. "Gia đình học tập"
    year: int
    level: str | None
    number: str  # e.g. "05/GCN-HKH"
    decision_number: str
    decision_date: dt.date


@dataclass
class Issuer:
    parent_body: str
    issuing_body: str
    place: str  # e.g. "Tân Lập"
    signer_title: str  # "CHỦ TỊCH"
    signer_on_behalf: str  # "TM. BAN CHẤP HÀNH"
    signer_name: str
    date: dt.date


def issuer_from_profile(profile, date: dt.date) -> Issuer:
    """The association signs: its name as issuing body, the profile's parent body, the commune's
    short name as place, and the officer titled "Chủ tịch" (any case, marks ignored)."""
    chair = next(
        (o for o in profile.officers if fold(o.title) == "chu tich"),
        None,
    )
    return Issuer(
        parent_body=pdf.text(profile.parent_body),
        issuing_body=pdf.text(profile.association_name),
        place=admin_units.short_name(pdf.text(profile.commune_name)),
        signer_title=pdf.CHAIR,
        signer_on_behalf=pdf.ON_BEHALF,
        signer_name=pdf.text(chair.name) if chair else "",
        date=date,
    )


def render_certificates(
    certificates: list[Certificate], issuer: Issuer, out_path: Path | str,
    template: CertificateTemplate | None = None,
) -> int:
    """Write one page per certificate into one PDF at `out_path` (replaced atomically);
    returns the number of pages."""
    template = template or CertificateTemplate()
    if not certificates:
        raise ValueError("Không có giấy công nhận nào để in.")
    size = pdf.page_size(template.paper, landscape_=True)
    with pdf.atomic_pdf(out_path) as temp:
        canvas = pdf.new_canvas(temp, size, title=template.title, author=issuer.issuing_body)
        for certificate in certificates:
            _draw_page(canvas, size, certificate, issuer, template)
            canvas.showPage()
        canvas.save()
    return len(certificates)


def _fill(pattern: str, certificate: Certificate) -> str:
    return pdf.text(
        pattern.format(
            title=pdf.text(certificate.title_name),
            year=certificate.year,
            level=pdf.text(certificate.level),
            address=pdf.text(certificate.entity_address),
            number=pdf.text(certificate.number),
            decision_number=pdf.text(certificate.decision_number),
            decision_date=format_date(certificate.decision_date),
        )
    )


def _draw_page(
    canvas: Canvas, size: tuple[float, float], certificate: Certificate, issuer: Issuer,
    template: CertificateTemplate,
) -> None:
    page_w, page_h = size
    paper_scale = page_w / 841.89
    scale = paper_scale * template.font_scale
    canvas.saveState()
    canvas.translate(template.offset_x_mm * MM, -template.offset_y_mm * MM)

    outer = 10 * MM * paper_scale
    inner = outer + 3 * MM * paper_scale
    if template.show_border:
        canvas.setLineWidth(2.4 * paper_scale)
        canvas.rect(outer, outer, page_w - 2 * outer, page_h - 2 * outer)
        canvas.setLineWidth(0.8 * paper_scale)
        canvas.rect(inner, inner, page_w - 2 * inner, page_h - 2 * inner)

    pad = 9 * MM * paper_scale
    left, right = inner + pad, page_w - inner - pad
    top, bottom = page_h - inner - 7 * MM * paper_scale, inner + 6 * MM * paper_scale
    cx = page_w / 2
    text_w = right - left

    # Header: national motto, issuing body.
    y = top
    if template.show_motto:
        y = pdf.draw_motto(canvas, cx, y, scale=scale, max_width=text_w)
        y -= 3 * MM * scale
    if template.show_issuing_body:
        parent = issuer.parent_body if template.show_parent_body else ""
        if pdf.text(parent) or pdf.text(issuer.issuing_body):
            y = pdf.draw_issuing_body(
                canvas, cx, y, parent, issuer.issuing_body, scale=scale, max_width=text_w
            )

    # Bottom block: number and decision on the left, place-date and signature on the right.
    sig_cx = left + text_w * 0.76
    small = template.small_size * scale
    sig_height = (
        13 * scale * 1.3  # place-date
        + 13 * scale * 1.25 * 2  # on behalf, title
        + template.signature_space_mm * MM * scale
        + 14 * scale * 1.25  # name
    )
    block_top = bottom + sig_height
    pdf.draw_place_date(canvas, sig_cx, block_top, issuer.place, issuer.date, scale=scale)
    pdf.draw_signature(
        canvas, sig_cx, block_top - 13 * scale * 1.3, issuer.signer_name,
        title=issuer.signer_title, on_behalf=issuer.signer_on_behalf, scale=scale,
        space=template.signature_space_mm * MM,
    )
    left_cx = left + text_w * 0.22
    left_w = text_w * 0.44
    ly = block_top - 13 * scale * 1.3
    for pattern, font in ((template.number_line, SERIF), (template.decision_line, SERIF_ITALIC)):
        line = _fill(pattern, certificate)
        if line:
            ly = pdf.draw_fitted(canvas, line, left_cx, ly, font, small, left_w, max_lines=2)

    # Middle: title, entity, address, title line, level — spread over the room left.
    title = pdf.caps(template.title)
    title_size = template.title_size * scale
    y -= 4 * MM * scale
    y = pdf.draw_fitted(canvas, title, cx, y, SERIF_BOLD, title_size, text_w, leading=1.2, max_lines=1)
    room_top, room_bottom = y - 2 * MM * scale, block_top + 2 * MM * scale

    body = template.body_size * scale
    lines: list[tuple[str, str, float, int]] = [
        (pdf.text(certificate.entity_name), SERIF_BOLD, template.entity_size * scale, 2),
    ]
    if pdf.text(certificate.entity_address):
        lines.append((_fill(template.address_line, certificate), SERIF, body, 2))
    lines.append((_fill(template.title_line, certificate), SERIF_BOLD, body * 1.15, 2))
    if pdf.text(certificate.level):
        lines.append((_fill(template.level_line, certificate), SERIF, body, 1))

    fitted = [(pdf.fit_lines(v, f, s, text_w, max_lines=n), f) for v, f, s, n in lines]
    needed = sum(len(ls) * used * 1.3 for (ls, used), _ in fitted)
    room = room_top - room_bottom
    shrink = min(1.0, room / needed) if needed else 1.0
    gap = max(0.0, (room - needed * shrink) / (len(fitted) + 1))
    gap = min(gap, 8 * MM * scale)
    y = room_top - (room - needed * shrink - gap * (len(fitted) - 1)) / 2 if gap else room_top
    for (ls, used), font in fitted:
        used *= shrink
        for line in ls:
            y -= used * 1.3
            pdf.draw_centred(canvas, line, cx, y + used * 0.3, font, used)
        y -= gap
    canvas.restoreState()
