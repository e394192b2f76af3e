"""The main window: navigation on the left, one page at a time, menus, toolbar and shortcuts."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from khuyenhoc_desktop import APP_NAME, __version__
from khuyenhoc_desktop.services.profile import get_profile, window_title
from khuyenhoc_desktop.ui import backup_dialogs
from khuyenhoc_desktop.ui.list_page import ListPage
from khuyenhoc_desktop.ui.settings_page import MAX_POINT, MIN_POINT

# Navigation in the order of the ui guide; later features add their pages here.
NAVIGATION = [
    ("home", "Trang chủ"),
    ("hamlets", "Thôn, tổ dân phố"),
    ("households", "Hộ gia đình"),
    ("persons", "Nhân khẩu"),
    ("clans", "Dòng họ"),
    ("organisations", "Cơ quan, đơn vị"),
    ("members", "Hội viên"),
    ("branches", "Chi hội"),
    ("titles", "Danh hiệu học tập"),
    ("decisions", "Quyết định công nhận"),
    ("citizen_results", "Công dân học tập"),
    ("forms", "Bộ tiêu chí"),
    ("fund", "Quỹ khuyến học"),
    ("reports", "Báo cáo"),
    ("settings", "Cài đặt"),
]
BACKUP_CHECK_MS = 3600 * 1000  # hourly: is the newest automatic backup older than a day?


class MainWindow(QMainWindow):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._default_point = QApplication.font().pointSize()
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(190)
        self.stack = QStackedWidget()
        # The pages built so far: each is built when first shown (`page`).
        self.pages: dict[str, QWidget] = {}
        for key, label in NAVIGATION:
            QListWidgetItem(label, self.nav).setData(Qt.UserRole, key)
        self.nav.currentRowChanged.connect(self._page_changed)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_actions()
        self.statusBar().showMessage(f"Tệp dữ liệu: {ctx.db.path}")
        self.user_label = QLabel()
        self.statusBar().addPermanentWidget(self.user_label)
        ctx.notifier.changed.connect(lambda _kinds: self.show_user())
        self.show_user()
        ctx.notifier.profile_changed.connect(self.update_title)
        self.update_title()
        self.resize(QSize(1180, 720))
        geometry = ctx.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.set_text_size(int(ctx.settings.value("ui/text_size", self._default_point)))
        # The first page loads here, not in a slot, so an error (a damaged file) reaches the caller.
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(0)
        self.nav.blockSignals(False)
        self._page_changed(0)
        # Set by the controller that opened the file (off for the demo commune and the self-test).
        self.controller = None
        self.automatic_backups = False
        self.backup_timer = QTimer(self, interval=BACKUP_CHECK_MS)
        self.backup_timer.timeout.connect(self.backup_if_due)
        self.backup_timer.start()

    # ---- structure
    def _build_actions(self) -> None:
        menu_file = self.menuBar().addMenu("&Tệp")
        self.action_backup = QAction("Sao lưu ngay", self, triggered=lambda: backup_dialogs.backup_now(self))
        self.action_restore = QAction("Khôi phục từ bản sao lưu…", self,
                                      triggered=lambda: backup_dialogs.open_restore_dialog(self))
        self.action_bundle = QAction("Chuyển sang máy khác (.khbak)…", self,
                                     triggered=lambda: backup_dialogs.export_bundle(self))
        for action in (self.action_backup, self.action_restore, self.action_bundle):
            menu_file.addAction(action)
        menu_file.addSeparator()
        quit_action = QAction("Thoát", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close)
        menu_file.addAction(quit_action)

        menu_edit = self.menuBar().addMenu("&Sửa")
        self.action_new = QAction("Thêm mới", self, shortcut=QKeySequence("Ctrl+N"), triggered=self._new)
        self.action_edit = QAction("Sửa", self, triggered=self._edit)
        self.action_edit.setShortcutVisibleInContextMenu(True)
        self.action_edit.setToolTip("Sửa dòng đang chọn (Enter)")
        self.action_delete = QAction("Xóa", self, triggered=self._delete)
        self.action_delete.setToolTip("Xóa dòng đang chọn (Del)")
        self.action_search = QAction("Tìm kiếm", self, shortcut=QKeySequence("Ctrl+F"), triggered=self._search)
        for action in (self.action_new, self.action_edit, self.action_delete, self.action_search):
            menu_edit.addAction(action)

        menu_view = self.menuBar().addMenu("&Xem")
        self.action_bigger = QAction("Chữ to hơn", self, triggered=lambda: self.set_text_size(self.text_size() + 1))
        self.action_bigger.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.action_smaller = QAction("Chữ nhỏ hơn", self, shortcut=QKeySequence("Ctrl+-"),
                                      triggered=lambda: self.set_text_size(self.text_size() - 1))
        self.action_reset_size = QAction("Cỡ chữ mặc định", self, shortcut=QKeySequence("Ctrl+0"),
                                         triggered=lambda: self.set_text_size(self._default_point))
        for action in (self.action_bigger, self.action_smaller, self.action_reset_size):
            menu_view.addAction(action)
        menu_view.addSeparator()
        self.action_audit = QAction("Nhật ký thay đổi…", self, triggered=self._show_audit)
        menu_view.addAction(self.action_audit)
        menu_view.addSeparator()
        for i, (_key, label) in enumerate(NAVIGATION):
            action = QAction(label, self, triggered=lambda _c=False, row=i: self.nav.setCurrentRow(row))
            if i < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            menu_view.addAction(action)

        menu_help = self.menuBar().addMenu("Trợ &giúp")
        self.action_help = QAction("Hướng dẫn sử dụng", self, shortcut=QKeySequence(QKeySequence.HelpContents),
                                   triggered=self._help)
        menu_help.addAction(self.action_help)
        menu_help.addAction(QAction("Giới thiệu", self, triggered=self._about))

        toolbar = self.addToolBar("Công cụ")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for action in (self.action_new, self.action_edit, self.action_delete, self.action_search):
            toolbar.addAction(action)

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def show_page(self, key: str) -> QWidget:
        self.nav.setCurrentRow([k for k, _ in NAVIGATION].index(key))
        return self.page(key)

    def page(self, key: str) -> QWidget:
        """The page of `key`, built the first time it is asked for."""
        if key not in self.pages:
            self.pages[key] = self._build_page(key)
            self.stack.addWidget(self.pages[key])
        return self.pages[key]

    def _build_page(self, key: str) -> QWidget:
        """Each page's module is imported here, not at start-up: several pull in the document
        writers (openpyxl, reportlab), which alone weigh about a second. The imports are written
        out, not looked up by name, so that PyInstaller finds the modules for the bundle."""
        ctx = self.ctx
        if key == "home":
            from khuyenhoc_desktop.ui.home_page import HomePage

            return HomePage(ctx)
        if key == "titles":
            from khuyenhoc_desktop.ui.titles_page import TitlesPage

            return TitlesPage(ctx)
        if key == "decisions":
            from khuyenhoc_desktop.ui.decisions_page import DecisionsPage

            return DecisionsPage(ctx)
        if key == "forms":
            from khuyenhoc_desktop.ui.forms_page import FormsPage

            return FormsPage(ctx)
        if key == "fund":
            from khuyenhoc_desktop.ui.fund_page import FundPage

            return FundPage(ctx)
        if key == "reports":
            from khuyenhoc_desktop.ui.reports_page import ReportsPage

            return ReportsPage(ctx)
        if key == "settings":
            from khuyenhoc_desktop.ui.settings_page import SettingsPage

            return SettingsPage(ctx, self)
        return ListPage(ctx, key)

    def _page_changed(self, row: int) -> None:
        page = self.page(NAVIGATION[row][0])
        self.stack.setCurrentWidget(page)
        page.ensure_loaded()
        is_list = isinstance(page, ListPage)
        for action in (self.action_new, self.action_edit, self.action_delete, self.action_search):
            action.setEnabled(is_list)

    # ---- actions on the current list
    def _list(self) -> ListPage | None:
        page = self.current_page()
        return page if isinstance(page, ListPage) else None

    def _new(self) -> None:
        if page := self._list():
            page.add()

    def _edit(self) -> None:
        if page := self._list():
            page.edit()

    def _delete(self) -> None:
        if page := self._list():
            page.delete()

    def _search(self) -> None:
        page = self.current_page()
        if hasattr(page, "focus_search"):  # list pages and the pages with a search box
            page.focus_search()

    def _show_audit(self) -> None:
        from khuyenhoc_desktop.ui.audit_dialog import show_audit

        show_audit(self.ctx, self)

    def _help(self) -> None:
        from khuyenhoc_desktop.ui.help_window import show_help

        show_help(self, self.nav.currentItem().data(Qt.UserRole))

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "Giới thiệu",
            f"<b>{APP_NAME}</b> {__version__}<br>Phần mềm quản lý công tác khuyến học cấp xã.<br>"
            "Giấy phép GPL-3.0-or-later. Phông chữ Liberation Serif (SIL OFL 1.1).",
        )

    # ---- title and text size
    def show_user(self) -> None:
        """Who is signed in (files with password protection), in the status bar."""
        from khuyenhoc_desktop.domain import roles

        user = self.ctx.db.user
        self.user_label.setText(f"Đăng nhập: {user} ({roles.label(self.ctx.db.role)})" if user else "")

    def update_title(self) -> None:
        with self.ctx.db.read() as session:
            title = window_title(get_profile(session))
        demo = " (dữ liệu mẫu)" if self.ctx.is_demo else ""
        self.setWindowTitle(f"{title}{demo} — {APP_NAME}")

    def text_size(self) -> int:
        return QApplication.font().pointSize()

    def set_text_size(self, points: int) -> None:
        points = max(MIN_POINT, min(MAX_POINT, points))
        font = QApplication.font()
        font.setPointSize(points)
        QApplication.setFont(font)
        self.setStyleSheet(
            f"#pageTitle, #homeTitle {{ font-size: {points + 6}pt; font-weight: bold; }}"
            f"#tileValue {{ font-size: {points + 8}pt; font-weight: bold; color: #1f5f99; }}"
            f"#emptyState {{ color: #555; font-size: {points + 1}pt; }}"
            "#navigation::item { padding: 6px; }"
        )
        self.ctx.settings.setValue("ui/text_size", points)

    def backup_if_due(self) -> None:
        if self.automatic_backups:
            backup_dialogs.automatic_backup(self, only_if_due=True)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.ctx.settings.setValue("window/geometry", self.saveGeometry())
        self.backup_timer.stop()
        if self.automatic_backups:
            self.automatic_backups = False  # once, even if the window is closed twice
            backup_dialogs.automatic_backup(self)
        super().closeEvent(event)
