"""The recognition decision editor: number, date, signer, "Căn cứ" lines and the list of
recognised entities (chosen among those scored a pass). A draft can be saved and edited; once
issued a decision is final, and a correction is a new decision amending it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import reviews, titles
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.ui.forms import DATE_HINT
from khuyenhoc_desktop.ui.review_dialog import number
from khuyenhoc_desktop.ui.widgets import ErrorLabel, add_field

HEADERS = ["Công nhận", "Địa chỉ", "Điểm", "Xếp loại", "Ghi chú"]
ISSUE_WARNING = "Sau khi ban hành, quyết định không sửa được; muốn sửa phải ra quyết định sửa đổi."
CHAIR_TITLE = "Chủ tịch"


def chair(session) -> tuple[str, str]:
    """(name, title) of the profile officer titled "Chủ tịch" (any case, marks ignored)."""
    profile = get_profile(session)
    officer = next((o for o in profile.officers if fold(o.title) == "chu tich"), None) if profile else None
    return (officer.name, officer.title) if officer else ("", CHAIR_TITLE)


def default_basis(session, year: int, title_code: str, rows: list[titles.RegistrationRow]) -> list[str]:
    """The usual "Căn cứ" lines: the association's charter, the criteria actually used for the
    scoring (their legal basis) and the review meeting's minutes."""
    title_name = titles.title_names(session)[title_code]
    lines = ["Căn cứ Điều lệ Hội Khuyến học Việt Nam"]
    versions = []
    for row in rows:
        evaluation = titles.evaluation_of(session, row.id)
        if evaluation is not None and evaluation.form_version_id not in versions:
            versions.append(evaluation.form_version_id)
    seen = set()
    for version in versions:
        form = titles.stored_form(session, version)
        if form.legal_text and form.legal_text not in seen:
            seen.add(form.legal_text)
            issuer = form.legal_basis.get("issuer")
            lines.append(f"Căn cứ {form.legal_text}" + (f" của {issuer}" if issuer else "")
                         + f" về tiêu chí đánh giá, công nhận danh hiệu {title_name}")
    held = reviews.meetings(session, year, title_code)
    if held and held[-1].held_on:
        lines.append(f"Căn cứ biên bản họp bình xét danh hiệu {title_name} năm {year} "
                     f"ngày {format_date(held[-1].held_on)}")
    return lines


def approved_by_meeting(session, year: int, title_code: str) -> list[int] | None:
    """Registrations proposed by the latest review meeting; None when there was no meeting."""
    held = reviews.meetings(session, year, title_code)
    return reviews.outcome(session, held[-1].id).approved_ids if held else None


class ChoiceModel(QAbstractTableModel):
    """The registrations scored a pass, each with a check box (recognised or not)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[titles.RegistrationRow] = []
        self.checked: set[int] = set()
        self.notes: dict[int, str] = {}

    def set_rows(self, rows, checked, notes) -> None:
        self.beginResetModel()
        self.rows, self.checked, self.notes = list(rows), set(checked), dict(notes)
        self.endResetModel()

    def chosen_ids(self) -> list[int]:
        return [row.id for row in self.rows if row.id in self.checked]

    def set_all(self, on: bool) -> None:
        self.checked = {row.id for row in self.rows} if on else set()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index):
        flags = super().flags(index)
        return flags | Qt.ItemIsUserCheckable if index.column() == 0 else flags

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.DisplayRole:
            return [row.name, row.address, number(row.total), row.level or "", self.notes.get(row.id, "")][column]
        if role == Qt.CheckStateRole and column == 0:
            return Qt.Checked if row.id in self.checked else Qt.Unchecked
        if role == Qt.TextAlignmentRole and column == 2:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802
        if role != Qt.CheckStateRole or index.column() != 0:
            return False
        rid = self.rows[index.row()].id
        if Qt.CheckState(value) == Qt.Checked:
            self.checked.add(rid)
        else:
            self.checked.discard(rid)
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return HEADERS[section]
        return None


class DecisionDialog(QDialog):
    """New decision (`title_code` None lets the user choose the title), a draft (`decision_id`)
    or a decision amending an issued one (`amends_id`)."""

    def __init__(self, ctx, year: int, title_code: str | None = None, decision_id: int | None = None,
                 amends_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.year = year
        self.amends_id = amends_id
        self.saved_id: int | None = None
        self.errors: dict[str, ErrorLabel] = {}
        with ctx.db.read() as session:
            self.title_names = titles.title_names(session)
            if decision_id is not None:
                form = titles.load_decision(session, decision_id)
                if form.issued:
                    raise UserError(titles.ISSUED_MESSAGE)
            else:
                name, title = chair(session)
                form = titles.DecisionForm(number=titles.next_decision_number(session, year), year=year,
                                           title_code=title_code or "", issued_on=today(),
                                           signer_name=name, signer_title=title)
            self.amended = titles.load_decision(session, amends_id) if amends_id is not None else None
        if self.amended is not None:
            form.title_code = self.amended.title_code
            form.registration_ids = list(self.amended.registration_ids)
        self.form = form
        if amends_id is not None:
            heading = f"Quyết định sửa đổi Quyết định số {self.amended.number}"
        elif decision_id is not None:
            heading = f"Sửa dự thảo Quyết định số {form.number}"
        else:
            heading = "Quyết định công nhận mới"
        self.setWindowTitle(heading)
        self.resize(900, 760)

        self.title_combo = QComboBox()
        for code, name in self.title_names.items():
            self.title_combo.addItem(name, code)
        self.title_combo.setCurrentIndex(max(self.title_combo.findData(form.title_code), 0))
        # The title is fixed by the page filter, a saved draft or the amended decision.
        self.title_combo.setEnabled(not form.title_code)
        self.number = QLineEdit(form.number)
        self.number.setPlaceholderText("ví dụ 12/QĐ-HKH")
        self.issued_on = QLineEdit(format_date(form.issued_on) if form.issued_on else "")
        self.issued_on.setPlaceholderText(DATE_HINT)
        self.signer_name = QLineEdit(form.signer_name)
        self.signer_title = QLineEdit(form.signer_title)
        self.signer_title.setPlaceholderText("ví dụ Chủ tịch, Phó Chủ tịch")
        self.basis = QPlainTextEdit()
        self.basis.setTabChangesFocus(True)
        self.basis.setPlaceholderText("Mỗi dòng một căn cứ, ví dụ: Căn cứ Điều lệ Hội Khuyến học Việt Nam")
        self.basis.setFixedHeight(110)

        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        year_label = QLabel(str(year))
        self._row(fields, "year", "Năm", year_label)
        self._row(fields, "title_code", "Danh hiệu *", self.title_combo)
        self._row(fields, "number", "Số quyết định *", self.number)
        self._row(fields, "issued_on", "Ngày ban hành *", self.issued_on)
        self._row(fields, "signer_name", "Người ký *", self.signer_name)
        self._row(fields, "signer_title", "Chức vụ người ký *", self.signer_title)
        self._row(fields, "basis", "Căn cứ", self.basis)

        self.model = ChoiceModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for column, width in ((1, 200), (2, 50), (3, 80), (4, 180)):
            self.table.setColumnWidth(column, width)
        self.count = QLabel()
        self.count.setObjectName("chosenCount")
        self.source = QLabel()
        self.source.setWordWrap(True)
        all_button = QPushButton("Chọn tất cả")
        all_button.clicked.connect(lambda: self.model.set_all(True))
        none_button = QPushButton("Bỏ chọn tất cả")
        none_button.clicked.connect(lambda: self.model.set_all(False))
        list_bar = QHBoxLayout()
        list_bar.addWidget(self.count)
        list_bar.addStretch()
        list_bar.addWidget(all_button)
        list_bar.addWidget(none_button)
        self.list_error = ErrorLabel()
        self.errors["registration_ids"] = self.list_error
        self.general_error = ErrorLabel()

        self.draft_button = QPushButton("Lưu dự thảo")
        self.draft_button.setToolTip("Lưu để sửa tiếp sau; dự thảo chưa có hiệu lực")
        self.draft_button.clicked.connect(lambda: self.save(issue=False))
        self.issue_button = QPushButton("Ban hành")
        self.issue_button.setToolTip(ISSUE_WARNING)
        self.issue_button.clicked.connect(lambda: self.save(issue=True))
        cancel = QPushButton("Hủy")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        if self.amended is not None:
            note = QLabel(f"Danh sách dưới đây thay thế danh sách của Quyết định số {self.amended.number}; "
                          "bỏ chọn hoặc chọn thêm cho đúng.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(fields)
        layout.addWidget(QLabel("<b>Danh sách được công nhận</b> (chỉ gồm các đăng ký đã chấm đạt)"))
        layout.addWidget(self.source)
        layout.addWidget(self.table, 1)
        layout.addLayout(list_bar)
        layout.addWidget(self.list_error)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        self.model.dataChanged.connect(lambda *_: self._update_count())
        self.model.modelReset.connect(self._update_count)
        self.title_combo.currentIndexChanged.connect(lambda _i: self._load_title(fresh=True))
        self._load_title(fresh=decision_id is None)

    def _row(self, layout: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.errors[name] = add_field(layout, label, widget)

    def title_code(self) -> str:
        return self.title_combo.currentData()

    def _load_title(self, fresh: bool) -> None:
        """Fill the list (and, for a new decision, the basis and the ticks) for the chosen title."""
        code = self.title_code()
        with self.ctx.db.read() as session:
            ids = titles.registration_ids(session, titles.RegistrationQuery(self.year, code, status="passed"))
            rows = titles.registration_rows(session, ids)
            approved = approved_by_meeting(session, self.year, code)
            basis = default_basis(session, self.year, code, rows) if fresh else None
        own = self.amended.number if self.amended is not None else None
        notes = {r.id: f"đã có trong QĐ {r.decision}" for r in rows if r.decision and r.decision != own}
        if fresh and self.amended is None:
            checked = [rid for rid in (approved or []) if rid not in notes]
            if approved is None:
                text = "Chưa có biên bản bình xét; hãy đánh dấu những ai được công nhận."
            else:
                text = (f"Đã đánh dấu sẵn {format_count(len(checked))} được hội nghị bình xét đề nghị công nhận"
                        + (f" (không tính {format_count(len(notes))} đã có trong quyết định khác)." if notes else "."))
            self.source.setText(text)
        else:
            checked = self.form.registration_ids
            self.source.setText("")
        self.model.set_rows(rows, checked, notes)
        if basis is not None:
            if self.amended is not None:
                when = f" ngày {format_date(self.amended.issued_on)}" if self.amended.issued_on else ""
                basis.append(f"Căn cứ Quyết định số {self.amended.number}{when} về việc công nhận danh hiệu "
                             f"{self.title_names[code]} năm {self.year}")
            self.basis.setPlainText("\n".join(basis))
        else:
            self.basis.setPlainText(self.form.basis)

    def _update_count(self) -> None:
        chosen, total = len(self.model.checked), len(self.model.rows)
        self.count.setText(f"Đã chọn {format_count(chosen)}/{format_count(total)}")

    # ---- saving
    def read_form(self) -> titles.DecisionForm:
        basis = [line.strip() for line in self.basis.toPlainText().splitlines() if line.strip()]
        return titles.DecisionForm(
            number=self.number.text(), year=self.year, title_code=self.title_code(),
            issued_on=self.issued_on.text().strip() or None, signer_name=self.signer_name.text(),
            signer_title=self.signer_title.text(), basis="\n".join(basis),
            registration_ids=self.model.chosen_ids(), id=self.form.id)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.show_message(errors.get(name))
        self.general_error.show_message(" ".join(m for n, m in errors.items() if n not in self.errors))

    def confirm_issue(self, form: titles.DecisionForm) -> bool:
        noun = titles.ENTITY_KINDS[titles.TITLE_ENTITY[form.title_code]][1]
        box = QMessageBox(QMessageBox.Warning, "Ban hành quyết định",
                          f"Ban hành Quyết định số {form.number.strip()} công nhận "
                          f"{format_count(len(form.registration_ids))} {noun} đạt danh hiệu "
                          f"{self.title_names[form.title_code]} năm {form.year}?", parent=self)
        box.setInformativeText(ISSUE_WARNING)
        issue = box.addButton("Ban hành", QMessageBox.AcceptRole)
        cancel = box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is issue

    def save(self, issue: bool) -> None:
        form = self.read_form()
        if issue and not self.confirm_issue(form):
            return
        try:
            with self.ctx.db.write() as session:
                if self.amended is not None and form.id is None:
                    self.saved_id = titles.amend_decision(session, self.amended.id, form, issue=issue)
                else:
                    self.saved_id = titles.save_decision(session, form, issue=issue)
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        except UserError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        self.ctx.changed("decisions", "registrations")
        self.accept()
