"""The review meeting (hội nghị bình xét) of one title and year: attendance, the quorum and
approval shares, and the votes for each registered entity, with the result shown as it is typed."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import reviews, title_documents, titles
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.ui.forms import DATE_HINT
from khuyenhoc_desktop.ui.widgets import ERROR_STYLE, ErrorLabel, add_field

HEADERS = ["Tên", "Địa chỉ", "Điểm", "Xếp loại", "Số phiếu đồng ý", "Tỉ lệ", "Kết quả"]
VOTES_COLUMN = 4
PROPOSED, NOT_PROPOSED, UNSCORED = "Đề nghị công nhận", "Không đề nghị", "Chưa chấm"
RED = QColor("#b00020")
GREEN = QColor("#1b6e20")


def percent(share: float) -> str:
    """0.6 → '60%', 0.6667 → '66,7%'."""
    value = round(share * 100, 1)
    text = f"{value:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def chair_of(session) -> str:
    profile = get_profile(session)
    officer = next((o for o in profile.officers if fold(o.title) == "chu tich"), None) if profile else None
    return officer.name if officer else ""


class VotesModel(QAbstractTableModel):
    """Registrations of the title and year, the votes typed for each and the live result."""

    def __init__(self, rows: list[titles.RegistrationRow], votes: dict[int, int], parent=None):
        super().__init__(parent)
        self.rows = rows
        self.votes = {row.id: votes.get(row.id, 0) for row in rows}
        self.present = 0
        self.quorum_met = False
        self.approval_share = reviews.DEFAULT_SHARE

    def set_meeting(self, present: int, quorum_met: bool, approval_share: float) -> None:
        self.present, self.quorum_met, self.approval_share = present, quorum_met, approval_share
        if self.rows:
            self.dataChanged.emit(self.index(0, VOTES_COLUMN), self.index(len(self.rows) - 1, len(HEADERS) - 1))

    def share(self, row) -> float:
        return self.votes[row.id] / self.present if self.present else 0.0

    def too_many(self, row) -> bool:
        return self.votes[row.id] > self.present

    def result(self, row) -> tuple[str, str]:
        """(result, why) exactly as reviews.outcome decides it."""
        if row.passed is None:
            return UNSCORED, "Chưa chấm điểm theo bộ tiêu chí."
        if not row.passed:
            return NOT_PROPOSED, "Chấm điểm chưa đạt."
        if not self.quorum_met:
            return NOT_PROPOSED, "Hội nghị chưa đủ số người có mặt."
        if self.share(row) + 1e-9 >= self.approval_share:
            return PROPOSED, ""
        return NOT_PROPOSED, f"Số phiếu đồng ý chưa đạt {percent(self.approval_share)} số người có mặt."

    def proposed(self) -> int:
        return sum(1 for row in self.rows if self.result(row)[0] == PROPOSED)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index):
        flags = super().flags(index)
        return flags | Qt.ItemIsEditable if index.column() == VOTES_COLUMN else flags

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role in (Qt.DisplayRole, Qt.EditRole):
            if column == VOTES_COLUMN:
                return self.votes[row.id] if role == Qt.EditRole else format_count(self.votes[row.id])
            return [row.name, row.address, number(row.total), row.level or "", None,
                    percent(self.share(row)) if self.present and not self.too_many(row) else "",
                    self.result(row)[0]][column]
        if role == Qt.TextAlignmentRole and column in (2, VOTES_COLUMN, 5):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ForegroundRole:
            if column == VOTES_COLUMN and self.too_many(row):
                return QBrush(RED)
            if column == 6:
                proposed = self.result(row)[0] == PROPOSED
                return QBrush(GREEN if proposed else RED if row.passed is False else QColor("#555"))
        if role == Qt.ToolTipRole:
            if column == VOTES_COLUMN and self.too_many(row):
                return f"Số phiếu không thể nhiều hơn số người có mặt ({self.present})."
            if column == 6:
                return self.result(row)[1] or None
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802
        if role != Qt.EditRole or index.column() != VOTES_COLUMN:
            return False
        try:
            count = int(str(value).strip() or 0)
        except ValueError:
            return False
        if count < 0:
            return False
        self.votes[self.rows[index.row()].id] = count
        self.dataChanged.emit(index, self.index(index.row(), len(HEADERS) - 1))
        return True

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return HEADERS[section]
        return None


class ReviewDialog(QDialog):
    def __init__(self, ctx, year: int, title_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.saved_id: int | None = None
        with ctx.db.read() as session:
            title_name = titles.title_names(session)[title_code]
            held = reviews.meetings(session, year, title_code)
            if held:
                form = reviews.load_meeting(session, held[-1].id)
                votes = {line.registration_id: line.votes_for for line in reviews.outcome(session, form.id).lines}
            else:
                form = reviews.MeetingForm(year=year, title_code=title_code, held_on=today(),
                                           chair_name=chair_of(session))
                votes = {}
            ids = titles.registration_ids(session, titles.RegistrationQuery(year, title_code))
            rows = titles.registration_rows(session, ids)
        self.form = form
        self.setWindowTitle(f"Biên bản bình xét {title_name} năm {year}")
        self.resize(980, 720)

        self.held_on = QLineEdit(format_date(form.held_on) if form.held_on else "")
        self.held_on.setPlaceholderText(DATE_HINT)
        self.place = QLineEdit(form.place)
        self.place.setPlaceholderText("ví dụ Nhà văn hóa thôn Đông")
        self.chair_name = QLineEdit(form.chair_name)
        self.secretary_name = QLineEdit(form.secretary_name)
        self.invited = self._count(form.invited)
        self.present = self._count(form.present)
        self.quorum_share = self._share(form.quorum_share, "Số người có mặt ít nhất bằng tỉ lệ này của số được mời")
        self.approval_share = self._share(form.approval_share,
                                          "Được đề nghị công nhận khi số phiếu đồng ý đạt tỉ lệ này của số có mặt")
        self.note = QPlainTextEdit(form.note)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(48)
        self.errors: dict[str, ErrorLabel] = {}

        grid = QHBoxLayout()
        left, right = QFormLayout(), QFormLayout()
        for layout in (left, right):
            layout.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self._row(left, "held_on", "Ngày họp *", self.held_on)
        self._row(left, "place", "Địa điểm", self.place)
        self._row(left, "chair_name", "Chủ trì *", self.chair_name)
        self._row(left, "secretary_name", "Thư ký *", self.secretary_name)
        self._row(right, "invited", "Số người được mời *", self.invited)
        self._row(right, "present", "Số người có mặt *", self.present)
        self._row(right, "quorum_share", "Tỉ lệ có mặt tối thiểu", self.quorum_share)
        self._row(right, "approval_share", "Tỉ lệ đồng ý tối thiểu", self.approval_share)
        grid.addLayout(left, 1)
        grid.addSpacing(16)
        grid.addLayout(right, 1)

        self.attendance = QLabel()
        self.attendance.setObjectName("attendance")
        self.model = VotesModel(rows, votes, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.AllEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for column, width in ((1, 220), (2, 50), (3, 80), (4, 120), (5, 60), (6, 140)):
            self.table.setColumnWidth(column, width)
        self.summary = QLabel()
        self.votes_error = ErrorLabel()
        self.general_error = ErrorLabel()
        empty = QLabel(f"Chưa có đăng ký {title_name} năm {year}; hãy đăng ký và chấm điểm trước khi họp bình xét.")
        empty.setWordWrap(True)
        empty.setVisible(not rows)

        self.print_button = QPushButton("In biên bản…")
        self.print_button.setToolTip("Lưu rồi in biên bản họp bình xét")
        self.print_button.clicked.connect(self.print_minutes)
        save = QPushButton("Lưu")
        save.setDefault(True)
        save.clicked.connect(self.save_and_close)
        cancel = QPushButton("Hủy")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch()
        buttons.addWidget(save)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(QLabel("Ghi chú"))
        layout.addWidget(self.note)
        layout.addWidget(self.attendance)
        layout.addWidget(QLabel("<b>Phiếu đồng ý</b> (bấm vào ô để gõ số phiếu)"))
        layout.addWidget(empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.votes_error)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        for spin in (self.invited, self.present, self.quorum_share, self.approval_share):
            spin.valueChanged.connect(self.update_live)
        self.model.dataChanged.connect(lambda *_: self._update_summary())
        self.update_live()

    # ---- building
    @staticmethod
    def _count(value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(0, 100000)
        spin.setValue(int(value or 0))
        spin.setGroupSeparatorShown(True)
        return spin

    @staticmethod
    def _share(value: float, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, 100)
        spin.setSuffix("%")
        spin.setValue(round(float(value) * 100))
        spin.setToolTip(tip)
        return spin

    def _row(self, layout: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.errors[name] = add_field(layout, label, widget)

    # ---- live result
    def update_live(self) -> None:
        invited, present = self.invited.value(), self.present.value()
        quorum = self.quorum_share.value() / 100
        attendance = present / invited if invited else 0.0
        quorum_met = bool(invited) and attendance + 1e-9 >= quorum
        if not invited:
            text = "Nhập số người được mời và số có mặt để biết hội nghị đủ số lượng hay chưa."
        else:
            verdict = "đủ số lượng" if quorum_met else f"chưa đủ số lượng (cần {percent(quorum)})"
            text = f"Có mặt {format_count(present)}/{format_count(invited)} ({percent(attendance)}) — {verdict}"
        self.attendance.setText(text)
        self.attendance.setStyleSheet("" if quorum_met or not invited else ERROR_STYLE)
        self.model.set_meeting(present, quorum_met, self.approval_share.value() / 100)
        self._update_summary()

    def _update_summary(self) -> None:
        rows = self.model.rows
        scored = sum(1 for r in rows if r.passed is not None)
        self.summary.setText(
            f"Đề nghị công nhận {format_count(self.model.proposed())}/{format_count(len(rows))} "
            f"(đã chấm {format_count(scored)}, chấm đạt {format_count(sum(1 for r in rows if r.passed))})")
        over = [r.name for r in rows if self.model.too_many(r)]
        names = ", ".join(over[:3]) + (f" và {format_count(len(over) - 3)} dòng khác" if len(over) > 3 else "")
        self.votes_error.show_message(
            f"Số phiếu đồng ý không thể nhiều hơn số người có mặt ({self.present.value()}): {names}."
            if over else None)

    # ---- saving
    def read_form(self) -> reviews.MeetingForm:
        return reviews.MeetingForm(
            year=self.form.year, title_code=self.form.title_code, held_on=self.held_on.text(),
            place=self.place.text(), chair_name=self.chair_name.text(), secretary_name=self.secretary_name.text(),
            invited=self.invited.value(), present=self.present.value(),
            # Fractions, not "60": the service reads a bare 1 as 100%.
            quorum_share=self.quorum_share.value() / 100, approval_share=self.approval_share.value() / 100,
            note=self.note.toPlainText(), id=self.form.id)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.show_message(errors.get(name))
        self.votes_error.show_message(errors.get("votes"))
        rest = [msg for name, msg in errors.items() if name not in self.errors and name != "votes"]
        self.general_error.show_message(" ".join(rest))

    def save(self) -> int | None:
        """Save the meeting and its votes in one transaction; the meeting id, or None on errors."""
        form = self.read_form()
        try:
            with self.ctx.db.write() as session:
                meeting_id = reviews.save_meeting(session, form)
                reviews.set_votes(session, meeting_id, dict(self.model.votes))
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return None
        except UserError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return None
        self.show_errors({})
        self.form.id = self.saved_id = meeting_id
        self.ctx.changed("reviews")
        return meeting_id

    def save_and_close(self) -> None:
        if self.save() is not None:
            self.accept()

    def print_minutes(self) -> None:
        """Save, write the minutes ("Biên bản") as a PDF and show it before printing."""
        from khuyenhoc_desktop.ui import pdf_view

        meeting_id = self.save()
        if meeting_id is None:
            return
        self._temp = tempfile.TemporaryDirectory(prefix="khuyenhoc-")
        path = Path(self._temp.name) / "bien-ban.pdf"
        try:
            with self.ctx.db.read() as session:
                title_documents.print_minutes(session, meeting_id, path)
        except UserError as exc:
            QMessageBox.warning(self, "In biên bản", str(exc))
            return
        pdf_view.preview_pdf(self, path, "Xem trước biên bản")
