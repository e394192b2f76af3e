"""A table model that pages from the database and keeps only a small cache of fetched rows."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from khuyenhoc_desktop.services.lists import (
    ListQuery,
    count_rows,
    fetch_rows,
    kind,
    name_ordered,
    page_rows,
    position,
    row_ids,
    total_count,
)

BLOCK = 100
MAX_BLOCKS = 100
# The view asks data() for ~10 roles of every visible cell at each repaint, and a flat enum name
# such as Qt.DisplayRole costs PySide6 ~7 µs a lookup: that was most of a search keystroke's time.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_HORIZONTAL = Qt.Orientation.Horizontal


class PagedTableModel(QAbstractTableModel):
    """In name order it reads pages with OFFSET (nothing is loaded up front); sorted by another
    column it keeps the ordered ids of the matches and fetches their rows by id."""

    def __init__(self, ctx, kind_key: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.spec = kind(kind_key)
        self.query = ListQuery(kind_key)
        self.ids: list[int] | None = None
        self.matches = 0
        self.total = 0
        self._total_known = False
        self._blocks: OrderedDict[int, list[tuple[int, tuple[str, ...]]]] = OrderedDict()
        self._align = [int(Qt.AlignRight | Qt.AlignVCenter) if c.numeric else None for c in self.spec.columns]

    # ---- loading
    def set_query(self, query: ListQuery) -> None:
        """A new search, filter or order: the data is the same, so the total is kept."""
        self.query = query
        self.reload(recount=not self._total_known)

    def invalidate_total(self) -> None:
        """Records were added or deleted: count them again on the next load."""
        self._total_known = False

    def reload(self, recount: bool = True) -> None:
        self.beginResetModel()
        with self.ctx.db.read() as session:
            if recount:
                self.total = total_count(session, self.spec.key)
                self._total_known = True
            if name_ordered(self.query):
                self.ids = None
                self.matches = count_rows(session, self.query)
            else:
                self.ids = row_ids(session, self.query)
                self.matches = len(self.ids)
        self._blocks.clear()
        self.endResetModel()

    def _block(self, block_no: int) -> list[tuple[int, tuple[str, ...]]]:
        """Rows of one block as (id, screen texts), formatted once when fetched."""
        block = self._blocks.get(block_no)
        if block is not None:
            self._blocks.move_to_end(block_no)
            return block
        start = block_no * BLOCK
        with self.ctx.db.read() as session:
            if self.ids is None:
                rows = page_rows(session, self.query, start, BLOCK, self.matches)
            else:
                chunk = self.ids[start : start + BLOCK]
                fetched = fetch_rows(session, self.spec.key, chunk)
                rows = [fetched[i] for i in chunk if i in fetched]
        columns = self.spec.columns
        block = [(row["id"], tuple(c.text(row[c.key]) for c in columns)) for row in rows]
        self._blocks[block_no] = block
        if len(self._blocks) > MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def _row(self, row: int) -> tuple[int | None, tuple[str, ...]]:
        block = self._block(row // BLOCK)
        offset = row % BLOCK
        return block[offset] if offset < len(block) else (None, ("",) * len(self.spec.columns))

    def id_at(self, row: int) -> int | None:
        if not 0 <= row < self.matches:
            return None
        return self._row(row)[0]

    def row_of(self, record_id: int) -> int:
        if self.ids is not None:
            return self.ids.index(record_id) if record_id in self.ids else -1
        with self.ctx.db.read() as session:
            return position(session, self.query, record_id)

    # ---- Qt API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.matches

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.spec.columns)

    def data(self, index: QModelIndex, role=_DISPLAY):
        if role == _DISPLAY:
            return self._row(index.row())[1][index.column()]
        if role == _ALIGNMENT:
            return self._align[index.column()]
        return None

    def headerData(self, section: int, orientation, role=_DISPLAY):  # noqa: N802
        if role == _DISPLAY:
            if orientation == _HORIZONTAL:
                return self.spec.columns[section].header
            return str(section + 1)
        return None
