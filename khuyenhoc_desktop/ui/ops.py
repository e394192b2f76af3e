"""Long work off the GUI thread, with a progress bar, a "Dừng" button and one error path."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.logs import log


_running: set[QThread] = set()


class _Worker(QThread):
    progressed = Signal(int, int, str)
    finished_ok = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable):
        super().__init__()
        self.work = work
        self.cancelled = False

    def run(self) -> None:
        try:
            result = self.work(lambda done, total, text: self.progressed.emit(done, total, text),
                               lambda: self.cancelled)
        except UserError as exc:
            self.failed.emit(str(exc))
        except Exception:
            log.exception("background work failed")
            self.failed.emit("Lỗi ngoài dự kiến; chi tiết đã ghi vào nhật ký. Dữ liệu đã lưu không bị ảnh hưởng.")
        else:
            self.finished_ok.emit(result)


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[Callable[[int, int, str], None], Callable[[], bool]], object],
    on_done: Callable[[object], None],
) -> _Worker:
    """Run `work(progress, cancelled)` in a thread; `on_done(result)` runs back on the GUI thread."""
    dialog = QProgressDialog(title, "Dừng", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    worker = _Worker(work)

    def progressed(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        dialog.setLabelText(text)

    def finish() -> None:
        dialog.close()

    def ok(result) -> None:
        finish()
        on_done(result)

    def failed(message: str) -> None:
        finish()
        QMessageBox.warning(parent, title, message)

    worker.progressed.connect(progressed)
    worker.finished_ok.connect(ok)
    worker.failed.connect(failed)
    dialog.canceled.connect(lambda: setattr(worker, "cancelled", True))
    # Freed only once the thread has really ended, never while it is still returning.
    worker.finished.connect(lambda: (_running.discard(worker), worker.deleteLater()))
    _running.add(worker)
    worker.start()
    return worker
