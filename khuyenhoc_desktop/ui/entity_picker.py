"""Đăng ký…: tick the households (clans, hamlets, units, persons) to register for a title.

The list pages from the database like every list; the ticks are kept by id, so searching or
changing the hamlet filter does not lose them. Entities already registered are shown as such
and cannot be ticked."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import titles
from khuyenhoc_desktop.services.lists import ListQuery, hamlet_choices, row_ids
from khuyenhoc_desktop.ui.list_page import SEARCH_PLACEHOLDER
from khuyenhoc_desktop.ui.table_model import PagedTableModel
from khuyenhoc_desktop.ui.widgets import ErrorLabel, setup_row_table

LIST_OF_KIND = {kind: key for key, kind in titles.REGISTRY_KINDS.items()}  # 'household' -> 'households'
REGISTERED_TEXT = "Đã đăng ký"


class PickerModel(PagedTableModel):
    """The registry's list with a tick column in front."""

    def __init__(self, ctx, kind_key: str, registered: set[int], parent=None):
        super().__init__(ctx, kind_key, parent)
        self.registered = registered
        self.chosen: set[int] = set()

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.spec.columns) + 1

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        record_id = self.id_at(index.row())
        taken = record_id in self.registered
        if index.column() == 0:
            if role == Qt.CheckStateRole and not taken:
                return Qt.Checked if record_id in self.chosen else Qt.Unchecked
            if role == Qt.DisplayRole:
                return REGISTERED_TEXT if taken else ""
        elif role in (Qt.DisplayRole, Qt.TextAlignmentRole):
            return super().data(self.createIndex(index.row(), index.column() - 1), role)
        if role == Qt.ForegroundRole and taken:
            return QBrush(QColor("#777"))
        return None

    def flags(self, index: QModelIndex):
        if self.id_at(index.row()) in self.registered:
            return Qt.ItemIsEnabled
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        return flags | Qt.ItemIsUserCheckable if index.column() == 0 else flags

    def setData(self, index: QModelIndex, value, role=Qt.EditRole) -> bool:  # noqa: N802
        if role != Qt.CheckStateRole or index.column() != 0:
            return False
        self.set_chosen([self.id_at(index.row())], Qt.CheckState(value) == Qt.Checked)
        return True

    def set_chosen(self, ids, chosen: bool) -> None:
        ids = [i for i in ids if i is not None and i not in self.registered]
        if chosen:
            self.chosen.update(ids)
        else:
            self.chosen.difference_update(ids)
        if self.matches:
            self.dataChanged.emit(self.index(0, 0), self.index(self.matches - 1, 0), [Qt.CheckStateRole])

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return "Chọn" if section == 0 else self.spec.columns[section - 1].header
        return super().headerData(section, orientation, role)


class PickerTable(QTableView):
    """Space ticks or unticks the selected rows."""

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Space and not event.modifiers():
            model = self.model()
            ids = [model.id_at(i.row()) for i in self.selectionModel().selectedRows()]
            ids = [i for i in ids if i not in model.registered]
            model.set_chosen(ids, not all(i in model.chosen for i in ids))
            return
        super().keyPressEvent(event)


class EntityPicker(QDialog):
    """`EntityPicker(ctx, year, title_code)`; after exec(), `chosen_ids()` are the ticked ones.
    Đăng ký registers them (one transaction) and `result_counts` is register()'s answer."""

    def __init__(self, ctx, year: int, title_code: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.year = year
        self.title_code = title_code
        self.kind = titles.TITLE_ENTITY[title_code]
        self.noun = titles.ENTITY_KINDS[self.kind][1]
        self.result_counts: dict | None = None
        with ctx.db.read() as session:
            registered = titles.registered_entity_ids(session, year, title_code)
            title_name = titles.title_names(session)[title_code]
            hamlets = hamlet_choices(session)
        self.setWindowTitle(f"Đăng ký {title_name} năm {year}")
        self.resize(900, 600)
        self.model = PickerModel(ctx, LIST_OF_KIND[self.kind], registered, self)

        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm kiếm")
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.hamlet_filter = QComboBox()
        self.hamlet_filter.addItem("Tất cả thôn", None)
        for hamlet_id, name in hamlets:
            self.hamlet_filter.addItem(name, hamlet_id)
        self.hamlet_filter.setVisible(self.model.spec.hamlet_column is not None)
        self.hamlet_filter.currentIndexChanged.connect(self.apply_filters)

        self.table = PickerTable()
        self.table.setModel(self.model)
        setup_row_table(self.table, multi=True)
        self.model.modelReset.connect(self._sized)
        self.model.dataChanged.connect(lambda *_a: self._update_count())

        self.tick_all = QPushButton("Chọn cả danh sách đang hiển thị")
        self.tick_all.clicked.connect(lambda: self._tick_shown(True))
        self.untick_all = QPushButton("Bỏ chọn tất cả")
        self.untick_all.clicked.connect(lambda: self.model.set_chosen(list(self.model.chosen), False))
        self.count_label = QLabel()
        self.error = ErrorLabel()
        self.ok_button = QPushButton("Đăng ký")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.register)
        cancel = QPushButton("Hủy")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.hamlet_filter, 1)
        ticks = QHBoxLayout()
        ticks.addWidget(self.tick_all)
        ticks.addWidget(self.untick_all)
        ticks.addStretch()
        ticks.addWidget(self.count_label)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Dấu cách: chọn / bỏ chọn các dòng đang bôi đen."))
        buttons.addStretch()
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(ticks)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.apply_filters()
        self.search.setFocus()

    def query(self) -> ListQuery:
        return ListQuery(self.model.spec.key, self.search.text(), self.hamlet_filter.currentData())

    def apply_filters(self) -> None:
        self.model.set_query(self.query())
        self._update_count()

    def _sized(self) -> None:
        self.table.setColumnWidth(0, 90)
        for i, column in enumerate(self.model.spec.columns, 1):
            self.table.setColumnWidth(i, column.width)

    def _tick_shown(self, chosen: bool) -> None:
        with self.ctx.db.read() as session:
            ids = row_ids(session, self.query())
        self.model.set_chosen(ids, chosen)

    def _update_count(self) -> None:
        n = len(self.model.chosen)
        self.count_label.setText(f"Hiển thị {format_count(self.model.matches)} {self.noun} · "
                                 f"đã chọn {format_count(n)}")
        self.ok_button.setText(f"Đăng ký {format_count(n)} {self.noun}" if n else "Đăng ký")
        self.ok_button.setEnabled(bool(n))

    def chosen_ids(self) -> list[int]:
        return sorted(self.model.chosen)

    def register(self) -> None:
        try:
            with self.ctx.db.write() as session:
                self.result_counts = titles.register(session, self.year, self.title_code, self.kind,
                                                     self.chosen_ids())
        except UserError as exc:
            self.error.show_message(str(exc))
            return
        self.ctx.changed("titles")
        self.accept()
