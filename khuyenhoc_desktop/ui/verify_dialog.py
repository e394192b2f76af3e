"""Check a signature (a signed PDF, or any file with its .p7s beside it) against the user's
trusted roots, and say in plain Vietnamese who signed, when, whether the file changed and
whether the certificate leads to a trusted root; plus the small manager of trusted roots."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing import cms, pdf_sign, trust
from khuyenhoc_desktop.signing.verdict import Verdict
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import ErrorLabel, RowsModel, setup_row_table

FILE_FILTER = "Tệp PDF (*.pdf);;Mọi tệp (*)"
ROOT_FILTER = "Chứng thư gốc (*.cer *.crt *.pem *.der);;Mọi tệp (*)"
VALID = "Chữ ký hợp lệ"
INVALID = "Chữ ký không hợp lệ hoặc tệp đã bị sửa"
UNTRUSTED = "Chữ ký đúng nhưng chưa tin cậy được chứng thư gốc"
HEADLINE_STYLE = "font-size: 15px; font-weight: bold; padding: 6px; border-radius: 3px; color: white; background: {};"
COLOURS = {VALID: "#2e7d32", INVALID: "#c62828", UNTRUSTED: "#e67e00"}


def headline(verdict: Verdict) -> str:
    if verdict.ok:
        return VALID
    if verdict.intact and verdict.valid and not verdict.changed_after_signing:
        return UNTRUSTED
    return INVALID


def verify_file(path: Path, roots: list[Path]) -> Verdict:
    """A PDF is checked for its own signature unless a .p7s sits beside it (as `khuyenhoc verify`)."""
    if not path.is_file():
        raise UserError(f"Không có tệp {path}.")
    with path.open("rb") as f:
        is_pdf = f.read(5) == b"%PDF-"
    if is_pdf and not cms.p7s_path(path).is_file():
        return pdf_sign.verify_pdf(path, roots)
    return cms.verify_detached(path, None, roots)


class VerifyDialog(QDialog):
    def __init__(self, ctx, parent=None, path: Path | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.verdict: Verdict | None = None
        self.setWindowTitle("Kiểm tra chữ ký")
        self.path = QLineEdit(str(path or ""))
        self.path.setPlaceholderText("Tệp PDF đã ký, hoặc tệp bất kỳ có tệp .p7s cùng tên bên cạnh")
        self.path.setAccessibleName("Tệp cần kiểm tra")
        choose = QPushButton("Chọn tệp…")
        choose.clicked.connect(self.choose)
        self.check_button = QPushButton("Kiểm tra")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(choose)
        top.addWidget(self.check_button)
        self.headline = QLabel()
        self.headline.hide()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.RichText)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error = ErrorLabel()
        roots = QPushButton("Chứng thư gốc tin cậy…")
        roots.setToolTip("Xem, nhập hoặc bỏ các chứng thư gốc (ví dụ Root CA quốc gia) dùng khi kiểm tra")
        roots.clicked.connect(self.manage_roots)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(roots)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.details)
        layout.addWidget(self.error)
        layout.addStretch()
        layout.addLayout(buttons)
        self.resize(720, 380)

    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Chọn tệp cần kiểm tra chữ ký", self.path.text(), FILE_FILTER)
        if name:
            self.path.setText(name)
            self.check()

    def check(self) -> None:
        self.headline.hide()
        self.details.clear()
        self.error.show_message(None)
        text = self.path.text().strip()
        if not text:
            self.error.show_message("Chọn tệp cần kiểm tra trước.")
            return
        path = Path(text)

        def work(progress, _cancelled):
            progress(0, 0, f"Đang kiểm tra chữ ký của {path.name}…")
            try:
                return verify_file(path, trust.trusted_root_paths())
            except UserError as exc:
                return exc

        run_with_progress(self, "Kiểm tra chữ ký", work, self._checked)

    def _checked(self, result) -> None:
        if isinstance(result, UserError):
            self.error.show_message(str(result))
            return
        self.verdict = result
        title = headline(result)
        self.headline.setText(title)
        self.headline.setStyleSheet(HEADLINE_STYLE.format(COLOURS[title]))
        self.headline.show()
        lines = "<br>".join(html.escape(line) for line in result.lines())
        self.details.setText(f'<p style="line-height: 140%">{lines}</p>')

    def manage_roots(self) -> None:
        TrustedRootsDialog(self).exec()
        if self.verdict is not None:  # the answer may change with the roots
            self.check()


def spaced(fingerprint: str) -> str:
    """'AB12 CD34 …': readable against the fingerprint a CA publishes."""
    upper = fingerprint.upper()
    return " ".join(upper[i:i + 4] for i in range(0, len(upper), 4))


class TrustedRootsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Chứng thư gốc tin cậy")
        self.roots: list[trust.TrustedRoot] = []
        note = QLabel("Chữ ký chỉ được coi là tin cậy khi chứng thư số của người ký dẫn tới một chứng thư gốc ở đây. "
                      "Nhập tệp chứng thư gốc của tổ chức cấp (ví dụ Root CA quốc gia tải từ rootca.gov.vn).")
        note.setWordWrap(True)
        self.model = RowsModel(["Chứng thư gốc", "Hết hạn", "Dấu vân tay SHA-256"])
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        self.table.setColumnWidth(0, 220)
        self.table.setColumnWidth(1, 90)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.empty = QLabel("Chưa tin cậy chứng thư gốc nào. Bấm Nhập tệp… để thêm.")
        self.empty.setObjectName("emptyState")
        self.error = ErrorLabel()
        import_button = QPushButton("Nhập tệp…")
        import_button.clicked.connect(lambda: self.import_file())
        self.remove_button = QPushButton("Bỏ tin cậy")
        self.remove_button.clicked.connect(self.remove)
        close = QPushButton("Đóng")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(import_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(1020, 340)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.roots = trust.list_roots()
        except UserError as exc:
            self.roots = []
            self.error.show_message(str(exc))
        self.model.set_rows([(r.fingerprint, r.subject, f"{r.not_after:%d/%m/%Y}", spaced(r.fingerprint))
                             for r in self.roots])
        self.empty.setVisible(not self.roots)
        self.empty.setText("Chưa tin cậy chứng thư gốc nào. Bấm Nhập tệp… để thêm." if not self.roots else "")
        self.setWindowTitle(f"Chứng thư gốc tin cậy ({format_count(len(self.roots))})")
        self._update_buttons()

    def selected(self) -> trust.TrustedRoot | None:
        rows = self.table.selectionModel().selectedRows()
        return self.roots[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.remove_button.setEnabled(row is not None)
        self.remove_button.setToolTip("Bỏ tin cậy chứng thư gốc đang chọn" if row else
                                      "Chọn một chứng thư gốc trong bảng trước.")

    def import_file(self, path: Path | None = None) -> None:
        if not path:
            name, _ = QFileDialog.getOpenFileName(self, "Chọn tệp chứng thư gốc", "", ROOT_FILTER)
            if not name:
                return
            path = Path(name)
        try:
            root = trust.import_root(path)
        except (UserError, OSError) as exc:
            self.error.show_message(str(exc))
            return
        self.error.show_message(None)
        self.refresh()
        for n, known in enumerate(self.roots):
            if known.fingerprint == root.fingerprint:
                self.table.selectRow(n)

    def remove(self) -> None:
        row = self.selected()
        if row is None:
            return
        box = QMessageBox(QMessageBox.Warning, "Bỏ tin cậy", f"Bỏ tin cậy chứng thư gốc {row.subject}?", parent=self)
        box.setInformativeText("Các chữ ký dẫn tới chứng thư gốc này sẽ hiện là chưa tin cậy cho đến khi nhập lại.")
        remove = box.addButton("Bỏ tin cậy", QMessageBox.DestructiveRole)
        cancel = box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        if box.clickedButton() is not remove:
            return
        try:
            trust.remove_root(row.fingerprint)
        except (UserError, OSError) as exc:
            self.error.show_message(str(exc))
            return
        self.refresh()
