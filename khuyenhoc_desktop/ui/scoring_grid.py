"""Chấm theo bảng: many registrations' scores in one table, one form for all.

Typing in a cell edits it, Enter goes down, Tab goes right (to the next row after the last
indicator). Totals, level and verdict follow each row as it is typed. Lưu saves every changed,
fully filled row; a refused row stays red with the reason in its tooltip and keeps what was typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain import forms as forms_mod
from khuyenhoc_desktop.domain.forms import number_text
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import scoring, titles
from khuyenhoc_desktop.ui.scoring_dialog import (
    SHORT_NOUNS,
    fill_form_combo,
    notice_banner,
    parse_number,
    plain,
    show_notice,
    unusable_text,
)
from khuyenhoc_desktop.ui.widgets import ErrorLabel

ERROR_BRUSH = QBrush(QColor("#f6c9ce"))
CHANGED_BRUSH = QBrush(QColor("#fff4d6"))
LOCKED_BRUSH = QBrush(QColor("#e8e8e8"))
YES = {"x", "dat", "d", "co", "c", "1", "v", "+"}
NO = {"", "0", "k", "khong", "khong dat", "-"}


@dataclass
class GridRow:
    sheet: scoring.Sheet
    name: str
    values: dict  # indicator id -> number, bool or None (blank)
    bad: dict = field(default_factory=dict)  # indicator id -> text that is not a value
    changed: bool = False
    save_error: str = ""
    result: forms_mod.ScoreResult | None = None
    problem: str = ""  # why the row cannot be saved as it stands

    @property
    def registration_id(self) -> int:
        return self.sheet.registration_id


class GridModel(QAbstractTableModel):
    def __init__(self, form: forms_mod.Form, rows: list[GridRow], parent=None):
        super().__init__(parent)
        self.form = form
        self.indicators = form.indicators
        self.rows = rows
        self.first = 1  # column of the first indicator
        self.last = len(self.indicators)
        for row in rows:
            self.evaluate(row)

    # ---- rows
    def evaluate(self, row: GridRow) -> None:
        row.result, row.problem = None, ""
        if row.bad:
            row.problem = "; ".join(f"Chỉ tiêu {iid}: '{text}' không phải {self._expected(iid)}."
                                    for iid, text in row.bad.items())
            return
        values = {k: v for k, v in row.values.items() if v is not None}
        over = [f"Chỉ tiêu {i.id}: {number_text(values[i.id])} điểm vượt điểm tối đa {number_text(i.max_points)}."
                for i in self.indicators if i.kind == "points" and i.max_points is not None
                and values.get(i.id) is not None and values[i.id] > i.max_points]
        if over:  # said at once, before the row is complete
            row.problem = " ".join(over)
            return
        if not self.complete(row):
            return
        try:
            row.result = forms_mod.score(self.form, values)
        except UserError as exc:
            row.problem = str(exc)

    def _expected(self, iid: str) -> str:
        ind = next(i for i in self.indicators if i.id == iid)
        return (f"số điểm từ 0 đến {number_text(ind.max_points)}" if ind.kind == "points"
                else "x (đạt) hoặc để trống (không đạt)")

    def complete(self, row: GridRow) -> bool:
        return all(row.values.get(i.id) is not None for i in self.indicators if i.for_level is None)

    def message(self, row: GridRow) -> str:
        return row.sheet.locked or row.problem or row.save_error

    # ---- Qt API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.indicators) + 4

    def indicator_at(self, column: int) -> forms_mod.Indicator | None:
        return self.indicators[column - 1] if self.first <= column <= self.last else None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        row = self.rows[index.row()]
        column = index.column()
        ind = self.indicator_at(column)
        if role in (Qt.DisplayRole, Qt.EditRole):
            if column == 0:
                return row.name
            if ind is not None:
                if ind.id in row.bad:
                    return row.bad[ind.id]
                value = row.values.get(ind.id)
                if ind.kind == "pass_fail":
                    return "Đạt" if value else ""
                return "" if value is None else number_text(value)
            result = row.result
            if column == self.last + 1:
                return number_text(result.total) if result and self.form.is_points else ""
            if column == self.last + 2:
                return (result.level or "") if result else ""
            if result:
                return "Đạt" if result.passed else "Chưa đạt"
            return "Lỗi" if (row.problem or row.save_error) else ""
        if role == Qt.CheckStateRole and ind is not None and ind.kind == "pass_fail" and ind.id not in row.bad:
            return Qt.Checked if row.values.get(ind.id) else Qt.Unchecked
        if role == Qt.TextAlignmentRole and ((ind is not None and ind.kind == "points") or column == self.last + 1):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.BackgroundRole:
            if row.sheet.locked:
                return LOCKED_BRUSH
            if row.problem or row.save_error:
                return ERROR_BRUSH
            if row.changed:
                return CHANGED_BRUSH
        if role == Qt.ToolTipRole:
            message = self.message(row)
            if ind is not None and ind.id in row.sheet.computed:
                explanation = f"Tính từ sổ: {row.sheet.computed[ind.id].explanation}"
                return f"{message}\n{explanation}" if message else explanation
            return message or None
        if role == Qt.FontRole and column == 0 and row.changed:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def flags(self, index: QModelIndex):
        ind = self.indicator_at(index.column())
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if ind is None or self.rows[index.row()].sheet.locked:
            return flags
        flags |= Qt.ItemIsEditable
        return flags | Qt.ItemIsUserCheckable if ind.kind == "pass_fail" else flags

    def setData(self, index: QModelIndex, value, role=Qt.EditRole) -> bool:  # noqa: N802
        ind = self.indicator_at(index.column())
        if ind is None:
            return False
        row = self.rows[index.row()]
        row.bad.pop(ind.id, None)
        if role == Qt.CheckStateRole:
            new = Qt.CheckState(value) == Qt.Checked
        elif role == Qt.EditRole:
            text = str(value).strip()
            new = None
            if ind.kind == "points":
                try:
                    new = plain(parse_number(text)) if text else None
                except ValueError:
                    row.bad[ind.id] = text
            elif fold(text) in YES or fold(text) in NO:
                new = fold(text) in YES
            else:
                row.bad[ind.id] = text
        else:
            return False
        if new != row.values.get(ind.id) or ind.id in row.bad:
            row.values[ind.id] = new
            row.changed = True
            row.save_error = ""
        self.evaluate(row)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), self.columnCount() - 1))
        return True

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Vertical:
            return str(section + 1) if role == Qt.DisplayRole else None
        ind = self.indicator_at(section)
        if role == Qt.DisplayRole:
            if ind is not None:
                return ind.id
            return {0: "Tên", self.last + 1: "Tổng", self.last + 2: "Xếp loại", self.last + 3: "Kết quả"}[section]
        if role == Qt.ToolTipRole and ind is not None:
            most = f" (tối đa {number_text(ind.max_points)} điểm)" if ind.kind == "points" else " (x = đạt)"
            return (ind.text or "(chưa có nội dung)") + most
        return None

    def rows_changed(self) -> list[GridRow]:
        return [r for r in self.rows if r.changed]


class GridDelegate(QStyledItemDelegate):
    """A plain line editor; Enter in it saves the cell and goes down a row."""

    def __init__(self, view: GridView):
        super().__init__(view)
        self.view = view

    def createEditor(self, parent, option, index):  # noqa: N802
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignRight)
        return editor

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        editor.setText(index.data(Qt.EditRole) or "")

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        model.setData(index, editor.text(), Qt.EditRole)

    def eventFilter(self, editor, event) -> bool:  # noqa: N802
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QAbstractItemDelegate.NoHint)
            self.view.move_down()
            return True
        return super().eventFilter(editor, event)


class GridView(QTableView):
    """Tab / Shift+Tab walk the indicator cells row by row; Enter goes down."""

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers():
            self.move_down()
            return
        super().keyPressEvent(event)

    def move_down(self) -> None:
        index = self.currentIndex()
        if index.isValid() and index.row() + 1 < self.model().rowCount():
            self.setCurrentIndex(index.sibling(index.row() + 1, index.column()))

    def moveCursor(self, action, modifiers):  # noqa: N802
        model = self.model()
        index = self.currentIndex()
        if action in (QAbstractItemView.MoveNext, QAbstractItemView.MovePrevious) and index.isValid():
            row, column = index.row(), index.column()
            if action == QAbstractItemView.MoveNext:
                column += 1
                if column > model.last:
                    row, column = min(row + 1, model.rowCount() - 1), model.first
            else:
                column -= 1
                if column < model.first:
                    row, column = max(row - 1, 0), model.last
            return model.index(row, max(column, model.first))
        return super().moveCursor(action, modifiers)


class ScoringGrid(QDialog):
    """`ScoringGrid(ctx, query)`: the registrations of the titles page's query in one table."""

    def __init__(self, ctx, query: titles.RegistrationQuery, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.query = query
        with ctx.db.read() as session:
            self.ids = titles.registration_ids(session, query)
            self.forms = scoring.title_forms(session, query.title_code)
            self.labels = {r.id: r.name for r in titles.registration_rows(session, self.ids)}
            title_name = titles.title_names(session)[query.title_code]
            used = scoring.most_used_form_id(session, self.ids)
        self.noun = SHORT_NOUNS[titles.TITLE_ENTITY[query.title_code]].lower()
        self.setWindowTitle(f"Chấm theo bảng — {title_name} năm {query.year}")
        self.resize(1100, 680)
        self.form: forms_mod.Form | None = None
        self.model: GridModel | None = None

        self.form_combo = QComboBox()
        fill_form_combo(self.form_combo, self.forms)
        self.form_combo.currentIndexChanged.connect(self._form_chosen)
        self.notice = notice_banner()
        self.unusable = ErrorLabel()
        self.view = GridView()
        self.view.setItemDelegate(GridDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.AnyKeyPressed | QAbstractItemView.DoubleClicked
                                  | QAbstractItemView.EditKeyPressed)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setStretchLastSection(True)
        hint = QLabel("Gõ điểm vào ô (7 hoặc 7,5); chỉ tiêu đạt/không đạt: gõ x hoặc bấm ô vuông. "
                      "Enter: xuống dòng, Tab: sang phải. Dòng vàng: đã sửa, chưa lưu; dòng đỏ: có lỗi "
                      "(rê chuột lên để xem).")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.save_button = QPushButton("Lưu (Ctrl+S)")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.Save, self, activated=self.save)

        top = QHBoxLayout()
        caption = QLabel("&Bộ tiêu chí:")
        caption.setBuddy(self.form_combo)
        top.addWidget(caption)
        top.addWidget(self.form_combo, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.unusable)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        form = scoring.usable_form(self.forms, used)
        if form is not None:
            self.form_combo.setCurrentIndex(self.forms.index(form))
            if self.form is None:  # index 0 emits no change
                self._set_form(form)
        self.view.setFocus()

    def _form_chosen(self, index: int) -> None:
        if index < 0 or (self.form is not None and self.forms[index] is self.form):
            return
        if self.model is not None and self.model.rows_changed() and not self._confirm_discard():
            self.form_combo.blockSignals(True)
            self.form_combo.setCurrentIndex(self.forms.index(self.form))
            self.form_combo.blockSignals(False)
            return
        self._set_form(self.forms[index])

    def _set_form(self, form: forms_mod.Form) -> None:
        self.form = form
        show_notice(self.notice, form)
        self.unusable.show_message(unusable_text(form))
        with self.ctx.db.read() as session:
            sheets = scoring.sheets(session, self.ids, form)
        rows = [GridRow(sheets[rid], self.labels.get(rid, ""), {i.id: sheets[rid].values.get(i.id)
                                                                for i in form.indicators})
                for rid in self.ids]
        for row in rows:  # an unticked pass/fail indicator means "not passed"
            for ind in form.indicators:
                if ind.kind == "pass_fail" and row.values[ind.id] is None:
                    row.values[ind.id] = False
        self.model = GridModel(form, rows, self)
        self.view.setModel(self.model)
        self.view.setColumnWidth(0, 200)
        for column in range(1, self.model.last + 1):
            self.view.setColumnWidth(column, 52)
        self.view.setColumnWidth(self.model.last + 1, 60)
        self.view.setColumnWidth(self.model.last + 2, 110)
        self.save_button.setEnabled(not forms_mod.missing(form))
        self.summary.setText(f"{format_count(len(rows))} {self.noun} · đã chấm "
                             f"{format_count(sum(1 for r in rows if r.sheet.scored))}")
        if rows:
            self.view.setCurrentIndex(self.model.index(0, 1))

    # ---- saving
    def save(self) -> None:
        if self.model is None or forms_mod.missing(self.form):
            return
        self.view.setFocus()  # closes an open cell editor, keeping what it holds
        changed = self.model.rows_changed()
        ready = [r for r in changed if self.model.complete(r) and not r.problem]
        unfinished = [r for r in changed if not self.model.complete(r) and not r.problem]
        inputs = [scoring.SheetInput(r.registration_id, {k: v for k, v in r.values.items() if v is not None},
                                     r.sheet.evidence, r.sheet.overrides) for r in ready]
        errors = scoring.save_many(self.ctx.db, self.form, inputs) if inputs else {}
        for row in ready:
            if row.registration_id in errors:
                row.save_error = errors[row.registration_id]
            else:
                row.changed, row.save_error = False, ""
                row.sheet.scored = True
        saved = len(ready) - len(errors)
        failed = len(errors) + sum(1 for r in changed if r.problem)
        parts = [f"Đã lưu {format_count(saved)} {self.noun}"]
        if failed:
            parts.append(f"{format_count(failed)} {self.noun} còn lỗi (dòng đỏ; rê chuột lên để xem)")
        if unfinished:
            parts.append(f"{format_count(len(unfinished))} {self.noun} chưa nhập đủ nên chưa lưu")
        self.summary.setText("; ".join(parts) + ".")
        self.summary.setStyleSheet("color: #b00020;" if failed else "color: #1e6b2f;")
        self.model.dataChanged.emit(self.model.index(0, 0),
                                    self.model.index(self.model.rowCount() - 1, self.model.columnCount() - 1))
        if saved:
            self.ctx.changed("titles")

    def _confirm_discard(self) -> bool:
        n = len(self.model.rows_changed())
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Question)
        box.setWindowTitle("Chấm theo bảng")
        box.setText(f"Có {format_count(n)} {self.noun} đã nhập nhưng chưa lưu. Bỏ các thay đổi này?")
        discard = box.addButton("Bỏ thay đổi", QMessageBox.DestructiveRole)
        box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(box.buttons()[-1])
        box.exec()
        return box.clickedButton() is discard

    def reject(self) -> None:
        if self.model is None or not self.model.rows_changed() or self._confirm_discard():
            super().reject()
