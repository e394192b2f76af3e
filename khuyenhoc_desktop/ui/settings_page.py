"""Cài đặt: the commune profile, the text size, the titles' local names, the signing
choice and the trusted roots, users and passwords, where the data file is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.ui.profile_dialog import ProfileDialog
from khuyenhoc_desktop.ui.title_names_dialog import TitleNamesDialog
from khuyenhoc_desktop.ui.users_section import UsersSection

MIN_POINT, MAX_POINT = 8, 24


class SettingsPage(QWidget):
    def __init__(self, ctx, window, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.window_ = window
        self.setObjectName("page_settings")
        title = QLabel("Cài đặt")
        title.setObjectName("pageTitle")
        self.profile_text = QLabel()
        self.profile_text.setTextFormat(Qt.PlainText)
        self.profile_text.setWordWrap(True)
        profile_button = QPushButton("Sửa hồ sơ xã…")
        profile_button.clicked.connect(lambda: ProfileDialog(ctx, self).exec())
        profile_box = QVBoxLayout()
        profile_box.addWidget(self.profile_text)
        profile_box.addWidget(profile_button, 0, Qt.AlignLeft)
        self.font_size = QSpinBox()
        self.font_size.setRange(MIN_POINT, MAX_POINT)
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(window.text_size())
        self.font_size.valueChanged.connect(window.set_text_size)
        size_row = QHBoxLayout()
        size_row.addWidget(self.font_size)
        size_row.addWidget(QLabel("(phím tắt Ctrl+= phóng to, Ctrl+− thu nhỏ, Ctrl+0 mặc định)"))
        size_row.addStretch()
        db_path = QLabel(str(ctx.db.path))
        db_path.setWordWrap(True)
        db_path.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow("Hồ sơ xã", profile_box)
        form.addRow("Cỡ chữ", size_row)
        names_button = QPushButton("Tên gọi danh hiệu…")
        names_button.setToolTip("Dùng tên gọi cũ của địa phương, ví dụ \"Gia đình hiếu học\"")
        names_button.clicked.connect(lambda: TitleNamesDialog(ctx, self).exec())
        form.addRow("Danh hiệu", names_button)
        self.signing_text = QLabel()
        self.signing_text.setWordWrap(True)
        roots_button = QPushButton("Chứng thư gốc tin cậy…")
        roots_button.clicked.connect(self._trusted_roots)
        self.forget_button = QPushButton("Quên lựa chọn ký")
        self.forget_button.setToolTip("Lần ký sau sẽ hỏi lại tệp .p12 hoặc USB token (mã PIN không bao giờ được lưu)")
        self.forget_button.clicked.connect(self._forget_signing)
        signing_row = QHBoxLayout()
        signing_row.addWidget(self.signing_text, 1)
        signing_row.addWidget(roots_button)
        signing_row.addWidget(self.forget_button)
        form.addRow("Chữ ký số", signing_row)
        self.users_section = UsersSection(ctx, self)
        form.addRow("Người dùng và mật khẩu", self.users_section)
        form.addRow("Tệp dữ liệu", db_path)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addStretch()
        ctx.notifier.profile_changed.connect(self.ensure_loaded)

    def _show_signing(self) -> None:
        from khuyenhoc_desktop.signing import identity

        setting = identity.load_setting()
        if setting is None:
            text = "Chưa chọn; chọn khi ký báo cáo (trang Báo cáo › Ký số và xuất…)."
        elif setting.kind == "p12":
            text = f"Tệp chứng thư số: {setting.path}"
        else:
            text = f"USB token {setting.token_label} (thư viện {setting.path}, khóa {setting.key_id})"
        self.signing_text.setText(text)
        self.forget_button.setEnabled(setting is not None)

    def _forget_signing(self) -> None:
        from khuyenhoc_desktop.signing import identity

        identity.clear_setting()
        self._show_signing()

    def _trusted_roots(self) -> None:
        from khuyenhoc_desktop.ui.verify_dialog import TrustedRootsDialog

        TrustedRootsDialog(self).exec()

    def ensure_loaded(self) -> None:
        self._show_signing()
        self.users_section.refresh()
        self.font_size.blockSignals(True)
        self.font_size.setValue(self.window_.text_size())
        self.font_size.blockSignals(False)
        with self.ctx.db.read() as session:
            profile = get_profile(session)
        if profile is None:
            self.profile_text.setText("Chưa thiết lập.")
            return
        lines = [
            profile.association_name,
            f"{profile.commune_name}, {profile.province_name}",
            f"Cơ quan cấp trên: {profile.parent_body or '(chưa ghi)'}",
            f"Nơi nhận báo cáo: {profile.report_to or '(chưa ghi)'}",
        ]
        if profile.address or profile.phone:
            lines.append(" · ".join(x for x in (profile.address, profile.phone, profile.email) if x))
        lines += [f"{o.title}: {o.name}" for o in profile.officers]
        self.profile_text.setText("\n".join(lines))
