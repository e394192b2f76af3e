"""In giấy công nhận: the certificate template (texts, sizes, border, offsets for pre-printed
paper) with a live preview of the first certificate, then the whole decision as one PDF, a
print preview or printing. Without a decision it edits the template on a sample certificate."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.documents.certificates import (
    Certificate,
    CertificateTemplate,
    Issuer,
    issuer_from_profile,
    render_certificates,
)
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.logs import log
from khuyenhoc_desktop.services import title_documents, titles
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.ui import pdf_view
from khuyenhoc_desktop.ui.export_action import LAST_FOLDER_KEY, confirm_replace, open_folder, start_folder
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import ERROR_STYLE

TITLE = "In giấy công nhận"
FILE_FILTER = "Tệp PDF (*.pdf)"
PREVIEW_DELAY_MS = 250
PREVIEW_WIDTH = 1100  # pixels; sharp enough for a half-screen preview
PLACEHOLDERS = (
    "Các chỗ trong ngoặc nhọn được điền tự động:\n"
    "{title} tên danh hiệu · {year} năm · {level} xếp loại · {address} địa chỉ\n"
    "{number} số giấy công nhận · {decision_number} số quyết định · {decision_date} ngày quyết định"
)
TEXT_FIELDS = (
    ("title", "Tiêu đề"),
    ("title_line", "Dòng danh hiệu"),
    ("level_line", "Dòng xếp loại"),
    ("address_line", "Dòng địa chỉ"),
    ("number_line", "Dòng số giấy"),
    ("decision_line", "Dòng quyết định"),
)
SWITCHES = (
    ("show_border", "In khung viền"),
    ("show_motto", "In quốc hiệu, tiêu ngữ"),
    ("show_issuing_body", "In tên cơ quan ban hành"),
    ("show_parent_body", "In tên cơ quan cấp trên"),
)


def sample_certificate(title_name: str) -> Certificate:
    """Shown when the template is edited without a decision."""
    return Certificate(entity_name="Gia đình ông Nguyễn Văn An", entity_address="Thôn Đông",
                       title_name=title_name, year=today().year, level=None, number="01/GCN-HKH",
                       decision_number="01/QĐ-HKH", decision_date=today())


def sample_issuer(session) -> Issuer:
    profile = get_profile(session)
    if profile is not None:
        return issuer_from_profile(profile, today())
    return Issuer(parent_body="HỘI KHUYẾN HỌC TỈNH …", issuing_body="HỘI KHUYẾN HỌC XÃ …", place="…",
                  signer_title="CHỦ TỊCH", signer_on_behalf="TM. BAN CHẤP HÀNH", signer_name="", date=today())


def file_name(number: str, year: int) -> str:
    """'Giấy công nhận QĐ 01-QĐ-HKH năm 2025.pdf' (no slashes: they cannot be in a file name)."""
    return f"Giấy công nhận QĐ {number.replace('/', '-')} năm {year}.pdf"


class CertificateDialog(QDialog):
    def __init__(self, ctx, decision_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.decision_id = decision_id
        self._temp = tempfile.TemporaryDirectory(prefix="khuyenhoc-")
        self.finished.connect(self._finished)
        with ctx.db.read() as session:
            self.template = title_documents.load_template(session)
            if decision_id is None:
                self.certificates = [sample_certificate(titles.title_names(session)["GĐHT"])]
                self.issuer = sample_issuer(session)
                self.number, self.year = "", today().year
            else:
                job = title_documents.certificate_job(session, decision_id)
                self.certificates, self.issuer = job.certificates, job.issuer
                self.number, self.year = job.number, job.year
        if decision_id is None:
            self.setWindowTitle("Mẫu giấy công nhận")
        else:
            self.setWindowTitle(f"{TITLE} — Quyết định số {self.number} "
                                f"({format_count(len(self.certificates))} giấy)")
        self.resize(1200, 720)

        controls = QFormLayout()
        controls.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.paper = QComboBox()
        self.paper.addItem("A4 (ngang)", "A4")
        self.paper.addItem("A5 (ngang)", "A5")
        controls.addRow("Khổ giấy", self.paper)
        self.switches: dict[str, QCheckBox] = {}
        for name, label in SWITCHES:
            box = QCheckBox(label)
            self.switches[name] = box
            controls.addRow("", box)
        self.offset_x = self._offset("Số dương: dịch sang phải")
        self.offset_y = self._offset("Số dương: dịch xuống dưới")
        controls.addRow("Dịch ngang", self.offset_x)
        controls.addRow("Dịch dọc", self.offset_y)
        self.font_scale = QSpinBox()
        self.font_scale.setRange(50, 150)
        self.font_scale.setSingleStep(5)
        self.font_scale.setSuffix("%")
        controls.addRow("Cỡ chữ", self.font_scale)
        self.texts: dict[str, QLineEdit] = {}
        for name, label in TEXT_FIELDS:
            edit = QLineEdit()
            if name != "title":
                edit.setToolTip(PLACEHOLDERS)
            self.texts[name] = edit
            controls.addRow(label, edit)
        hint = QLabel("Chỗ trong ngoặc nhọn như {year} được điền tự động; để chuột lên ô chữ để xem danh sách.")
        hint.setWordWrap(True)
        controls.addRow(hint)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.preview = pdf_view.PageView()
        self.preview.setObjectName("certificatePreview")
        self.preview_note = QLabel("Xem trước: " + (self.certificates[0].entity_name if decision_id is not None
                                                     else "giấy mẫu (chưa chọn quyết định)"))

        reset = QPushButton("Khôi phục mặc định")
        reset.setToolTip("Đưa mẫu về như lúc cài đặt (chưa lưu cho đến khi bấm Lưu mẫu)")
        reset.clicked.connect(lambda: self.set_template(CertificateTemplate()))
        self.save_button = QPushButton("Lưu mẫu")
        self.save_button.setToolTip("Lưu mẫu vào tệp dữ liệu; lần sau in sẽ dùng mẫu này")
        self.save_button.clicked.connect(self.save_template)
        self.export_button = QPushButton("Xuất PDF…")
        self.export_button.clicked.connect(self.export_pdf)
        self.preview_button = QPushButton("Xem trước khi in…")
        self.preview_button.clicked.connect(self.print_preview)
        self.print_button = QPushButton("In…")
        self.print_button.clicked.connect(self.print_all)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        for button, what in ((self.export_button, "Ghi toàn bộ giấy công nhận của quyết định vào một tệp PDF"),
                             (self.preview_button, "Xem từng trang như khi in ra giấy"),
                             (self.print_button, "Chọn máy in rồi in toàn bộ giấy công nhận")):
            button.setEnabled(decision_id is not None)
            button.setToolTip(what if decision_id is not None else
                              "Chọn một quyết định đã ban hành ở trang Quyết định rồi bấm In giấy công nhận….")

        left = QVBoxLayout()
        left.addLayout(controls)
        left.addWidget(self.status)
        left.addStretch()
        right = QVBoxLayout()
        right.addWidget(self.preview_note)
        right.addWidget(self.preview, 1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(reset)
        buttons.addWidget(self.save_button)
        buttons.addStretch()
        for button in (self.export_button, self.preview_button, self.print_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.render_preview)
        self.set_template(self.template)
        self.paper.currentIndexChanged.connect(self.schedule_preview)
        for box in self.switches.values():
            box.toggled.connect(self.schedule_preview)
        for spin in (self.offset_x, self.offset_y, self.font_scale):
            spin.valueChanged.connect(self.schedule_preview)
        for edit in self.texts.values():
            edit.textChanged.connect(self.schedule_preview)
        self.render_preview()

    def _finished(self, _result: int) -> None:
        self._timer.stop()
        self._temp.cleanup()

    @staticmethod
    def _offset(tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(-50, 50)
        spin.setDecimals(1)
        spin.setSingleStep(0.5)
        spin.setSuffix(" mm")
        spin.setToolTip(f"Để in đúng vào giấy in sẵn; {tip.lower()}")
        return spin

    # ---- template <-> controls
    def set_template(self, template: CertificateTemplate) -> None:
        self.paper.setCurrentIndex(max(self.paper.findData(template.paper.upper()), 0))
        for name, box in self.switches.items():
            box.setChecked(bool(getattr(template, name)))
        self.offset_x.setValue(float(template.offset_x_mm))
        self.offset_y.setValue(float(template.offset_y_mm))
        self.font_scale.setValue(round(float(template.font_scale) * 100))
        for name, edit in self.texts.items():
            edit.setText(getattr(template, name))
        self.template = template

    def current_template(self) -> CertificateTemplate:
        values = {name: box.isChecked() for name, box in self.switches.items()}
        values.update({name: edit.text() for name, edit in self.texts.items()})
        return dataclasses.replace(
            self.template, paper=self.paper.currentData(), offset_x_mm=self.offset_x.value(),
            offset_y_mm=self.offset_y.value(), font_scale=self.font_scale.value() / 100, **values)

    # ---- preview
    def schedule_preview(self, *_args) -> None:
        self._timer.start()

    def _render(self, certificates: list[Certificate], path: Path) -> None:
        """Render, turning a broken {placeholder} into a message the user can act on."""
        try:
            render_certificates(certificates, self.issuer, path, self.current_template())
        except (KeyError, IndexError, ValueError) as exc:
            raise UserError(f"Dòng chữ có chỗ trong ngoặc nhọn chưa đúng ({exc}). {PLACEHOLDERS}") from None

    def render_preview(self) -> None:
        self._timer.stop()
        path = Path(self._temp.name) / "preview.pdf"
        try:
            self._render(self.certificates[:1], path)
        except UserError as exc:
            self.preview.set_message(str(exc))
            return
        except Exception:
            log.exception("certificate preview failed")
            self.preview.set_message("Không xem trước được; chi tiết đã ghi vào nhật ký.")
            return
        self.preview.set_image(pdf_view.render_page(path, 0, width=PREVIEW_WIDTH))

    # ---- saving and printing
    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def save_template(self) -> bool:
        template = self.current_template()
        try:
            with self.ctx.db.write() as session:
                title_documents.save_template(session, template)
        except UserError as exc:
            self._say(str(exc), error=True)
            return False
        self.template = template
        self._say("Đã lưu mẫu giấy công nhận.")
        self.ctx.changed("certificate_template")
        return True

    def _write_all(self, path: Path, on_done) -> None:
        """Every certificate of the decision into `path` in the background, then `on_done(pages)`."""
        db, decision_id, template = self.ctx.db, self.decision_id, self.current_template()

        def work(progress, _cancelled):
            progress(0, 0, f"Đang in {format_count(len(self.certificates))} giấy công nhận…")
            with db.read() as session:
                try:
                    return title_documents.print_certificates(session, decision_id, path, template)
                except (KeyError, IndexError, ValueError) as exc:
                    raise UserError(f"Dòng chữ có chỗ trong ngoặc nhọn chưa đúng ({exc}).") from None

        run_with_progress(self, TITLE, work, on_done)

    def export_pdf(self) -> None:
        settings = self.ctx.settings
        suggested = start_folder(settings) / file_name(self.number, self.year)
        name, _selected = QFileDialog.getSaveFileName(self, "Xuất PDF", str(suggested), FILE_FILTER)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
            if path.exists() and not confirm_replace(self, path):
                return
        settings.setValue(LAST_FOLDER_KEY, str(path.parent))
        self.export_to(path)

    def export_to(self, path: Path) -> None:
        self._write_all(path, lambda pages: self.show_exported(pages, path))

    def show_exported(self, pages: int, path: Path) -> None:
        text = f"Đã in {format_count(pages)} giấy công nhận vào tệp “{path.name}”."
        self._say(text)
        box = QMessageBox(QMessageBox.Information, "Xuất PDF", text, parent=self)
        box.setInformativeText(f"Thư mục: {path.parent}")
        open_button = box.addButton("Mở thư mục", QMessageBox.ActionRole)
        close = box.addButton("Đóng", QMessageBox.RejectRole)
        box.setDefaultButton(close)
        box.setEscapeButton(close)
        box.exec()
        if box.clickedButton() is open_button:
            open_folder(self, path.parent)

    def print_preview(self) -> None:
        path = Path(self._temp.name) / "in.pdf"
        self._write_all(path, lambda _pages: pdf_view.preview_pdf(self, path, f"Xem trước — {self.windowTitle()}"))

    def print_all(self) -> None:
        path = Path(self._temp.name) / "in.pdf"
        self._write_all(path, lambda pages: pdf_view.print_pdf_dialog(self, path, TITLE) and self._say(
            f"Đã gửi {format_count(pages)} giấy công nhận đến máy in."))
