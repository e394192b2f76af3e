"""The user guide (resources/guide/huong-dan.md) and its pictures.

The pictures in resources/guide/anh/ are screenshots this test takes of the real windows on a
small demo commune, at a fixed size, font and date; a file is rewritten only when its pixels
changed, so a normal run leaves the working tree as it was and the guide never shows a window
that no longer exists. Paths that would name the test's temporary folder are shown as the
ordinary Windows places an officer would see instead.

F1 opens the guide in the help window, with its table of contents and search.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys

import openpyxl
import pytest
from PySide6.QtCore import QLocale, QSettings, QSize, Qt, QUrl
from PySide6.QtGui import QFont, QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from khuyenhoc_desktop import paths
from khuyenhoc_desktop.domain import dates
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.ui.help_window import IMAGE_WIDTH

GUIDE = paths.resources_dir() / "guide" / "huong-dan.md"
IMAGES = GUIDE.parent / "anh"
TODAY = dt.date(2026, 11, 20)
# The decisions page needs 1.320 pixels across; the pictures use that and the usual 720 down.
WINDOW = QSize(1320, 720)
FONT = ("DejaVu Sans", 10)
DATA_FILE = r"C:\Users\CanBo\AppData\Local\KhuyenHocDesktop\khuyenhoc.sqlite"
DOCUMENTS = r"C:\Users\CanBo\Documents\Khuyến Học"


def freeze_today(monkeypatch) -> None:
    """Every `today()` of the program (imported by name in many modules) returns TODAY."""
    # The window builds its pages lazily: load every module they use before patching.
    for module in ("main_window", "decisions_page", "forms_page", "fund_page", "home_page", "list_page",
                   "reports_page", "settings_page", "titles_page"):
        importlib.import_module(f"khuyenhoc_desktop.ui.{module}")

    original = dates.today
    for name, module in list(sys.modules.items()):
        if name.startswith("khuyenhoc_desktop") and getattr(module, "today", None) is original:
            monkeypatch.setattr(module, "today", lambda: TODAY)


def households_workbook(path):
    """A hamlet's list as officers keep it: a heading, then one household a line."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DS ho"
    sheet.append(["DANH SÁCH HỘ GIA ĐÌNH THÔN AN LẠC NĂM 2026"])
    sheet.append([])
    sheet.append(["STT", "Họ tên chủ hộ", "Nam/Nữ", "Năm sinh", "Số CCCD", "Thôn", "Địa chỉ"])
    sheet.append([1, "Lê Văn Thắng", "Nam", 1968, "022068001234", "Thôn An Lạc", "Xóm 2"])
    sheet.append([2, "Đỗ Thị Mai", "Nữ", 1979, "022179004321", "thon an lac", "Xóm 3"])
    sheet.append([3, "Nguyễn Văn Hiển", "Nam", 1975, "", "Thôn An Lạc", "Số nhà 17"])
    sheet.append([4, "Vũ Đình Tùng", "Nam", 1990, "1234", "Thôn An Lạc", "Xóm 1"])
    book.save(path)
    return path


def not_blank(image: QImage) -> bool:
    small = image.scaled(48, 48)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return len(colours) > 12


class Shots:
    """Saves each screenshot under anh/, only when it differs from the file already there."""

    def __init__(self, temporary):
        self.temporary = str(temporary)
        self.taken: dict[str, QImage] = {}

    def save(self, name: str, widget) -> None:
        QApplication.processEvents()
        shown = [w.text() for kind in (QLabel, QLineEdit) for w in widget.findChildren(kind) if w.isVisible()]
        assert not [t for t in shown if self.temporary in t], f"{name}: a temporary path would change every run"
        image = widget.grab().toImage().convertToFormat(QImage.Format_RGB32)
        path = IMAGES / f"{name}.png"
        old = QImage(str(path))
        if old.isNull() or old.convertToFormat(QImage.Format_RGB32) != image:
            IMAGES.mkdir(parents=True, exist_ok=True)
            assert image.save(str(path)), path
        self.taken[name] = image


def show_dialog(dialog):
    """A modal dialog shown without exec(), so the test can grab it and go on."""
    dialog.setWindowModality(Qt.NonModal)
    dialog.show()
    QApplication.processEvents()
    return dialog


def dismiss(dialog) -> None:
    """Put a dialog away without its close questions (nothing typed in it is kept)."""
    dialog.hide()
    dialog.deleteLater()


@pytest.fixture
def app_look(qapp):
    """The program's own start-up (Vietnamese Qt texts and number formats, bundled fonts), a fixed
    screen font and a steady text cursor: the same pixels whichever tests ran before."""
    from khuyenhoc_desktop.ui import i18n

    font, flash, locale, had_translation = qapp.font(), qapp.cursorFlashTime(), QLocale(), i18n._installed
    i18n.install_translations(qapp)
    i18n.load_bundled_fonts()
    qapp.setFont(QFont(*FONT))
    qapp.setCursorFlashTime(0)
    yield
    qapp.setFont(font)
    qapp.setCursorFlashTime(flash)
    if had_translation is None:
        qapp.removeTranslator(i18n._installed)
        i18n._installed = None
        QLocale.setDefault(locale)


@pytest.fixture
def guide_window(qtbot, tmp_path, monkeypatch, app_look):
    from khuyenhoc_desktop.services.demo import build_demo
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.main_window import MainWindow

    freeze_today(monkeypatch)
    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "data")
    db = Database(tmp_path / "xa-mau.sqlite")
    build_demo(db, households=60, seed=7)
    ctx = AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(WINDOW)
    window.show()
    window.statusBar().showMessage(f"Tệp dữ liệu: {DATA_FILE}")
    yield window
    window.close()
    db.close()


def test_screenshots_of_the_guide(guide_window, qtbot, tmp_path):
    from khuyenhoc_desktop.services import reports, titles
    from khuyenhoc_desktop.ui.certificate_dialog import CertificateDialog
    from khuyenhoc_desktop.ui.fund_dialogs import VoucherDialog
    from khuyenhoc_desktop.ui.import_wizard import ImportWizard
    from khuyenhoc_desktop.ui.profile_dialog import ProfileDialog
    from khuyenhoc_desktop.ui.scoring_dialog import ScoringDialog
    from khuyenhoc_desktop.ui.sign_dialog import SignDialog

    win, shots = guide_window, Shots(tmp_path)
    ctx = win.ctx
    last_year = TODAY.year - 1

    shots.save("trang-chu", win)

    dialog = show_dialog(ProfileDialog(ctx, win, first_run=True))
    shots.save("ho-so-xa", dialog)
    dismiss(dialog)

    households = win.show_page("households")
    households.search.setText("nguyen van")
    households._search_timer.timeout.emit()
    shots.save("tim-kiem-ho", win)

    wizard = ImportWizard(ctx, "households", win)
    show_dialog(wizard)
    workbook = str(households_workbook(tmp_path / "danh-sach-ho-thon-an-lac.xlsx"))
    wizard.file_page.set_file(workbook)
    wizard.file_page.path.setText(rf"{DOCUMENTS}\danh-sach-ho-thon-an-lac.xlsx")
    wizard.file_page.path.deselect()
    shots.save("nhap-excel", wizard)
    wizard.file_page.path.setText(workbook)
    wizard.next()
    shots.save("nhap-excel-ghep-cot", wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.review.plan is not None, timeout=20000)
    shots.save("nhap-excel-kiem-tra", wizard)
    dismiss(wizard)

    page = win.show_page("titles")
    page.year.setValue(last_year)
    shots.save("danh-hieu", win)

    with ctx.db.read() as session:
        ids = titles.registration_ids(session, titles.RegistrationQuery(TODAY.year, "GĐHT", status="unscored"))
    dialog = show_dialog(ScoringDialog(ctx, ids, 0, win))
    for row, points in zip(dialog.rows, (10, 9, 10, 10, 8, 7, 9, 8, 10, 9, 8, 9)):
        row.set_value(points)
    dialog.rows[0].evidence.setText("Giấy xác nhận của nhà trường")
    shots.save("cham-diem", dialog)
    dismiss(dialog)

    page = win.show_page("decisions")
    page.year.setValue(last_year)
    page.table.selectRow(0)
    shots.save("quyet-dinh", win)
    dialog = show_dialog(CertificateDialog(ctx, page.rows[0]["id"], win))
    for edit in dialog.texts.values():
        edit.setCursorPosition(0)  # each line from its start, as after a click elsewhere
    dialog.render_preview()
    shots.save("giay-cong-nhan", dialog)
    dismiss(dialog)

    win.show_page("fund")
    shots.save("quy", win)
    dialog = show_dialog(VoucherDialog(ctx, "receipt", win))
    dialog.amount.setText("1.250.000")
    dialog.party.name.setText("Công ty TNHH Minh Phát")
    dialog.party.address.setText("Thôn An Lạc")
    dialog.purpose.setCurrentText("Khai giảng năm học")
    dialog.handled_by.setText("Nguyễn Ngọc Chi")
    shots.save("phieu-thu", dialog)
    dismiss(dialog)

    with ctx.db.write() as session:
        annual = reports.save_report(session, reports.ReportForm("annual", last_year))
        reports.finalise(session, annual)
        reports.save_report(session, reports.ReportForm("half_year", TODAY.year))
    ctx.changed("reports")
    page = win.show_page("reports")
    page.select_id(annual)
    shots.save("bao-cao", win)

    dialog = SignDialog(ctx, annual, "Báo cáo số 01/BC-HKH", win)
    dialog.use_token.setChecked(True)
    dialog.library.clear()
    dialog.library.addItem(r"C:\Windows\System32\viettel-ca_v6.dll")
    dialog.certificate.addItem("TRẦN THỊ NGA — do Viettel-CA cấp, hết hạn 31/12/2027 (thiết bị VIETTEL-CA)")
    dialog.certificate.setCurrentIndex(0)
    dialog.folder.setText(DOCUMENTS)
    dialog.secret.setText("123456")  # shown as dots, as when typing the PIN
    dialog.resize(780, dialog.height())
    show_dialog(dialog)
    shots.save("ky-so", dialog)
    dismiss(dialog)

    page = win.show_page("settings")
    for label in page.findChildren(QLabel):
        if label.text() == str(ctx.db.path):
            label.setText(DATA_FILE)
    shots.save("cai-dat", win)

    referenced = set(re.findall(r"\(anh/([\w-]+)\.png\)", GUIDE.read_text(encoding="utf-8")))
    on_disk = {p.stem for p in IMAGES.glob("*.png")}
    assert referenced == set(shots.taken), "the guide shows exactly the pictures this test takes"
    assert on_disk == set(shots.taken), f"pictures nobody takes any more: {on_disk - set(shots.taken)}"
    for name, image in shots.taken.items():
        assert not_blank(image), name
        assert image.width() >= 300 and image.height() >= 200, name


def test_f1_opens_the_guide_at_the_page_and_finds_words_without_diacritics(guide_window, qtbot):
    from khuyenhoc_desktop.ui.help_window import PAGE_SECTIONS, HelpWindow
    from khuyenhoc_desktop.ui.main_window import NAVIGATION

    win = guide_window
    assert win.action_help.shortcut() == QKeySequence(QKeySequence.HelpContents)
    win.show_page("fund")
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key_F1)
    help_window = win.findChild(HelpWindow)
    assert help_window is not None and help_window.isVisible()
    assert help_window.windowTitle() == "Hướng dẫn sử dụng"
    assert help_window.contents.currentItem().text() == "5. Quỹ khuyến học"
    assert help_window.sections()[:2] == ["1. Cài đặt và lần đầu mở", "2. Danh sách"]
    assert "Phiếu thu mới" in help_window.browser.toPlainText()

    shown = help_window.browser.grab().toImage()  # lays the page out, loading its pictures
    image = help_window.browser.document().resource(QTextDocument.ImageResource, QUrl("anh/quy.png"))
    assert isinstance(image, QImage) and image.width() == IMAGE_WIDTH, "the screenshot is shown, scaled to fit"
    assert not_blank(shown)

    help_window.search.setText("khoa so")  # typed without diacritics
    cursor = help_window.browser.textCursor()
    assert cursor.selectedText().lower() == "khóa sổ"
    first = cursor.selectionStart()
    total = len(help_window.matches("khoa so"))
    assert total >= 2 and help_window.found.text() == f"Chỗ 1 / {total}"
    help_window.find()
    assert help_window.browser.textCursor().selectionStart() > first
    help_window.search.setText("chữ không có ở đây")
    assert help_window.found.text() == "Không tìm thấy."

    win.show_page("reports")
    qtbot.keyClick(win, Qt.Key_F1)
    assert win.findChildren(HelpWindow) == [help_window], "F1 again brings the same window forward"
    assert help_window.contents.currentItem().text() == "6. Báo cáo và ký số"
    scroll = help_window.browser.verticalScrollBar()
    at_section = scroll.value()
    scroll.setValue(0)
    qtbot.keyClick(win, Qt.Key_F1)
    assert scroll.value() == at_section > 0, "F1 on the same page goes back to its section"
    assert set(PAGE_SECTIONS) == {key for key, _label in NAVIGATION}
    assert all(help_window.show_section(number) for number in PAGE_SECTIONS.values())


def test_help_window_without_the_guide_file_says_so(qtbot, monkeypatch, tmp_path):
    from khuyenhoc_desktop.ui import help_window

    monkeypatch.setattr(help_window, "guide_path", lambda: tmp_path / "huong-dan.md")
    window = help_window.HelpWindow()
    qtbot.addWidget(window)
    assert window.browser.toPlainText().startswith("Không mở được tệp hướng dẫn")
    assert window.sections() == [] and not window.find()
