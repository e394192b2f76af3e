"""Half-year and annual reports: numbered drafts whose narrative is edited here, finalising
(figures frozen, the fund's books closed to the period end), the files to send — unsigned, or
signed — and checking any signed file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import reports
from khuyenhoc_desktop.ui.export_action import LAST_FOLDER_KEY, confirm_replace, open_folder, start_folder
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.report_dialog import report_label
from khuyenhoc_desktop.ui.widgets import (
    RowsModel,
    confirm,
    select_record,
    selected_row,
    setup_row_table,
    table_or_empty,
)

if TYPE_CHECKING:
    from khuyenhoc_desktop.services.report_documents import ReportFiles

HEADERS = ["Số", "Loại", "Năm", "Kỳ", "Ngày", "Trạng thái"]
CHANGED_KINDS = {"reports", "fund", "settings"}
NO_ROW = "Chọn một báo cáo trong bảng trước."


def status_text(row: dict) -> str:
    return "Đã chốt" if row["finalised"] else "Dự thảo"


class ReportsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_reports")
        self.rows: list[dict] = []
        self._loaded = False

        title = QLabel("Báo cáo sơ kết, tổng kết")
        title.setObjectName("pageTitle")
        self.new_button = QPushButton("Báo cáo mới…")
        self.new_button.clicked.connect(self.new_report)
        self.edit_button = QPushButton("Sửa…")
        self.edit_button.clicked.connect(self.edit_report)
        self.finalise_button = QPushButton("Chốt số liệu…")
        self.finalise_button.clicked.connect(self.finalise_report)
        self.delete_button = QPushButton("Xóa dự thảo…")
        self.delete_button.clicked.connect(self.delete_report)
        self.view_button = QPushButton("Xem, in…")
        self.view_button.clicked.connect(self.show_report)
        self.export_button = QPushButton("Xuất tệp…")
        self.export_button.clicked.connect(lambda: self.export_files())
        self.sign_button = QPushButton("Ký số và xuất…")
        self.sign_button.clicked.connect(self.sign_report)
        self.verify_button = QPushButton("Kiểm tra chữ ký…")
        self.verify_button.setToolTip("Kiểm tra chữ ký số của một tệp PDF, hoặc tệp có .p7s đi kèm")
        self.verify_button.clicked.connect(self.verify_file)
        self.consolidate_button = QPushButton("Tổng hợp báo cáo các xã…")
        self.consolidate_button.setToolTip("Cho cấp tỉnh (huyện): kiểm tra chữ ký và cộng báo cáo Excel của nhiều xã")
        self.consolidate_button.clicked.connect(self.consolidate)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        actions = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.finalise_button, self.delete_button):
            actions.addWidget(button)
        actions.addSpacing(12)
        for button in (self.view_button, self.export_button, self.sign_button):
            actions.addWidget(button)
        actions.addStretch()
        actions.addWidget(self.verify_button)
        actions.addWidget(self.consolidate_button)

        self.model = RowsModel(HEADERS, numeric={2})
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        for column, width in enumerate((120, 200, 60, 180, 100)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.activated.connect(lambda _i: self._open_selected())
        self.stack, self.empty = table_or_empty(
            self.table, "Chưa có báo cáo nào. Bấm Báo cáo mới… để lập báo cáo sơ kết 6 tháng "
                        "hoặc tổng kết năm; nội dung được điền sẵn từ số liệu.")
        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addLayout(self.stack, 1)
        layout.addWidget(self.count_label)
        ctx.notifier.changed.connect(self._on_changed)

    # ---- data
    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.refresh()

    def refresh(self) -> None:
        selected = self.selected()
        with self.ctx.db.read() as session:
            self.rows = reports.list_reports(session)
        self.model.set_rows([(r["id"], r["number"], r["kind_label"], r["year"], r["period"], r["date"],
                              status_text(r)) for r in self.rows])
        self.stack.setCurrentWidget(self.table if self.rows else self.empty)
        self.count_label.setText(f"Hiển thị {format_count(len(self.rows))} báo cáo")
        if selected is not None:
            self.select_id(selected["id"])
        self._update_buttons()

    def _on_changed(self, kinds: set) -> None:
        if self._loaded and kinds & CHANGED_KINDS:
            self.refresh()

    # ---- selection
    def selected(self) -> dict | None:
        return selected_row(self.table, self.rows)

    def select_id(self, report_id: int) -> None:
        select_record(self.table, self.rows, report_id)

    def _update_buttons(self) -> None:
        row = self.selected()
        if row is None:
            draft_only = finalised_only = any_row = NO_ROW
        else:
            any_row = None
            draft_only = "Báo cáo đã chốt; số liệu và nội dung không sửa được nữa." if row["finalised"] else None
            finalised_only = None if row["finalised"] else "Báo cáo còn là dự thảo; hãy chốt số liệu trước khi ký."
        self._enable(self.new_button, None, "Lập báo cáo sơ kết 6 tháng hoặc tổng kết năm")
        self._enable(self.edit_button, draft_only, "Sửa số, ngày, nơi gửi và nội dung báo cáo dự thảo")
        self._enable(self.finalise_button, draft_only,
                     "Giữ nguyên số liệu của báo cáo và khóa sổ quỹ đến hết kỳ báo cáo")
        self._enable(self.delete_button, draft_only, "Xóa báo cáo dự thảo này (báo cáo đã chốt thì giữ lại)")
        self._enable(self.view_button, any_row, "Xem báo cáo và phụ lục, in ra giấy (dự thảo có chữ DỰ THẢO)")
        self._enable(self.export_button, any_row, "Ghi tệp PDF và Excel phụ lục (chưa ký) vào một thư mục")
        self._enable(self.sign_button, finalised_only, "Ký số báo cáo đã chốt và ghi các tệp để gửi lên cấp trên")

    @staticmethod
    def _enable(button: QPushButton, why_not: str | None, what: str) -> None:
        button.setEnabled(why_not is None)
        button.setToolTip(what if why_not is None else why_not)

    # ---- actions
    def _open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.show_report() if row["finalised"] else self.edit_report()

    def new_report(self) -> None:
        from khuyenhoc_desktop.ui.report_dialog import NewReportDialog

        dialog = NewReportDialog(self.ctx, self)
        if dialog.exec() and dialog.saved_id is not None:
            self.refresh()
            self.select_id(dialog.saved_id)

    def edit_report(self) -> None:
        from khuyenhoc_desktop.ui.report_dialog import ReportDialog

        row = self.selected()
        if row is None or row["finalised"]:
            return
        try:
            dialog = ReportDialog(self.ctx, row["id"], self)
        except UserError as exc:
            QMessageBox.warning(self, "Sửa báo cáo", str(exc))
            return
        if dialog.exec() and dialog.saved_id is not None:
            self.refresh()
            self.select_id(dialog.saved_id)

    def finalise_report(self) -> None:
        row = self.selected()
        if row is None or row["finalised"]:
            return
        start, end = reports.period_of(row["kind"], row["year"])
        if not confirm(self, "Chốt số liệu", f"Chốt số liệu {report_label(row)}?",
                       f"Số liệu của báo cáo được giữ nguyên như hôm nay; số, ngày và nội dung không sửa được nữa. "
                       f"Sổ quỹ khuyến học khóa đến hết ngày {format_date(end)}: không ghi thêm hay hủy phiếu thu, "
                       f"chi nào trong kỳ {format_date(start)}–{format_date(end)} được nữa.", "Chốt số liệu"):
            return
        try:
            with self.ctx.db.write() as session:
                reports.finalise(session, row["id"])
        except UserError as exc:
            QMessageBox.warning(self, "Chưa chốt được", str(exc))
            return
        self.ctx.changed("reports", "fund")

    def delete_report(self) -> None:
        row = self.selected()
        if row is None or row["finalised"]:
            return
        if not confirm(self, "Xóa dự thảo", f"Xóa dự thảo {report_label(row)}?",
                       "Nội dung đã soạn của dự thảo này mất hẳn; số liệu trong các danh sách và sổ quỹ không thay đổi.",
                       "Xóa dự thảo"):
            return
        try:
            with self.ctx.db.write() as session:
                reports.delete_draft(session, row["id"])
        except UserError as exc:
            QMessageBox.warning(self, "Chưa xóa được", str(exc))
            return
        self.ctx.changed("reports")

    def _file_stem(self, report_id: int) -> str:
        from khuyenhoc_desktop.services import report_documents

        with self.ctx.db.read() as session:
            return report_documents.file_stem(session, report_id)

    def show_report(self, on_open=None) -> None:
        # The writers (reportlab, openpyxl, pypdfium2) are imported when a report is made, not with the page.
        from khuyenhoc_desktop.services import report_documents
        from khuyenhoc_desktop.ui import pdf_view
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        row = self.selected()
        if row is None:
            return
        report_id = row["id"]

        def render(session, path: Path) -> int:
            # The PDF names the workbook's checksum, so both are written, side by side in the temp folder.
            files = report_documents.write_report(session, report_id, path.parent, overwrite=True)
            return pdf_view.page_count(files.pdf)

        open_paper(self, self.ctx, report_label(row), f"{self._file_stem(report_id)}.pdf", render, on_open)

    def export_files(self, folder: Path | None = None) -> None:
        """Write the unsigned PDF and workbook into a folder the user picks (or `folder`)."""
        row = self.selected()
        if row is None:
            return
        if folder is None:
            name = QFileDialog.getExistingDirectory(self, "Chọn thư mục lưu tệp báo cáo", str(start_folder(self.ctx.settings)))
            if not name:
                return
            folder = Path(name)
        stem = self._file_stem(row["id"])
        existing = [folder / f"{stem}{ext}" for ext in (".pdf", ".xlsx") if (folder / f"{stem}{ext}").exists()]
        if existing and not confirm_replace(self, existing[0]):
            return
        self.ctx.settings.setValue(LAST_FOLDER_KEY, str(folder))
        db, report_id = self.ctx.db, row["id"]
        from khuyenhoc_desktop.services import report_documents

        def work(progress, _cancelled):
            progress(0, 0, "Đang ghi tệp báo cáo…")
            with db.read() as session:
                return report_documents.write_report(session, report_id, folder, overwrite=True)

        run_with_progress(self, "Xuất tệp báo cáo", work, lambda files: self._exported(row, files))

    def _exported(self, row: dict, files: ReportFiles) -> None:
        box = QMessageBox(QMessageBox.Information, "Xuất tệp báo cáo",
                          f"Đã ghi {report_label(row)} (chưa ký) vào thư mục {files.pdf.parent}:", parent=self)
        draft = "\nBáo cáo còn là dự thảo: tệp PDF có chữ DỰ THẢO." if not row["finalised"] else ""
        box.setInformativeText(f"• {files.pdf.name}\n• {files.xlsx.name}{draft}")
        open_button = box.addButton("Mở thư mục", QMessageBox.ActionRole)
        close = box.addButton("Đóng", QMessageBox.RejectRole)
        box.setDefaultButton(close)
        box.exec()
        if box.clickedButton() is open_button:
            open_folder(self, files.pdf.parent)

    def sign_report(self) -> None:
        from khuyenhoc_desktop.ui.sign_dialog import SignDialog

        row = self.selected()
        if row is not None and row["finalised"]:
            SignDialog(self.ctx, row["id"], report_label(row), self).exec()

    def verify_file(self) -> None:
        from khuyenhoc_desktop.ui.verify_dialog import VerifyDialog

        VerifyDialog(self.ctx, self).exec()

    def consolidate(self) -> None:
        from khuyenhoc_desktop.ui.consolidation_dialog import ConsolidationDialog

        ConsolidationDialog(self.ctx, self).exec()

