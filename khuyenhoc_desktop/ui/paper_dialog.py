"""One way to hand the user any PDF paper of the program (decision, minutes, registration list,
score sheets): it is written in the background to a temporary file, shown page by page, and then
printed (Qt's print dialog or preview) or saved where the user wants it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.ui import pdf_view
from khuyenhoc_desktop.services.exporting import ExportResult
from khuyenhoc_desktop.ui import export_action
from khuyenhoc_desktop.ui.export_action import LAST_FOLDER_KEY, confirm_replace, start_folder
from khuyenhoc_desktop.ui.ops import run_with_progress

FILE_FILTER = "Tệp PDF (*.pdf)"
# (session, out_path) -> pages; runs off the GUI thread inside a read session
Render = Callable[[object, Path], int]


class PaperDialog(QDialog):
    def __init__(self, ctx, title: str, file_name: str, path: Path, pages: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.path = path
        self.file_name = file_name
        self.setWindowTitle(title)
        self.view = pdf_view.PageView()
        self.page = QSpinBox()
        self.page.setRange(1, max(1, pages))
        self.page.setPrefix("Trang ")
        self.page.setSuffix(f" / {format_count(pages)}")
        self.page.setAccessibleName("Trang đang xem")
        self.page.valueChanged.connect(self._show_page)
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        save = QPushButton("Lưu PDF…")
        save.clicked.connect(self.save_as)
        preview = QPushButton("Xem trước khi in…")
        preview.clicked.connect(lambda: pdf_view.preview_pdf(self, self.path, title))
        print_button = QPushButton("In…")
        print_button.setDefault(True)
        print_button.clicked.connect(lambda: pdf_view.print_pdf_dialog(self, self.path, title))
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.page)
        row.addWidget(self.saved, 1)
        for button in (save, preview, print_button, close):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.resize(860, 900)
        self._show_page(1)

    def _show_page(self, number: int) -> None:
        self.view.set_image(pdf_view.render_page(self.path, number - 1, dpi=110))

    def save_as(self) -> Path | None:
        settings = self.ctx.settings
        suggested = start_folder(settings) / self.file_name
        name, _selected = QFileDialog.getSaveFileName(self, "Lưu PDF", str(suggested), FILE_FILTER)
        if not name:
            return None
        target = Path(name)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
            if target.exists() and not confirm_replace(self, target):
                return None
        return self.save_to(target)

    def save_to(self, target: Path) -> Path:
        shutil.copyfile(self.path, target)
        self.ctx.settings.setValue(LAST_FOLDER_KEY, str(target.parent))
        self.saved.setText(f"Đã lưu vào {target}")
        return target


def open_paper(parent: QWidget, ctx, title: str, file_name: str, render: Render,
               on_open: Callable[[PaperDialog], None] | None = None, *, write: bool = False) -> None:
    """Write the paper in the background, then show it; errors come back as Vietnamese messages.
    `on_open` (for tests) gets the dialog instead of it being run modally; `write` when making
    the paper records something (a voucher's print count)."""
    folder = tempfile.TemporaryDirectory(prefix="khuyenhoc-")
    path = Path(folder.name) / file_name
    db = ctx.db

    def work(progress, _cancelled):
        progress(0, 0, f"Đang soạn {title.lower()}…")
        with db.write() if write else db.read() as session:
            return render(session, path)

    def done(pages: int) -> None:
        dialog = PaperDialog(ctx, title, file_name, path, pages, parent)
        dialog.finished.connect(lambda _r: folder.cleanup())
        if on_open is not None:
            on_open(dialog)
        else:
            dialog.exec()

    run_with_progress(parent, title, work, done)


def save_workbook(parent: QWidget, ctx, title: str, file_name: str, write: Render,
                  path: Path | None = None) -> None:
    """Ask where (unless `path` is given), write the workbook in the background, then say where
    it went with "Mở thư mục"; `write(session, path)` returns the number of rows."""
    if path is None:
        suggested = start_folder(ctx.settings) / file_name
        name, _selected = QFileDialog.getSaveFileName(parent, title, str(suggested), export_action.FILE_FILTER)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
            if path.exists() and not confirm_replace(parent, path):
                return
        ctx.settings.setValue(LAST_FOLDER_KEY, str(path.parent))
    db = ctx.db

    def work(progress, _cancelled):
        progress(0, 0, f"Đang ghi {title.lower()}…")
        with db.read() as session:
            return write(session, path)

    run_with_progress(parent, title, work, lambda rows: export_action.show_done(parent, ExportResult(path, rows)))
