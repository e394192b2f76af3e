"""A table model that pages from the database: it holds only the matching ids and a small cache
of fetched rows, so 100.000 persons cost a list of ints, not 100.000 widgets."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from khuyenhoc_desktop.services.lists import ListQuery, fetch_rows, kind, row_ids, total_count

BLOCK = 200
MAX_BLOCKS = 50


class PagedTableModel(QAbstractTableModel):
    def __init__(self, ctx, kind_key: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.spec = kind(kind_key)
        self.query = ListQuery(kind_key)
        self.ids: list[int] = []
        self.total = 0
        self._blocks: OrderedDict[int, dict[int, dict]] = OrderedDict()

    # ---- loading
    def set_query(self, query: ListQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        with self.ctx.db.read() as session:
            self.ids = row_ids(session, self.query)
            self.total = total_count(session, self.spec.key)
        self._blocks.clear()
        self.endResetModel()

    def _row(self, row: int) -> dict:
        block_no = row // BLOCK
        block = self._blocks.get(block_no)
        if block is None:
            chunk = self.ids[block_no * BLOCK : (block_no + 1) * BLOCK]
            with self.ctx.db.read() as session:
                block = fetch_rows(session, self.spec.key, chunk)
            self._blocks[block_no] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block_no)
        return block.get(self.ids[row], {})

    def id_at(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, record_id: int) -> int:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return -1

    # ---- Qt API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.spec.columns)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        column = self.spec.columns[index.column()]
        if role == Qt.DisplayRole:
            return column.text(self._row(index.row()).get(column.key, ""))
        if role == Qt.TextAlignmentRole and column.numeric:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole:
            if orientation == Qt.Horizontal:
                return self.spec.columns[section].header
            return str(section + 1)
        return None
