"""`khuyenhoc report half-year|annual`: the report of a period as files to send — the annex
workbook and the PDF, signed when asked (PDF signed with the workbook inside, workbook.p7s).

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    from khuyenhoc_desktop.cli_sign import PIN_ENV, add_identity_arguments

    p = sub.add_parser(
        "report", help="báo cáo sơ kết 6 tháng / tổng kết năm: tệp Excel phụ lục và PDF, có thể ký số",
        description="Lập (hoặc lấy bản đã có) báo cáo của kỳ, ghi tệp phụ lục .xlsx và báo cáo .pdf vào thư mục. "
                    f"Với --sign: chốt số liệu (khóa sổ quỹ đến hết kỳ) rồi ký số; PIN/mật khẩu lấy từ {PIN_ENV} "
                    "hoặc hỏi khi chạy.")
    p.add_argument("kind", choices=["half-year", "annual"], help="half-year: sơ kết 6 tháng đầu năm; annual: tổng kết năm")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--out-dir", required=True, metavar="THƯ_MỤC", help="thư mục ghi các tệp báo cáo")
    p.add_argument("--to", dest="addressed_to", default=None, metavar="NƠI_NHẬN",
                   help="kính gửi (khi lập báo cáo mới), ví dụ \"Hội Khuyến học tỉnh Gia Lai\"")
    p.add_argument("--layout", metavar="MẪU", help="mẫu phụ lục trong forms/reports (khi lập báo cáo mới; "
                                                  "mặc định report-annex-default-2025)")
    p.add_argument("--finalise", action="store_true", help="chốt số liệu (không sửa được nữa; khóa sổ quỹ đến hết kỳ)")
    p.add_argument("--sign", action="store_true", help="ký số (chốt số liệu trước khi ký)")
    add_identity_arguments(p, required=False)
    p.add_argument("--tsa", metavar="URL", help="máy chủ dấu thời gian (RFC 3161); không có: chữ ký mức B-B")
    p.add_argument("--force", action="store_true", help="ghi đè các tệp đã có")
    p.add_argument("--format", choices=["text", "json"], default="text")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.cli_sign import open_signer
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import report_documents, reports
    from khuyenhoc_desktop.storage.models import Report

    kind = args.kind.replace("-", "_")
    out_dir = Path(args.out_dir)
    if not out_dir.is_dir():
        raise UserError(f"Không có thư mục {out_dir}; hãy tạo thư mục trước.")
    if args.sign and not (args.p12 or args.pkcs11_lib):
        raise UserError("Ký số cần --p12 TỆP hoặc --pkcs11-lib THƯ_VIỆN --token TÊN.")
    signer = open_signer(args) if args.sign else None
    try:
        with open_db(getattr(args, "db", None)) as db, db.write() as session:
            from sqlalchemy import select

            report_id = session.scalar(select(Report.id).where(Report.kind == kind, Report.year == args.year)
                                       .order_by(Report.id.desc()))
            report = session.get(Report, report_id) if report_id is not None else None
            # Computed once for the whole run: nothing in between changes what they count.
            figures = None if report is not None and report.finalised else reports.figures_for(session, kind, args.year)
            if report_id is None:
                report_id = reports.save_report(session, reports.ReportForm(
                    kind, args.year, addressed_to=args.addressed_to or "", layout_id=args.layout or ""), figures)
                report = session.get(Report, report_id)
            if (args.finalise or args.sign) and not report.finalised:
                reports.finalise(session, report_id, figures)
            files = report_documents.write_report(session, report_id, out_dir, signer=signer,
                                                  timestamp_url=args.tsa, overwrite=args.force, figures=figures)
            number, finalised = report.number, report.finalised
    finally:
        if signer is not None and args.pkcs11_lib:
            from khuyenhoc_desktop.signing.identity import close_token_signer

            close_token_signer(signer)
    answer = {"number": number, "finalised": finalised, "pdf": str(files.pdf), "xlsx": str(files.xlsx),
              "p7s": str(files.p7s) if files.p7s else None, "sha256": files.sha256, "signed": files.signed,
              "level": files.level}
    if args.format == "json":
        _out(json.dumps(answer, ensure_ascii=False))
        return EXIT_OK
    state = "đã chốt" if finalised else "dự thảo"
    _out(f"Báo cáo số {number} ({state}):")
    for path in (files.pdf, files.xlsx, files.p7s):
        if path is not None:
            _out(f"  {path}")
    _out(f"  SHA-256 của tệp Excel: {files.sha256}")
    if files.signed:
        _out(f"Đã ký số (mức {files.level}). {files.notice}".rstrip())
    return EXIT_OK
