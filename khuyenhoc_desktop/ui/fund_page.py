"""Quỹ khuyến học: the detailed book of a year or a period (opening, receipts, payments, running
balance), new vouchers, cancelling by a reversing line, payout decisions, closing the books, and
the period's summaries."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.ui.fund_dialogs import (
    CancelVoucherDialog,
    LockDialog,
    PayoutDecisionDialog,
    VoucherDialog,
    offer_payment,
)
from khuyenhoc_desktop.ui.fund_summary import FundSummary
from khuyenhoc_desktop.ui.widgets import WARNING_STYLE, setup_row_table, table_or_empty

HEADERS = ["Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu", "Chi", "Tồn"]
WIDTHS = (90, 120, 120, 420, 120, 120, 130)
MONEY_COLUMNS = {4, 5, 6}
# The ledger's own words for the original line of a cancelled voucher.
REVERSAL_COLOUR = QColor("#8b1a1a")
CANCELLED_COLOUR = QColor("#777777")
STATUS_STYLE = "color: #1b6e20;"


def summary_text(book: fund.Ledger) -> str:
    return (f"Tồn đầu kỳ {format_money(book.opening)} · Thu {format_money(book.received)} · "
            f"Chi {format_money(book.paid)} · Tồn cuối kỳ {format_money(book.closing)} "
            f"(tiền {format_money(book.closing_money)}, hiện vật {format_money(book.closing_in_kind)})")


class LedgerModel(QAbstractTableModel):
    """The lines of one Ledger (a year has a few thousand at most), texts made once; the search
    keeps a list of matching line positions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list[fund.LedgerLine] = []
        self._texts: list[tuple[str, ...]] = []
        self._keys: list[str] = []
        self.shown: list[int] = []

    def set_lines(self, lines: list[fund.LedgerLine], search: str = "") -> None:
        self.beginResetModel()
        self.lines = lines
        self._texts = [self._line_texts(line) for line in lines]
        self._keys = [fold(f"{line.number} {line.text}") for line in lines]
        self._filter(search)
        self.endResetModel()

    def set_search(self, search: str) -> None:
        self.beginResetModel()
        self._filter(search)
        self.endResetModel()

    def _filter(self, search: str) -> None:
        words = fold(search).split()
        self.shown = [i for i, key in enumerate(self._keys) if all(w in key for w in words)]

    @staticmethod
    def _line_texts(line: fund.LedgerLine) -> tuple[str, ...]:
        receipt = line.kind == "receipt"
        return (format_date(line.day), line.number if receipt else "", "" if receipt else line.number, line.text,
                format_money(line.received) if receipt else "", "" if receipt else format_money(line.paid),
                format_money(line.balance))

    def line_at(self, row: int) -> fund.LedgerLine | None:
        return self.lines[self.shown[row]] if 0 <= row < len(self.shown) else None

    def row_of(self, number: str) -> int:
        """The row of a voucher's own line (not its reversal), or -1."""
        for row, i in enumerate(self.shown):
            if self.lines[i].number == number and not self.lines[i].reversal:
                return row
        return -1

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        i = self.shown[index.row()]
        line = self.lines[i]
        if role == Qt.DisplayRole:
            return self._texts[i][index.column()]
        if role == Qt.TextAlignmentRole and index.column() in MONEY_COLUMNS:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ForegroundRole:
            if line.reversal:
                return QBrush(REVERSAL_COLOUR)
            if line.cancelled:
                return QBrush(CANCELLED_COLOUR)
        if role == Qt.FontRole and (line.reversal or line.cancelled):
            font = QFont()
            font.setItalic(line.reversal)
            font.setStrikeOut(not line.reversal and index.column() in (4, 5))
            return font
        if role == Qt.ToolTipRole:
            if line.reversal:
                return "Dòng ghi đảo: hủy phiếu, trừ lại số tiền."
            if line.cancelled:
                return "Phiếu đã hủy; dòng ghi đảo nằm ở ngày hủy."
            return line.text
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return HEADERS[section]
        return None


class FundPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_fund")
        self._loaded = False
        self.book: fund.Ledger | None = None

        title = QLabel("Quỹ khuyến học")
        title.setObjectName("pageTitle")
        self.mode = QComboBox()
        self.mode.addItem("Cả năm", "year")
        self.mode.addItem("Từ ngày … đến ngày", "period")
        self.mode.setAccessibleName("Kỳ xem sổ")
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(today().year)
        self.year.setPrefix("Năm ")
        self.year.setAccessibleName("Năm")
        self.start = self._date_edit(dt.date(today().year, 1, 1))
        self.start.setAccessibleName("Từ ngày")
        self.end = self._date_edit(today())
        self.end.setAccessibleName("Đến ngày")
        self.to_label = QLabel("đến")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        for widget in (self.mode, self.year, self.start, self.to_label, self.end):
            top.addWidget(widget)

        self.summary = QLabel()
        self.summary.setObjectName("fundSummary")
        self.summary.setStyleSheet("font-weight: bold;")
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.lock_note = QLabel()
        self.lock_note.setStyleSheet(WARNING_STYLE)
        self.lock_note.hide()
        self.status = QLabel()
        self.status.setStyleSheet(STATUS_STYLE)
        self.status.hide()

        self.receipt_button = QPushButton("Phiếu thu mới…")
        self.receipt_button.setToolTip("Ghi một khoản nhận (tiền mặt, chuyển khoản hoặc hiện vật) (Ctrl+N)")
        self.receipt_button.clicked.connect(lambda: self.new_voucher("receipt"))
        self.payment_button = QPushButton("Phiếu chi mới…")
        self.payment_button.setToolTip("Ghi một khoản chi không theo quyết định chi có danh sách")
        self.payment_button.clicked.connect(lambda: self.new_voucher("payment"))
        self.cancel_button = QPushButton("Hủy phiếu…")
        self.cancel_button.clicked.connect(self.cancel_voucher)
        self.decision_button = QPushButton("Quyết định chi…")
        self.decision_button.setToolTip("Quyết định chi học bổng, khen thưởng, hỗ trợ kèm danh sách người nhận; "
                                        "có thể chi ngay")
        self.decision_button.clicked.connect(self.new_decision)
        self.pay_button = QPushButton("Chi theo quyết định")
        self.pay_button.setToolTip("Ghi phiếu chi cho một quyết định chi đã lưu mà chưa chi")
        self.pay_menu = QMenu(self.pay_button)
        self.pay_menu.aboutToShow.connect(self._fill_pay_menu)
        self.pay_button.setMenu(self.pay_menu)
        self.papers_button = QPushButton("In, xuất giấy tờ")
        self.papers_button.setToolTip("Phiếu, danh sách ký nhận, sổ chi tiết, thông báo công khai (PDF, Excel)")
        self.papers_menu = QMenu(self.papers_button)
        self.papers_menu.aboutToShow.connect(self._fill_papers_menu)
        self.papers_button.setMenu(self.papers_menu)
        self.lock_button = QPushButton("Khóa sổ…")
        self.lock_button.setToolTip("Chốt sổ đến một ngày khi báo cáo của kỳ đã xong")
        self.lock_button.clicked.connect(self.lock_books)
        actions = QHBoxLayout()
        for button in (self.receipt_button, self.payment_button, self.cancel_button):
            actions.addWidget(button)
        actions.addSpacing(12)
        actions.addWidget(self.decision_button)
        actions.addWidget(self.pay_button)
        actions.addSpacing(12)
        actions.addWidget(self.papers_button)
        actions.addWidget(self.lock_button)
        actions.addStretch()
        # Only while the page has the focus: the main window's own Ctrl+N / Ctrl+F serve the lists.
        QShortcut(QKeySequence.New, self, activated=lambda: self.new_voucher("receipt"),
                  context=Qt.WidgetWithChildrenShortcut)

        # ---- Sổ chi tiết
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tìm số phiếu, tên người nộp, người nhận, nội dung — không cần dấu…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm kiếm")
        self._search_timer = QTimer(self, singleShot=True, interval=80)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        QShortcut(QKeySequence.Find, self, activated=self.focus_search, context=Qt.WidgetWithChildrenShortcut)
        self.model = LedgerModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)
        # The description takes the spare width; amounts keep theirs, right next to each other.
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        # Vouchers are never deleted: Del means "cancel this voucher".
        QShortcut(QKeySequence.Delete, self.table, activated=self.cancel_voucher, context=Qt.WidgetShortcut)
        self.stack, self.empty = table_or_empty(self.table)
        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")
        book_tab = QWidget()
        book_layout = QVBoxLayout(book_tab)
        book_layout.addWidget(self.search)
        book_layout.addLayout(self.stack, 1)
        book_layout.addWidget(self.count_label)

        self.summaries = FundSummary(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(book_tab, "Sổ chi tiết")
        self.tabs.addTab(self.summaries, "Tổng hợp")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.lock_note)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

        self.mode.currentIndexChanged.connect(lambda _i: self._mode_changed())
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.start.dateChanged.connect(lambda _d: self.refresh())
        self.end.dateChanged.connect(lambda _d: self.refresh())
        self._mode_changed(refresh=False)
        ctx.notifier.changed.connect(self._on_changed)

    @staticmethod
    def _date_edit(day: dt.date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day))
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        return edit

    # ---- period
    def period(self) -> tuple[dt.date, dt.date]:
        if self.mode.currentData() == "year":
            year = self.year.value()
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        return self.start.date().toPython(), self.end.date().toPython()

    def set_year(self, year: int) -> None:
        self.mode.setCurrentIndex(self.mode.findData("year"))
        self.year.setValue(year)

    def set_period(self, start: dt.date, end: dt.date) -> None:
        for edit in (self.start, self.end):
            edit.blockSignals(True)
        self.start.setDate(QDate(start.year, start.month, start.day))
        self.end.setDate(QDate(end.year, end.month, end.day))
        for edit in (self.start, self.end):
            edit.blockSignals(False)
        if self.mode.currentData() == "period":
            self.refresh()
        else:
            self.mode.setCurrentIndex(self.mode.findData("period"))

    def _mode_changed(self, refresh: bool = True) -> None:
        by_year = self.mode.currentData() == "year"
        self.year.setVisible(by_year)
        for widget in (self.start, self.to_label, self.end):
            widget.setVisible(not by_year)
        if refresh:
            self.refresh()

    # ---- data
    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.refresh()

    def refresh(self) -> None:
        if not self._loaded:
            return
        selected = self.selected_line()
        start, end = self.period()
        if end < start:
            self.summary.setText("Đến ngày phải sau hoặc bằng từ ngày.")
            self.model.set_lines([])
            self._show_count()
            return
        with self.ctx.db.read() as session:
            self.book = fund.ledger(session, start, end)
            lock = fund.locked_until(session)
        self.summary.setText(summary_text(self.book))
        self.lock_note.setText(f"Sổ đã khóa đến hết {format_date(lock)}" if lock else "")
        self.lock_note.setVisible(lock is not None)
        self.model.set_lines(self.book.lines, self.search.text())
        self._show_count()
        if selected is not None and not selected.reversal:
            self.select_number(selected.number)
        self._update_buttons()
        self.summaries.load(start, end)

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text())
        self._show_count()
        self._update_buttons()

    def _show_count(self) -> None:
        total = len(self.model.lines)
        self.count_label.setText(f"Hiển thị {format_count(len(self.model.shown))} / {format_count(total)} dòng")
        start, end = self.period()
        self.empty.setText(f"Chưa có phiếu thu, chi nào từ {format_date(start)} đến {format_date(end)}. "
                           "Bấm Phiếu thu mới… để ghi khoản nhận đầu tiên." if not total
                           else "Không có dòng nào khớp với ô tìm kiếm.")
        self.stack.setCurrentWidget(self.table if self.model.shown else self.empty)

    def _on_changed(self, kinds: set) -> None:
        if self._loaded and kinds & {"fund", "hamlets"}:
            self.refresh()

    # ---- selection
    def selected_line(self) -> fund.LedgerLine | None:
        selection = self.table.selectionModel()
        rows = selection.selectedRows() if selection else []
        return self.model.line_at(rows[0].row()) if rows else None

    def select_number(self, number: str) -> None:
        row = self.model.row_of(number)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _update_buttons(self) -> None:
        line = self.selected_line()
        if line is None:
            why_not = "Chọn một dòng phiếu trong sổ trước."
        elif line.reversal or line.cancelled:
            why_not = f"Phiếu {line.number} đã hủy."
        else:
            why_not = None
        self.cancel_button.setEnabled(why_not is None)
        self.cancel_button.setToolTip(why_not or f"Hủy phiếu {line.number} bằng một dòng ghi đảo, có ghi lý do (Del)")

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # ---- actions
    def _tell(self, message: str) -> None:
        self.status.setText(message)
        self.status.show()

    def _show_voucher(self, number: str) -> None:
        """Make the period show the voucher, then select it."""
        with self.ctx.db.read() as session:
            day = fund.find_voucher(session, number).voucher_date
        start, end = self.period()
        if not start <= day <= end:
            self.set_year(day.year)
        self.search.clear()
        self._apply_search()
        self.tabs.setCurrentIndex(0)
        self.select_number(number)

    def new_voucher(self, kind: str) -> None:
        dialog = VoucherDialog(self.ctx, kind, self)
        if dialog.exec() and dialog.number:
            self._tell(f"Đã ghi phiếu {dialog.number}.")
            self._show_voucher(dialog.number)

    def cancel_voucher(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        try:
            dialog = CancelVoucherDialog(self.ctx, line.number, self)
        except UserError as exc:
            QMessageBox.warning(self, "Hủy phiếu", str(exc))
            return
        if dialog.exec():
            self._tell(f"Đã hủy phiếu {line.number}; dòng ghi đảo đã vào sổ.")

    def new_decision(self) -> None:
        dialog = PayoutDecisionDialog(self.ctx, self)
        if dialog.exec() and dialog.decision_id is not None:
            if dialog.paid_number:
                self._tell(f"Đã lưu quyết định chi và ghi phiếu {dialog.paid_number}.")
                self._show_voucher(dialog.paid_number)
            else:
                self._tell("Đã lưu quyết định chi; chưa ghi phiếu chi.")

    def _fill_pay_menu(self) -> None:
        self.pay_menu.clear()
        with self.ctx.db.read() as session:
            unpaid = fund.unpaid_decisions(session)
        if not unpaid:
            self.pay_menu.addAction("Không có quyết định chi nào chờ chi").setEnabled(False)
        for u in unpaid:
            label = (f"{u.number} ngày {format_date(u.decided_on)}: {fund.PAYOUT_KINDS[u.payout_kind]}, "
                     f"{format_count(u.people)} người, {format_money(u.total)}")
            self.pay_menu.addAction(label, lambda u=u: self.pay_decision(u))

    def pay_decision(self, unpaid: fund.PayoutSummary) -> None:
        paid = offer_payment(self, self.ctx, unpaid.id, unpaid.number, unpaid.people, unpaid.total, today())
        if paid:
            self._tell(f"Đã ghi phiếu {paid} theo quyết định chi {unpaid.number}.")
            self._show_voucher(paid)

    # ---- papers
    def _fill_papers_menu(self) -> None:
        menu = self.papers_menu
        menu.clear()
        line = self.selected_line()
        voucher = menu.addAction(f"Phiếu {line.number}…" if line else "Phiếu đang chọn…", self.print_voucher)
        voucher.setEnabled(line is not None)
        lists = menu.addMenu("Danh sách ký nhận theo quyết định chi")
        start, end = self.period()
        with self.ctx.db.read() as session:
            decisions = fund.payout_decisions(session, start, end)
        for d in decisions:
            lists.addAction(f"{d.number} ngày {format_date(d.decided_on)}: {d.purpose or fund.PAYOUT_KINDS[d.payout_kind]}",
                            lambda d=d: self.print_payout_list(d))
        lists.setEnabled(bool(decisions))
        menu.addSeparator()
        menu.addAction("Sổ chi tiết (PDF)…", self.print_ledger)
        menu.addAction("Sổ chi tiết (Excel)…", lambda: self.export_ledger())
        menu.addSeparator()
        menu.addAction("Thông báo công khai (PDF)…", self.print_disclosure)
        menu.addAction("Thông báo công khai (Excel)…", lambda: self.export_disclosure())

    def _period_name(self) -> str:
        start, end = self.period()
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
            return f"nam-{start.year}"
        return f"{start:%d-%m-%Y}-den-{end:%d-%m-%Y}"

    def print_voucher(self, on_open=None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        line = self.selected_line()
        if line is None:
            return
        open_paper(self, self.ctx, f"Phiếu {line.number}", f"phieu-{line.number}.pdf",
                   lambda session, path: fund_documents.print_voucher(session, line.number, path)[0], on_open,
                   write=True)

    def print_payout_list(self, decision: fund.PayoutSummary, on_open=None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        name = f"danh-sach-ky-nhan-{decision.number.split('/')[0]}-{decision.decided_on.year}.pdf"
        open_paper(self, self.ctx, f"Danh sách ký nhận theo quyết định {decision.number}", name,
                   lambda session, path: fund_documents.print_payout_list(session, decision.id, path), on_open)

    def print_ledger(self, on_open=None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        start, end = self.period()
        open_paper(self, self.ctx, "Sổ chi tiết quỹ khuyến học", f"so-chi-tiet-quy-{self._period_name()}.pdf",
                   lambda session, path: fund_documents.print_ledger(session, start, end, path, overwrite=True), on_open)

    def export_ledger(self, path=None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import save_workbook

        start, end = self.period()
        save_workbook(self, self.ctx, "Sổ chi tiết quỹ khuyến học", f"so-chi-tiet-quy-{self._period_name()}.xlsx",
                      lambda session, out: fund_documents.print_ledger(session, start, end, out, overwrite=True), path)

    def _ask_initials(self) -> bool | None:
        """Whether the notice shows minors by their initials (the default), None if cancelled."""
        box = QMessageBox(QMessageBox.Question, "Thông báo công khai",
                          "Người nhận dưới 18 tuổi ghi thế nào trên thông báo niêm yết?", parent=self)
        initials = box.addButton("Chỉ ghi chữ cái đầu (N.V.A.)", QMessageBox.AcceptRole)
        full = box.addButton("Ghi đủ họ tên", QMessageBox.AcceptRole)
        box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(initials)
        box.exec()
        return {initials: True, full: False}.get(box.clickedButton())

    def print_disclosure(self, on_open=None, initials: bool | None = None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        initials = self._ask_initials() if initials is None else initials
        if initials is None:
            return
        start, end = self.period()
        open_paper(self, self.ctx, "Thông báo công khai thu, chi quỹ", f"cong-khai-quy-{self._period_name()}.pdf",
                   lambda session, path: fund_documents.print_disclosure(
                       session, start, end, path, initials_only_for_minors=initials, overwrite=True), on_open)

    def export_disclosure(self, path=None, initials: bool | None = None) -> None:
        from khuyenhoc_desktop.services import fund_documents
        from khuyenhoc_desktop.ui.paper_dialog import save_workbook

        initials = self._ask_initials() if initials is None else initials
        if initials is None:
            return
        start, end = self.period()
        save_workbook(self, self.ctx, "Thông báo công khai thu, chi quỹ", f"cong-khai-quy-{self._period_name()}.xlsx",
                      lambda session, out: fund_documents.print_disclosure(
                          session, start, end, out, initials_only_for_minors=initials, overwrite=True), path)

    def lock_books(self) -> None:
        dialog = LockDialog(self.ctx, self)
        if dialog.exec() and dialog.locked:
            self._tell(f"Đã khóa sổ đến hết {format_date(dialog.locked)}.")
