"""`khuyenhoc --self-test`: proves an installed program works, end to end and offscreen.

Everything happens on a throwaway copy in a temporary folder (a small demo commune, or a copy of
the `--db` file made with SQLite's backup API: the user's file is only read). Each step prints one
Vietnamese line ending in "đạt" or "LỖI: …"; the run exits 0 when every step passed, else 1. It is
what CI runs on the built bundle, so each step touches a part that a missing bundled file breaks:
the window and its pages, fonts and the PDF renderer, the report writers, signing and
verification (pyHanko, cryptography), the workbook export read back with openpyxl, and the
compiled PKCS#11 binding that USB tokens need.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from khuyenhoc_desktop import APP_NAME, __version__
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.logs import log

SELF_TEST_HOUSEHOLDS = 60
SELF_TEST_SEED = 7
_FAILED = object()


class StepFailed(Exception):
    """A check of the self-test did not hold; the message says what, in Vietnamese."""


def _check(condition, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def _say(line: str) -> None:
    # The windowed Windows program has no stdout; the log keeps the report there too.
    log.info("self-test: %s", line)
    if sys.stdout is not None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class _Steps:
    """Runs the numbered steps; a step whose input failed is reported failed without running."""

    def __init__(self, total: int):
        self.total = total
        self.number = 0
        self.failed: list[str] = []

    def run(self, title: str, work: Callable[[list[str]], object], *needs):
        self.number += 1
        head = f"[{self.number}/{self.total}] {title}"
        if any(n is _FAILED for n in needs):
            _say(f"{head}: LỖI: không làm được vì một bước trước không đạt")
            self.failed.append(title)
            return _FAILED
        details: list[str] = []
        start = time.perf_counter()
        try:
            result = work(details)
        except (StepFailed, UserError) as exc:
            _say(f"{head}: LỖI: {exc}")
            self.failed.append(title)
            return _FAILED
        except Exception as exc:  # the report names it; the log keeps the traceback
            log.exception("self-test step failed: %s", title)
            _say(f"{head}: LỖI: {type(exc).__name__}: {exc}")
            self.failed.append(title)
            return _FAILED
        _say(f"{head}: đạt ({_seconds(time.perf_counter() - start)} giây)")
        for line in details:
            _say(f"    {line}")
        return result


def self_test(controller, db_path: Path | None) -> int:
    """Run every step on a throwaway copy (a new demo commune when `db_path` is None); 0 if all passed."""
    from khuyenhoc_desktop.domain.dates import today

    if db_path is not None and not db_path.is_file():
        raise UserError(f"Không có tệp dữ liệu {db_path}.")
    started = time.perf_counter()
    year = today().year - 1
    _say(f"Tự kiểm tra {APP_NAME} {__version__}")
    steps = _Steps(9)
    with tempfile.TemporaryDirectory(prefix="khuyenhoc-tu-kiem-tra-", ignore_cleanup_errors=True) as scratch:
        folder = Path(scratch)
        work_db = folder / "du-lieu-thu.sqlite"
        if db_path is None:
            ready = steps.run(f"Tạo xã mẫu {SELF_TEST_HOUSEHOLDS} hộ trong thư mục tạm",
                              lambda d: _build_demo(work_db, d))
        else:
            ready = steps.run("Sao chép tệp dữ liệu vào thư mục tạm (tệp gốc chỉ được đọc)",
                              lambda d: _copy_db(db_path, work_db, d))
        steps.run("Mở cửa sổ chính (ẩn) và đi qua mọi trang",
                  lambda d: _visit_pages(controller, work_db, db_path is None, d), ready)
        # A page showing a wrong count still leaves an open data file for the steps after it.
        ctx = controller.ctx if controller.ctx is not None else _FAILED
        steps.run("In thử và xem trước giấy công nhận mẫu", lambda d: _paper_check(ctx, folder, d), ctx)
        report = steps.run(f"Lập báo cáo tổng kết năm {year} (PDF và Excel)",
                           lambda d: _write_report(ctx, year, folder, d), ctx)
        pki = steps.run("Tạo chứng thư số dùng một lần để ký thử", lambda d: _throwaway_identity(folder, d))
        signed = steps.run("Ký số báo cáo: PDF (PAdES) và tệp Excel (.p7s)",
                           lambda d: _sign_report(ctx, report, pki, folder, d), ctx, report, pki)
        steps.run("Kiểm tra hai chữ ký (tin cậy gốc thử) và phát hiện tệp bị sửa",
                  lambda d: _verify(signed, pki, folder, d), signed)
        steps.run("Xuất danh sách nhân khẩu ra Excel và đọc lại",
                  lambda d: _export_persons(ctx, folder, d), ctx)
        steps.run("Phần ký bằng USB token (PKCS#11) có sẵn", _token_support)
        if controller.window is not None:
            controller.window.close()
            controller.ctx.db.close()
    total = _seconds(time.perf_counter() - started)
    if steps.failed:
        _say(f"Tự kiểm tra: không đạt ({len(steps.failed)}/{steps.total} bước lỗi, {total} giây)")
        if db_path is not None:
            _say("Để biết lỗi do chương trình hay do tệp dữ liệu, chạy thêm: khuyenhoc --self-test (không có --db, "
                 "kiểm tra trên xã mẫu).")
        return 1
    _say(f"Tổng thời gian: {total} giây")
    _say("Tự kiểm tra: đạt")
    return 0


def _build_demo(path: Path, details: list[str]) -> None:
    from khuyenhoc_desktop.services.demo import build_demo
    from khuyenhoc_desktop.storage.database import Database

    with Database(path) as db:
        summary = build_demo(db, households=SELF_TEST_HOUSEHOLDS, seed=SELF_TEST_SEED)
    details.append(f"Xã mẫu {summary['commune']} ({summary['province']}): {summary['households']} hộ, "
                   f"{summary['persons']} nhân khẩu, {summary['members']} hội viên")


def _copy_db(source: Path, target: Path, details: list[str]) -> None:
    import sqlite3

    from khuyenhoc_desktop.storage.database import sqlite_backup

    try:
        sqlite_backup(source, target)
    except sqlite3.DatabaseError as exc:
        raise StepFailed(f"không đọc được {source} như một tệp dữ liệu ({exc})") from None
    details.append(f"Bản sao: {target}")


def _visit_pages(controller, path: Path, is_demo: bool, details: list[str]) -> None:
    """Visit every page; each list must show as many rows as the database holds."""
    from PySide6.QtWidgets import QApplication

    from khuyenhoc_desktop.services.lists import total_count
    from khuyenhoc_desktop.ui.list_page import ListPage
    from khuyenhoc_desktop.ui.main_window import NAVIGATION

    controller.open(path, is_demo=is_demo)
    window = controller.window
    wrong = []
    for key, label in NAVIGATION:
        page = window.show_page(key)
        QApplication.processEvents()
        if isinstance(page, ListPage):
            with window.ctx.db.read() as session:
                expected = total_count(session, key)
            shown = page.model.rowCount()
            if shown != expected:
                wrong.append(f"{label}: hiển thị {shown}, dữ liệu có {expected}")
            if shown:
                page.model.data(page.model.index(shown - 1, 0))
        details.append(f"Đã mở trang {label}")
    _check(not wrong, "; ".join(wrong))


def _paper_check(ctx, folder: Path, details: list[str]) -> None:
    """Write a sample certificate and show it, as the template preview does: proves the fonts,
    reportlab and the PDF renderer made it into the bundle."""
    from khuyenhoc_desktop.documents.certificates import render_certificates
    from khuyenhoc_desktop.ui import pdf_view
    from khuyenhoc_desktop.ui.certificate_dialog import sample_certificate, sample_issuer

    path = folder / "giay-cong-nhan-mau.pdf"
    with ctx.db.read() as session:
        render_certificates([sample_certificate("Gia đình học tập")], sample_issuer(session), path)
    image = pdf_view.render_page(path, 0, dpi=30)
    _check(not image.isNull() and image.width() > image.height(), "giấy công nhận mẫu không xem trước được")
    details.append("Đã in thử và xem trước giấy công nhận mẫu")


def _write_report(ctx, year: int, folder: Path, details: list[str]) -> int:
    """The year's annual report (the one there is, or a new draft) written unsigned; returns its id."""
    import openpyxl
    from sqlalchemy import select

    from khuyenhoc_desktop.services import report_documents, reports
    from khuyenhoc_desktop.storage.models import Report

    out = folder / "bao-cao"
    out.mkdir()
    with ctx.db.write() as session:
        report_id = session.scalar(select(Report.id).where(Report.kind == "annual", Report.year == year)
                                   .order_by(Report.id.desc()))
        if report_id is None:
            report_id = reports.save_report(session, reports.ReportForm("annual", year,
                                                                        addressed_to="Hội Khuyến học tỉnh"))
        files = report_documents.write_report(session, report_id, out)
    _check(files.pdf.read_bytes()[:5] == b"%PDF-", f"{files.pdf.name} không phải PDF")
    _check(hashlib.sha256(files.xlsx.read_bytes()).hexdigest() == files.sha256,
           f"mã SHA-256 của {files.xlsx.name} không khớp")
    book = openpyxl.load_workbook(files.xlsx, read_only=True)
    try:
        _check(book.sheetnames, f"{files.xlsx.name} không có trang tính nào")
    finally:
        book.close()
    details += [f"Đã ghi {files.pdf.name} và {files.xlsx.name}"]
    return report_id


def _throwaway_identity(folder: Path, details: list[str]):
    from khuyenhoc_desktop.signing.identity import load_pkcs12
    from khuyenhoc_desktop.signing.throwaway import THROWAWAY_PASSPHRASE, make_pki
    from khuyenhoc_desktop.signing.verdict import signer_cert_name

    pki = folder / "chung-thu-thu"
    pki.mkdir()
    make_pki(pki, signer_cn="Người Ký Thử")
    signer = load_pkcs12(pki / "signer.p12", THROWAWAY_PASSPHRASE)
    details.append(f"Người ký: {signer_cert_name(signer)}")
    return signer, pki / "ca.pem"


def _sign_report(ctx, report_id: int, pki, folder: Path, details: list[str]):
    """Finalise the report (on the copy) and write it signed, as "Ký số và xuất…" does."""
    from khuyenhoc_desktop.services import report_documents, reports
    from khuyenhoc_desktop.storage.models import Report

    signer, _ca = pki
    out = folder / "bao-cao-da-ky"
    out.mkdir()
    with ctx.db.write() as session:
        if not session.get(Report, report_id).finalised:
            reports.finalise(session, report_id)
        files = report_documents.write_report(session, report_id, out, signer=signer)
    _check(files.signed and files.p7s is not None and files.p7s.is_file(), "tệp Excel chưa có chữ ký .p7s")
    details.append(f"Đã ký {files.pdf.name} (mức {files.level}) và {files.p7s.name}")
    return files


def _verify(files, pki, folder: Path, details: list[str]) -> None:
    from khuyenhoc_desktop.signing.cms import verify_detached
    from khuyenhoc_desktop.signing.pdf_sign import verify_pdf

    _signer, ca = pki
    pdf = verify_pdf(files.pdf, [ca])
    _check(pdf.ok, f"chữ ký PDF: {pdf.message_vi}")
    workbook = verify_detached(files.xlsx, files.p7s, [ca])
    _check(workbook.ok, f"chữ ký tệp Excel: {workbook.message_vi}")
    changed = folder / "bao-cao-bi-sua.xlsx"
    data = bytearray(files.xlsx.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.write_bytes(bytes(data))
    _check(not verify_detached(changed, files.p7s, [ca]).ok, "tệp Excel bị sửa mà chữ ký vẫn báo hợp lệ")
    details += [f"PDF: {pdf.message_vi}", f"Excel: {workbook.message_vi}",
                "Tệp Excel bị sửa một byte: chữ ký báo không hợp lệ, đúng như mong đợi"]


def _export_persons(ctx, folder: Path, details: list[str]) -> None:
    import openpyxl

    from khuyenhoc_desktop.domain.money import format_count
    from khuyenhoc_desktop.services.exporting import export_list, sheet_columns
    from khuyenhoc_desktop.services.lists import ListQuery, total_count

    out = folder / "nhan-khau.xlsx"
    result = export_list(ctx.db, ListQuery("persons"), out)
    with ctx.db.read() as session:
        expected = total_count(session, "persons")
    headers = [c.header for c in sheet_columns("persons")]
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = iter(book.worksheets[0].iter_rows(values_only=True))
        _check(any(list(row[:len(headers)]) == headers for row in rows), "không thấy dòng tiêu đề các cột")
        read_back = sum(1 for row in rows if any(v not in (None, "") for v in row))
    finally:
        book.close()
    _check(result.rows == expected == read_back,
           f"xuất {result.rows} dòng, đọc lại {read_back}, dữ liệu có {expected} nhân khẩu")
    details.append(f"Đã xuất và đọc lại {format_count(read_back)} dòng")


def _token_support(details: list[str]) -> None:
    """The compiled PKCS#11 binding loads; the token libraries found on this computer are listed
    (none is loaded: a vendor driver may ask for a PIN or hang)."""
    import importlib

    from khuyenhoc_desktop.signing.identity import find_pkcs11_libraries

    for module in ("pkcs11._pkcs11", "pyhanko.sign.pkcs11"):
        importlib.import_module(module)
    found = find_pkcs11_libraries()
    details += [f"Thư viện USB token tìm thấy: {path}" for path in found] or [
        "Chưa thấy thư viện USB token nào trên máy này; muốn ký bằng USB token, hãy cài phần mềm "
        "(driver) của nhà cung cấp chữ ký số."]
