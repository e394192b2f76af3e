"""Cài đặt › Người dùng và mật khẩu: turn password protection on or off, the users and their
roles, passwords. Only what the signed-in role may do is offered; the data file refuses the rest
anyway (`storage.database`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import users
from khuyenhoc_desktop.services.lists import KINDS
from khuyenhoc_desktop.ui.login_dialog import FormBox, LoginDialog, RecoveryKeyDialog, check_repeat, password_field
from khuyenhoc_desktop.ui.widgets import RowsModel, setup_row_table

OFF_TEXT = ("Chưa bật: ai mở chương trình trên máy này cũng xem và sửa được mọi thứ. Bật lên để mỗi người "
            "đăng nhập bằng tên của mình, với vai trò quyết định được sửa những gì.")


def role_box(current: str | None = None) -> QComboBox:
    box = QComboBox()
    for code, role in roles.ROLES.items():
        box.addItem(role.label, code)
    if current:
        box.setCurrentIndex(box.findData(current))
    return box


class EnableDialog(FormBox):
    def __init__(self, db, parent=None):
        super().__init__("Bật bảo vệ bằng mật khẩu",
                         "Người bật là Chủ tịch Hội đầu tiên: quản lý người dùng và giữ khóa khôi phục mật khẩu.",
                         "Bật bảo vệ", parent)
        self.db = db
        self.username = QLineEdit()
        self.username.setPlaceholderText("ví dụ: chutich")
        self.full_name = QLineEdit()
        self.password = password_field()
        self.repeat = password_field()
        self.form.addRow("Tên đăng nhập", self.username)
        self.form.addRow("Họ và tên", self.full_name)
        self.form.addRow("Mật khẩu", self.password)
        self.form.addRow("Gõ lại mật khẩu", self.repeat)
        self.key = ""
        self.sheet = None

    def act(self) -> None:
        password = check_repeat(self.password, self.repeat)
        self.key, self.sheet = users.turn_on(self.db, self.username.text(), self.full_name.text(), password)


class UserDialog(FormBox):
    """A new user, or another role / name for an existing one."""

    def __init__(self, db, info: users.UserInfo | None = None, parent=None):
        super().__init__("Thêm người dùng" if info is None else f"Sửa người dùng {info.username}",
                         "Vai trò quyết định được sửa những gì: Chủ tịch Hội mọi thứ; Kế toán quỹ và báo cáo; "
                         "Thủ quỹ quỹ; Thư ký / cán bộ danh sách, danh hiệu, báo cáo; Chỉ xem không sửa gì "
                         "và thấy số CCCD, điện thoại đã che bớt.",
                         "Lưu", parent)
        self.db = db
        self.info = info
        self.username = QLineEdit(info.username if info else "")
        self.username.setReadOnly(info is not None)
        self.full_name = QLineEdit(info.full_name if info else "")
        self.role = role_box(info.role if info else roles.SECRETARY)
        self.form.addRow("Tên đăng nhập", self.username)
        self.form.addRow("Họ và tên", self.full_name)
        self.form.addRow("Vai trò", self.role)
        if info is None:
            self.password = password_field()
            self.repeat = password_field()
            self.form.addRow("Mật khẩu", self.password)
            self.form.addRow("Gõ lại mật khẩu", self.repeat)

    def act(self) -> None:
        with self.db.write() as session:
            if self.info is None:
                users.add_user(session, self.username.text(), self.full_name.text(), self.role.currentData(),
                               check_repeat(self.password, self.repeat))
            else:
                users.set_full_name(session, self.info.username, self.full_name.text())
                users.set_role(session, self.info.username, self.role.currentData())


class ResetPasswordDialog(FormBox):
    def __init__(self, db, username: str, parent=None):
        super().__init__(f"Đặt lại mật khẩu của {username}",
                         "Mật khẩu mới thay mật khẩu cũ, và tài khoản được mở khóa nếu đang bị khóa. "
                         "Hãy báo mật khẩu mới cho người đó và nhắc họ tự đổi lại.",
                         "Đặt lại mật khẩu", parent)
        self.db = db
        self.username = username
        self.password = password_field()
        self.repeat = password_field()
        self.form.addRow("Mật khẩu mới", self.password)
        self.form.addRow("Gõ lại mật khẩu mới", self.repeat)

    def act(self) -> None:
        password = check_repeat(self.password, self.repeat)
        with self.db.write() as session:
            users.set_password(session, self.username, password)


class OwnPasswordDialog(FormBox):
    def __init__(self, db, parent=None):
        super().__init__("Đổi mật khẩu của tôi", f"Tài khoản {db.user}.", "Đổi mật khẩu", parent)
        self.db = db
        self.old = password_field()
        self.password = password_field()
        self.repeat = password_field()
        self.form.addRow("Mật khẩu hiện tại", self.old)
        self.form.addRow("Mật khẩu mới", self.password)
        self.form.addRow("Gõ lại mật khẩu mới", self.repeat)

    def act(self) -> None:
        users.change_own_password(self.db, self.old.text(), check_repeat(self.password, self.repeat))


class UsersSection(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.model = RowsModel(["Tên đăng nhập", "Họ và tên", "Vai trò", "Tình trạng"])
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        self.table.setMinimumHeight(120)
        self.table.setMaximumHeight(180)
        for column, width in enumerate((130, 200, 130)):
            self.table.setColumnWidth(column, width)
        self.enable_button = QPushButton("Bật bảo vệ bằng mật khẩu…")
        self.add_button = QPushButton("Thêm người dùng…")
        self.edit_button = QPushButton("Sửa vai trò…")
        self.reset_button = QPushButton("Đặt lại mật khẩu…")
        self.remove_button = QPushButton("Xóa người dùng")
        self.own_button = QPushButton("Đổi mật khẩu của tôi…")
        self.switch_button = QPushButton("Đăng nhập người khác…")
        self.disable_button = QPushButton("Tắt bảo vệ…")
        for button, slot in ((self.enable_button, self.enable), (self.add_button, self.add),
                             (self.edit_button, self.edit), (self.reset_button, self.reset_password),
                             (self.remove_button, self.remove), (self.own_button, self.own_password),
                             (self.switch_button, self.switch_user), (self.disable_button, self.disable)):
            button.clicked.connect(slot)
        manage = QHBoxLayout()
        for button in (self.enable_button, self.add_button, self.edit_button, self.reset_button, self.remove_button):
            manage.addWidget(button)
        manage.addStretch()
        mine = QHBoxLayout()
        for button in (self.own_button, self.switch_button, self.disable_button):
            mine.addWidget(button)
        mine.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addLayout(manage)
        layout.addLayout(mine)
        self.rows: list[users.UserInfo] = []

    @property
    def db(self):
        return self.ctx.db

    def refresh(self) -> None:
        with self.db.read() as session:
            self.rows = users.list_users(session)
        protected = bool(self.rows)
        manager = protected and roles.may_write(self.db.role, roles.USERS)
        if not protected:
            self.status.setText(OFF_TEXT)
        else:
            self.status.setText(f"Đang đăng nhập: {self.db.user} ({roles.label(self.db.role)}). "
                                "Người quên mật khẩu nhờ Chủ tịch Hội đặt lại; Chủ tịch Hội quên thì dùng khóa "
                                "khôi phục (nút “Quên mật khẩu…” ở cửa sổ Đăng nhập).")
        self.model.set_rows([(n, u.username, u.full_name, u.role_label, self._state(u))
                             for n, u in enumerate(self.rows)])
        self.table.setVisible(protected)
        self.enable_button.setVisible(not protected)
        for button in (self.add_button, self.edit_button, self.reset_button, self.remove_button, self.disable_button):
            button.setVisible(manager)
        for button in (self.own_button, self.switch_button):
            button.setVisible(protected)

    @staticmethod
    def _state(info: users.UserInfo) -> str:
        from khuyenhoc_desktop.domain.dates import utcnow

        if info.locked_until and info.locked_until > utcnow():
            return f"Bị khóa đến {users.local_time(info.locked_until)}"
        return ""

    def _selected(self) -> users.UserInfo | None:
        chosen = self.table.selectionModel().selectedRows()
        if not chosen:
            QMessageBox.information(self, "Người dùng và mật khẩu", "Hãy chọn một người dùng trong bảng trước.")
            return None
        return self.rows[chosen[0].row()]

    def _after_change(self) -> None:
        """A different role sees other numbers (masked or not) in every list."""
        self.refresh()
        self.ctx.changed(*KINDS)

    def enable(self) -> None:
        dialog = EnableDialog(self.db, self)
        if dialog.exec() == QDialog.Accepted:
            RecoveryKeyDialog(dialog.key, dialog.sheet, self).exec()
            self._after_change()

    def add(self) -> None:
        if UserDialog(self.db, None, self).exec() == QDialog.Accepted:
            self.refresh()

    def edit(self) -> None:
        info = self._selected()
        if info and UserDialog(self.db, info, self).exec() == QDialog.Accepted:
            self.refresh()

    def reset_password(self) -> None:
        info = self._selected()
        if info and ResetPasswordDialog(self.db, info.username, self).exec() == QDialog.Accepted:
            self.refresh()

    def remove(self) -> None:
        info = self._selected()
        if info is None:
            return
        box = QMessageBox(QMessageBox.Warning, "Xóa người dùng",
                          f"Xóa người dùng {info.username} ({info.role_label})?", parent=self)
        box.setInformativeText("Người này sẽ không đăng nhập được nữa. Những gì họ đã làm vẫn được giữ nguyên.")
        go = box.addButton("Xóa người dùng", QMessageBox.DestructiveRole)
        box.setDefaultButton(box.addButton("Hủy", QMessageBox.RejectRole))
        box.exec()
        if box.clickedButton() is not go:
            return
        try:
            with self.db.write() as session:
                users.remove_user(session, info.username)
        except UserError as exc:
            QMessageBox.warning(self, "Xóa người dùng", str(exc))
        self.refresh()

    def own_password(self) -> None:
        if OwnPasswordDialog(self.db, self).exec() == QDialog.Accepted:
            QMessageBox.information(self, "Đổi mật khẩu", "Đã đổi mật khẩu.")

    def switch_user(self) -> None:
        user, role = self.db.user, self.db.role
        if LoginDialog(self.db, self).exec() != QDialog.Accepted:
            self.db.sign_in_as(user, role)
        self._after_change()

    def disable(self) -> None:
        box = QMessageBox(QMessageBox.Warning, "Tắt bảo vệ bằng mật khẩu",
                          "Tắt bảo vệ bằng mật khẩu cho tệp dữ liệu này?", parent=self)
        box.setInformativeText("Mọi người dùng và khóa khôi phục bị xóa; ai mở chương trình cũng sửa được mọi thứ. "
                               "Muốn bật lại thì tạo lại người dùng.")
        go = box.addButton("Tắt bảo vệ", QMessageBox.DestructiveRole)
        box.setDefaultButton(box.addButton("Hủy", QMessageBox.RejectRole))
        box.exec()
        if box.clickedButton() is go:
            users.turn_off(self.db)
            self._after_change()
