"""Cài đặt: the commune profile, the text size, where the data file is."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from khuyenhoc_desktop.ui.profile_dialog import ProfileDialog

MIN_POINT, MAX_POINT = 8, 24


class SettingsPage(QWidget):
    def __init__(self, ctx, window, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.window_ = window
        self.setObjectName("page_settings")
        title = QLabel("Cài đặt")
        title.setObjectName("pageTitle")
        profile_button = QPushButton("Sửa hồ sơ xã…")
        profile_button.clicked.connect(lambda: ProfileDialog(ctx, self).exec())
        self.font_size = QSpinBox()
        self.font_size.setRange(MIN_POINT, MAX_POINT)
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(window.text_size())
        self.font_size.valueChanged.connect(window.set_text_size)
        size_row = QHBoxLayout()
        size_row.addWidget(self.font_size)
        size_row.addWidget(QLabel("(phím tắt Ctrl+= phóng to, Ctrl+− thu nhỏ)"))
        size_row.addStretch()
        db_path = QLabel(str(ctx.db.path))
        db_path.setWordWrap(True)
        db_path.setTextInteractionFlags(db_path.textInteractionFlags() | db_path.textInteractionFlags().TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Hồ sơ xã", profile_button)
        form.addRow("Cỡ chữ", size_row)
        form.addRow("Tệp dữ liệu", db_path)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addStretch()

    def ensure_loaded(self) -> None:
        self.font_size.blockSignals(True)
        self.font_size.setValue(self.window_.text_size())
        self.font_size.blockSignals(False)
