"""One page per list: search as you type, filters, a row count, add/edit/delete."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.services.import_read import IMPORT_KINDS
from khuyenhoc_desktop.services.lists import ListQuery, hamlet_choices
from khuyenhoc_desktop.ui.dialogs import confirm_delete, open_editor
from khuyenhoc_desktop.ui.table_model import PagedTableModel
from khuyenhoc_desktop.ui.widgets import setup_row_table, table_or_empty

SEARCH_PLACEHOLDER = "Gõ tên, không cần dấu…"


class ListTable(QTableView):
    """The list's table; Del asks to delete the selected row."""

    delete_requested = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Delete and not event.modifiers():
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)


class ListPage(QWidget):
    def __init__(self, ctx, kind_key: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.kind_key = kind_key
        self.model = PagedTableModel(ctx, kind_key, self)
        spec = self.model.spec
        self.spec = spec
        self.setObjectName(f"page_{kind_key}")

        title = QLabel(spec.title)
        title.setObjectName("pageTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm kiếm")
        self._search_timer = QTimer(self, singleShot=True, interval=50)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())

        self.hamlet_filter = QComboBox()
        self.hamlet_filter.setVisible(spec.hamlet_column is not None)
        self.hamlet_filter.currentIndexChanged.connect(self.apply_filters)
        self.status_filter = QComboBox()
        self.status_filter.addItem(f"{spec.status_label}: tất cả" if spec.status_label else "", None)
        for code, label in spec.statuses.items():
            self.status_filter.addItem(label, code)
        self.status_filter.setVisible(bool(spec.statuses))
        self.status_filter.currentIndexChanged.connect(self.apply_filters)

        self.add_button = QPushButton("Thêm mới")
        self.add_button.setToolTip("Thêm mới (Ctrl+N)")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton("Sửa")
        self.edit_button.setToolTip("Sửa dòng đang chọn (Enter)")
        self.edit_button.clicked.connect(self.edit)
        self.delete_button = QPushButton("Xóa")
        self.delete_button.setToolTip("Xóa dòng đang chọn (Del)")
        self.delete_button.clicked.connect(self.delete)

        self.import_button = QPushButton("Nhập từ Excel")
        self.import_button.clicked.connect(self.import_excel)
        self.import_button.setVisible(kind_key in IMPORT_KINDS)
        self.export_button = QPushButton("Xuất Excel")
        self.export_button.setToolTip("Xuất danh sách đang hiển thị (theo tìm kiếm và bộ lọc) ra tệp Excel")
        self.export_button.clicked.connect(self.export_excel)
        self.erase_button = QPushButton("Xóa dữ liệu cá nhân…")
        self.erase_button.setToolTip("Theo yêu cầu của người đó (Nghị định 13/2023): xóa họ tên, CCCD, điện thoại…, "
                                     "giữ số liệu thống kê không nêu tên")
        self.erase_button.clicked.connect(self.erase_personal_data)
        self._apply_role()

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        top.addWidget(self.add_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        top.addWidget(self.erase_button)
        top.addSpacing(12)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.hamlet_filter, 1)
        filters.addWidget(self.status_filter, 1)

        self.table = ListTable()
        self.table.delete_requested.connect(self.delete)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionsClickable(True)
        setup_row_table(self.table)
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.table.horizontalHeader().sectionClicked.connect(self._header_clicked)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.table.activated.connect(lambda _i: self.edit())
        self.history_action = QAction("Lịch sử thay đổi…", self, triggered=self.show_history)
        self.table.addAction(self.history_action)
        self.table.setContextMenuPolicy(Qt.ActionsContextMenu)
        self.table.horizontalHeader().sectionResized.connect(self._save_widths)
        self.stack, self.empty = table_or_empty(self.table, spec.empty_text)

        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(self.stack, 1)
        layout.addWidget(self.count_label)
        self.setTabOrder(self.search, self.hamlet_filter)
        self.setTabOrder(self.hamlet_filter, self.status_filter)
        self.setTabOrder(self.status_filter, self.table)
        self._sort_column = -1
        self._descending = False
        self._loaded = False
        ctx.notifier.changed.connect(self._on_changed)

    # ---- data
    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._fill_hamlets()
            self.apply_filters()
            self._restore_widths()

    def _fill_hamlets(self) -> None:
        current = self.hamlet_filter.currentData()
        self.hamlet_filter.blockSignals(True)
        self.hamlet_filter.clear()
        self.hamlet_filter.addItem("Tất cả thôn, tổ dân phố", None)
        with self.ctx.db.read() as session:
            for hamlet_id, name in hamlet_choices(session):
                self.hamlet_filter.addItem(name, hamlet_id)
        self.hamlet_filter.setCurrentIndex(max(self.hamlet_filter.findData(current), 0))
        self.hamlet_filter.blockSignals(False)

    def current_query(self) -> ListQuery:
        sort_key = self.spec.columns[self._sort_column].key if self._sort_column >= 0 else None
        return ListQuery(
            self.kind_key,
            self.search.text(),
            self.hamlet_filter.currentData(),
            self.status_filter.currentData(),
            sort_key,
            self._descending,
        )

    def apply_filters(self) -> None:
        selected = self.selected_id()
        self.model.set_query(self.current_query())
        self._update_count()
        if selected is not None:
            self.select_id(selected)

    def _header_clicked(self, column: int) -> None:
        if column == self._sort_column:
            self._descending = not self._descending
        else:
            self._sort_column, self._descending = column, False
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(column, Qt.DescendingOrder if self._descending else Qt.AscendingOrder)
        self.apply_filters()

    def _update_count(self) -> None:
        shown, total = self.model.matches, self.model.total
        self.count_label.setText(f"Hiển thị {format_count(shown)} / {format_count(total)} {self.spec.noun}")
        self.stack.setCurrentWidget(self.empty if total == 0 else self.table)

    def _apply_role(self) -> None:
        """The data file refuses what the signed-in role may not write; the buttons say so beforehand."""
        role = self.ctx.db.role
        self.erase_button.setVisible(self.kind_key == "persons" and roles.may_erase_personal_data(role))
        writable = roles.may_write_table(role, self.spec.model.__tablename__)
        for button in (self.add_button, self.delete_button, self.import_button):
            button.setEnabled(writable)

    def _on_changed(self, kinds: set) -> None:
        self._apply_role()
        if not self._loaded:
            return
        if "hamlets" in kinds:
            self._fill_hamlets()
        if self.kind_key in kinds:
            self.model.invalidate_total()
            self.apply_filters()

    # ---- selection and actions
    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.id_at(rows[0].row()) if rows else None

    def select_id(self, record_id: int) -> None:
        row = self.model.row_of(record_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def add(self) -> None:
        saved = open_editor(self.ctx, self.kind_key, None, self)
        if saved:
            self.select_id(saved)

    def edit(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            open_editor(self.ctx, self.kind_key, record_id, self)
            self.select_id(record_id)

    def delete(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            confirm_delete(self, self.ctx, self.kind_key, record_id)

    def erase_personal_data(self) -> None:
        from khuyenhoc_desktop.ui.privacy_action import erase_personal_data

        erase_personal_data(self)

    def show_history(self) -> None:
        """Every change of the selected record (Nhật ký thay đổi, filtered to it)."""
        record_id = self.selected_id()
        if record_id is not None:
            from khuyenhoc_desktop.ui.audit_dialog import show_audit

            show_audit(self.ctx, self, table=self.spec.model.__tablename__, record_id=record_id)

    def import_excel(self) -> None:
        from khuyenhoc_desktop.ui.import_wizard import ImportWizard

        ImportWizard(self.ctx, self.kind_key, self).exec()

    def export_excel(self) -> None:
        from khuyenhoc_desktop.ui.export_action import export_list

        export_list(self)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ---- remembered column widths
    def _settings_key(self) -> str:
        return f"columns/{self.kind_key}"

    def _restore_widths(self) -> None:
        saved = self.ctx.settings.value(self._settings_key())
        widths = [int(w) for w in saved] if isinstance(saved, list) else []
        for i, column in enumerate(self.spec.columns):
            width = widths[i] if i < len(widths) else column.width
            self.table.setColumnWidth(i, width)

    def _save_widths(self, *_args) -> None:
        if self._loaded:
            widths = [self.table.columnWidth(i) for i in range(len(self.spec.columns))]
            self.ctx.settings.setValue(self._settings_key(), widths)
