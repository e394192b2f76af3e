"""Tên gọi danh hiệu: the commune may show and print older local names ("Gia đình hiếu học")
instead of the official ones; an empty field means the official name."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from khuyenhoc_desktop.domain import vocab
from khuyenhoc_desktop.services import titles


class TitleNamesDialog(QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Tên gọi danh hiệu")
        with ctx.db.read() as session:
            shown = titles.title_names(session)
        hint = QLabel("Để trống để dùng tên chính thức. Tên đã ghi được dùng trên màn hình, "
                      "giấy công nhận, quyết định và các giấy tờ khác.")
        hint.setWordWrap(True)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for code, official in vocab.TITLES.items():
            edit = QLineEdit("" if shown[code] == official else shown[code])
            edit.setPlaceholderText(official)
            edit.setAccessibleName(f"Tên gọi thay cho {official}")
            form.addRow(f"{official}:", edit)
            self.fields[code] = edit
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("Lưu")
        buttons.button(QDialogButtonBox.Cancel).setText("Hủy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def accept(self) -> None:
        with self.ctx.db.write() as session:
            titles.set_title_aliases(session, {code: edit.text() for code, edit in self.fields.items()})
        self.ctx.changed("titles")
        super().accept()
