"""Bars of progress against the national targets (QĐ 387/QĐ-TTg), drawn with QPainter: one bar
per line (the commune's titles, or one title per hamlet), the share filled, the target as a red
vertical line, and "123/300 (41%)" beside each bar. Green once the target is reached."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.services.progress import ProgressLine

ROW_HEIGHT = 24
REACHED = QColor("#2e7d32")
BELOW = QColor("#1565c0")
TARGET = QColor("#c62828")
TRACK = QColor("#e3e7ec")


def percent(share: float) -> str:
    value = round(share * 100, 1)
    return (f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")) + "%"


def figures(line: ProgressLine) -> str:
    return f"{format_count(line.recognised)}/{format_count(line.total)} ({percent(line.share)})"


class ProgressChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list[tuple[str, ProgressLine]] = []
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def set_lines(self, lines: list[tuple[str, ProgressLine]]) -> None:
        """(label, line) pairs, drawn top to bottom."""
        self.lines = lines
        self.setToolTip("\n".join(f"{label}: {figures(line)}, mục tiêu {percent(line.target)}"
                                  for label, line in lines))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, max(1, len(self.lines)) * ROW_HEIGHT + 6)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        metrics = QFontMetrics(self.font())
        label_w = min(max((metrics.horizontalAdvance(label) for label, _ in self.lines), default=0) + 12,
                      int(self.width() * 0.35))
        figures_w = max((metrics.horizontalAdvance(figures(line)) for _, line in self.lines), default=0) + 12
        bar_x = label_w
        bar_w = max(40, self.width() - label_w - figures_w - 4)
        for row, (label, line) in enumerate(self.lines):
            top = 3 + row * ROW_HEIGHT
            bar = QRectF(bar_x, top + 5, bar_w, ROW_HEIGHT - 10)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(0, top, label_w - 8, ROW_HEIGHT), Qt.AlignVCenter | Qt.AlignRight,
                             metrics.elidedText(label, Qt.ElideRight, label_w - 8))
            painter.fillRect(bar, TRACK)
            filled = QRectF(bar.x(), bar.y(), bar.width() * min(1.0, line.share), bar.height())
            painter.fillRect(filled, REACHED if line.reached else BELOW)
            target_x = bar.x() + bar.width() * line.target
            painter.setPen(QPen(TARGET, 2))
            painter.drawLine(int(target_x), int(top + 2), int(target_x), int(top + ROW_HEIGHT - 2))
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(bar.right() + 8, top, figures_w, ROW_HEIGHT), Qt.AlignVCenter | Qt.AlignLeft,
                             figures(line))
        painter.end()
