"""Commune profile: first-run set-up and later edits (Cài đặt → Hồ sơ xã)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.errors import ValidationError
from khuyenhoc_desktop.services.profile import (
    OfficerLine,
    ProfileForm,
    get_profile,
    save_profile,
    suggested_names,
)
from khuyenhoc_desktop.ui.widgets import ErrorLabel

DEFAULT_TITLES = ["Chủ tịch", "Phó Chủ tịch", "Kế toán", "Thủ quỹ", ""]


class ProfileDialog(QDialog):
    def __init__(self, ctx, parent=None, first_run: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Thiết lập hồ sơ xã" if first_run else "Hồ sơ xã")
        self.setMinimumWidth(560)
        with ctx.db.read() as session:
            profile = get_profile(session) or ProfileForm()
        outer = QVBoxLayout(self)
        if first_run:
            intro = QLabel(
                "Chọn tỉnh và xã, phường của Hội theo danh mục hành chính 2025. "
                "Các thông tin này được dùng trên tiêu đề cửa sổ và mọi văn bản, báo cáo; có thể sửa sau trong Cài đặt."
            )
            intro.setWordWrap(True)
            outer.addWidget(intro)
        form = QFormLayout()
        outer.addLayout(form)
        self.errors: dict[str, ErrorLabel] = {}

        def row(label: str, widget, key: str) -> None:
            error = ErrorLabel()
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(error)
            form.addRow(label, box)
            self.errors[key] = error

        self.province = QComboBox()
        self.province.addItem("(chọn tỉnh, thành phố)", None)
        for unit in admin_units.provinces():
            self.province.addItem(unit.name, unit.code)
        self.commune = QComboBox()
        self.commune.setEditable(False)
        self.association = QLineEdit()
        self.parent_body = QLineEdit()
        self.report_to = QLineEdit()
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        row("Tỉnh, thành phố *", self.province, "province_code")
        row("Xã, phường, đặc khu *", self.commune, "commune_code")
        row("Tên hội *", self.association, "association_name")
        row("Cơ quan cấp trên", self.parent_body, "parent_body")
        row("Nơi nhận báo cáo (mặc định)", self.report_to, "report_to")
        row("Địa chỉ", self.address, "address")
        row("Điện thoại", self.phone, "phone")
        row("Thư điện tử", self.email, "email")

        officers = QGroupBox("Cán bộ ký văn bản")
        grid = QGridLayout(officers)
        grid.addWidget(QLabel("Chức vụ"), 0, 0)
        grid.addWidget(QLabel("Họ và tên"), 0, 1)
        self.officer_rows: list[tuple[QLineEdit, QLineEdit]] = []
        lines = list(profile.officers) + [OfficerLine("", t) for t in DEFAULT_TITLES[len(profile.officers):]]
        for i, line in enumerate(lines[: max(5, len(lines))], start=1):
            title, name = QLineEdit(line.title), QLineEdit(line.name)
            grid.addWidget(title, i, 0)
            grid.addWidget(name, i, 1)
            self.officer_rows.append((title, name))
        outer.addWidget(officers)
        self.errors["officers"] = ErrorLabel()
        outer.addWidget(self.errors["officers"])

        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("Lưu")
        buttons.button(QDialogButtonBox.Cancel).setText("Hủy")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

        self.province.currentIndexChanged.connect(self._province_changed)
        self.commune.currentIndexChanged.connect(self._commune_changed)
        self._loading = True
        self.province.setCurrentIndex(max(self.province.findData(profile.province_code), 0))
        self._province_changed()
        self.commune.setCurrentIndex(max(self.commune.findData(profile.commune_code), 0))
        for widget, value in (
            (self.association, profile.association_name),
            (self.parent_body, profile.parent_body),
            (self.report_to, profile.report_to),
            (self.address, profile.address),
            (self.phone, profile.phone),
            (self.email, profile.email),
        ):
            widget.setText(value)
        self._loading = False

    def _province_changed(self) -> None:
        self.commune.clear()
        self.commune.addItem("(chọn xã, phường)", None)
        code = self.province.currentData()
        if code is not None:
            for unit in admin_units.communes(code):
                self.commune.addItem(unit.name, unit.code)

    def _commune_changed(self) -> None:
        if self._loading or self.commune.currentData() is None:
            return
        names = suggested_names(self.commune.currentText(), self.province.currentText())
        for widget, key in ((self.association, "association_name"), (self.parent_body, "parent_body"),
                            (self.report_to, "report_to")):
            if not widget.text().strip() or widget.property("suggested"):
                widget.setText(names[key])
                widget.setProperty("suggested", True)

    def form(self) -> ProfileForm:
        return ProfileForm(
            province_code=self.province.currentData(),
            commune_code=self.commune.currentData(),
            association_name=self.association.text(),
            parent_body=self.parent_body.text(),
            report_to=self.report_to.text(),
            address=self.address.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            officers=[OfficerLine(n.text(), t.text()) for t, n in self.officer_rows if n.text().strip()],
        )

    def save(self) -> None:
        try:
            with self.ctx.db.write() as session:
                save_profile(session, self.form())
        except ValidationError as exc:
            for key, label in self.errors.items():
                label.show_message(exc.errors.get(key))
            return
        self.ctx.notifier.profile_changed.emit()
        self.accept()
