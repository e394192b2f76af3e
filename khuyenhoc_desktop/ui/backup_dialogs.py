"""Backups in the window: "Sao lưu ngay", the automatic backup (on close and once a day), the
restore dialog, the .khbak bundle for another computer, and the offer to restore when the data
file is found damaged (at open: before the window after an unclean end, else in the background
once it is shown; or by the automatic backup's check)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from khuyenhoc_desktop import APP_NAME
from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.logs import log
from khuyenhoc_desktop.services import backups
from khuyenhoc_desktop.ui.widgets import confirm

RESTORE_TITLE = "Khôi phục từ bản sao lưu"
BUNDLE_TITLE = "Chuyển sang máy khác"
FILE_FILTER = "Bản sao lưu (*.sqlite *.khbak);;Mọi tệp (*)"
BUNDLE_FILTER = "Gói chuyển máy (*.khbak)"
CHECKING, PASSED, FAILED = "Đang kiểm tra…", "Tốt", "Hỏng"


@contextlib.contextmanager
def waiting():
    QApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


# ---- making backups

def backup_now(window) -> Path:
    with waiting():
        made = backups.automatic_backup(window.ctx.db.path)
    QMessageBox.information(window, "Sao lưu ngay", f"Đã sao lưu dữ liệu vào tệp:\n{made}\n\n"
                            "Nên chép thêm bản sao lưu ra USB hoặc máy khác để phòng hỏng máy.")
    return made


def automatic_backup(window, only_if_due: bool = False) -> Path | None:
    """The automatic backup; a failure never stops the user: it is logged and told in one line."""
    path = window.ctx.db.path
    try:
        if only_if_due and not backups.automatic_due(path, utcnow()):
            return None
        with waiting():
            return backups.automatic_backup(path)
    except Exception as exc:  # a full disk or a removed folder must not keep the window from closing
        log.exception("automatic backup of %s failed", path)
        if backups.is_damage(exc):
            offer_restore_of_open_file(window, "bản sao lưu tự động không qua được bước kiểm tra nên chưa sao lưu.")
            return None
        reason = str(exc) if isinstance(exc, UserError) else "lỗi khi ghi tệp (chi tiết trong nhật ký)"
        QMessageBox.warning(window, APP_NAME, f"Chưa sao lưu tự động được: {reason}\n"
                            "Dữ liệu đã lưu không bị ảnh hưởng; hãy thử lại bằng Tệp → Sao lưu ngay.")
        return None


def export_bundle(window) -> Path | None:
    """Save the whole data file as one .khbak for another computer."""
    from khuyenhoc_desktop.ui.export_action import LAST_FOLDER_KEY, start_folder

    if roles.masks_personal_data(window.ctx.db.role):
        raise UserError("Gói chuyển máy chứa đủ số CCCD, số điện thoại; vai trò của bạn không được xuất các số này.")
    settings = window.ctx.settings
    suggested = start_folder(settings) / f"{window.ctx.db.path.stem}-{utcnow():%Y%m%d}.khbak"
    name, _selected = QFileDialog.getSaveFileName(window, BUNDLE_TITLE, str(suggested), BUNDLE_FILTER)
    if not name:
        return None
    target = Path(name) if name.lower().endswith(backups.BUNDLE_SUFFIX) else Path(name + backups.BUNDLE_SUFFIX)
    settings.setValue(LAST_FOLDER_KEY, str(target.parent))
    # Qt's save dialog has already asked before replacing an existing file.
    target.unlink(missing_ok=True)
    with waiting():
        made = backups.write_bundle(window.ctx.db.path, target)
    QMessageBox.information(
        window, BUNDLE_TITLE,
        f"Đã đóng gói toàn bộ dữ liệu vào tệp:\n{made}\n\nChép tệp này sang máy kia, cài chương trình, rồi chọn "
        "Tệp → Khôi phục từ bản sao lưu… → Chọn tệp khác… và chọn tệp này.")
    return made


# ---- restoring

def describe(path: Path) -> str:
    """How a chosen file is named in the confirmation."""
    if backups.is_bundle(path):
        try:
            manifest = backups.bundle_manifest(path)
        except UserError:
            return f"tệp {path.name}"
        commune = f" của {manifest['commune']}" if manifest.get("commune") else ""
        return f"gói chuyển máy {path.name}{commune}, tạo lúc {manifest['created_local']}"
    return f"tệp {path.name}"


def confirm_restore(parent, what: str) -> bool:
    return confirm(parent, RESTORE_TITLE, f"Khôi phục dữ liệu từ {what}?",
                   "Dữ liệu đang dùng sẽ được thay bằng bản này; những gì nhập sau thời điểm sao lưu sẽ không còn "
                   "trong tệp đang dùng. Tệp hiện tại được sao lưu trước khi thay, nên vẫn lấy lại được.",
                   "Khôi phục", refuse="Hủy", action_by_default=True)


class RestoreDialog(QDialog):
    """The data file's backups, newest first, each checked in turn; or another file."""

    def __init__(self, db_path: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(RESTORE_TITLE)
        self.db_path = db_path
        self.chosen: Path | None = None
        self.found = backups.list_backups(db_path)
        hint = QLabel(f"Các bản sao lưu của tệp {db_path.name} (mới nhất ở trên), lưu trong "
                      f"{backups.folder_for(db_path)}. Chọn một bản rồi bấm Khôi phục, hoặc chọn một tệp khác "
                      "(bản sao lưu .sqlite hay gói chuyển máy .khbak).")
        hint.setWordWrap(True)
        self.table = QTableWidget(len(self.found), 3)
        self.table.setHorizontalHeaderLabels(["Thời điểm sao lưu", "Dung lượng", "Kiểm tra"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for row, item in enumerate(self.found):
            size = QTableWidgetItem(backups.format_size(item.size))
            size.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            for column, cell in enumerate((QTableWidgetItem(backups.local_time(item.made)), size,
                                           QTableWidgetItem(CHECKING))):
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self.restore_selected)
        self.empty = QLabel("Chưa có bản sao lưu nào. Chương trình tự sao lưu khi đóng cửa sổ và mỗi ngày một lần; "
                            "bấm Chọn tệp khác… để dùng một bản sao lưu hay gói chuyển máy đã chép vào máy.")
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setVisible(not self.found)
        self.restore_button = QPushButton("Khôi phục")
        self.restore_button.clicked.connect(self.restore_selected)
        other = QPushButton("Chọn tệp khác…")
        other.clicked.connect(self.choose_file)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(other)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.resize(620, 420)
        if self.found:
            self.table.selectRow(0)
        self._update_buttons()
        self._next_check = 0
        QTimer.singleShot(0, self._check_next)

    def _check_next(self) -> None:
        """One backup at a time, so the list shows at once even when the files are large."""
        if self._next_check >= len(self.found):
            return
        row = self._next_check
        passed = backups.quick_check(self.found[row].path) is None
        self.table.item(row, 2).setText(PASSED if passed else FAILED)
        if not passed:
            self.table.item(row, 2).setForeground(Qt.red)
        self._next_check += 1
        self._update_buttons()
        QTimer.singleShot(0, self._check_next)

    def checks_done(self) -> bool:
        return self._next_check >= len(self.found)

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _update_buttons(self) -> None:
        row = self._selected_row()
        self.restore_button.setEnabled(row is not None and self.table.item(row, 2).text() != FAILED)

    def restore_selected(self) -> None:
        row = self._selected_row()
        if row is None or self.table.item(row, 2).text() == FAILED:
            return
        item = self.found[row]
        if confirm_restore(self, f"bản sao lưu lúc {backups.local_time(item.made)}"):
            self.chosen = item.path
            self.accept()

    def choose_file(self) -> None:
        name, _selected = QFileDialog.getOpenFileName(self, "Chọn bản sao lưu", str(backups.folder_for(self.db_path)),
                                                      FILE_FILTER)
        if name and confirm_restore(self, describe(Path(name))):
            self.chosen = Path(name)
            self.accept()


def restore_and_reopen(window, backup_path: Path) -> None:
    """Close the data file, restore (which keeps a copy of the current file), open it again
    in a new window through the controller — also when the restore was refused."""
    controller = window.controller
    db_path, is_demo = window.ctx.db.path, window.ctx.is_demo
    window.automatic_backups = False  # the restore keeps its own copy of the replaced file
    window.ctx.db.close()
    try:
        with waiting():
            saved = backups.restore(backup_path, db_path)
    except UserError as exc:
        controller.open(db_path, is_demo)
        QMessageBox.warning(controller.window, RESTORE_TITLE, f"{exc}\nDữ liệu đang dùng vẫn như trước.")
        return
    except BaseException:
        controller.open(db_path, is_demo)
        raise
    controller.open(db_path, is_demo)
    kept = f"\n\nDữ liệu trước khi khôi phục được giữ ở:\n{saved}" if saved else ""
    QMessageBox.information(controller.window, RESTORE_TITLE, f"Đã khôi phục dữ liệu từ {backup_path.name}.{kept}")


def open_restore_dialog(window) -> None:
    code = window.ctx.db.role
    if not all(roles.may_write(code, area) for area in roles.AREA_LABELS):
        raise UserError("Khôi phục thay toàn bộ dữ liệu nên chỉ Chủ tịch Hội được làm; hãy đăng nhập bằng tài khoản "
                        "Chủ tịch Hội.")
    dialog = RestoreDialog(window.ctx.db.path, window)
    if dialog.exec() == QDialog.Accepted and dialog.chosen is not None:
        restore_and_reopen(window, dialog.chosen)


# ---- the data file found damaged

def _ask_restore(parent, message: str, good: backups.BackupFile) -> bool:
    return confirm(parent, APP_NAME, message,
                   f"Bản sao lưu tốt mới nhất: lúc {backups.local_time(good.made)} ({backups.format_size(good.size)})."
                   "\n\nKhôi phục bản này? Những gì nhập sau thời điểm đó sẽ không có. Tệp hỏng được giữ nguyên "
                   "trong thư mục sao lưu để người hỗ trợ kỹ thuật xem.",
                   "Khôi phục bản sao lưu này", refuse="Không khôi phục", icon=QMessageBox.Critical,
                   action_by_default=True)


def offer_restore_of_open_file(window, found: str) -> None:
    """The open data file was found damaged (`found`: how): say so, and offer the newest good
    backup (restored, then the file opened again in a new window)."""
    path = window.ctx.db.path
    message = f"Tệp dữ liệu {path.name} bị hỏng (có thể do mất điện hoặc ổ đĩa lỗi khi đang ghi): {found}"
    good = backups.newest_good_backup(path)
    if good is None or window.controller is None:
        QMessageBox.critical(window, APP_NAME, f"{message}\n\nKhông có bản sao lưu nào dùng được để khôi phục; "
                             "hãy ngừng nhập liệu và liên hệ người hỗ trợ kỹ thuật.")
        return
    if _ask_restore(window, message, good):
        restore_and_reopen(window, good.path)


# ---- the check at open

class _Found(QObject):
    """Carries the background check's finding to the window's thread (a queued signal)."""
    damaged = Signal(str)


def check_in_background(window) -> threading.Thread:
    """The check at open after a clean end: `PRAGMA quick_check` on its own read-only connection
    (a snapshot beside the window's), so the officer can start working meanwhile; damage found
    is told with the offer to restore."""
    path = window.ctx.db.path
    found = _Found(window)
    found.damaged.connect(lambda problem: offer_restore_of_open_file(
        window, f"bước kiểm tra lúc mở tệp phát hiện lỗi ({problem})."))

    def check() -> None:
        try:
            problem = backups.quick_check(path)
        except Exception:
            log.exception("background check of %s failed", path)
            return
        if problem is None:
            return
        log.warning("data file %s failed the check at open: %s", path, problem)
        with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
            found.damaged.emit(problem)

    worker = threading.Thread(target=check, name="quick-check", daemon=True)
    worker.start()
    return worker


def offer_restore_if_damaged(parent, path: Path, unattended: bool = False, found: str | None = None) -> None:
    """Before a data file is opened, when the last session did not end cleanly: if SQLite finds
    it damaged, offer the newest backup that passes the check. `found`: damage met while opening
    (no check needed). Raises UserError (the file untouched) when there is none or the user declines."""
    problem = found or backups.open_check(path)
    if problem is None:
        return
    log.warning("data file %s failed the check at open: %s", path, problem)
    message = backups.damaged_message(path)
    if unattended:
        raise UserError(f"{message} Hãy mở chương trình để khôi phục từ bản sao lưu; chưa có gì bị thay đổi.")
    good = backups.newest_good_backup(path)
    if good is None:
        raise UserError(f"{message} Không có bản sao lưu nào dùng được để khôi phục; chưa có gì bị thay đổi.")
    if not _ask_restore(parent, message, good):
        raise UserError(f"{message} Chưa có gì bị thay đổi; lần mở sau chương trình sẽ hỏi lại "
                        "(hoặc dùng lệnh khuyenhoc restore).")
    with waiting():
        saved = backups.restore(good.path, path)
    QMessageBox.information(parent, APP_NAME,
                            f"Đã khôi phục dữ liệu từ bản sao lưu lúc {backups.local_time(good.made)}."
                            f"\nTệp hỏng được giữ ở:\n{saved}")
