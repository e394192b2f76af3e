"""Sign a finalised report and write its files: who signs (a .p12/.pfx file or a USB token
through its PKCS#11 library), the passphrase or PIN typed each time and never kept, an optional
timestamp server, and the folder. Token calls and signing run off the GUI thread (each token
call also has its own timeout in the signing package); failures stay in the dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import report_documents
from khuyenhoc_desktop.signing import identity
from khuyenhoc_desktop.ui.export_action import LAST_FOLDER_KEY, open_folder, start_folder
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import ErrorLabel

TSA_KEY = "signing/timestamp_url"
CHOOSE_LIBRARY = "Chọn tệp thư viện…"
P12_FILTER = "Chứng thư số (*.p12 *.pfx);;Mọi tệp (*)"
LIBRARY_FILTER = "Thư viện PKCS#11 (*.dll *.so *.dylib);;Mọi tệp (*)"
OK_STYLE = "color: #1b5e20;"


def _row(*widgets) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class SignDialog(QDialog):
    def __init__(self, ctx, report_id: int, title: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.report_id = report_id
        self.result_files: report_documents.ReportFiles | None = None
        self.setWindowTitle(f"Ký số và xuất — {title}")

        self.use_p12 = QRadioButton("Tệp chứng thư số (.p12, .pfx)")
        self.use_token = QRadioButton("USB token (thiết bị ký số)")
        kinds = QButtonGroup(self)
        kinds.addButton(self.use_p12)
        kinds.addButton(self.use_token)
        self.p12_path = QLineEdit()
        self.p12_path.setPlaceholderText("Chọn tệp .p12 hoặc .pfx do tổ chức cấp chứng thư số gửi")
        self.p12_path.setAccessibleName("Tệp chứng thư số")
        choose_p12 = QPushButton("Chọn tệp…")
        choose_p12.clicked.connect(self.choose_p12)
        self.library = QComboBox()
        self.library.setAccessibleName("Thư viện của USB token")
        self.library.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        for path in identity.find_pkcs11_libraries():
            self.library.addItem(str(path), str(path))
        self.library.addItem(CHOOSE_LIBRARY, None)
        self.library.activated.connect(self._library_picked)
        self.read_button = QPushButton("Đọc thiết bị")
        self.read_button.setToolTip("Đọc các chứng thư số trên USB token đang cắm (không cần PIN)")
        self.read_button.clicked.connect(self.read_token)
        self.certificate = QComboBox()
        self.certificate.setAccessibleName("Chứng thư số trên thiết bị")
        self.certificate.setPlaceholderText("Bấm Đọc thiết bị để liệt kê chứng thư số")
        self.certificate.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.remember = QCheckBox("Ghi nhớ lựa chọn này (không lưu mật khẩu, mã PIN)")

        who = QGroupBox("Người ký")
        who_form = QFormLayout(who)
        who_form.addRow(self.use_p12)
        who_form.addRow("Tệp:", _row(self.p12_path, choose_p12))
        who_form.addRow(self.use_token)
        who_form.addRow("Thư viện:", _row(self.library, self.read_button))
        who_form.addRow("Chứng thư số:", self.certificate)
        who_form.addRow(self.remember)
        self._token_rows = (self.library, self.read_button, self.certificate)

        self.secret_label = QLabel()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.Password)
        self.timestamp_url = QLineEdit(str(ctx.settings.value(TSA_KEY, "") or ""))
        self.timestamp_url.setPlaceholderText("Để trống nếu không có (chữ ký mức B-B)")
        self.timestamp_url.setAccessibleName("Máy chủ dấu thời gian")
        self.folder = QLineEdit(str(start_folder(ctx.settings)))
        self.folder.setAccessibleName("Thư mục lưu tệp")
        choose_folder = QPushButton("Chọn…")
        choose_folder.clicked.connect(self.choose_folder)
        self.overwrite = QCheckBox("Ghi đè nếu tệp đã có")
        how = QFormLayout()
        how.addRow(self.secret_label, self.secret)
        how.addRow("Máy chủ dấu thời gian:", self.timestamp_url)
        how.addRow("Lưu vào thư mục:", _row(self.folder, choose_folder))
        how.addRow("", self.overwrite)

        self.error = ErrorLabel()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet(OK_STYLE)
        self.outcome.hide()
        self.open_button = QPushButton("Mở thư mục")
        self.open_button.hide()
        self.open_button.clicked.connect(lambda: open_folder(self, Path(self.folder.text())))
        self.sign_button = QPushButton("Ký số")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(self.sign)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addLayout(how)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome)
        layout.addLayout(buttons)

        self.use_p12.toggled.connect(lambda _on: self._kind_changed())
        self._load_saved()
        self.resize(680, self.sizeHint().height())

    # ---- who signs
    def _load_saved(self) -> None:
        try:
            saved = identity.load_setting()
        except UserError as exc:
            saved = None
            self.error.show_message(str(exc))
        self.remember.setChecked(saved is not None)
        if saved is None or saved.kind == "p12":
            self.use_p12.setChecked(True)
            self.p12_path.setText(saved.path if saved else "")
        else:
            self.use_token.setChecked(True)
            self._select_library(saved.path)
            self.certificate.addItem(f"Chứng thư đã ghi nhớ (thiết bị {saved.token_label}, mã khóa {saved.key_id})",
                                     (saved.token_label, saved.key_id))
        self._kind_changed()

    def _kind_changed(self) -> None:
        token = self.use_token.isChecked()
        self.p12_path.setEnabled(not token)
        for widget in self._token_rows:
            widget.setEnabled(token)
        self.secret_label.setText("Mã PIN của token:" if token else "Mật khẩu tệp chứng thư:")
        self.secret.setAccessibleName(self.secret_label.text().rstrip(":"))
        self.secret.setPlaceholderText("Nhập mỗi lần ký; chương trình không lưu lại")

    def _select_library(self, path: str) -> None:
        index = self.library.findData(path)
        if index < 0:
            self.library.insertItem(self.library.count() - 1, path, path)
            index = self.library.findData(path)
        self.library.setCurrentIndex(index)

    def _library_picked(self, index: int) -> None:
        if self.library.itemData(index) is not None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Chọn thư viện PKCS#11 của USB token", "", LIBRARY_FILTER)
        if name:
            self._select_library(name)
        else:
            self.library.setCurrentIndex(0 if self.library.count() > 1 else -1)

    def choose_p12(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Chọn tệp chứng thư số", self.p12_path.text(), P12_FILTER)
        if name:
            self.p12_path.setText(name)

    def choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Chọn thư mục lưu tệp báo cáo", self.folder.text())
        if name:
            self.folder.setText(name)

    def read_token(self) -> None:
        library = self.library.currentData()
        if not library:
            self.error.show_message("Chọn thư viện của USB token trước (thường do phần mềm của nhà cung cấp cài).")
            return
        self.error.show_message(None)

        def work(progress, _cancelled):
            progress(0, 0, "Đang đọc chứng thư số trên thiết bị…")
            try:
                return identity.list_token_certificates(library)
            except UserError as exc:
                return exc

        run_with_progress(self, "Đọc thiết bị ký số", work, self._token_read)

    def _token_read(self, result) -> None:
        if isinstance(result, UserError):
            self.error.show_message(str(result))
            return
        self.certificate.clear()
        for cert in result:
            self.certificate.addItem(cert.describe(), (cert.token_label, cert.key_id))
        if not result:
            self.error.show_message("Thiết bị không có chứng thư số nào; hãy kiểm tra lại USB token.")

    def setting(self) -> identity.IdentitySetting:
        """The identity chosen on screen (never holding the PIN)."""
        if self.use_p12.isChecked():
            path = self.p12_path.text().strip()
            if not path:
                raise UserError("Chọn tệp chứng thư số (.p12 hoặc .pfx) trước.")
            return identity.IdentitySetting("p12", path)
        library, chosen = self.library.currentData(), self.certificate.currentData()
        if not library:
            raise UserError("Chọn thư viện của USB token trước.")
        if not chosen:
            raise UserError("Bấm Đọc thiết bị rồi chọn chứng thư số để ký.")
        return identity.IdentitySetting("pkcs11", library, *chosen)

    # ---- signing
    def sign(self) -> None:
        self.error.show_message(None)
        self.outcome.hide()
        try:
            setting = self.setting()
            folder = Path(self.folder.text().strip())
            if not folder.is_dir():
                raise UserError(f"Không có thư mục {folder}; hãy chọn thư mục khác.")
            if self.remember.isChecked():
                identity.save_setting(setting)
            else:
                identity.clear_setting()
        except (UserError, OSError) as exc:
            self.error.show_message(str(exc))
            return
        secret = self.secret.text()
        # Asked again next time, even if this attempt fails.
        self.secret.clear()
        url = self.timestamp_url.text().strip()
        self.ctx.settings.setValue(TSA_KEY, url)
        self.ctx.settings.setValue(LAST_FOLDER_KEY, str(folder))
        db, report_id, overwrite = self.ctx.db, self.report_id, self.overwrite.isChecked()

        def work(progress, _cancelled):
            progress(0, 0, "Đang mở chứng thư số…")
            try:
                signer = setting.open(secret or None)
            except UserError as exc:
                return exc
            try:
                progress(0, 0, "Đang ký báo cáo…" + (" (đang hỏi máy chủ dấu thời gian)" if url else ""))
                with db.read() as session:
                    return report_documents.write_report(session, report_id, folder, signer=signer,
                                                         timestamp_url=url or None, overwrite=overwrite)
            except UserError as exc:
                return exc
            finally:
                if setting.kind == "pkcs11":
                    identity.close_token_signer(signer)

        self.sign_button.setEnabled(False)
        worker = run_with_progress(self, "Ký số báo cáo", work, self._signed)
        worker.failed.connect(lambda _message: self.sign_button.setEnabled(True))

    def _signed(self, result) -> None:
        self.sign_button.setEnabled(True)
        if isinstance(result, UserError):
            self.error.show_message(str(result))
            return
        self.result_files = result
        names = "\n".join(f"  • {p.name}" for p in (result.pdf, result.xlsx, result.p7s) if p is not None)
        level = "có dấu thời gian (B-T)" if result.level == "B-T" else "không có dấu thời gian (B-B)"
        text = f"Đã ký số, chữ ký {level}. Các tệp trong {result.pdf.parent}:\n{names}"
        self.outcome.setText(text + (f"\n{result.notice}" if result.notice else ""))
        self.outcome.show()
        self.open_button.show()
