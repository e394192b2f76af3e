"""The reports page and its dialogs on a small demo commune: a new report numbered 01/BC-HKH, the
narrative edited and regenerated, finalising (figures frozen, fund locked), the files written
unsigned and shown, signing with a .p12 (a wrong passphrase keeps the dialog open with the
Vietnamese message), and checking signatures against the trusted roots."""

import datetime as dt

import pytest
from PySide6.QtCore import QSettings

from khuyenhoc_desktop import paths
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import fund, reports
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.signing import identity, trust
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.report_dialog import ReportDialog
from khuyenhoc_desktop.ui.reports_page import ReportsPage
from khuyenhoc_desktop.ui.verify_dialog import INVALID, UNTRUSTED, VALID, TrustedRootsDialog, VerifyDialog
from tests.gui_helpers import click_button, when_modal

pytest.importorskip("pyhanko")

from tests.test_signing import _flip, make_pki  # noqa: E402

LAST = today().year - 1


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    """Signing setting and trusted roots in the test's own folder, never the user's."""
    folder = tmp_path / "data"
    monkeypatch.setattr(paths, "user_data_dir", lambda: folder)
    return folder


@pytest.fixture
def ctx(demo_db, tmp_path):
    return AppContext(demo_db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    make_pki(folder)
    return folder


def column(model, col):
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def make_page(ctx, qtbot):
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    page.ensure_loaded()
    return page


def new_report(page, kind="annual", year=LAST):
    def fill(dialog):
        dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
        dialog.year.setValue(year)
        fill.number = dialog.number.text()
        fill.suggestions = [dialog.addressed_to.itemText(i) for i in range(dialog.addressed_to.count())]
        dialog.save_button.click()

    when_modal(fill)
    page.new_report()
    return fill


def finalised_report(ctx, qtbot):
    page = make_page(ctx, qtbot)
    new_report(page)
    when_modal(lambda box: click_button(box, "Chốt số liệu"))
    page.finalise_report()
    return page, page.rows[0]["id"]


def test_new_report_edit_and_finalise(ctx, qtbot, demo_db):
    page = make_page(ctx, qtbot)
    assert page.objectName() == "page_reports"
    assert page.stack.currentWidget() is page.empty
    assert not page.edit_button.isEnabled() and "Chọn một báo cáo" in page.edit_button.toolTip()

    fill = new_report(page)
    with demo_db.read() as s:
        profile = get_profile(s)
        stored = reports.list_reports(s)
    assert fill.number == "01/BC-HKH" and fill.suggestions[0] == profile.report_to
    assert [(r["number"], r["kind"], r["year"]) for r in stored] == [("01/BC-HKH", "annual", LAST)]
    assert column(page.model, 0) == ["01/BC-HKH"] and column(page.model, 5) == ["Dự thảo"]
    assert page.edit_button.isEnabled() and not page.sign_button.isEnabled()
    assert "chốt số liệu trước" in page.sign_button.toolTip()

    def edit(dialog: ReportDialog):
        assert [s.heading.text() for s in dialog.sections][0] == "I. KẾT QUẢ THỰC HIỆN"
        assert dialog.figure_model.rowCount() > 20
        dialog.sections[0].text.setPlainText("Năm qua Hội đã làm tốt.\n\nĐoạn thứ hai.")
        dialog.sections[1].heading.setText("II. TỒN TẠI, HẠN CHẾ")
        dialog.recipients.setPlainText("Như trên;\nLưu: VT.")
        dialog.report_date.setText(f"20/12/{LAST}")
        dialog.save_button.click()

    when_modal(edit)
    page.edit_report()
    with demo_db.read() as s:
        form = reports.load_report(s, page.rows[0]["id"])
    assert form.narrative[0][1] == "Năm qua Hội đã làm tốt.\n\nĐoạn thứ hai."
    assert form.narrative[1][0] == "II. TỒN TẠI, HẠN CHẾ"
    assert form.recipients == ["Như trên;", "Lưu: VT."] and form.report_date == dt.date(LAST, 12, 20)

    when_modal(lambda box: click_button(box, "Chốt số liệu"))
    page.finalise_report()
    assert column(page.model, 5) == ["Đã chốt"]
    assert not page.edit_button.isEnabled() and page.sign_button.isEnabled()
    with demo_db.read() as s:
        assert fund.locked_until(s) == dt.date(LAST, 12, 31)


def test_a_draft_can_be_deleted_a_finalised_report_cannot(ctx, qtbot, demo_db):
    page = make_page(ctx, qtbot)
    new_report(page, "half_year", LAST)
    new_report(page, "annual", LAST)
    assert page.delete_button.isEnabled()
    draft = page.rows[0]
    when_modal(lambda box: click_button(box, "Không"))
    page.delete_report()
    assert len(page.rows) == 2
    when_modal(lambda box: click_button(box, "Xóa dự thảo"))
    page.delete_report()
    with demo_db.read() as s:
        assert [r["number"] for r in reports.list_reports(s)] == [r["number"] for r in page.rows]
    assert draft["id"] not in [r["id"] for r in page.rows] and len(page.rows) == 1
    page.select_id(page.rows[0]["id"])
    when_modal(lambda box: click_button(box, "Chốt số liệu"))
    page.finalise_report()
    assert not page.delete_button.isEnabled() and "đã chốt" in page.delete_button.toolTip()
    with demo_db.write() as s, pytest.raises(UserError, match="đã chốt; không xóa được"):
        reports.delete_draft(s, page.rows[0]["id"])


def test_edit_dialog_refills_and_shows_field_errors(ctx, qtbot, demo_db):
    page = make_page(ctx, qtbot)
    new_report(page, "half_year", LAST)
    dialog = ReportDialog(ctx, page.rows[0]["id"])
    qtbot.addWidget(dialog)
    original = dialog.narrative()
    dialog.sections[2].text.setPlainText("tạm")
    when_modal(lambda box: click_button(box, "Điền lại"))
    dialog.refill()
    assert dialog.narrative() == original
    percent = [r for r in dialog.figure_model.rows if r[0] == "gdht_share"][0]
    assert "/" in percent[3] and (percent[4].endswith("%") or percent[4] == "—")

    dialog.report_date.setText("31/02/2020")
    dialog.number.setText("năm")
    dialog.save_button.click()
    assert dialog.errors["report_date"].isVisibleTo(dialog) and dialog.errors["number"].isVisibleTo(dialog)
    assert "05/BC-HKH" in dialog.errors["number"].text()
    assert dialog.result() == 0


def test_view_and_export_unsigned(ctx, qtbot, tmp_path):
    page = make_page(ctx, qtbot)
    new_report(page)
    page.table.selectRow(0)
    shown = []
    page.show_report(on_open=shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    assert shown[0].path.is_file() and shown[0].page.maximum() >= 2
    shown[0].reject()

    out = tmp_path / "out"
    out.mkdir()
    said = []

    def close(box):
        if box.windowTitle() != "Xuất tệp báo cáo" or not box.buttons():  # the progress dialog comes first
            return when_modal(close, attempts=1500)
        said.append(box.text() + box.informativeText())
        click_button(box, "Đóng")

    when_modal(close, attempts=1500)
    page.export_files(out)
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert str(out) in said[0] and "DỰ THẢO" in said[0]
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".xlsx"]


def test_sign_with_p12_then_verify(ctx, qtbot, tmp_path, pki, user_data):
    from khuyenhoc_desktop.signing.pdf_sign import verify_pdf
    from khuyenhoc_desktop.ui.sign_dialog import SignDialog

    page, report_id = finalised_report(ctx, qtbot)
    out = tmp_path / "signed"
    out.mkdir()
    dialog = SignDialog(ctx, report_id, "Báo cáo số 01/BC-HKH")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.use_p12.isChecked() and dialog.secret.echoMode() == dialog.secret.EchoMode.Password
    dialog.p12_path.setText(str(pki / "signer.p12"))
    dialog.folder.setText(str(out))
    dialog.remember.setChecked(True)

    dialog.secret.setText("sai")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30000)
    assert "mật khẩu không đúng" in dialog.error.text()
    assert dialog.isVisible() and dialog.secret.text() == "" and not list(out.iterdir())

    dialog.secret.setText("matkhau")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.isVisible(), timeout=60000)
    files = dialog.result_files
    assert files.signed and files.level == "B-B" and files.p7s.is_file() and files.xlsx.is_file()
    assert "B-B" in dialog.outcome.text() and files.pdf.name in dialog.outcome.text()
    assert verify_pdf(files.pdf, [pki / "ca.pem"]).ok
    # The choice is remembered, the passphrase never.
    saved = (user_data / "signing-identity.json").read_text(encoding="utf-8")
    assert identity.load_setting() == identity.IdentitySetting("p12", str(pki / "signer.p12"))
    identity.clear_setting()
    assert identity.load_setting() is None
    assert "matkhau" not in saved and "sai" not in saved

    roots = TrustedRootsDialog()
    qtbot.addWidget(roots)
    assert roots.empty.isVisibleTo(roots)
    roots.import_file(pki / "ca.pem")
    assert [r.subject for r in trust.list_roots()] == ["Gốc Thử Nghiệm CA"]
    assert roots.model.rowCount() == 1 and roots.remove_button.isEnabled()

    def check(path):
        verify = VerifyDialog(ctx, path=path)
        qtbot.addWidget(verify)
        verify.check_button.click()
        qtbot.waitUntil(lambda: verify.headline.isVisibleTo(verify) or verify.error.isVisibleTo(verify),
                        timeout=30000)
        return verify

    good = check(files.pdf)
    assert good.headline.text() == VALID and "Người ký: Nguyễn Văn Ánh" in good.details.text()
    assert "#2e7d32" in good.headline.styleSheet()
    workbook = check(files.xlsx)  # the .p7s beside it is found
    assert workbook.headline.text() == VALID

    tampered = check(_flip(files.pdf, tmp_path / "sua.pdf"))
    assert tampered.headline.text() == INVALID and "#c62828" in tampered.headline.styleSheet()

    when_modal(lambda box: click_button(box, "Bỏ tin cậy"))
    roots.remove()
    assert trust.list_roots() == [] and roots.model.rowCount() == 0
    assert check(files.pdf).headline.text() == UNTRUSTED

    unsigned = tmp_path / "khong-ky.pdf"
    unsigned.write_bytes(b"%PDF-1.4\n%%EOF\n")
    refused = check(unsigned)
    assert refused.error.isVisibleTo(refused) and not refused.headline.isVisibleTo(refused)


def test_settings_show_and_forget_the_signing_choice(ctx, qtbot, user_data):
    from khuyenhoc_desktop.ui.main_window import MainWindow

    identity.save_setting(identity.IdentitySetting("pkcs11", "/usr/lib/softhsm/libsofthsm2.so", "T", "0a1b"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    page = window.show_page("settings")
    assert page.signing_text.text() == "USB token T (thư viện /usr/lib/softhsm/libsofthsm2.so, khóa 0a1b)"
    page.forget_button.click()
    assert identity.load_setting() is None and not page.forget_button.isEnabled()
    assert page.signing_text.text().startswith("Chưa chọn")
