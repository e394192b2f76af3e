"""Nhật ký thay đổi: the log of every change, newest first, paged from the database, with filters,
the old → new values of the chosen entry, and export to Excel. Opened from the menu for the
whole file, and from a list page ("Lịch sử thay đổi…") for one record."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import dates, roles
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.services import audit
from khuyenhoc_desktop.ui.export_action import (
    FILE_FILTER,
    LAST_FOLDER_KEY,
    ask_full_ids,
    confirm_replace,
    open_folder,
    start_folder,
)
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import RowsModel, setup_row_table, table_or_empty

TITLE = "Nhật ký thay đổi"
EXPORT_TITLE = "Xuất Excel"
COLUMNS = ("Thời điểm", "Người thực hiện", "Bảng", "Mã bản ghi", "Thao tác", "Nội dung")
WIDTHS = (140, 140, 130, 85, 140, 300)
BLOCK = 100
MAX_BLOCKS = 50
NO_LIMIT = QDate(2000, 1, 1)  # the date edits' "no limit" value, shown as "—"


class AuditTableModel(QAbstractTableModel):
    """The entries matching a filter, read a block of 100 at a time; only a few blocks are kept."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.filters = audit.AuditFilter()
        self.matches = 0
        self._blocks: OrderedDict[int, list[audit.Entry]] = OrderedDict()

    def set_filters(self, filters: audit.AuditFilter) -> None:
        self.beginResetModel()
        self.filters = filters
        with self.ctx.db.read() as session:
            self.matches = audit.count(session, **self._where())
        self._blocks.clear()
        self.endResetModel()

    def _where(self) -> dict:
        f = self.filters
        return {"table": f.table, "record_id": f.record_id, "actor": f.actor, "since": f.since, "until": f.until}

    def entry(self, row: int) -> audit.Entry | None:
        if not 0 <= row < self.matches:
            return None
        block_no, offset = divmod(row, BLOCK)
        block = self._blocks.get(block_no)
        if block is None:
            with self.ctx.db.read() as session:
                block = audit.entries(session, **self._where(), offset=block_no * BLOCK, limit=BLOCK)
            self._blocks[block_no] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block_no)
        return block[offset] if offset < len(block) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.matches

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.TextAlignmentRole and index.column() == 3:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role not in (Qt.DisplayRole, Qt.ToolTipRole):
            return None
        entry = self.entry(index.row())
        if entry is None:
            return ""
        if role == Qt.ToolTipRole:
            return "\n".join(entry.lines()) if index.column() == 5 else None
        return (entry.at_text, entry.actor_text, entry.table_text,
                "" if entry.record_id is None else str(entry.record_id), entry.action_text,
                entry.summary())[index.column()]

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(NO_LIMIT)
    edit.setSpecialValueText("—")
    edit.setDate(NO_LIMIT)
    return edit


def _day(edit: QDateEdit) -> dt.date | None:
    value = edit.date()
    return None if value == NO_LIMIT else dt.date(value.year(), value.month(), value.day())


class AuditDialog(QDialog):
    """The whole log, or (with `table` and `record_id`) the history of one record."""

    def __init__(self, ctx, parent=None, *, table: str | None = None, record_id: int | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.record = (table, record_id) if table and record_id is not None else None
        self.setObjectName("auditDialog")
        if self.record:
            self.setWindowTitle(f"Lịch sử thay đổi — {audit.table_label(table)} #{record_id}")
        else:
            self.setWindowTitle(TITLE)

        self.table_filter = QComboBox()
        self.table_filter.setAccessibleName("Bảng")
        self.actor_filter = QComboBox()
        self.actor_filter.setAccessibleName("Người thực hiện")
        self.since = _date_edit()
        self.until = _date_edit()
        self._fill_choices()
        for combo in (self.table_filter, self.actor_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.apply_filters)

        filters = QHBoxLayout()
        if self.record:
            filters.addWidget(QLabel(f"Bản ghi: {audit.table_label(table)} #{record_id}"))
            self.table_filter.hide()
        else:
            filters.addWidget(QLabel("Bảng:"))
            filters.addWidget(self.table_filter, 1)
        filters.addWidget(QLabel("Người thực hiện:"))
        filters.addWidget(self.actor_filter, 1)
        filters.addWidget(QLabel("Từ ngày:"))
        filters.addWidget(self.since)
        filters.addWidget(QLabel("Đến ngày:"))
        filters.addWidget(self.until)

        self.model = AuditTableModel(ctx, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_row_table(self.view)
        for i, width in enumerate(WIDTHS):
            self.view.setColumnWidth(i, width)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _prev: self._show_detail(current.row()))
        self.stack, self.empty = table_or_empty(self.view, "Chưa có thay đổi nào khớp bộ lọc.")

        self.detail_title = QLabel()
        self.detail = RowsModel(["Trường", "Giá trị cũ", "Giá trị mới"], parent=self)
        self.detail_view = QTableView()
        self.detail_view.setModel(self.detail)
        setup_row_table(self.detail_view)
        self.detail_view.setWordWrap(True)
        self.detail_view.setColumnWidth(0, 180)
        self.detail_view.setColumnWidth(1, 300)

        upper = QVBoxLayout()
        upper.setContentsMargins(0, 0, 0, 0)
        upper.addLayout(self.stack)
        lower = QVBoxLayout()
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addWidget(self.detail_title)
        lower.addWidget(self.detail_view)
        splitter = QSplitter(Qt.Vertical)
        for box in (upper, lower):
            holder = QWidget()
            holder.setLayout(box)
            splitter.addWidget(holder)
        splitter.setSizes([380, 200])

        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")
        self.export_button = QPushButton("Xuất Excel…")
        self.export_button.setToolTip("Xuất các thay đổi đang hiển thị (theo bộ lọc) ra tệp Excel")
        self.export_button.clicked.connect(self.export_excel)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.resize(1000, 640)
        self.apply_filters()

    def _fill_choices(self) -> None:
        with self.ctx.db.read() as session:
            tables = audit.tables(session)
            actors = audit.actors(session)
        self.table_filter.addItem("Tất cả các bảng", None)
        for name, label in tables:
            self.table_filter.addItem(label, name)
        self.actor_filter.addItem("Tất cả", None)
        for actor in actors:
            self.actor_filter.addItem(actor or audit.UNKNOWN_ACTOR, actor)

    def current_filters(self) -> audit.AuditFilter:
        table, record_id = self.record or (self.table_filter.currentData(), None)
        return audit.AuditFilter(table, record_id, self.actor_filter.currentData(), _day(self.since), _day(self.until))

    def apply_filters(self) -> None:
        self.model.set_filters(self.current_filters())
        with self.ctx.db.read() as session:
            total = audit.count(session, table=self.record[0], record_id=self.record[1]) if self.record \
                else audit.count(session)
        self.count_label.setText(f"Hiển thị {format_count(self.model.matches)} / {format_count(total)} lần thay đổi")
        self.stack.setCurrentWidget(self.view if self.model.matches else self.empty)
        self.export_button.setEnabled(self.model.matches > 0)
        if self.model.matches:
            self.view.selectRow(0)
        else:
            self._show_detail(-1)

    def _show_detail(self, row: int) -> None:
        entry = self.model.entry(row)
        if entry is None:
            self.detail_title.setText("")
            self.detail.set_rows([])
            return
        record = f" #{entry.record_id}" if entry.record_id is not None else ""
        self.detail_title.setText(f"{entry.action_text} {entry.table_text}{record} — {entry.actor_text}, "
                                  f"{entry.at_text}")
        self.detail.set_rows([(c.field, c.label, c.old, c.new) for c in entry.changes()])
        self.detail_view.resizeRowsToContents()

    # ---- export
    def _choose_file(self) -> Path | None:
        settings = self.ctx.settings
        suggested = start_folder(settings) / f"Nhật ký thay đổi {dates.today():%d-%m-%Y}.xlsx"
        name, _selected = QFileDialog.getSaveFileName(self, EXPORT_TITLE, str(suggested), FILE_FILTER)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
            if path.exists() and not confirm_replace(self, path):
                return None
        settings.setValue(LAST_FOLDER_KEY, str(path.parent))
        return path

    def export_excel(self) -> None:
        full = False
        if not roles.masks_personal_data(self.ctx.db.role):
            answer = ask_full_ids(self)
            if answer is None:
                return
            full = answer
        target = self._choose_file()
        if target is None:
            return
        filters, db = self.current_filters(), self.ctx.db

        def work(progress, cancelled):
            with db.read() as session:
                # Qt's save dialog has already asked before replacing an existing file.
                return audit.export_xlsx(session, target, filters, full_personal_data=full, overwrite=True,
                                         progress=progress, cancel=cancelled)

        run_with_progress(self, EXPORT_TITLE, work, lambda written: self._done(target, written))

    def _done(self, target: Path, written: int) -> None:
        box = QMessageBox(QMessageBox.Information, EXPORT_TITLE,
                          f"Đã xuất {format_count(written)} lần thay đổi vào tệp “{target.name}”.", parent=self)
        box.setInformativeText(f"Thư mục: {target.parent}")
        open_button = box.addButton("Mở thư mục", QMessageBox.ActionRole)
        box.setDefaultButton(box.addButton("Đóng", QMessageBox.RejectRole))
        box.exec()
        if box.clickedButton() is open_button:
            open_folder(self, target.parent)


def show_audit(ctx, parent=None, *, table: str | None = None, record_id: int | None = None) -> None:
    AuditDialog(ctx, parent, table=table, record_id=record_id).exec()
