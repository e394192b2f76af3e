"""List-open and search-keystroke latency of the list pages on a large commune.

    python bench/lists.py DB.sqlite

Measures what the officer waits for through the real list page and table model (offscreen,
including repainting) and, as the baseline in the same run, the queries the model issues
(count + first page) without Qt. Prints a table; no pass/fail.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from khuyenhoc_desktop.services.lists import ListQuery, count_rows, page_rows  # noqa: E402
from khuyenhoc_desktop.storage.database import Database  # noqa: E402
from khuyenhoc_desktop.ui.context import AppContext  # noqa: E402
from khuyenhoc_desktop.ui.list_page import ListPage  # noqa: E402

PREFIXES = ["n", "ng", "ngu", "nguy", "nguye", "nguyen", "nguyen v", "nguyen van", "nguyen van a",
            "Nguyễn", "Nguyễn Văn", "Nguyễn Văn An", "đ", "đặ", "đặng", "tr", "tran thi", "Trần Thị Hằng",
            "le", "hoa", "minh", "thu", "h", "x", "0912"]


def ms(seconds: float) -> float:
    return seconds * 1000


def timed(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(ms(time.perf_counter() - start))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bare_table_repaint(app, rows: int) -> float:
    """Qt's own floor: a plain QTableView over an in-memory model, reset and repainted."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # noqa: N802
            return 0 if parent.isValid() else rows

        def columnCount(self, parent=QModelIndex()):  # noqa: N802
            return 0 if parent.isValid() else 10

        def data(self, index, role=Qt.DisplayRole):
            return f"Nguyễn Văn {index.row()}" if role == Qt.DisplayRole else None

    model = Model()
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.resize(1100, 700)
    view.show()
    app.processEvents()

    def reset():
        model.beginResetModel()
        model.endResetModel()
        app.processEvents()

    value = statistics.median(timed(reset, 10))
    view.close()
    return value


def main(path: str) -> None:
    app = QApplication.instance() or QApplication([])
    db = Database(path)
    # A throwaway settings file: QSettings replaces its file on save, so never point it at /dev/null.
    settings_dir = tempfile.mkdtemp()
    ctx = AppContext(db, settings=QSettings(os.path.join(settings_dir, "bench.ini"), QSettings.IniFormat))
    rows = []

    def model_queries(query: ListQuery) -> None:
        """Baseline: the queries the model issues (count, first page), without Qt."""
        with db.read() as s:
            page_rows(s, query, 0, 100, count_rows(s, query))

    for kind in ("persons", "households", "members"):
        page = ListPage(ctx, kind)
        page.resize(1100, 700)
        page.show()

        def open_page():
            page._loaded = False
            page.ensure_loaded()
            for r in range(40):
                page.model.data(page.model.index(r, 0))
            app.processEvents()

        def raw_open():
            model_queries(ListQuery(kind))

        open_ms = timed(open_page, 5)
        raw_ms = timed(raw_open, 5)
        rows.append((f"{kind}: mở danh sách ({page.model.total:,} dòng)", statistics.median(open_ms),
                     statistics.median(raw_ms)))

        keystrokes, raw_keys = [], []
        for prefix in PREFIXES:
            def key():
                page.search.setText(prefix)
                page._search_timer.timeout.emit()
                for r in range(min(40, page.model.rowCount())):
                    page.model.data(page.model.index(r, 0))
                app.processEvents()

            def raw():
                model_queries(ListQuery(kind, search=prefix))

            keystrokes += timed(key)
            raw_keys += timed(raw)
        rows.append((f"{kind}: gõ tìm p50", pct(keystrokes, 50), pct(raw_keys, 50)))
        rows.append((f"{kind}: gõ tìm p95", pct(keystrokes, 95), pct(raw_keys, 95)))
        page.search.setText("")
        page._search_timer.timeout.emit()
        name_col = next(i for i, c in enumerate(page.spec.columns) if c.sort is page.spec.model.sort_key)

        def sort_name():
            page._sort_column = -1
            page._header_clicked(name_col)
            for r in range(40):
                page.model.data(page.model.index(r, 0))

        def raw_sort():
            model_queries(ListQuery(kind, sort_key=page.spec.columns[name_col].key))

        rows.append((f"{kind}: sắp xếp theo tên", statistics.median(timed(sort_name, 3)),
                     statistics.median(timed(raw_sort, 3))))
        page.close()
    rows.append(("QTableView trần 100.000 dòng: vẽ lại (sàn của Qt)", bare_table_repaint(app, 100_000), 0.0))
    print(f"{'bước':48} {'thời gian ms':>12} {'truy vấn ms':>11} {'tỉ lệ':>6}")
    for name, value, base in rows:
        ratio = f"{value / base:6.2f}" if base else "     -"
        print(f"{name:48} {value:12.1f} {base:11.1f} {ratio}")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
