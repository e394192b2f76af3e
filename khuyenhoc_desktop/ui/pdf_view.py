"""PDF pages on screen and on paper: pypdfium2 rasterises a page into a QImage (no Pillow),
which a label shows or a QPrinter prints. Every printable paper of the program (certificates,
decisions, minutes) is first written as a PDF, then shown and printed the same way here."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QWidget

POINTS_PER_INCH = 72.0
# Enough for sharp text and halftones; a 1200 dpi printer would need ~0.5 GB per A4 page.
MAX_PRINT_DPI = 300


def page_count(path: Path | str) -> int:
    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def page_size_points(path: Path | str, index: int = 0) -> tuple[float, float]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return tuple(doc[index].get_size())
    finally:
        doc.close()


def _to_image(page, scale: float) -> QImage:
    # BGRx bytes are Qt's RGB32 on little-endian machines (every platform we ship for).
    bitmap = page.render(scale=scale, force_bitmap_format=pdfium_raw.FPDFBitmap_BGRx)
    image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format_RGB32)
    return image.copy()  # detach from the Python bytes, which are freed on return


def render_page(path: Path | str, index: int = 0, *, scale: float | None = None,
                width: int | None = None, dpi: float | None = None) -> QImage:
    """One page as an image: by `scale` (pixels per point), target `width` in pixels, or `dpi`."""
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[index]
        if width is not None:
            scale = width / page.get_width()
        elif dpi is not None:
            scale = dpi / POINTS_PER_INCH
        return _to_image(page, scale or 1.0)
    finally:
        doc.close()


def match_printer_to_pdf(printer: QPrinter, path: Path | str) -> None:
    """Paper size and orientation of the PDF's first page, no margins (offsets stay exact)."""
    width, height = page_size_points(path)
    size = QPageSize(QSizeF(min(width, height), max(width, height)), QPageSize.Point, "",
                     QPageSize.FuzzyMatch)
    orientation = QPageLayout.Landscape if width > height else QPageLayout.Portrait
    printer.setPageLayout(QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0)))
    printer.setFullPage(True)


def print_pdf(path: Path | str, printer: QPrinter) -> int:
    """Draw every page of the PDF onto the printer's pages; returns the number of pages.

    Each page keeps its proportions and starts at the paper's top-left corner, so a page of the
    same size as the paper lands exactly where the PDF puts it (pre-printed certificate paper)."""
    doc = pdfium.PdfDocument(str(path))
    painter = QPainter()
    try:
        if not painter.begin(printer):
            raise OSError("Không mở được máy in hoặc tệp in.")
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        full = printer.pageLayout().fullRectPixels(printer.resolution())
        # With full-page printing the painter's origin is the paper corner; otherwise the margin.
        origin = full.topLeft() if printer.fullPage() else printer.pageLayout().paintRectPixels(
            printer.resolution()).topLeft()
        for n in range(len(doc)):
            if n:
                printer.newPage()
            page = doc[n]
            image = _to_image(page, dpi / POINTS_PER_INCH)
            target = QSizeF(page.get_width(), page.get_height()) * (printer.resolution() / POINTS_PER_INCH)
            target.scale(QSizeF(full.size()), Qt.KeepAspectRatio)
            painter.drawImage(QRectF(full.topLeft() - origin, target), image)
        return len(doc)
    finally:
        if painter.isActive():
            painter.end()
        doc.close()


def preview_pdf(parent: QWidget | None, path: Path | str, title: str = "Xem trước khi in") -> None:
    """Qt's print preview of the PDF; its print button prints through the system dialog."""
    printer = QPrinter(QPrinter.HighResolution)
    match_printer_to_pdf(printer, path)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    dialog.paintRequested.connect(lambda p: print_pdf(path, p))
    dialog.resize(1000, 760)
    dialog.exec()


def print_pdf_dialog(parent: QWidget | None, path: Path | str, title: str = "In") -> bool:
    """Ask for the printer (Qt's print dialog), then print; False if the user cancelled."""
    printer = QPrinter(QPrinter.HighResolution)
    match_printer_to_pdf(printer, path)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.Accepted:
        return False
    print_pdf(path, printer)
    return True


class PageView(QLabel):
    """A page image scaled to the space it has, keeping its proportions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image = QImage()
        self.setAlignment(Qt.AlignCenter)
        self.setMinimumSize(320, 226)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setStyleSheet("background: #8a8a8a;")

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._show()

    def set_message(self, text: str) -> None:
        self.image = QImage()
        self.setPixmap(QPixmap())
        self.setText(text)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show()

    def _show(self) -> None:
        if self.image.isNull():
            return
        room = self.contentsRect().adjusted(4, 4, -4, -4).size()
        pixmap = QPixmap.fromImage(self.image).scaled(room, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.setText("")
        self.setPixmap(pixmap)
