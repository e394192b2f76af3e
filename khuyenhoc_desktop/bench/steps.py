"""The headless steps of `khuyenhoc bench`, each run in its own process:

    python -m khuyenhoc_desktop.bench.steps STEP WORK_DIR

WORK_DIR holds what `prepare` made (the commune, an empty data file, the households workbook,
the certificates' values). A step copies what it changes, times only the work the officer waits
for, and prints one JSON line (`measure.emit`). Each `*-baseline` step does the same work the
plain way, in its own process, so both peaks of memory are their own.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import time
from pathlib import Path

from khuyenhoc_desktop.bench.measure import emit, measured

COMMUNE = "commune.sqlite"
EMPTY = "empty.sqlite"
HOUSEHOLDS_XLSX = "households.xlsx"
CERTIFICATES_JSON = "certificates.json"
META_JSON = "meta.json"
REPORT_DIR = "report"
ANNEX_JSON = "annex.json"
CERTIFICATE_TITLE = "Gia đình học tập"
SIGN_BOX = (320, 80, 560, 160)


def _copy_commune(work: Path, name: str, source: str = COMMUNE) -> Path:
    from khuyenhoc_desktop.storage.database import sqlite_backup

    target = work / "copies" / name
    target.unlink(missing_ok=True)
    sqlite_backup(work / source, target)
    return target


# ------------------------------------------------------------------------------------------ prepare
def prepare(work: Path, households: int, certificates: int) -> dict:
    """The synthetic commune (demo, seed 1), an empty data file, the households workbook to
    import (the commune's own households, IDs in full) and the values of `certificates` papers."""
    from khuyenhoc_desktop.services.demo import build_demo
    from khuyenhoc_desktop.services.exporting import export_list
    from khuyenhoc_desktop.services.lists import ListQuery
    from khuyenhoc_desktop.storage.database import Database

    start = time.perf_counter()
    with Database(work / COMMUNE) as db:
        summary = build_demo(db, households=households, seed=1)
    demo_seconds = time.perf_counter() - start
    with Database(work / EMPTY):
        pass
    with Database(work / COMMUNE) as db:
        export_list(db, ListQuery("households"), work / HOUSEHOLDS_XLSX, full_ids=True, overwrite=True)
        papers = _certificate_values(db, certificates)
    (work / CERTIFICATES_JSON).write_text(json.dumps(papers, ensure_ascii=False), encoding="utf-8")
    meta = {"requested": households, "households": summary["households"], "persons": summary["persons"], "members": summary["members"],
            "commune": summary["commune"], "province": summary["province"], "certificates": certificates,
            "certificates_made": len(papers["certificates"]),  # fewer when the commune has fewer households
            "demo_seconds": round(demo_seconds, 1)}
    (work / META_JSON).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return meta


def _certificate_values(db, count: int) -> dict:
    """`count` household heads as "Gia đình học tập" certificates, and the issuer from the profile."""
    from dataclasses import asdict

    from sqlalchemy import select

    from khuyenhoc_desktop.documents.certificates import issuer_from_profile
    from khuyenhoc_desktop.domain.dates import today
    from khuyenhoc_desktop.services.profile import get_profile
    from khuyenhoc_desktop.storage.models import Hamlet, Household, Person

    with db.read() as session:
        heads = session.execute(
            select(Person.full_name, Person.sex, Hamlet.name)
            .join(Household, Household.head_person_id == Person.id)
            .join(Hamlet, Hamlet.id == Household.hamlet_id)
            .order_by(Household.id).limit(count)
        ).all()
        profile = get_profile(session)
        issuer = asdict(issuer_from_profile(profile, today()))
        commune = profile.commune_name
    issuer["date"] = issuer["date"].isoformat()
    year = today().year
    papers = [
        {"entity_name": f"Gia đình {'ông' if sex == 'M' else 'bà'} {name}",
         "entity_address": f"{hamlet}, {commune}", "title_name": CERTIFICATE_TITLE, "year": year,
         "level": "Tiêu biểu" if i % 10 == 0 else None, "number": f"{i + 1:02d}/GCN-HKH",
         "decision_number": "15/QĐ-HKH", "decision_date": dt.date(year, 12, 1).isoformat()}
        for i, (name, sex, hamlet) in enumerate(heads)
    ]
    return {"issuer": issuer, "certificates": papers}


# ------------------------------------------------------------------------------------------ import
def import_households(work: Path) -> dict:
    """The households workbook into an empty data file, as `khuyenhoc import households` does:
    guess the layout, check it, import (hamlets created as needed)."""
    from khuyenhoc_desktop.services import importing as im
    from khuyenhoc_desktop.storage.database import Database

    target = _copy_commune(work, "import.sqlite", EMPTY)
    source = work / HOUSEHOLDS_XLSX
    with Database(target) as db:
        def work_():
            layout = im.guess_layout(source, "households")
            im.check_layout(layout, "households")
            return im.run_import(db, source, "households", layout, im.ImportOptions(create_missing=True))

        result, times = measured(work_)
    if result.rejected or not result.added:
        raise RuntimeError(f"import: {result.added} added, {len(result.rejected)} rejected")
    return {**times, "rows": result.added}


def import_baseline(work: Path) -> dict:
    """The same workbook read with openpyxl read-only and its heads put into `person` with one
    `executemany` (no checks, no households, no duplicate search)."""
    import uuid

    import openpyxl

    from khuyenhoc_desktop.domain.text import fold

    target = _copy_commune(work, "import-baseline.sqlite", EMPTY)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    sexes = {"Nam": "M", "Nữ": "F"}

    def work_() -> int:
        book = openpyxl.load_workbook(work / HOUSEHOLDS_XLSX, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(r for r in rows if "Chủ hộ" in r)
        name, sex, year, cccd = (header.index(h) for h in ("Chủ hộ", "Giới tính chủ hộ", "Năm sinh chủ hộ",
                                                            "Số CCCD chủ hộ"))
        values = []
        for row in rows:
            if row[name]:
                full = str(row[name])
                values.append((str(uuid.uuid4()), now, now, full.rsplit(" ", 1)[-1], full, sexes.get(row[sex], "M"),
                               row[year], row[cccd] or None, fold(full)))
        book.close()
        conn = sqlite3.connect(target)
        with conn:
            conn.executemany(
                "INSERT INTO person (uid, created_at, updated_at, family_name, middle_name, given_name, full_name,"
                " sex, birth_year, cccd, relation, education, occupation, phone, note, sort_key, search_text)"
                " VALUES (?, ?, ?, '', '', ?, ?, ?, ?, ?, 'head', '', '', '', '', '', ?)", values)
        conn.close()
        return len(values)

    rows, times = measured(work_)
    return {**times, "rows": rows}


# ------------------------------------------------------------------------------------------ export
def export_persons(work: Path) -> dict:
    """Every person to a formatted workbook, as `khuyenhoc export persons` does."""
    from khuyenhoc_desktop.services.exporting import export_list
    from khuyenhoc_desktop.services.lists import ListQuery
    from khuyenhoc_desktop.storage.database import Database

    db_path = _copy_commune(work, "export.sqlite")
    out = work / "out" / "persons.xlsx"
    with Database(db_path) as db:
        result, times = measured(lambda: export_list(db, ListQuery("persons"), out, overwrite=True))
    return {**times, "rows": result.rows}


def export_baseline(work: Path) -> dict:
    """The export's query as raw SQL through sqlite3, its values written with openpyxl
    write-only and no formatting."""
    import openpyxl
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from khuyenhoc_desktop.services import lists
    from khuyenhoc_desktop.services.exporting import export_columns

    spec = lists.kind("persons")
    stmt = lists._display_select(spec).add_columns(*(c.expr.label(c.key) for c in spec.export_extra))
    stmt = stmt.order_by(spec.sort_column, spec.model.id)
    sql = str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
    headers = ["id"] + [c.header for c in export_columns("persons")]
    db_path = _copy_commune(work, "export-baseline.sqlite")
    out = work / "out" / "persons-baseline.xlsx"

    def work_() -> int:
        conn = sqlite3.connect(db_path)
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Nhân khẩu")
        sheet.append(headers)
        count = 0
        for row in conn.execute(sql):
            sheet.append(row)
            count += 1
        book.save(out)
        conn.close()
        return count

    rows, times = measured(work_)
    return {**times, "rows": rows}


# ------------------------------------------------------------------------------------------ report
def annual_report(work: Path) -> dict:
    """The annual report of this year: compute the statistics annex, write the PDF and the xlsx
    (unsigned), as `khuyenhoc report annual` does. Leaves them for `sign`, and the annex's values
    for the baseline."""
    from khuyenhoc_desktop.domain.dates import today
    from khuyenhoc_desktop.services import report_documents, reports
    from khuyenhoc_desktop.storage.database import Database

    db_path = _copy_commune(work, "report.sqlite")
    out_dir = work / REPORT_DIR
    out_dir.mkdir(exist_ok=True)
    with Database(db_path) as db, db.write() as session:
        def work_():
            figures = reports.figures_for(session, "annual", today().year)
            report_id = reports.save_report(session, reports.ReportForm("annual", today().year), figures)
            return report_id, report_documents.write_report(session, report_id, out_dir, overwrite=True,
                                                            figures=figures)

        (report_id, files), times = measured(work_)
        doc = report_documents.report_doc(session, report_id)
    columns = doc.layout.columns
    annex = {"headers": ["Thôn, tổ dân phố"] + [c.header for c in columns],
             "rows": [[row.label] + [row.values.get(c.id) for c in columns] for row in doc.rows],
             "pdf": files.pdf.name, "xlsx": files.xlsx.name}
    (out_dir / ANNEX_JSON).write_text(json.dumps(annex, ensure_ascii=False), encoding="utf-8")
    return {**times, "rows": len(doc.rows)}


def report_baseline(work: Path) -> dict:
    """The annex's values (already computed) drawn as plain strings with reportlab and written with
    openpyxl write-only: the floor of writing these two files."""
    import openpyxl
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    from khuyenhoc_desktop.documents.pdf import SERIF, register_fonts

    annex = json.loads((work / REPORT_DIR / ANNEX_JSON).read_text(encoding="utf-8"))
    out = work / "out"

    def work_() -> None:
        register_fonts()
        width, height = landscape(A4)
        canvas = Canvas(str(out / "report-baseline.pdf"), pagesize=(width, height), pageCompression=1)
        canvas.setFont(SERIF, 7)
        step = (width - 60) / len(annex["headers"])
        y = height - 40
        for row in [annex["headers"], *annex["rows"]]:
            if y < 40:
                canvas.showPage()
                canvas.setFont(SERIF, 7)
                y = height - 40
            for i, value in enumerate(row):
                canvas.drawString(30 + i * step, y, "" if value is None else str(value)[:18])
            y -= 12
        canvas.save()
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Phụ lục")
        sheet.append(annex["headers"])
        for row in annex["rows"]:
            sheet.append(row)
        book.save(out / "report-baseline.xlsx")

    return {**measured(work_)[1], "rows": len(annex["rows"])}


# ------------------------------------------------------------------------------------------ certificates
def _load_certificates(work: Path):
    from khuyenhoc_desktop.documents.certificates import Certificate, Issuer

    data = json.loads((work / CERTIFICATES_JSON).read_text(encoding="utf-8"))
    issuer = Issuer(**{**data["issuer"], "date": dt.date.fromisoformat(data["issuer"]["date"])})
    papers = [Certificate(**{**c, "decision_date": dt.date.fromisoformat(c["decision_date"])})
              for c in data["certificates"]]
    return papers, issuer


def certificates(work: Path) -> dict:
    """The certificates to one PDF with `render_certificates` (default template)."""
    from khuyenhoc_desktop.documents.certificates import render_certificates

    papers, issuer = _load_certificates(work)
    pages, times = measured(lambda: render_certificates(papers, issuer, work / "out" / "certificates.pdf"))
    return {**times, "rows": pages}


def certificates_baseline(work: Path) -> dict:
    """A bare reportlab loop: the same strings, same fonts, centred at fixed heights, a page each."""
    from reportlab.pdfgen.canvas import Canvas

    from khuyenhoc_desktop.documents import pdf
    from khuyenhoc_desktop.documents.certificates import CertificateTemplate
    from khuyenhoc_desktop.domain.dates import format_date

    papers, issuer = _load_certificates(work)
    template = CertificateTemplate()

    def strings(c) -> list[tuple[str, str, float]]:
        values = {"title": c.title_name, "year": c.year, "level": c.level or "", "address": c.entity_address,
                  "number": c.number, "decision_number": c.decision_number,
                  "decision_date": format_date(c.decision_date)}
        return [
            (pdf.MOTTO_NATION, pdf.SERIF_BOLD, 13), (pdf.MOTTO_MOTTO, pdf.SERIF_BOLD, 14),
            (issuer.parent_body.upper(), pdf.SERIF, 13), (issuer.issuing_body.upper(), pdf.SERIF_BOLD, 13),
            (template.title, pdf.SERIF_BOLD, 36), (c.entity_name, pdf.SERIF_BOLD, 26),
            (template.address_line.format(**values), pdf.SERIF, 16),
            (template.title_line.format(**values), pdf.SERIF_BOLD, 18),
            (template.level_line.format(**values), pdf.SERIF, 16),
            (template.number_line.format(**values), pdf.SERIF, 12),
            (template.decision_line.format(**values), pdf.SERIF_ITALIC, 12),
            (pdf.place_date(issuer.place, issuer.date), pdf.SERIF_ITALIC, 13),
            (issuer.signer_on_behalf, pdf.SERIF_BOLD, 13), (issuer.signer_title, pdf.SERIF_BOLD, 13),
            (issuer.signer_name, pdf.SERIF_BOLD, 14),
        ]

    def work_() -> None:
        pdf.register_fonts()
        size = pdf.page_size("A4", landscape_=True)
        canvas = Canvas(str(work / "out" / "certificates-baseline.pdf"), pagesize=size, pageCompression=1)
        for paper in papers:
            y = size[1] - 50
            for value, font, points in strings(paper):
                canvas.setFont(font, points)
                canvas.drawCentredString(size[0] / 2, y, value)
                y -= 34
            canvas.showPage()
        canvas.save()

    return {**measured(work_)[1], "rows": len(papers)}


# ------------------------------------------------------------------------------------------ signing
def _identity(work: Path) -> Path:
    from khuyenhoc_desktop.signing.throwaway import make_pki

    folder = work / "pki"
    if not (folder / "signer.p12").exists():
        folder.mkdir(exist_ok=True)
        make_pki(folder)
    return folder


def _report_files(work: Path) -> tuple[Path, Path]:
    annex = json.loads((work / REPORT_DIR / ANNEX_JSON).read_text(encoding="utf-8"))
    return work / REPORT_DIR / annex["pdf"], work / REPORT_DIR / annex["xlsx"]


def sign(work: Path) -> dict:
    """Sign the report PDF (PAdES, the workbook inside, visible box) and the workbook (.p7s),
    then verify both against the throwaway root, as the report and verify dialogs do."""
    from khuyenhoc_desktop.signing.cms import sign_detached, verify_detached
    from khuyenhoc_desktop.signing.identity import load_pkcs12
    from khuyenhoc_desktop.signing.pdf_sign import sign_pdf, verify_pdf
    from khuyenhoc_desktop.signing.throwaway import THROWAWAY_PASSPHRASE

    pki = _identity(work)
    signer = load_pkcs12(pki / "signer.p12", THROWAWAY_PASSPHRASE)
    pdf_path, xlsx_path = _report_files(work)
    signed = work / "out" / "report-signed.pdf"

    def work_() -> None:
        sign_pdf(pdf_path, signed, signer, box=SIGN_BOX, page=0, reason="Ký báo cáo",
                 attachments=[(xlsx_path, "Phụ lục báo cáo")])
        p7s = sign_detached(xlsx_path, signer)
        verdicts = [verify_pdf(signed, [pki / "ca.pem"]), verify_detached(xlsx_path, p7s, [pki / "ca.pem"])]
        if not all(v.ok for v in verdicts):
            raise RuntimeError("; ".join(v.message_vi for v in verdicts))

    return {**measured(work_)[1], "rows": 2}


def sign_baseline(work: Path) -> dict:
    """RSA-SHA256 over the same two files with `cryptography`, and the two checks: the floor of
    signing (no PDF structure, no CMS, no chain)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    pki = _identity(work)
    key = serialization.load_pem_private_key((pki / "key.pem").read_bytes(), None)
    public = x509.load_pem_x509_certificate((pki / "signer.pem").read_bytes()).public_key()

    def work_() -> None:
        for path in _report_files(work):
            data = path.read_bytes()
            signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            public.verify(signature, path.read_bytes(), padding.PKCS1v15(), hashes.SHA256())

    return {**measured(work_)[1], "rows": 2}


STEPS = {
    "import": import_households, "import-baseline": import_baseline,
    "export": export_persons, "export-baseline": export_baseline,
    "report": annual_report, "report-baseline": report_baseline,
    "certificates": certificates, "certificates-baseline": certificates_baseline,
    "sign": sign, "sign-baseline": sign_baseline,
}


def main(argv: list[str]) -> int:
    name, work = argv[0], Path(argv[1])
    (work / "copies").mkdir(exist_ok=True)
    (work / "out").mkdir(exist_ok=True)
    if name == "prepare":
        emit(prepare(work, int(argv[2]), int(argv[3])))
    else:
        emit(STEPS[name](work))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
