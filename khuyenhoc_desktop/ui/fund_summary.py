"""The fund page's "Tổng hợp" tab: the period's totals by purpose, payout kind, hamlet and method,
scholarships and awards by school level, and one donor's receipts."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.ui.fund_dialogs import PartyChooser
from khuyenhoc_desktop.ui.widgets import RowsModel, setup_row_table

TOTAL = "Cộng"
DONOR_KINDS = {k: fund.PARTY_KINDS[k] for k in ("free", "person", "household", "organisation")}


class TotalsModel(RowsModel):
    """A summary table whose "Cộng" line is bold."""

    def data(self, index, role=Qt.DisplayRole):
        if role == Qt.FontRole and index.isValid() and self.rows[index.row()][1] == TOTAL:
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


def _table(model: RowsModel, widths: tuple[int, ...], stretch: int = 0, min_height: int = 150) -> QTableView:
    """Names take the spare width (`stretch` column); amounts keep their own."""
    table = QTableView()
    table.setModel(model)
    setup_row_table(table)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    header.setSectionResizeMode(stretch, QHeaderView.Stretch)
    table.setMinimumHeight(min_height)
    return table


def _boxed(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def totals_rows(rows: list[tuple[str, int, int]], received: bool = True, paid: bool = True) -> list[tuple]:
    """Screen rows of `fund.totals_by`, with a "Cộng" line when there is more than one."""
    def shown(label, got, gave):
        return (label, *([format_money(got)] if received else []), *([format_money(gave)] if paid else []))

    result = [(None, *shown(*row)) for row in rows]
    if len(rows) > 1:
        result.append((None, *shown(TOTAL, sum(r[1] for r in rows), sum(r[2] for r in rows))))
    return result


class FundSummary(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.by_purpose = TotalsModel(["Mục đích, đợt vận động", "Thu", "Chi"], numeric={1, 2})
        self.by_kind = TotalsModel(["Loại chi", "Chi"], numeric={1})
        self.by_hamlet = TotalsModel(["Thôn, tổ dân phố", "Thu", "Chi"], numeric={1, 2})
        self.by_method = TotalsModel(["Hình thức", "Thu", "Chi"], numeric={1, 2})
        self.awards = TotalsModel(["Cấp học", "Đối tượng", "Số người", "Số tiền"], numeric={2, 3})
        self.donor_rows = RowsModel(["Ngày", "Số phiếu", "Mục đích", "Số tiền"], numeric={3})

        self.donor = PartyChooser(ctx, DONOR_KINDS, compact=True)
        self.donor.changed.connect(self.show_donor)
        self.donor.name.returnPressed.connect(self.show_donor)
        show = QPushButton("Xem")
        show.clicked.connect(self.show_donor)
        self.statement_pdf = QPushButton("In…")
        self.statement_pdf.setToolTip("Bảng kê ủng hộ của người này trong kỳ (PDF, in)")
        self.statement_pdf.clicked.connect(lambda: self.print_statement())
        self.statement_xlsx = QPushButton("Xuất Excel…")
        self.statement_xlsx.clicked.connect(lambda: self.export_statement())
        chooser = QHBoxLayout()
        chooser.addWidget(self.donor, 1)
        chooser.addWidget(show)
        chooser.addWidget(self.statement_pdf)
        chooser.addWidget(self.statement_xlsx)
        chooser_box = QWidget()
        chooser_box.setLayout(chooser)
        chooser.setContentsMargins(0, 0, 0, 0)
        self.donor_total = QLabel("Chọn người nộp (gõ tên) để xem các khoản đã nộp trong kỳ.")
        self.donor_total.setWordWrap(True)

        # Every table keeps a readable height; a small window scrolls instead of squeezing them.
        inner = QWidget()
        grid = QGridLayout(inner)
        money = 130
        grid.addWidget(_boxed("Theo mục đích, đợt vận động",
                              _table(self.by_purpose, (200, money, money), min_height=200)), 0, 0)
        grid.addWidget(_boxed("Theo hình thức", _table(self.by_method, (160, money, money), min_height=200)), 0, 1)
        grid.addWidget(_boxed("Theo loại chi", _table(self.by_kind, (200, money), min_height=130)), 1, 0)
        grid.addWidget(_boxed("Theo thôn, tổ dân phố", _table(self.by_hamlet, (200, money, money), min_height=130)),
                       1, 1)
        grid.addWidget(_boxed("Học bổng, khen thưởng theo cấp học",
                              _table(self.awards, (170, 150, 80, money), min_height=170)), 2, 0)
        grid.addWidget(_boxed("Sao kê theo người nộp", chooser_box,
                              _table(self.donor_rows, (90, 120, 200, money), stretch=2, min_height=130),
                              self.donor_total), 2, 1)
        for column in (0, 1):
            grid.setColumnStretch(column, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def load(self, start: dt.date, end: dt.date) -> None:
        self.start, self.end = start, end
        with self.ctx.db.read() as session:
            self.by_purpose.set_rows(totals_rows(fund.totals_by(session, start, end, "purpose")))
            self.by_kind.set_rows(totals_rows(fund.totals_by(session, start, end, "payout_kind"), received=False))
            self.by_hamlet.set_rows(totals_rows(fund.totals_by(session, start, end, "hamlet")))
            self.by_method.set_rows(totals_rows(fund.totals_by(session, start, end, "method")))
            stats = fund.award_statistics(session, start, end)
        rows = [(None, s.level, s.recipient, format_count(s.count), format_money(s.amount)) for s in stats]
        if len(stats) > 1:
            rows.append((None, TOTAL, "", format_count(sum(s.count for s in stats)),
                         format_money(sum(s.amount for s in stats))))
        self.awards.set_rows(rows)
        self.show_donor()

    def _chosen(self) -> dict | None:
        """The donor as `fund.donor_statement` keywords, or None when nobody is chosen."""
        values = self.donor.values()
        kind, party_id, name = values["party_kind"], values["party_id"], values["party_name"].strip()
        if (kind == "free" and not name) or (kind != "free" and party_id is None):
            return None
        return {"name": name} if kind == "free" else {"party_kind": kind, "party_id": party_id}

    def _statement(self, suffix: str):
        from khuyenhoc_desktop.services import fund_documents

        chosen, start, end = self._chosen(), self.start, self.end
        name = f"bang-ke-ung-ho-{start:%d-%m-%Y}-den-{end:%d-%m-%Y}{suffix}"
        return chosen, name, lambda session, out: fund_documents.print_statement(session, start, end, out,
                                                                                overwrite=True, **chosen)

    def print_statement(self, on_open=None) -> None:
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        chosen, name, render = self._statement(".pdf")
        if chosen is not None:
            open_paper(self, self.ctx, "Bảng kê ủng hộ quỹ khuyến học", name, render, on_open)

    def export_statement(self, path=None) -> None:
        from khuyenhoc_desktop.ui.paper_dialog import save_workbook

        chosen, name, write = self._statement(".xlsx")
        if chosen is not None:
            save_workbook(self, self.ctx, "Bảng kê ủng hộ quỹ khuyến học", name, write, path)

    def show_donor(self) -> None:
        if self.start is None:
            return
        chosen = self._chosen()
        if chosen is None:
            self.statement_pdf.setEnabled(False)
            self.statement_xlsx.setEnabled(False)
            self.donor_rows.set_rows([])
            self.donor_total.setText("Chọn người nộp (gõ tên) để xem các khoản đã nộp trong kỳ.")
            return
        with self.ctx.db.read() as session:
            found = fund.donor_statement(session, self.start, self.end, **chosen)
            rows = [(v.id, format_date(v.voucher_date), v.number, v.purpose, format_money(v.amount)) for v in found]
            total = sum(v.amount for v in found)
        self.donor_rows.set_rows(rows)
        self.statement_pdf.setEnabled(bool(rows))
        self.statement_xlsx.setEnabled(bool(rows))
        period = f"từ {format_date(self.start)} đến {format_date(self.end)}"
        self.donor_total.setText(f"{format_count(len(rows))} phiếu thu, cộng {format_money(total)} ({period})."
                                 if rows else f"Không có phiếu thu nào của người này {period}.")
