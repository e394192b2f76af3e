"""A report's files, ready to send: the annex workbook, the PDF (narrative, annex, charts) that
names the workbook's SHA-256, and — with a signing identity — the PDF signed (PAdES, the
workbook embedded in it) and the workbook's detached signature (.p7s). The writers and the
signing code know nothing of the database; this module gathers their values."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop import __version__
from khuyenhoc_desktop.documents.report_papers import AnnexRow, ReportDoc, render_report
from khuyenhoc_desktop.documents.report_xlsx import write_report_xlsx
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import reports
from khuyenhoc_desktop.services.title_documents import commune_issuer
from khuyenhoc_desktop.storage.models import CommuneProfile, Report

TOTAL_LABEL = "Toàn xã"


def report_doc(session: Session, report_id: int, figures: reports.Figures | None = None) -> ReportDoc:
    """`figures`: a draft's live figures when the caller has just computed them in this
    transaction; a finalised report always shows its frozen ones."""
    report = session.get(Report, report_id)
    if report is None:
        raise UserError("Không tìm thấy báo cáo này; có thể đã bị xóa.")
    figures, layout = reports.report_figures(session, report_id, figures)
    profile = session.scalar(select(CommuneProfile))
    previous = "6 tháng đầu năm" if report.kind == "half_year" else "năm"
    return ReportDoc(
        number=report.number, date=report.report_date, kind=report.kind, year=report.year,
        period_start=report.period_start, period_end=report.period_end, addressed_to=report.addressed_to,
        narrative=[tuple(part) for part in json.loads(report.narrative)], layout=layout,
        rows=[AnnexRow(name, values) for name, values in figures.hamlets]
        + [AnnexRow(TOTAL_LABEL, figures.commune, total=True)],
        previous=figures.previous, previous_label=f"{previous} {report.year - 1}",
        recipients=json.loads(report.recipients) or ["Như trên", "Lưu: VT"],
        commune_code=profile.commune_code if profile else None,
        province_code=profile.province_code if profile else None,
        commune_name=profile.commune_name if profile else "", association=profile.association_name if profile else "",
        software_version=__version__, draft=not report.finalised)


def file_stem(session: Session, report_id: int) -> str:
    """'bao-cao-tong-ket-nam-2025-so-01-bc-hkh': the name the report's files share."""
    report = session.get(Report, report_id)
    kind = "so-ket-6-thang" if report.kind == "half_year" else "tong-ket-nam"
    return f"bao-cao-{kind}-{report.year}-so-{fold(report.number).replace('/', '-').replace(' ', '')}"


@dataclass
class ReportFiles:
    pdf: Path
    xlsx: Path
    p7s: Path | None
    sha256: str
    signed: bool
    level: str  # "B-B", "B-T" or "" when unsigned
    notice: str  # what the signing said (e.g. no timestamp server reachable)


def write_report(session: Session, report_id: int, out_dir: Path | str, *, signer=None, signer_name: str = "",
                 timestamp_url: str | None = None, overwrite: bool = False,
                 figures: reports.Figures | None = None) -> ReportFiles:
    """Write (and sign, with `signer`) the report's files into `out_dir`. A draft is marked
    "DỰ THẢO" and is never signed: finalise it first. `figures` as for `report_doc`."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise UserError(f"Không có thư mục {out_dir}; hãy tạo thư mục hoặc chọn nơi lưu khác.")
    report = session.get(Report, report_id)
    doc = report_doc(session, report_id, figures)
    if signer is not None and doc.draft:
        raise UserError(f"Báo cáo {report.number} chưa chốt; hãy chốt số liệu trước khi ký.")
    stem = file_stem(session, report_id)
    pdf_path, xlsx_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.xlsx"
    for path in (pdf_path, xlsx_path) + ((xlsx_path.with_name(xlsx_path.name + ".p7s"),) if signer else ()):
        if path.exists() and not overwrite:
            raise UserError(f"Tệp {path} đã có; chọn thư mục khác hoặc cho phép ghi đè.")
    write_report_xlsx(doc, xlsx_path, overwrite=True)
    digest = hashlib.sha256(xlsx_path.read_bytes()).hexdigest()
    doc.attachment_note = f"Kèm theo tệp phụ lục {xlsx_path.name}; mã kiểm tra SHA-256: {digest}."
    issuer = commune_issuer(session, report.report_date)
    if signer is None:
        render_report(doc, issuer, pdf_path)
        return ReportFiles(pdf_path, xlsx_path, None, digest, False, "", "")
    from khuyenhoc_desktop.signing.cms import sign_detached
    from khuyenhoc_desktop.signing.pdf_sign import sign_pdf

    with tempfile.TemporaryDirectory(prefix="khuyenhoc-") as folder:
        unsigned = Path(folder) / pdf_path.name
        made = render_report(doc, issuer, unsigned)
        page, *box = made.signature_box
        result = sign_pdf(unsigned, pdf_path, signer, box=box, page=page,
                          signer_name_text=signer_name or issuer.signer_name,
                          reason=f"Ký báo cáo số {report.number}", location=issuer.place,
                          timestamp_url=timestamp_url, attachments=[(xlsx_path, f"Phụ lục báo cáo {report.number}")])
    p7s = sign_detached(xlsx_path, signer)
    return ReportFiles(pdf_path, xlsx_path, p7s, digest, True, result.level, result.notice_vi)

