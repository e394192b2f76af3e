"""Đăng nhập: asked after opening a data file that has password protection, and "Quên mật
khẩu…" — the chairman's password reset with the recovery key from the recovery sheet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop import APP_NAME
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import users
from khuyenhoc_desktop.services.backups import backups_dir
from khuyenhoc_desktop.ui.widgets import ErrorLabel


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.Password)
    return field


class FormBox(QDialog):
    """A short form whose action may fail with a UserError, shown in red under the fields; the
    dialog stays open until the action succeeds."""

    def __init__(self, title: str, intro: str, action_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.PlainText)
        self.form = QFormLayout()
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(action_text, QDialogButtonBox.AcceptRole)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton("Hủy", QDialogButtonBox.RejectRole)
        self.buttons.accepted.connect(self._try)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def act(self) -> None:
        raise NotImplementedError

    def _try(self) -> None:
        try:
            self.act()
        except UserError as exc:
            self.error.show_message(str(exc))
            return
        self.accept()


def check_repeat(password: QLineEdit, repeat: QLineEdit) -> str:
    if password.text() != repeat.text():
        raise UserError("Hai lần gõ mật khẩu mới không giống nhau.")
    return users.check_password(password.text())


class LoginDialog(FormBox):
    def __init__(self, db, parent: QWidget | None = None):
        super().__init__(
            f"Đăng nhập — {APP_NAME}",
            f"Tệp dữ liệu {db.path.name} có bảo vệ bằng mật khẩu. Hãy chọn tên và gõ mật khẩu của mình.",
            "Đăng nhập",
            parent,
        )
        self.db = db
        self.username = QComboBox()
        self.username.setEditable(True)
        with db.read() as session:
            for info in users.list_users(session):
                self.username.addItem(f"{info.username}", info.username)
                self.username.setItemData(self.username.count() - 1, f"{info.full_name} — {info.role_label}",
                                          Qt.ToolTipRole)
        self.password = password_field()
        self.form.addRow("Tên đăng nhập", self.username)
        self.form.addRow("Mật khẩu", self.password)
        self.forgot_button = QPushButton("Quên mật khẩu…")
        self.buttons.addButton(self.forgot_button, QDialogButtonBox.ResetRole)
        self.forgot_button.clicked.connect(self.forgot)
        self.cancel_button.setText("Thoát")
        self.signed_in: users.UserInfo | None = None
        self.password.setFocus()

    def act(self) -> None:
        try:
            self.signed_in = users.sign_in(self.db, self.username.currentText(), self.password.text())
        except UserError:
            self.password.clear()
            self.password.setFocus()
            raise

    def forgot(self) -> None:
        dialog = RecoveryDialog(self.db, self)
        if dialog.exec() == QDialog.Accepted:
            self.username.setCurrentText(dialog.chairman)
            self.password.clear()
            self.error.show_message(None)
            RecoveryKeyDialog(dialog.new_key, dialog.sheet, self, renewed=True).exec()


class RecoveryDialog(FormBox):
    """Only the chairman's password is reset, and only with the key from the recovery sheet;
    other users ask the chairman."""

    def __init__(self, db, parent: QWidget | None = None):
        super().__init__(
            "Quên mật khẩu",
            "Chủ tịch Hội quên mật khẩu: gõ khóa khôi phục in trên tờ khóa khôi phục (tệp "
            f"“khoa-khoi-phuc-….txt” trong thư mục sao lưu {backups_dir()}, hoặc bản đã in, đã chép "
            "vào USB) rồi đặt mật khẩu mới.\n\nNgười dùng khác quên mật khẩu: nhờ Chủ tịch Hội đặt lại "
            "(Cài đặt › Người dùng và mật khẩu).",
            "Đặt lại mật khẩu",
            parent,
        )
        self.db = db
        self.key = QLineEdit()
        self.key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.new_password = password_field()
        self.repeat = password_field()
        self.form.addRow("Khóa khôi phục", self.key)
        self.form.addRow("Mật khẩu mới", self.new_password)
        self.form.addRow("Gõ lại mật khẩu mới", self.repeat)
        self.chairman = ""
        self.new_key = ""
        self.sheet = None

    def act(self) -> None:
        password = check_repeat(self.new_password, self.repeat)
        self.chairman, self.new_key, self.sheet = users.recover(self.db, self.key.text(), password)


class RecoveryKeyDialog(QDialog):
    """Shows a new recovery key once and where its sheet was saved; offers to print it."""

    def __init__(self, key: str, sheet, parent: QWidget | None = None, *, renewed: bool = False):
        super().__init__(parent)
        self.setWindowTitle("Khóa khôi phục mật khẩu")
        self.sheet = sheet
        head = QLabel(("Đã đặt lại mật khẩu. Khóa cũ không dùng được nữa; đây là khóa khôi phục mới:"
                       if renewed else "Đã bật bảo vệ bằng mật khẩu. Đây là khóa khôi phục mật khẩu:"))
        head.setWordWrap(True)
        self.key_label = QLabel(key)
        font = QFont("monospace")
        font.setStyleHint(QFont.TypeWriter)
        font.setPointSizeF(font.pointSizeF() * 1.4 if font.pointSizeF() > 0 else 14)
        self.key_label.setFont(font)
        self.key_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.key_label.setAlignment(Qt.AlignCenter)
        text = QLabel(
            f"Khóa đã được ghi vào tờ khóa khôi phục:\n{sheet}\n\n"
            "Khi Chủ tịch Hội quên mật khẩu, chỉ khóa này đặt lại được mật khẩu (không có cách nào khác). "
            "Hãy in tờ này cất vào tủ hồ sơ của Hội, hoặc lưu một bản vào USB cất riêng. Ai có khóa đều "
            "đặt lại được mật khẩu Chủ tịch Hội: giữ nó như chìa khóa két."
        )
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton("In…", QDialogButtonBox.ActionRole)
        self.save_button = buttons.addButton("Lưu vào USB…", QDialogButtonBox.ActionRole)
        done = buttons.addButton("Đã cất giữ", QDialogButtonBox.AcceptRole)
        done.setDefault(True)
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_copy)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.key_label)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def print_sheet(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() != QDialog.Accepted:
            return
        document = QTextDocument()
        document.setPlainText(self.sheet.read_text(encoding="utf-8-sig"))
        document.print_(printer)

    def save_copy(self) -> None:
        import shutil

        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getSaveFileName(self, "Lưu tờ khóa khôi phục", self.sheet.name, "Tệp văn bản (*.txt)")
        if not name:
            return
        try:
            shutil.copyfile(self.sheet, name)
        except OSError as exc:
            QMessageBox.warning(self, "Lưu tờ khóa khôi phục", f"Không lưu được vào {name}: {exc.strerror}.")
            return
        QMessageBox.information(self, "Lưu tờ khóa khôi phục", f"Đã lưu vào {name}.")


def sign_in(db, parent: QWidget | None = None) -> bool:
    """After opening a file: True if it has no protection or someone signed in; False if the
    user gave up (the file is then not opened)."""
    if not users.open_as_guest(db):
        return True
    return LoginDialog(db, parent).exec() == QDialog.Accepted
