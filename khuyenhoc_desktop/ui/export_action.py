"""Xuất Excel on a list page: where to save (and, for lists with CCCD or phone numbers, whether
to write them in full — never offered to a read-only user), the export in the background with a "Dừng" button, then where it went."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QFileDialog, QMessageBox, QWidget

from khuyenhoc_desktop import paths
from khuyenhoc_desktop.domain import dates, roles
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.services import exporting
from khuyenhoc_desktop.ui.ops import run_with_progress

TITLE = "Xuất Excel"
FILE_FILTER = "Sổ tính Excel (*.xlsx)"
LAST_FOLDER_KEY = "export/last_folder"
FULL_IDS_TEXT = "Kèm số CCCD/điện thoại đầy đủ (không che)"


def export_list(page) -> None:
    """Export what the page shows (its search, filters and order) to a workbook."""
    kind_key = page.kind_key
    query = page.current_query()
    full_ids = False
    if exporting.has_personal_column(kind_key) and not roles.masks_personal_data(page.ctx.db.role):
        answer = ask_full_ids(page)
        if answer is None:
            return
        full_ids = answer
    target = choose_file(page, kind_key)
    if target is None:
        return
    db = page.ctx.db

    def work(progress, cancelled):
        # Qt's save dialog has already asked before replacing an existing file.
        return exporting.export_list(db, query, target, full_ids=full_ids, overwrite=True,
                                     progress=progress, cancel=cancelled)

    run_with_progress(page, TITLE, work, lambda result: show_done(page, result))


def ask_full_ids(parent: QWidget | None) -> bool | None:
    """True to write CCCD and phone numbers in full, False to mask them (the default), None if
    the user cancels."""
    box = QMessageBox(QMessageBox.Question, TITLE, "Danh sách này có số CCCD hoặc số điện thoại.", parent=parent)
    box.setInformativeText(
        "Số CCCD, số điện thoại là dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP): khi xuất, số được che bớt, "
        "ví dụ 0010******56, 091****678. Chỉ ghi đủ số khi nơi nhận thật sự cần."
    )
    check = QCheckBox(FULL_IDS_TEXT)
    box.setCheckBox(check)
    go = box.addButton("Chọn nơi lưu…", QMessageBox.AcceptRole)
    box.addButton("Hủy", QMessageBox.RejectRole)
    box.setDefaultButton(go)
    box.exec()
    if box.clickedButton() is not go:
        return None
    return check.isChecked()


def start_folder(settings) -> Path:
    """The folder used last time, else the exports folder (made if missing), else home."""
    saved = settings.value(LAST_FOLDER_KEY)
    if saved and Path(str(saved)).is_dir():
        return Path(str(saved))
    folder = paths.exports_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder


def choose_file(parent, kind_key: str) -> Path | None:
    settings = parent.ctx.settings
    suggested = start_folder(settings) / exporting.default_file_name(kind_key, dates.today())
    name, _selected = QFileDialog.getSaveFileName(parent, TITLE, str(suggested), FILE_FILTER)
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
        # The dialog checked the name as typed, not with the suffix we added.
        if path.exists() and not confirm_replace(parent, path):
            return None
    settings.setValue(LAST_FOLDER_KEY, str(path.parent))
    return path


def confirm_replace(parent, path: Path) -> bool:
    box = QMessageBox(QMessageBox.Warning, TITLE, f"Tệp “{path.name}” đã có trong thư mục này.", parent=parent)
    box.setInformativeText("Ghi đè thì nội dung cũ của tệp sẽ mất.")
    replace = box.addButton("Ghi đè", QMessageBox.DestructiveRole)
    cancel = box.addButton("Hủy", QMessageBox.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is replace


def done_box(parent, result: exporting.ExportResult) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Information,
        TITLE,
        f"Đã xuất {format_count(result.rows)} dòng vào tệp “{result.path.name}”.",
        parent=parent,
    )
    box.setInformativeText(f"Thư mục: {result.path.parent}")
    box.open_button = box.addButton("Mở thư mục", QMessageBox.ActionRole)
    close = box.addButton("Đóng", QMessageBox.RejectRole)
    box.setDefaultButton(close)
    box.setEscapeButton(close)
    return box


def show_done(parent, result: exporting.ExportResult) -> None:
    box = done_box(parent, result)
    box.exec()
    if box.clickedButton() is box.open_button:
        open_folder(parent, result.path.parent)


def open_folder(parent, folder: Path) -> None:
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        QMessageBox.warning(parent, TITLE, f"Không mở được thư mục {folder}; hãy mở nó bằng trình quản lý tệp.")
