"""Tổng hợp báo cáo các xã: for the district or province clerk. Choose the communes' report
workbooks (a folder or files; each with its .p7s), check them in the background, see every
file's status and the communes still missing, and write the consolidated workbook — the same
service as `khuyenhoc consolidate`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.ui.export_action import FILE_FILTER, LAST_FOLDER_KEY, show_done, start_folder
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import ErrorLabel, RowsModel, setup_row_table

TITLE = "Tổng hợp báo cáo các xã, phường"
HEADERS = ["Tệp", "Xã, phường", "Số báo cáo", "Người ký", "Tình trạng", "Được cộng", "Ghi chú"]


class ConsolidationDialog(QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.files: list[Path] = []
        self.result_value = None
        self.setWindowTitle(TITLE)
        hint = QLabel("Chọn các tệp báo cáo Excel các xã gửi lên (mỗi tệp kèm tệp chữ ký .p7s cùng tên), "
                      "hoặc cả thư mục chứa chúng. Tệp không ký, bị sửa, trùng, sai kỳ hay của tỉnh khác "
                      "được ghi rõ và không cộng.")
        hint.setWordWrap(True)
        pick_folder = QPushButton("Chọn thư mục…")
        pick_folder.clicked.connect(self.choose_folder)
        pick_files = QPushButton("Chọn tệp…")
        pick_files.clicked.connect(self.choose_files)
        self.check_button = QPushButton("Kiểm tra và tổng hợp")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.check)
        self.save_button = QPushButton("Lưu tệp tổng hợp…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        self.chosen = QLabel("Chưa chọn tệp nào.")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.error = ErrorLabel()
        self.model = RowsModel(HEADERS)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        for column, width in enumerate((220, 170, 90, 150, 130, 80)):
            self.table.setColumnWidth(column, width)
        row = QHBoxLayout()
        for button in (pick_folder, pick_files, self.check_button):
            row.addWidget(button)
        row.addWidget(self.chosen, 1)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.save_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.missing)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.resize(1100, 620)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Thư mục chứa báo cáo các xã", str(start_folder(self.ctx.settings)))
        if folder:
            self.set_files(sorted(Path(folder).glob("*.xlsx")))

    def choose_files(self) -> None:
        names, _selected = QFileDialog.getOpenFileNames(self, "Các tệp báo cáo", str(start_folder(self.ctx.settings)),
                                                        FILE_FILTER)
        if names:
            self.set_files([Path(n) for n in names])

    def set_files(self, files: list[Path]) -> None:
        self.files = files
        self.chosen.setText(f"Đã chọn {format_count(len(files))} tệp." if files else "Thư mục không có tệp .xlsx nào.")
        self.check_button.setEnabled(bool(files))
        self.save_button.setEnabled(False)

    def check(self) -> None:
        from khuyenhoc_desktop.services import consolidation
        from khuyenhoc_desktop.signing import trust

        files = list(self.files)
        self.error.show_message(None)

        def work(progress, _cancelled):
            progress(0, 0, f"Đang kiểm tra {format_count(len(files))} tệp…")
            return consolidation.consolidate(files, trust_roots=trust.trusted_root_paths())

        run_with_progress(self, TITLE, work, self.show_result)

    def show_result(self, result) -> None:
        self.result_value = result
        self.model.set_rows([
            (n, f.path.name, f.report.commune_name if f.report else "", f.report.number if f.report else "",
             f.verdict.signer if f.verdict else "", f.status, "Có" if f.summed else "Không", f.message)
            for n, f in enumerate(result.files)])
        where = f" — {result.province.name}" if result.province else ""
        self.summary.setText(f"{result.period_label or '(không rõ kỳ)'}{where}: nhận {format_count(len(result.files))} "
                             f"tệp, cộng {format_count(len(result.accepted))} xã, phường"
                             + (f"; {format_count(len(result.problems))} điều cần xem." if result.problems else "."))
        if result.province is None:
            self.missing.setText("Không xác định được tỉnh nên chưa đối chiếu được các xã chưa nộp.")
        else:
            names = ", ".join(u.name for u in result.missing[:12]) + (" …" if len(result.missing) > 12 else "")
            self.missing.setText(f"Chưa nộp: {format_count(len(result.missing))} xã, phường"
                                 + (f" ({names})." if result.missing else "."))
        self.save_button.setEnabled(any(f.report is not None for f in result.files))

    def save(self, path: Path | None = None) -> None:
        from khuyenhoc_desktop.documents.consolidation_xlsx import write_consolidation_xlsx
        from khuyenhoc_desktop.services.exporting import ExportResult

        if self.result_value is None:
            return
        if path is None:
            suggested = start_folder(self.ctx.settings) / "tong-hop-bao-cao.xlsx"
            name, _selected = QFileDialog.getSaveFileName(self, TITLE, str(suggested), FILE_FILTER)
            if not name:
                return
            path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
            self.ctx.settings.setValue(LAST_FOLDER_KEY, str(path.parent))
        result = self.result_value

        def work(progress, _cancelled):
            progress(0, 0, "Đang ghi tệp tổng hợp…")
            return write_consolidation_xlsx(result, path, overwrite=True)

        run_with_progress(self, TITLE, work, lambda rows: show_done(self, ExportResult(path, rows)))
