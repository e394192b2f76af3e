"""Starting the window: translations and fonts, opening the data file, first run, demo, self-test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from khuyenhoc_desktop import APP_ID, APP_NAME
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.paths import default_db_path, resources_dir, user_data_dir

DEMO_HOUSEHOLDS = 800
DEMO_SEED = 1


def demo_db_path() -> Path:
    return user_data_dir() / "xa-mau.sqlite"


def _has_data(db) -> bool:
    from khuyenhoc_desktop.services.stats import commune_stats

    with db.read() as session:
        stats = commune_stats(session)
    return stats["profile"] is not None or any(stats["counts"].values())


class Controller:
    """Owns the open data file and its window, so the program can switch to the demo commune."""

    def __init__(self, app):
        self.app = app
        self.window = None
        self.ctx = None
        # The self-test: no questions asked, no automatic backups of its throwaway copies.
        self.unattended = False
        self.background_check = None  # the thread checking the file opened after a clean end

    def open(self, path: Path, is_demo: bool) -> None:
        """Open `path` in a new window (closing the current one); UserError if it cannot be opened."""
        from khuyenhoc_desktop.services.backups import ended_uncleanly, is_damage
        from khuyenhoc_desktop.ui.backup_dialogs import check_in_background, offer_restore_if_damaged

        checked = ended_uncleanly(path)
        offer_restore_if_damaged(self.window, Path(path), unattended=self.unattended)
        try:
            self._open(path, is_demo)
        except Exception as exc:
            # Damage met before the background check could look (the last session ended cleanly).
            if not is_damage(exc):
                raise
            offer_restore_if_damaged(self.window, Path(path), unattended=self.unattended, found=str(exc))
            self._open(path, is_demo)
            checked = True
        self.background_check = None if checked or self.unattended else check_in_background(self.window)

    def _open(self, path: Path, is_demo: bool) -> None:
        from khuyenhoc_desktop.storage.database import Database
        from khuyenhoc_desktop.ui import login_dialog
        from khuyenhoc_desktop.ui.context import AppContext
        from khuyenhoc_desktop.ui.main_window import MainWindow

        db = Database(path)
        try:
            if not self.unattended and not login_dialog.sign_in(db, self.window):
                raise UserError(f"Chưa đăng nhập nên chưa mở tệp dữ liệu {Path(path).name}.")
            if self.window is not None:
                self.window.close()
                self.ctx.db.close()
                self.window = None
            self.ctx = AppContext(db, is_demo=is_demo)
            self.window = MainWindow(self.ctx)
        except BaseException:
            db.close()
            raise
        self.window.controller = self
        self.window.automatic_backups = not (is_demo or self.unattended)
        self.window.show()

    def run_until_closed(self) -> int:
        """The event loop, then the data file closed: SQLite removes its write-ahead log only
        when the last connection closes, and a log left behind means an unclean end
        (`backups.ended_uncleanly`), checked at the next open."""
        code = self.app.exec()
        if self.ctx is not None:
            self.ctx.db.close()
        return code

    def open_or_explain(self, path: Path, is_demo: bool) -> bool:
        from PySide6.QtWidgets import QMessageBox

        try:
            self.open(path, is_demo)
        except UserError as exc:
            QMessageBox.critical(self.window, APP_NAME, str(exc))
            return False
        return True

    def open_demo(self, parent=None) -> None:
        """Open the demo commune, building it first (with a progress bar) if it is not there."""
        from khuyenhoc_desktop.services.demo import build_demo
        from khuyenhoc_desktop.storage.database import Database
        from khuyenhoc_desktop.ui.ops import run_with_progress

        path = demo_db_path()
        with Database(path) as db:
            ready = _has_data(db)
        if ready:
            self.open_or_explain(path, is_demo=True)
            return

        def work(progress, cancelled):
            with Database(path) as db:
                return build_demo(db, households=DEMO_HOUSEHOLDS, seed=DEMO_SEED, progress=progress, cancel=cancelled)

        run_with_progress(parent or self.window, "Đang tạo xã mẫu", work, lambda _r: self.open_or_explain(path, is_demo=True))

    def first_run(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from khuyenhoc_desktop.ui.profile_dialog import ProfileDialog

        box = QMessageBox(self.window)
        box.setWindowTitle(f"Chào mừng đến với {APP_NAME}")
        box.setIcon(QMessageBox.Information)
        box.setText(
            "Đây là lần đầu mở tệp dữ liệu này.\n\n"
            "Bạn có thể thiết lập ngay hồ sơ xã của mình, hoặc mở một xã mẫu (dữ liệu giả lập, "
            "lưu ở tệp riêng) để xem thử chương trình."
        )
        setup = box.addButton("Thiết lập xã của tôi", QMessageBox.AcceptRole)
        demo = box.addButton("Mở xã mẫu để xem thử", QMessageBox.ActionRole)
        box.addButton("Để sau", QMessageBox.RejectRole)
        box.setDefaultButton(setup)
        box.exec()
        if box.clickedButton() is setup:
            ProfileDialog(self.ctx, self.window, first_run=True).exec()
        elif box.clickedButton() is demo:
            self.open_demo()


def _install_excepthook(controller: Controller | None = None) -> None:
    """An error in a slot is logged and explained in Vietnamese; the program keeps running. A
    damaged page met while working (the check at open runs only after an unclean end) is told
    as such, with the offer to restore."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from khuyenhoc_desktop.logs import log
    from khuyenhoc_desktop.paths import log_path
    from khuyenhoc_desktop.services.backups import is_damage

    def hook(kind, value, tb) -> None:
        if issubclass(kind, UserError):
            QMessageBox.warning(QApplication.activeWindow(), APP_NAME, str(value))
            return
        log.error("unexpected error in the window", exc_info=(kind, value, tb))
        window = controller.window if controller is not None else None
        if is_damage(value) and window is not None and window.isVisible():
            from khuyenhoc_desktop.ui.backup_dialogs import offer_restore_of_open_file

            # After the failed slot has unwound: restoring closes this window.
            QTimer.singleShot(0, lambda: offer_restore_of_open_file(
                window, "chương trình vừa gặp phần dữ liệu không đọc được."))
            return
        QMessageBox.critical(
            QApplication.activeWindow(),
            APP_NAME,
            "Có lỗi ngoài dự kiến; thao tác vừa rồi chưa được lưu. Dữ liệu đã lưu trước đó không bị ảnh hưởng.\n\n"
            f"Chi tiết đã ghi vào {log_path()}.",
        )

    sys.excepthook = hook


def run(db_path: str | None = None, demo: bool = False, self_test_mode: bool = False) -> int:
    if self_test_mode:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    from PySide6.QtWidgets import QApplication

    from khuyenhoc_desktop.ui.i18n import install_translations, load_bundled_fonts

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "khuyenhoc-256.png")))
    install_translations(app)
    load_bundled_fonts()
    controller = Controller(app)
    if not self_test_mode:
        _install_excepthook(controller)
    controller.unattended = self_test_mode
    if self_test_mode:
        from khuyenhoc_desktop.ui.selftest import self_test

        return self_test(controller, Path(db_path).expanduser() if db_path else None)
    if demo and not db_path:
        controller.open_demo()
        return controller.run_until_closed()
    path = Path(db_path).expanduser() if db_path else default_db_path()
    if not controller.open_or_explain(path, is_demo=False):
        return 2
    if not _has_data(controller.ctx.db):
        controller.first_run()
    return controller.run_until_closed()
