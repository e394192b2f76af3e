"""Qt's own texts in Vietnamese (resources/translations/qtbase_vi.qm) and the bundled fonts."""

import unicodedata
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QLocale, Qt, QTranslator
from PySide6.QtGui import QAction, QFontDatabase
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFileSystemModel,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextEdit,
    QToolButton,
    QTreeView,
    QWizard,
    QWizardPage,
)

from khuyenhoc_desktop.ui.i18n import install_translations, load_bundled_fonts, translations_dir


def plain(text: str) -> str:
    """Button/menu text without the accelerator marker and the shortcut after a tab."""
    return text.split("\t", 1)[0].replace("&", "")


@pytest.fixture
def vi(qapp):
    previous_locale = QLocale()
    translator = install_translations(qapp)
    yield translator
    qapp.removeTranslator(translator)
    QLocale.setDefault(previous_locale)


def test_translation_file_is_loaded(vi):
    assert not vi.isEmpty()
    assert vi.language() == "vi_VN"
    assert QLocale().language() == QLocale.Language.Vietnamese
    assert QLocale().toString(1250000) == "1.250.000"


def test_message_box_yes_no_cancel(vi, qtbot):
    box = QMessageBox(QMessageBox.Icon.Question, "Xóa hộ", "Xóa hộ này?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert plain(box.button(QMessageBox.StandardButton.Yes).text()) == "Có"
    assert plain(box.button(QMessageBox.StandardButton.No).text()) == "Không"
    assert plain(box.button(QMessageBox.StandardButton.Cancel).text()) == "Hủy"
    assert box.button(QMessageBox.StandardButton.Yes).text() == "&Có"


def test_message_box_details_button(vi, qtbot):
    box = QMessageBox(QMessageBox.Icon.Warning, "Lỗi", "Không mở được tệp.")
    box.setDetailedText("chi tiết")
    qtbot.addWidget(box)
    texts = [b.text() for b in box.buttons()]
    assert "Xem chi tiết..." in texts


def test_dialog_button_box_uses_ui_guide_words(vi, qtbot):
    sb = QDialogButtonBox.StandardButton
    expected = {
        sb.Ok: "Đồng ý",
        sb.Cancel: "Hủy",
        sb.Save: "Lưu",
        sb.Discard: "Không lưu",
        sb.Close: "Đóng",
        sb.Apply: "Áp dụng",
        sb.Reset: "Đặt lại",
        sb.RestoreDefaults: "Khôi phục mặc định",
        sb.Help: "Trợ giúp",
        sb.Open: "Mở",
        sb.Retry: "Thử lại",
        sb.Ignore: "Bỏ qua",
    }
    buttons = sb.NoButton
    for flag in expected:
        buttons |= flag
    box = QDialogButtonBox(buttons)
    qtbot.addWidget(box)
    shown = {flag: plain(box.button(flag).text()) for flag in expected}
    assert shown == expected


def test_qt_file_dialog_is_vietnamese(vi, qtbot, tmp_path):
    dialog = QFileDialog(None, "Xuất Excel", str(tmp_path), "Excel (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    labels = {w.objectName(): w.text() for w in dialog.findChildren(QLabel) if w.isVisible()}
    assert labels["lookInLabel"] == "&Tìm trong:"
    assert labels["fileNameLabel"] == "Tê&n tệp:"
    assert labels["fileTypeLabel"] == "L&oại tệp:"

    push = [b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()]
    assert "&Lưu" in push
    assert "Hủy" in push

    tips = {b.objectName(): b.toolTip() for b in dialog.findChildren(QToolButton)}
    assert tips["backButton"] == "Quay lại"
    assert tips["toParentButton"] == "Thư mục cấp trên"
    assert tips["newFolderButton"] == "Tạo thư mục mới"

    tree = dialog.findChild(QTreeView)
    header = [tree.model().headerData(i, Qt.Orientation.Horizontal) for i in range(4)]
    assert header == ["Tên", "Kích cỡ", "Loại", "Ngày sửa đổi"]


def test_file_system_model_header(vi):
    model = QFileSystemModel()
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Tên"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Kích cỡ"


def test_line_edit_context_menu(vi, qtbot):
    edit = QLineEdit("Nguyễn Văn An")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [plain(a.text()) for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Hoàn tác", "Làm lại", "Cắt", "Sao chép", "Dán", "Xóa", "Chọn tất cả"]
    menu.deleteLater()


def test_text_edit_context_menu(vi, qtbot):
    edit = QTextEdit("Ghi chú")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [plain(a.text()) for a in menu.actions() if not a.isSeparator()]
    assert "Sao chép" in texts and "Dán" in texts and "Chọn tất cả" in texts
    menu.deleteLater()


def test_wizard_buttons(vi, qtbot):
    wizard = QWizard()
    wizard.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
    wizard.addPage(QWizardPage())
    wizard.addPage(QWizardPage())
    qtbot.addWidget(wizard)
    assert wizard.buttonText(QWizard.WizardButton.BackButton) == "< &Quay lại"
    assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Tiếp theo >"
    assert wizard.buttonText(QWizard.WizardButton.FinishButton) == "&Hoàn tất"
    assert wizard.buttonText(QWizard.WizardButton.CancelButton) == "Hủy"


def test_print_preview_dialog(vi, qtbot):
    printer = QPrinter()
    dialog = QPrintPreviewDialog(printer)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Xem trước khi in"
    actions = {a.text() for a in dialog.findChildren(QAction)}
    assert {"Phóng to", "Thu nhỏ", "Thiết lập trang", "In"} <= actions


def test_every_ts_message_is_in_the_compiled_qm():
    """Catches a .ts edited without recompiling the .qm (see resources/translations/README.md)."""
    translator = QTranslator()
    assert translator.load(str(translations_dir() / "qtbase_vi.qm"))
    root = ET.parse(translations_dir() / "qtbase_vi.ts").getroot()
    count = 0
    for context in root.iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            source = message.findtext("source")
            comment = message.findtext("comment") or ""
            translation = message.findtext("translation")
            assert translation, (name, source)
            assert unicodedata.normalize("NFC", translation) == translation, (name, source)
            assert translator.translate(name, source, comment or None) == translation, (name, source)
            count += 1
    assert count >= 300


def test_bundled_fonts(qapp):
    families = load_bundled_fonts()
    assert any("Liberation Serif" in f for f in families)
    family = next(f for f in families if "Liberation Serif" in f)
    assert QFontDatabase.WritingSystem.Vietnamese in QFontDatabase.writingSystems(family)
