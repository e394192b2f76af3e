"""Small widgets shared by dialogs and pages."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5300; background: #fff4d6; padding: 4px;"


def confirm(parent, title: str, text: str, detail: str, action: str, *, refuse: str = "Không",
            icon=QMessageBox.Warning, action_by_default: bool = False) -> bool:
    """A question whose buttons name the answers; the safe answer is the default unless the
    action is the one the situation calls for (restoring a damaged file)."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setInformativeText(detail)
    yes = box.addButton(action, QMessageBox.AcceptRole)
    no = box.addButton(refuse, QMessageBox.RejectRole)
    box.setDefaultButton(yes if action_by_default else no)
    box.exec()
    return box.clickedButton() is yes


class ErrorLabel(QLabel):
    """One red line under a field; hidden when there is nothing to say."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


class RowsModel(QAbstractTableModel):
    """A read-only table over a short list of tuples (a household's persons, a member's dues).
    The first item of each tuple is the record id and is not shown."""

    def __init__(self, headers: list[str], numeric: set[int] | None = None, parent=None):
        super().__init__(parent)
        self.headers = headers
        self.numeric = numeric or set()
        self.rows: list[tuple] = []

    def set_rows(self, rows: list[tuple]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def id_at(self, row: int):
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.DisplayRole:
            return str(self.rows[index.row()][index.column() + 1])
        if role == Qt.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.headers[section]
        return None


class RecordPicker(QLineEdit):
    """Type a few letters (no diacritics needed) and pick a record; `record_id` is the choice.

    `search(text) -> [(id, label)]` is called as the user types."""

    picked = Signal()

    def __init__(self, search, placeholder: str, parent=None):
        super().__init__(parent)
        self._search = search
        self._choices: dict[str, int] = {}
        self.record_id: int | None = None
        self.setPlaceholderText(placeholder)
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchContains)
        completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        completer.activated.connect(self._activated)
        self.setCompleter(completer)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._refresh)
        self.textEdited.connect(self._edited)

    def set_record(self, record_id: int | None, label: str) -> None:
        self.record_id = record_id
        self.setText(label)

    def _edited(self, _text: str) -> None:
        self.record_id = None
        self._timer.start()

    def _refresh(self) -> None:
        text = self.text().strip()
        choices = self._search(text) if text else []
        self._choices = {label: rid for rid, label in choices}
        self._model.setStringList(list(self._choices))
        if choices:
            self.completer().complete()

    def _activated(self, label: str) -> None:
        self.record_id = self._choices.get(label)
        self.setText(label)
        self.picked.emit()


def add_field(layout: QFormLayout, label: str, widget: QWidget) -> ErrorLabel:
    """A form row whose field has its error line right under it (the ui guide's manner)."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    error = ErrorLabel()
    lay.addWidget(error)
    layout.addRow(label, box)
    return error


def setup_row_table(table: QTableView, *, multi: bool = False) -> None:
    """The look and manners of every read-only table of rows: whole rows selected, alternating
    colours, no row numbers, one line per row, the last column filling the width."""
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.ExtendedSelection if multi else QAbstractItemView.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)


def selected_row(table: QTableView, rows: list[dict]) -> dict | None:
    """The record (a dict with "id") behind the selected line of a single-selection table."""
    model = table.selectionModel()
    chosen = model.selectedRows() if model else []
    return rows[chosen[0].row()] if chosen and chosen[0].row() < len(rows) else None


def select_record(table: QTableView, rows: list[dict], record_id: int) -> None:
    for n, row in enumerate(rows):
        if row["id"] == record_id:
            table.selectRow(n)
            return


def table_or_empty(table: QTableView, text: str = "") -> tuple[QStackedLayout, QLabel]:
    """A page's table and, in its place when there is nothing to show, a centred line saying
    what to do first; show one with `stack.setCurrentWidget`."""
    empty = QLabel(text)
    empty.setAlignment(Qt.AlignCenter)
    empty.setWordWrap(True)
    empty.setObjectName("emptyState")
    stack = QStackedLayout()
    stack.addWidget(table)
    stack.addWidget(empty)
    return stack, empty
