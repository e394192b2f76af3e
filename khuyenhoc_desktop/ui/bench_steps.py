"""The steps of `khuyenhoc bench` that need Qt (the bench itself is core and never imports Qt):

    python -m khuyenhoc_desktop.ui.bench_steps window DB        # the real program, to its window idle
    python -m khuyenhoc_desktop.ui.bench_steps bare-window      # a bare PySide6 window, the same way
    python -m khuyenhoc_desktop.ui.bench_steps lists KIND DB    # a list page: open, search, sort

Offscreen, repainting included. The window steps print their result line as soon as the window
is shown and the event loop has gone idle; the runner times the process from its start to that
line. The lists step compares each operation with the raw SQL the model issued for it, recorded
while the page ran and replayed through sqlite3.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time

from khuyenhoc_desktop.bench.measure import emit, percentile, timed

# Typed one after another into the search box: prefixes with and without diacritics, names and a phone.
PREFIXES = ["n", "ng", "ngu", "nguy", "nguye", "nguyen", "nguyen v", "nguyen van", "nguyen van a",
            "Nguyễn", "Nguyễn Văn", "Nguyễn Văn An", "đ", "đặ", "đặng", "tr", "tran thi", "Trần Thị Hằng",
            "le", "hoa", "minh", "thu", "h", "x", "0912"]
VISIBLE_ROWS = 40  # what a 700-pixel-high table shows at once


def _when_idle(report) -> None:
    """Call `report` once a top-level window is visible and the event loop has run dry once more."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def check() -> None:
        if any(w.isVisible() and w.isWindow() for w in QApplication.topLevelWidgets()):
            QTimer.singleShot(0, report)
        else:
            QTimer.singleShot(5, check)

    QTimer.singleShot(0, check)


def _ready_and_quit() -> None:
    """Answer, then leave at once: closing the window would start the automatic backup of the data
    file, which is no part of starting and would only load the machine for the next step."""
    emit({"ready": True, "cpu_seconds": time.process_time()})  # the whole process's, from its start
    os._exit(0)


def window(db_path: str) -> int:
    """The real start: `khuyenhoc --db DB` through `cli.main`, stopped once its window is idle."""
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])  # the program reuses it
    _when_idle(_ready_and_quit)
    from khuyenhoc_desktop.cli import main

    main(["--db", db_path])
    del app
    raise SystemExit("the window closed before it was ready")


def bare_window() -> int:
    """The floor: interpreter, PySide6, one QMainWindow with a label, shown."""
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    win = QMainWindow()
    win.setCentralWidget(QLabel("Khuyến Học"))
    win.resize(1200, 800)
    win.show()
    _when_idle(_ready_and_quit)
    app.exec()
    raise SystemExit("the window closed before it was ready")


class _SqlRecorder:
    """The SELECTs the model sends while recording, to replay them raw through sqlite3."""

    def __init__(self, engine, path: str):
        from sqlalchemy import event

        self.statements: list[tuple[str, tuple]] = []
        self.recording = False
        self.raw = sqlite3.connect(path)
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        if self.recording and not executemany and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, tuple(parameters or ())))

    def record(self, fn) -> tuple[float, float]:
        """Wall and CPU seconds `fn` takes; the SQL it issued is kept for `replay`."""
        self.statements, self.recording = [], True
        try:
            return timed(fn)
        finally:
            self.recording = False

    def replay(self) -> tuple[float, float]:
        statements = self.statements

        def run() -> None:
            for sql, params in statements:
                self.raw.execute(sql, params).fetchall()

        return timed(run)


def lists(kind_key: str, db_path: str, repeat: int) -> int:
    """`repeat`: how many times sorting is timed (the median is kept)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from khuyenhoc_desktop.storage.database import Database
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.list_page import ListPage

    app = QApplication(sys.argv[:1])
    db = Database(db_path)
    recorder = _SqlRecorder(db.engine, db_path)
    # A throwaway settings file: QSettings replaces its file on save, so never point it at /dev/null.
    settings = QSettings(os.path.join(tempfile.mkdtemp(prefix="khuyenhoc-bench-"), "bench.ini"), QSettings.IniFormat)
    ctx = AppContext(db, settings=settings)
    page = ListPage(ctx, kind_key)
    page.resize(1100, 700)
    page.show()
    app.processEvents()

    def shown() -> None:
        """What the officer sees: the visible rows formatted and painted."""
        for r in range(min(VISIBLE_ROWS, page.model.rowCount())):
            page.model.data(page.model.index(r, 0))
        app.processEvents()  # the reset's repaint

    def open_page() -> None:
        page._loaded = False
        page.model.invalidate_total()
        page.ensure_loaded()
        shown()

    def row(key: str, real: list[tuple[float, float]], raw: list[tuple[float, float]], count: int,
            pick=statistics.median) -> dict:
        return {"key": key, "seconds": pick([w for w, _ in real]), "cpu_seconds": pick([c for _, c in real]),
                "baseline_seconds": pick([w for w, _ in raw]), "baseline_cpu_seconds": pick([c for _, c in raw]),
                "rows": count}

    # The first opening is the one the officer waits for (the page keeps its rows afterwards);
    # its SQL replayed on a fresh connection is the baseline.
    rows = [row("open", [recorder.record(open_page)], [recorder.replay()], page.model.total)]

    keys, raw_keys = [], []
    for prefix in PREFIXES:
        def keystroke() -> None:
            page.search.setText(prefix)
            page._search_timer.stop()  # the debounce is a wait by design, not work
            page.apply_filters()
            shown()

        keys.append(recorder.record(keystroke))
        raw_keys.append(recorder.replay())
    for p in (50, 95):
        rows.append(row(f"search_p{p}", keys, raw_keys, len(PREFIXES), lambda values, p=p: percentile(values, p)))
    page.search.setText("")
    page._search_timer.stop()
    page.apply_filters()
    name_column = next(i for i, c in enumerate(page.spec.columns) if c.sort is page.spec.sort_column)

    def sort_by_name() -> None:
        page._header_clicked(name_column)  # first click ascending, the next descending
        shown()

    real = [recorder.record(sort_by_name) for _ in range(max(2, repeat))]
    rows.append(row("sort", real, [recorder.replay() for _ in real], page.model.rowCount()))
    page.close()
    recorder.raw.close()
    db.close()
    emit({"rows": rows})
    return 0


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    if argv[0] == "window":
        return window(argv[1])
    if argv[0] == "bare-window":
        return bare_window()
    if argv[0] == "lists":
        return lists(argv[1], argv[2], int(argv[3]) if len(argv) > 3 else 5)
    raise SystemExit(f"unknown step {argv[0]}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
