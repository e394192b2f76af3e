"""A report's dialogs: a new draft (kind, year, addressee, number) and the draft's editor (date,
addressee, recipients, the narrative sections with their headings, and a read-only look at the
commune's figures the annex will carry)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.domain import report_forms
from khuyenhoc_desktop.domain.report_forms import percent_text
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import reports
from khuyenhoc_desktop.ui.fund_dialogs import date_edit, show_field_errors
from khuyenhoc_desktop.ui.widgets import ErrorLabel, RowsModel, add_field, confirm, setup_row_table

FIGURE_HEADERS = ["Nhóm", "Chỉ tiêu", "Số liệu", "Tỉ lệ", "Cùng kỳ năm trước"]
RECIPIENTS_HINT = "Mỗi nơi nhận một dòng, ví dụ:\nNhư trên;\nĐảng ủy, UBND xã (b/c);\nLưu: VT."


def addressee_combo(names: list[str], current: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(names)
    combo.setCurrentText(names[0] if current is None and names else current or "")
    combo.lineEdit().setPlaceholderText("ví dụ Hội Khuyến học tỉnh …")
    combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
    combo.setAccessibleName("Kính gửi")
    return combo


def default_period() -> tuple[str, int]:
    """The report most likely due: the first half once it is over, otherwise last year's."""
    now = today()
    return ("half_year", now.year) if now.month >= 7 else ("annual", now.year - 1)


class NewReportDialog(QDialog):
    """A new draft; its narrative is filled from the figures by the service."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.saved_id: int | None = None
        self.setWindowTitle("Báo cáo mới")
        kind, year = default_period()
        self.kind = QComboBox()
        for key, label in reports.KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(year)
        with ctx.db.read() as session:
            names = reports.addressee_suggestions(session)
        self.addressed_to = addressee_combo(names)
        self.number = QLineEdit()
        self.number.setPlaceholderText("ví dụ 05/BC-HKH")
        self._suggested = ""
        form = QFormLayout()
        form.addRow("Loại báo cáo:", self.kind)
        form.addRow("Năm:", self.year)
        form.addRow("Kính gửi:", self.addressed_to)
        self.layout_choice = QComboBox()
        self.layout_choice.setAccessibleName("Mẫu phụ lục")
        for annex in report_forms.all_layouts(set(reports.INDICATORS)):
            self.layout_choice.addItem(f"{annex.title} ({annex.id})", annex.id)
        self.layout_choice.setCurrentIndex(max(0, self.layout_choice.findData(report_forms.DEFAULT_ID)))
        form.addRow("Mẫu phụ lục:", self.layout_choice)
        self.errors = {"number": add_field(form, "Số:", self.number)}
        self.general = ErrorLabel()
        note = QLabel("Phần nội dung được điền sẵn từ số liệu; sửa lại bằng nút Sửa… sau khi lập.")
        note.setWordWrap(True)
        self.save_button = QPushButton("Lập báo cáo")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Hủy")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.general)
        layout.addLayout(buttons)
        self.year.valueChanged.connect(lambda _v: self._suggest_number())
        self._suggest_number()
        self.resize(520, self.sizeHint().height())

    def _suggest_number(self) -> None:
        # Numbering restarts each year; a number the user typed is left alone.
        with self.ctx.db.read() as session:
            suggestion = reports.next_number(session, self.year.value())
        if self.number.text().strip() in ("", self._suggested):
            self.number.setText(suggestion)
        self._suggested = suggestion

    def save(self) -> None:
        form = reports.ReportForm(kind=self.kind.currentData(), year=self.year.value(), number=self.number.text(),
                                  addressed_to=self.addressed_to.currentText(),
                                  layout_id=self.layout_choice.currentData() or "")
        try:
            with self.ctx.db.write() as session:
                self.saved_id = reports.save_report(session, form)
        except ValidationError as exc:
            show_field_errors(self.errors, self.general, exc.errors)
            return
        except UserError as exc:
            self.general.show_message(str(exc))
            return
        self.ctx.changed("reports")
        self.accept()


class Section(QWidget):
    """One narrative section: its heading (editable) and its text."""

    def __init__(self, number: int, heading: str, text: str, parent=None):
        super().__init__(parent)
        self.heading = QLineEdit(heading)
        self.heading.setAccessibleName(f"Tiêu đề mục {number}")
        self.heading.setStyleSheet("font-weight: bold;")
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName(f"Nội dung mục {number}")
        self.text.setMinimumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)

    def value(self) -> list[str]:
        return [self.heading.text(), self.text.toPlainText()]


def figure_rows(figures: reports.Figures, layout) -> list[tuple]:
    """The commune's column of the annex: counts, money, and each percentage with its two parts."""
    now, before = figures.commune, figures.previous
    rows = []
    for group in layout.groups:
        for column in group.columns:
            if column.kind == "percent":
                num, den = column.numerator, column.denominator
                value = f"{format_count(now.get(num, 0))}/{format_count(now.get(den, 0))}"
                share = percent_text(now.get(num, 0), now.get(den, 0)) or "—"
                earlier = percent_text(before.get(num, 0), before.get(den, 0)) or "—"
            else:
                show = format_money if column.kind == "money" else format_count
                value, share, earlier = show(now.get(column.id, 0)), "", show(before.get(column.id, 0))
            rows.append((column.id, group.title, column.header, value, share, earlier))
    return rows


class ReportDialog(QDialog):
    """Edit a draft report; a finalised one is refused by the service."""

    def __init__(self, ctx, report_id: int, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.report_id = report_id
        self.saved_id: int | None = None
        with ctx.db.read() as session:
            self.form = reports.load_report(session, report_id)
            self.figures, layout = reports.report_figures(session, report_id)
            names = reports.addressee_suggestions(session)
        label = reports.KINDS[self.form.kind]
        self.setWindowTitle(f"Báo cáo số {self.form.number} — {label} {self.form.year}")

        self.number = QLineEdit(self.form.number)
        self.number.setMaximumWidth(200)
        self.report_date = date_edit(self.form.report_date)
        self.addressed_to = addressee_combo(names, self.form.addressed_to)
        self.recipients = QPlainTextEdit("\n".join(self.form.recipients))
        self.recipients.setPlaceholderText(RECIPIENTS_HINT)
        self.recipients.setAccessibleName("Nơi nhận")
        self.recipients.setMaximumHeight(160)
        general_tab = QWidget()
        form = QFormLayout(general_tab)
        form.addRow("Loại báo cáo:", QLabel(f"{label} {self.form.year}"))
        self.errors = {"number": add_field(form, "Số:", self.number),
                       "report_date": add_field(form, "Ngày báo cáo:", self.report_date)}
        form.addRow("Kính gửi:", self.addressed_to)
        form.addRow("Nơi nhận:", self.recipients)

        self.sections: list[Section] = []
        self.sections_box = QVBoxLayout()
        refill = QPushButton("Điền lại từ số liệu")
        refill.setToolTip("Thay nội dung các mục bằng đoạn văn mới tính từ số liệu hiện tại")
        refill.clicked.connect(self.refill)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(self.sections_box)
        inner_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        narrative_tab = QWidget()
        narrative_layout = QVBoxLayout(narrative_tab)
        top = QHBoxLayout()
        top.addWidget(QLabel("Mỗi mục: tiêu đề (sửa được) và nội dung; để trống một dòng giữa hai đoạn."))
        top.addStretch()
        top.addWidget(refill)
        narrative_layout.addLayout(top)
        narrative_layout.addWidget(scroll, 1)
        self._set_sections(self.form.narrative or [])

        self.figure_model = RowsModel(FIGURE_HEADERS, numeric={2, 3, 4})
        self.figure_model.set_rows(figure_rows(self.figures, layout))
        table = QTableView()
        table.setModel(self.figure_model)
        setup_row_table(table)
        for column, width in enumerate((170, 200, 160, 90)):
            table.setColumnWidth(column, width)
        figures_tab = QWidget()
        figures_layout = QVBoxLayout(figures_tab)
        figures_layout.addWidget(QLabel("Số liệu toàn xã tính đến hôm nay; khi chốt số liệu, các số này được giữ "
                                        "nguyên trong báo cáo. Phụ lục theo từng thôn có trong tệp Excel và PDF."))
        figures_layout.itemAt(0).widget().setWordWrap(True)
        figures_layout.addWidget(table, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(narrative_tab, "Nội dung báo cáo")
        self.tabs.addTab(general_tab, "Số, ngày, nơi gửi")
        self.tabs.addTab(figures_tab, "Số liệu toàn xã")

        self.general = ErrorLabel()
        self.save_button = QPushButton("Lưu")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Hủy")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout_ = QVBoxLayout(self)
        layout_.addWidget(self.tabs, 1)
        layout_.addWidget(self.general)
        layout_.addLayout(buttons)
        self.resize(900, 720)

    def _set_sections(self, narrative: list[list[str]]) -> None:
        for section in self.sections:
            section.setParent(None)
            section.deleteLater()
        self.sections = [Section(n, heading, text) for n, (heading, text) in enumerate(narrative, 1)]
        for section in self.sections:
            self.sections_box.addWidget(section)

    def narrative(self) -> list[list[str]]:
        return [s.value() for s in self.sections]

    def refill(self) -> None:
        fresh = reports.default_narrative(self.form.kind, self.form.year, self.figures)
        if self.narrative() != fresh and not confirm(
                self, "Điền lại từ số liệu", "Thay nội dung các mục bằng đoạn văn tính từ số liệu hiện tại?",
                "Những gì đã sửa trong các mục sẽ mất (chưa lưu thì bấm Hủy ở hộp thoại báo cáo để giữ bản cũ).",
                "Điền lại"):
            return
        self._set_sections(fresh)

    def save(self) -> None:
        form = reports.ReportForm(
            kind=self.form.kind, year=self.form.year, number=self.number.text(),
            report_date=self.report_date.text(), addressed_to=self.addressed_to.currentText(),
            recipients=self.recipients.toPlainText().splitlines(), narrative=self.narrative(), id=self.report_id)
        try:
            with self.ctx.db.write() as session:
                self.saved_id = reports.save_report(session, form)
        except ValidationError as exc:
            show_field_errors(self.errors, self.general, exc.errors)
            self.tabs.setCurrentIndex(1)
            return
        except UserError as exc:
            self.general.show_message(str(exc))
            return
        self.ctx.changed("reports")
        self.accept()


def report_label(row: dict) -> str:
    """'Báo cáo số 01/BC-HKH (Tổng kết năm 2025)' for titles and confirmations."""
    return f"Báo cáo số {row['number']} ({row['kind_label']} {row['year']})"

