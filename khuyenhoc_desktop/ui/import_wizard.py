"""Nhập từ Excel: choose a file, confirm the header row and the columns, review the bad rows and
likely duplicates, then import — all through `services.importing`, the engine the CLI uses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWizard,
    QWidget,
    QWizardPage,
)

from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import importing
from khuyenhoc_desktop.services.lists import kind as list_kind
from khuyenhoc_desktop.ui.ops import run_with_progress
from khuyenhoc_desktop.ui.widgets import ERROR_STYLE, RowsModel

ACTIONS = {"skip": "Bỏ qua", "merge": "Gộp vào người đã có", "add": "Vẫn thêm mới"}
NOT_MAPPED = "(không nhập)"


def _encoding_labels() -> dict[str | None, str]:
    from khuyenhoc_desktop.domain import legacy

    return {None: "Unicode (không đổi)", **legacy.ENCODINGS}


class DuplicatesModel(QAbstractTableModel):
    """Likely duplicates with an editable action per row."""

    HEADERS = ["Dòng", "Họ tên", "Lý do", "Xử lý"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list = []

    def set_items(self, items: list) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 4

    def data(self, index, role=Qt.DisplayRole):
        item = self.items[index.row()]
        if role in (Qt.DisplayRole, Qt.EditRole):
            return [str(item.row), item.name, item.reason, ACTIONS.get(item.action, item.action)][index.column()]
        if role == Qt.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802
        if index.column() == 3 and value in ACTIONS:
            self.items[index.row()].action = value
            self.dataChanged.emit(index, index)
            return True
        return False

    def flags(self, index):
        flags = super().flags(index)
        return flags | Qt.ItemIsEditable if index.column() == 3 else flags

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.HEADERS[section]
        return None

    def set_all(self, action: str) -> None:
        for item in self.items:
            item.action = action
        if self.items:
            self.dataChanged.emit(self.index(0, 3), self.index(len(self.items) - 1, 3))


class ActionDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        for code, label in ACTIONS.items():
            combo.addItem(label, code)
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentIndex(max(editor.findText(index.data()), 0))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentData())


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Chọn tệp Excel")
        self.setSubTitle(f"Nhập {wizard.spec.title.lower()} từ một sổ tính Excel (.xlsx hoặc .xls).")
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self.browse)
        self.sheet = QComboBox()
        self.sheet.currentIndexChanged.connect(self.completeChanged)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Tệp", row)
        form.addRow("Trang tính", self.sheet)
        form.addRow(self.error)

    def browse(self) -> None:
        start = self.w.ctx.settings.value("import/folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp Excel", start, "Sổ tính Excel (*.xlsx *.xls)")
        if path:
            self.set_file(path)

    def set_file(self, path: str) -> None:
        self.path.setText(path)
        self.sheet.clear()
        self.error.setText("")
        try:
            sheets = importing.read_sheets(path)
        except UserError as exc:
            self.error.setText(str(exc))
            self.completeChanged.emit()
            return
        self.w.ctx.settings.setValue("import/folder", str(Path(path).parent))
        try:
            guessed = importing.guess_layout(path, self.w.kind).sheet
        except UserError:
            guessed = None
        for info in sheets:
            self.sheet.addItem(f"{info.name} ({format_count(info.rows)} dòng)", info.name)
        self.sheet.setCurrentIndex(max(self.sheet.findData(guessed), 0))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.path.text()) and self.sheet.count() > 0

    def validatePage(self) -> bool:  # noqa: N802
        try:
            self.w.layout_ = importing.guess_layout(self.path.text(), self.w.kind, self.sheet.currentData())
        except UserError as exc:
            self.error.setText(str(exc))
            return False
        self.w.path = self.path.text()
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Ghép cột")
        self.setSubTitle("Chương trình đã đoán dòng tiêu đề và cột của từng thông tin; hãy kiểm tra và sửa nếu cần.")
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 200)
        self.header_row.valueChanged.connect(self._header_changed)
        self.grid = QGridLayout()
        self.combos: dict[str, QComboBox] = {}
        self.samples: dict[str, QLabel] = {}
        self.encodings_box = QVBoxLayout()
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        load = QPushButton("Dùng cách ghép đã lưu…")
        load.clicked.connect(self.load_mapping)
        save = QPushButton("Lưu cách ghép cột…")
        save.clicked.connect(self.save_mapping)
        top = QHBoxLayout()
        top.addWidget(QLabel("Dòng tiêu đề:"))
        top.addWidget(self.header_row)
        top.addStretch()
        top.addWidget(load)
        top.addWidget(save)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(self.grid)
        inner_layout.addWidget(QLabel("<b>Bảng mã chữ Việt theo cột</b>"))
        inner_layout.addLayout(self.encodings_box)
        inner_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QScrollArea.NoFrame)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        self.columns: list = []
        self._building = False

    def initializePage(self) -> None:  # noqa: N802
        self._building = True
        self.header_row.setValue(self.w.layout_.header_row)
        self._building = False
        self._rebuild()

    def _header_changed(self) -> None:
        if self._building:
            return
        try:
            self.w.layout_ = importing.guess_layout(
                self.w.path, self.w.kind, self.w.layout_.sheet, header_row=self.header_row.value()
            )
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self._rebuild()

    def _rebuild(self) -> None:
        try:
            self.columns = importing.describe_columns(self.w.path, self.w.layout_)
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for col, text in enumerate(("Thông tin", "Lấy từ cột", "Ví dụ (sau khi chuyển mã)")):
            self.grid.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.combos.clear()
        self.samples.clear()
        for row, field in enumerate(importing.fields_for(self.w.kind), start=1):
            combo = QComboBox()
            combo.addItem(NOT_MAPPED, None)
            for column in self.columns:
                combo.addItem(f"{column.letter} – {column.header or '(trống)'}", column.index)
            combo.setCurrentIndex(max(combo.findData(self.w.layout_.mapping.get(field.key)), 0))
            combo.currentIndexChanged.connect(lambda _i, key=field.key: self._mapped(key))
            sample = QLabel()
            sample.setStyleSheet("color: #555;")
            self.grid.addWidget(QLabel(field.label + (" *" if field.required else "")), row, 0)
            self.grid.addWidget(combo, row, 1)
            self.grid.addWidget(sample, row, 2)
            self.combos[field.key] = combo
            self.samples[field.key] = sample
            self._show_sample(field.key)
        self._rebuild_encodings()

    def _column(self, index):
        return next((c for c in self.columns if c.index == index), None)

    def _show_sample(self, key: str) -> None:
        column = self._column(self.combos[key].currentData())
        self.samples[key].setText(", ".join(s for s in (column.converted if column else []) if s)[:80])

    def _mapped(self, key: str) -> None:
        index = self.combos[key].currentData()
        if index is None:
            self.w.layout_.mapping.pop(key, None)
        else:
            self.w.layout_.mapping[key] = index
        self._show_sample(key)
        self.completeChanged.emit()

    def _rebuild_encodings(self) -> None:
        while self.encodings_box.count():
            item = self.encodings_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
            elif item.layout():
                while item.layout().count():
                    inner = item.layout().takeAt(0)
                    if inner.widget():
                        inner.widget().deleteLater()
        labels = _encoding_labels()
        legacy_columns = [c for c in self.columns if c.encoding or c.index in self.w.layout_.encodings]
        if not legacy_columns:
            self.encodings_box.addWidget(QLabel("Mọi cột đã là chữ Unicode; không cần chuyển mã."))
            return
        for column in legacy_columns:
            row = QHBoxLayout()
            combo = QComboBox()
            for code, label in labels.items():
                combo.addItem(label, code)
            combo.setCurrentIndex(max(combo.findData(self.w.layout_.encodings.get(column.index)), 0))
            before = next((s for s in column.samples if s), "")
            after = next((s for s in column.converted if s), "")
            example = QLabel(f"“{before}” → “{after}”")
            combo.currentIndexChanged.connect(lambda _i, c=column, b=combo: self._encoding(c, b))
            row.addWidget(QLabel(f"Cột {column.letter} – {column.header}:"))
            row.addWidget(combo)
            row.addWidget(example, 1)
            self.encodings_box.addLayout(row)

    def _encoding(self, column, combo: QComboBox) -> None:
        if combo.currentData():
            self.w.layout_.encodings[column.index] = combo.currentData()
        else:
            self.w.layout_.encodings.pop(column.index, None)
        self._rebuild()

    def isComplete(self) -> bool:  # noqa: N802
        required = [f.key for f in importing.fields_for(self.w.kind) if f.required]
        return all(key in self.w.layout_.mapping for key in required)

    def load_mapping(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp cách ghép cột", "", "Cách ghép cột (*.json)")
        if not path:
            return
        try:
            saved = importing.load_mapping(path, self.w.kind)
        except UserError as exc:
            QMessageBox.warning(self, "Cách ghép cột", str(exc))
            return
        try:
            self.w.layout_ = importing.guess_layout(self.w.path, self.w.kind, self.w.layout_.sheet, saved=saved)
        except UserError as exc:
            QMessageBox.warning(self, "Cách ghép cột", str(exc))
            return
        self.initializePage()

    def save_mapping(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu cách ghép cột", "cach-ghep-cot.json", "Cách ghép cột (*.json)")
        if path:
            try:
                importing.save_mapping(self.w.layout_, self.w.kind, path)
            except UserError as exc:
                QMessageBox.warning(self, "Cách ghép cột", str(exc))


class ReviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Kiểm tra trước khi nhập")
        self.setSubTitle("Chưa có gì được lưu. Xem các dòng lỗi và các dòng có thể trùng, rồi bấm Tiếp.")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.rejected = RowsModel(["Dòng", "Thông tin", "Lý do"], numeric={0})
        self.rejected_view_title = QLabel("<b>Dòng lỗi và lưu ý</b>")
        rejected_view = QTableView()
        rejected_view.setModel(self.rejected)
        rejected_view.verticalHeader().hide()
        rejected_view.horizontalHeader().setStretchLastSection(True)
        self.duplicates = DuplicatesModel(self)
        dup_view = QTableView()
        dup_view.setModel(self.duplicates)
        dup_view.setItemDelegateForColumn(3, ActionDelegate(dup_view))
        dup_view.setEditTriggers(QAbstractItemView.AllEditTriggers)
        dup_view.verticalHeader().hide()
        dup_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.all_actions = QComboBox()
        for code, label in ACTIONS.items():
            self.all_actions.addItem(label, code)
        apply_all = QPushButton("Áp dụng cho tất cả")
        apply_all.clicked.connect(lambda: self.duplicates.set_all(self.all_actions.currentData()))
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.create_missing = QCheckBox("Tạo mới các thôn, dòng họ chưa có trong danh sách")
        self.skip_invalid = QCheckBox("Bỏ qua các dòng lỗi, chỉ nhập các dòng hợp lệ")
        self.skip_invalid.toggled.connect(self.completeChanged)
        self.create_missing.toggled.connect(self.analyse)
        self.dup_box = QWidget()
        dup_layout = QVBoxLayout(self.dup_box)
        dup_layout.setContentsMargins(0, 0, 0, 0)
        dup_row = QHBoxLayout()
        dup_row.addWidget(QLabel("<b>Có thể trùng</b> (chọn cách xử lý từng dòng)"))
        dup_row.addStretch()
        dup_row.addWidget(self.all_actions)
        dup_row.addWidget(apply_all)
        dup_layout.addLayout(dup_row)
        dup_layout.addWidget(dup_view)
        self.rejected_box = QWidget()
        rejected_layout = QVBoxLayout(self.rejected_box)
        rejected_layout.setContentsMargins(0, 0, 0, 0)
        rejected_layout.addWidget(self.rejected_view_title)
        rejected_layout.addWidget(rejected_view)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rejected_box, 2)
        layout.addWidget(self.dup_box, 2)
        layout.addWidget(self.missing)
        layout.addWidget(self.create_missing)
        layout.addWidget(self.skip_invalid)
        self.plan = None

    def initializePage(self) -> None:  # noqa: N802
        self.create_missing.blockSignals(True)
        self.create_missing.setChecked(False)
        self.create_missing.blockSignals(False)
        self.analyse()

    def analyse(self) -> None:
        """Check the whole file (again, when the user agrees to create what is missing)."""
        self.plan = None
        self.completeChanged.emit()
        self.summary.setText("Đang kiểm tra…")
        options = self.options()

        def work(progress, cancelled):
            return importing.analyse(self.w.ctx.db, self.w.path, self.w.kind, self.w.layout_,
                                     progress=progress, cancel=cancelled, options=options)

        run_with_progress(self, "Đang kiểm tra tệp", work, self.show_plan)

    def show_plan(self, plan) -> None:
        self.plan = plan
        self.w.plan = plan
        self.summary.setText(
            f"{format_count(plan.rows)} dòng dữ liệu: {format_count(plan.valid)} hợp lệ, "
            f"{format_count(len(plan.rejected_rows))} dòng lỗi, {format_count(len(plan.duplicates))} có thể trùng."
        )
        labels = {f.key: f.label for f in importing.fields_for(self.w.kind)}
        issues = [(i, "Lỗi") for i in plan.rejected] + [(i, "Lưu ý") for i in plan.warnings]
        self.rejected.set_rows([
            (n, issue.row, labels.get(issue.field, issue.field or ""), f"{tag}: {issue.message}")
            for n, (issue, tag) in enumerate(sorted(issues, key=lambda pair: pair[0].row))
        ])
        self.duplicates.set_items(plan.duplicates)
        self.rejected_box.setVisible(bool(issues))
        self.dup_box.setVisible(bool(plan.duplicates))
        if plan.warnings:
            self.summary.setText(
                self.summary.text() + f" {format_count(len(plan.warnings))} dòng được chỉnh khi đọc "
                "(ví dụ số CCCD thiếu số 0 ở đầu); xem cột Lý do."
            )
        if plan.notes:
            self.summary.setText(self.summary.text() + "\n" + "\n".join(plan.notes))
        missing = []
        for names, label in ((plan.missing_hamlets, "Thôn, tổ dân phố chưa có"),
                             (plan.missing_clans, "Dòng họ chưa có"),
                             (plan.missing_branches, "Chi hội chưa có")):
            if names:
                missing.append(f"{label}: " + ", ".join(names))
        self.missing.setText("\n".join(missing))
        self.missing.setVisible(bool(missing))
        self.create_missing.setVisible(bool(missing) or self.create_missing.isChecked())
        self.skip_invalid.setVisible(bool(plan.rejected))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        """Next once checked, if nothing is wrong or the user chose to skip the bad rows."""
        return self.plan is not None and (not self.plan.rejected or self.skip_invalid.isChecked())

    def options(self):
        return importing.ImportOptions(
            skip_invalid=self.skip_invalid.isChecked(),
            create_missing=self.create_missing.isChecked(),
        )


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Nhập dữ liệu")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.save_rejected = QPushButton("Lưu danh sách dòng bị loại…")
        self.save_rejected.clicked.connect(self.write_rejected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.save_rejected, 0, Qt.AlignLeft)
        layout.addStretch()
        self.result = None

    def initializePage(self) -> None:  # noqa: N802
        self.result = None
        self.save_rejected.hide()
        self.summary.setText("Đang nhập…")
        options = self.w.review.options()

        def work(progress, cancelled):
            return importing.run_import(self.w.ctx.db, self.w.path, self.w.kind, self.w.layout_, options,
                                        plan=self.w.plan, progress=progress, cancel=cancelled)

        run_with_progress(self, "Đang nhập dữ liệu", work, self.show_result)

    def show_result(self, result) -> None:
        self.result = result
        noun = self.w.spec.noun
        lines = [
            "Đã nhập xong.",
            "",
            f"Thêm mới: {format_count(result.added)} {noun}",
            f"Gộp vào bản ghi đã có: {format_count(result.merged)}",
            f"Bỏ qua (trùng): {format_count(result.skipped)}",
            f"Bị loại (lỗi): {format_count(len(result.rejected))} dòng",
        ]
        if self.w.kind == "households":
            lines.insert(3, f"Nhân khẩu thêm mới: {format_count(result.persons_added)}")
        if not result.written:
            lines[0] = "Chưa lưu gì: tệp có dòng lỗi."
        self.summary.setText("\n".join(lines))
        self.save_rejected.setVisible(bool(result.rejected))
        self.w.ctx.changed(self.w.kind, "households", "persons", "hamlets", "clans", "members", "branches", "organisations")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.result is not None

    def write_rejected(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu danh sách dòng bị loại", "dong-bi-loai.xlsx", "Sổ tính Excel (*.xlsx)")
        if not path:
            return
        try:
            importing.write_rejected(self.result.rejected, self.w.path, self.w.layout_, path)
        except UserError as exc:
            QMessageBox.warning(self, "Lưu danh sách", str(exc))
            return
        QMessageBox.information(self, "Lưu danh sách", f"Đã lưu {format_count(len(self.result.rejected))} dòng bị loại vào {path}.")


class ImportWizard(QWizard):
    def __init__(self, ctx, kind_key: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind_key
        self.spec = list_kind(kind_key)
        self.path = ""
        self.layout_ = None
        self.plan = None
        self.setWindowTitle(f"Nhập {self.spec.title.lower()} từ Excel")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setOption(QWizard.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.NoCancelButtonOnLastPage, True)
        self.resize(880, 660)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.review = ReviewPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.mapping_page, self.review, self.run_page):
            self.addPage(page)
        self.setButtonText(QWizard.NextButton, "Tiếp >")
        self.setButtonText(QWizard.BackButton, "< Quay lại")
        self.setButtonText(QWizard.FinishButton, "Xong")
        self.setButtonText(QWizard.CancelButton, "Hủy")
