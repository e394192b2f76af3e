"""Recognition decisions of a year: the review meeting, new decisions, drafts, amendments and
the certificates of an issued decision."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import dates
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import titles
from khuyenhoc_desktop.ui.widgets import (
    RowsModel,
    select_record,
    selected_row,
    setup_row_table,
    table_or_empty,
)

HEADERS = ["Số", "Ngày", "Danh hiệu", "Năm", "Số được công nhận", "Trạng thái"]
ALL_TITLES = "Tất cả danh hiệu"
CHANGED_KINDS = ("decisions", "registrations", "reviews")


def status_text(row: dict, amended_by: dict[str, str]) -> str:
    """Dự thảo / Đã ban hành / Sửa đổi QĐ …, and whether a later decision replaced it."""
    if row["amends"]:
        text = f"Sửa đổi QĐ {row['amends']}"
        return text if row["issued"] else f"Dự thảo ({text[0].lower()}{text[1:]})"
    if not row["issued"]:
        return "Dự thảo"
    newer = amended_by.get(row["number"])
    return f"Đã ban hành, được sửa đổi bởi QĐ {newer}" if newer else "Đã ban hành"


class DecisionsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_decisions")
        self.rows: list[dict] = []
        self._loaded = False

        title = QLabel("Quyết định công nhận danh hiệu")
        title.setObjectName("pageTitle")
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(dates.today().year)
        self.year.setPrefix("Năm ")
        self.year.setAccessibleName("Năm")
        self.title_filter = QComboBox()
        self.title_filter.setAccessibleName("Danh hiệu")

        self.review_button = QPushButton("Biên bản bình xét…")
        self.review_button.clicked.connect(self.open_review)
        self.new_button = QPushButton("Quyết định mới…")
        self.new_button.clicked.connect(self.new_decision)
        self.edit_button = QPushButton("Sửa…")
        self.edit_button.clicked.connect(self.edit_decision)
        self.delete_button = QPushButton("Xóa")
        self.delete_button.clicked.connect(self.delete_decision)
        self.amend_button = QPushButton("Quyết định sửa đổi…")
        self.amend_button.clicked.connect(self.amend_decision)
        self.paper_button = QPushButton("Xem, in quyết định…")
        self.paper_button.clicked.connect(self.show_decision)
        self.certificates_button = QPushButton("In giấy công nhận…")
        self.certificates_button.clicked.connect(self.print_certificates)
        self.template_button = QPushButton("Mẫu giấy công nhận…")
        self.template_button.setToolTip("Chỉnh mẫu giấy công nhận (chữ, cỡ, viền, độ lệch khi in) và xem trước")
        self.template_button.clicked.connect(self.edit_template)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        top.addWidget(self.year)
        top.addWidget(self.title_filter)
        actions = QHBoxLayout()
        for button in (self.review_button, self.new_button, self.edit_button, self.delete_button):
            actions.addWidget(button)
        actions.addSpacing(12)
        for button in (self.amend_button, self.paper_button, self.certificates_button, self.template_button):
            actions.addWidget(button)
        actions.addStretch()

        self.model = RowsModel(HEADERS, numeric={3, 4})
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        for column, width in enumerate((120, 100, 230, 60, 140)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        # Double click and Enter both arrive as `activated`.
        self.table.activated.connect(lambda _i: self._open_selected())
        QShortcut(QKeySequence.Delete, self.table, activated=self.delete_decision, context=Qt.WidgetShortcut)
        self.stack, self.empty = table_or_empty(self.table)
        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addLayout(self.stack, 1)
        layout.addWidget(self.count_label)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.title_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        ctx.notifier.changed.connect(self._on_changed)

    # ---- data
    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._fill_titles()
            self.refresh()

    def _fill_titles(self) -> None:
        current = self.title_filter.currentData()
        self.title_filter.blockSignals(True)
        self.title_filter.clear()
        self.title_filter.addItem(ALL_TITLES, None)
        with self.ctx.db.read() as session:
            for code, name in titles.title_names(session).items():
                self.title_filter.addItem(name, code)
        self.title_filter.setCurrentIndex(max(self.title_filter.findData(current), 0))
        self.title_filter.blockSignals(False)

    def title_code(self) -> str | None:
        return self.title_filter.currentData()

    def refresh(self) -> None:
        selected = self.selected()
        year, code = self.year.value(), self.title_code()
        with self.ctx.db.read() as session:
            names = titles.title_names(session)
            rows = titles.list_decisions(session, year)
        amended_by = {r["amends"]: r["number"] for r in rows if r["amends"] and r["issued"]}
        self.rows = [r for r in rows if code is None or r["title_code"] == code]
        self.model.set_rows([
            (r["id"], r["number"], r["date"], names.get(r["title_code"], r["title_code"]), r["year"],
             format_count(r["entities"]), status_text(r, amended_by))
            for r in self.rows
        ])
        which = f"danh hiệu {names[code]} " if code else ""
        self.empty.setText(f"Chưa có quyết định công nhận {which}năm {year}. "
                           "Bấm Biên bản bình xét… để ghi kết quả họp, rồi Quyết định mới….")
        self.stack.setCurrentWidget(self.table if self.rows else self.empty)
        self.count_label.setText(f"Hiển thị {format_count(len(self.rows))} quyết định")
        if selected is not None:
            self.select_id(selected["id"])
        self._update_buttons()

    def _on_changed(self, kinds: set) -> None:
        if self._loaded and kinds & {*CHANGED_KINDS, "settings"}:
            if "settings" in kinds:
                self._fill_titles()
            self.refresh()

    # ---- selection
    def selected(self) -> dict | None:
        return selected_row(self.table, self.rows)

    def select_id(self, decision_id: int) -> None:
        select_record(self.table, self.rows, decision_id)

    def _update_buttons(self) -> None:
        row = self.selected()
        need_title = None if self.title_code() else "Chọn một danh hiệu ở ô lọc phía trên trước."
        self._enable(self.review_button, need_title,
                     "Ghi biên bản họp bình xét (có mặt, phiếu đồng ý) của danh hiệu và năm đang chọn")
        self._enable(self.new_button, None, "Soạn quyết định công nhận mới cho năm đang chọn")
        if row is None:
            no_row = "Chọn một quyết định trong bảng trước."
            draft_only = issued_only = no_row
        else:
            draft_only = ("Quyết định đã ban hành không sửa, xóa được; hãy ra quyết định sửa đổi."
                          if row["issued"] else None)
            issued_only = None if row["issued"] else "Quyết định còn là dự thảo; hãy ban hành trước."
        self._enable(self.edit_button, draft_only, "Sửa quyết định dự thảo đang chọn")
        self._enable(self.delete_button, draft_only, "Xóa quyết định dự thảo đang chọn")
        self._enable(self.amend_button, issued_only, "Ra quyết định mới sửa đổi quyết định đã ban hành đang chọn")
        self._enable(self.paper_button, None if row else "Chọn một quyết định trong bảng trước.",
                     "Quyết định và danh sách kèm theo theo thể thức Nghị định 30 (dự thảo có chữ DỰ THẢO)")
        self._enable(self.certificates_button, issued_only,
                     "In giấy công nhận cho mọi người, hộ, đơn vị có tên trong quyết định")

    @staticmethod
    def _enable(button: QPushButton, why_not: str | None, what: str) -> None:
        button.setEnabled(why_not is None)
        button.setToolTip(what if why_not is None else why_not)

    # ---- actions
    def _open_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row["issued"]:
            self.print_certificates()
        else:
            self.edit_decision()

    def open_review(self) -> None:
        from khuyenhoc_desktop.ui.review_dialog import ReviewDialog

        if self.title_code():
            ReviewDialog(self.ctx, self.year.value(), self.title_code(), self).exec()

    def _run_decision_dialog(self, **kwargs) -> None:
        from khuyenhoc_desktop.ui.decision_dialog import DecisionDialog

        try:
            dialog = DecisionDialog(self.ctx, parent=self, **kwargs)
        except UserError as exc:
            QMessageBox.warning(self, "Quyết định công nhận", str(exc))
            return
        if dialog.exec() and dialog.saved_id is not None:
            self.refresh()
            self.select_id(dialog.saved_id)

    def new_decision(self) -> None:
        self._run_decision_dialog(year=self.year.value(), title_code=self.title_code())

    def edit_decision(self) -> None:
        row = self.selected()
        if row is not None and not row["issued"]:
            self._run_decision_dialog(year=row["year"], title_code=row["title_code"], decision_id=row["id"])

    def amend_decision(self) -> None:
        row = self.selected()
        if row is not None and row["issued"]:
            self._run_decision_dialog(year=row["year"], title_code=row["title_code"], amends_id=row["id"])

    def delete_decision(self) -> None:
        row = self.selected()
        if row is None or row["issued"]:
            return
        box = QMessageBox(QMessageBox.Warning, "Xóa quyết định",
                          f"Xóa dự thảo Quyết định số {row['number']} ({format_count(row['entities'])} "
                          "được đề nghị công nhận)?", parent=self)
        box.setInformativeText("Dự thảo và danh sách trong đó sẽ mất; kết quả chấm điểm và biên bản vẫn giữ nguyên.")
        delete = box.addButton("Xóa quyết định", QMessageBox.DestructiveRole)
        cancel = box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        if box.clickedButton() is not delete:
            return
        try:
            with self.ctx.db.write() as session:
                titles.delete_decision(session, row["id"])
        except UserError as exc:
            QMessageBox.warning(self, "Chưa xóa được", str(exc))
            return
        self.ctx.changed("decisions", "registrations")

    def show_decision(self, on_open=None) -> None:
        from khuyenhoc_desktop.services import title_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        row = self.selected()
        if row is None:
            return
        name = f"quyet-dinh-{row['number'].split('/')[0]}-{row['year']}.pdf"
        open_paper(self, self.ctx, f"Quyết định số {row['number']}", name,
                   lambda session, path: title_documents.print_decision(session, row["id"], path), on_open)

    def print_certificates(self) -> None:
        from khuyenhoc_desktop.ui.certificate_dialog import CertificateDialog

        row = self.selected()
        if row is None or not row["issued"]:
            return
        try:
            dialog = CertificateDialog(self.ctx, row["id"], self)
        except UserError as exc:
            QMessageBox.warning(self, "In giấy công nhận", str(exc))
            return
        dialog.exec()

    def edit_template(self) -> None:
        from khuyenhoc_desktop.ui.certificate_dialog import CertificateDialog

        row = self.selected()
        try:
            dialog = CertificateDialog(self.ctx, row["id"] if row and row["issued"] else None, self)
        except UserError as exc:
            QMessageBox.warning(self, "Mẫu giấy công nhận", str(exc))
            return
        dialog.exec()
