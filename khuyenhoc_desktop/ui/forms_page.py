"""Bộ tiêu chí: the criteria sets in use, shipped and the commune's own; import a province's file,
duplicate a set and edit the copy, export, delete. An unverified set always shows its notice."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import forms as forms_mod
from khuyenhoc_desktop.domain.forms import Form, FormProblems, number_text
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import form_library as library
from khuyenhoc_desktop.ui.form_editor import NOTICE_STYLE, FormEditorDialog
from khuyenhoc_desktop.ui.widgets import ERROR_STYLE, setup_row_table

FILE_FILTER = "Bộ tiêu chí (*.json)"
SHIPPED_TIP = "Bộ tiêu chí có sẵn không sửa, xóa trực tiếp được; bấm Nhân bản để tạo bản sao rồi sửa bản sao."
MAX_LISTED_PROBLEMS = 15
UNVERIFIED_COLOUR = QColor("#8a5300")


class FormsModel(QAbstractTableModel):
    HEADERS = ["Mã", "Danh hiệu", "Văn bản", "Phiên bản", "Kiểm chứng", "Nguồn"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[Form, bool]] = []  # (form, is the commune's own)

    def set_rows(self, rows: list[tuple[Form, bool]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_of(self, form_id: str) -> int:
        return next((i for i, (f, _own) in enumerate(self.rows) if f.id == form_id), -1)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        form, own = self.rows[index.row()]
        column = index.column()
        if role == Qt.DisplayRole:
            return (
                form.id,
                f"{form.title_code} – {form.title}",
                form.legal_text,
                form.version,
                "Đã kiểm chứng" if form.verified else "Chưa kiểm chứng",
                "Tỉnh chỉnh sửa" if own else "Có sẵn",
            )[column]
        if role == Qt.ToolTipRole and column in (1, 2):
            return self.data(index)
        if role == Qt.ToolTipRole and column == 4 and form.notice:
            return form.notice
        if role == Qt.ForegroundRole and column == 4 and not form.verified:
            return UNVERIFIED_COLOUR
        if role == Qt.TextAlignmentRole and column == 3:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.HEADERS[section]
        return None


class FormDetail(QWidget):
    """The selected set: legal basis, notice, what is missing, criteria and indicators, rules."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.RichText)
        self.notice = QLabel()
        self.notice.setObjectName("formNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet(ERROR_STYLE)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Mã", "Nội dung", "Điểm tối đa", "Tính từ sổ"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Interactive)
        header.resizeSection(3, 160)
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.notice)
        layout.addWidget(self.missing)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.rules)

    def show_form(self, form: Form | None, own: bool = False) -> None:
        self.tree.clear()
        if form is None:
            self.heading.setText("Chọn một bộ tiêu chí trong danh sách để xem.")
            for label in (self.notice, self.missing, self.rules):
                label.hide()
            return
        basis = form.legal_basis
        years = form.years
        lines = [f"<b>{_html(form.title_code)} – {_html(form.title)}</b>",
                 f"Căn cứ: {_html(form.legal_text)}" + (f", {_html(basis['issuer'])}" if basis.get("issuer") else ""),
                 f"Áp dụng từ năm {years['from']}" + (f" đến năm {years['to']}" if years.get("to") else "")
                 + f" · phiên bản {_html(form.version)}"
                 + (f" · hiệu lực công nhận {form.validity_months} tháng" if form.validity_months else "")]
        if own:
            lines.append("Bộ tiêu chí của tỉnh, lưu trong tệp dữ liệu"
                         + (f"; chỉnh từ bộ {_html(form.variant_of)}" if form.variant_of else "") + ".")
        elif form.variant_of:
            lines.append(f"Bản của tỉnh, chỉnh từ bộ {_html(form.variant_of)}.")
        self.heading.setText("<br>".join(lines))
        self.notice.setText(form.notice or "")
        self.notice.setVisible(bool(form.notice))
        gaps = forms_mod.missing(form)
        self.missing.setText("Chưa chấm điểm được bằng bộ này; cần điền: " + "; ".join(gaps) + "." if gaps else "")
        self.missing.setVisible(bool(gaps))

        for crit in form.criteria:
            points = sum(i.max_points or 0 for i in crit.indicators if i.kind == "points" and i.for_level is None)
            top = QTreeWidgetItem([f"Tiêu chí {crit.id}", crit.text or "(chưa có nội dung)",
                                   f"{number_text(points)} điểm" if points else "", ""])
            font = top.font(0)
            font.setBold(True)
            for column in range(3):
                top.setFont(column, font)
            top.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
            for ind in crit.indicators:
                measure = "Đạt/Không đạt" if ind.kind == "pass_fail" else f"{number_text(ind.max_points)} điểm"
                text = ind.text or "(chưa có nội dung)"
                if ind.for_level:
                    text += f" [chỉ tính cho {ind.for_level}]"
                child = QTreeWidgetItem([ind.id, text, measure, ind.computed or ""])
                child.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
                for column in (1, 3):
                    child.setToolTip(column, child.text(column))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()

        levels = []
        for lv in form.levels:
            text = lv.name + (f" từ {number_text(lv.min_total)} điểm" if lv.min_total is not None else "")
            levels.append(text + (" (phải đạt quy tắc đạt)" if lv.requires_pass else ""))
        self.rules.setText(f"<b>Quy tắc đạt:</b> {_html(forms_mod.pass_rule_text(form.pass_rule))}"
                           + (f"<br><b>Xếp loại:</b> {_html('; '.join(levels))}" if levels else ""))
        self.rules.show()


def _html(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FormsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_forms")
        title = QLabel("Bộ tiêu chí")
        title.setObjectName("pageTitle")

        self.import_button = QPushButton("Nhập tệp…")
        self.import_button.setToolTip("Nhập bộ tiêu chí của tỉnh từ tệp .json")
        self.import_button.clicked.connect(lambda: self.import_file())
        self.duplicate_button = QPushButton("Nhân bản")
        self.duplicate_button.setToolTip("Tạo bản sao của bộ đang chọn để sửa thành bộ của tỉnh")
        self.duplicate_button.clicked.connect(self.duplicate)
        self.edit_button = QPushButton("Sửa…")
        self.edit_button.clicked.connect(self.edit)
        self.export_button = QPushButton("Xuất tệp…")
        self.export_button.setToolTip("Ghi bộ đang chọn ra tệp .json (để gửi hoặc nhập ở máy khác)")
        self.export_button.clicked.connect(lambda: self.export_file())
        self.delete_button = QPushButton("Xóa")
        self.delete_button.clicked.connect(self.delete)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        for button in (self.import_button, self.duplicate_button, self.edit_button, self.export_button,
                       self.delete_button):
            top.addWidget(button)

        self.model = FormsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_row_table(self.table)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.Interactive)  # long legal texts: elided, full in the detail
        header.resizeSection(2, 260)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.edit())

        self.detail = FormDetail()
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.count_label = QLabel()
        self.count_label.setObjectName("rowCount")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count_label)
        self._loaded = False
        ctx.notifier.changed.connect(self._on_changed)

    # ---- data
    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.reload()

    def reload(self) -> None:
        select_id = self.selected_id()
        with self.ctx.db.read() as session:
            rows = [(f, library.is_custom(session, f.id)) for f in library.available_forms(session)]
        self.model.set_rows(rows)
        own = sum(1 for _f, is_own in rows if is_own)
        self.count_label.setText(f"{len(rows)} bộ tiêu chí ({len(rows) - own} có sẵn, {own} của tỉnh)")
        self.select_id(select_id)

    def select_id(self, form_id: str | None) -> None:
        row = self.model.row_of(form_id) if form_id else -1
        self.table.selectRow(max(row, 0))
        self._selection_changed()

    def _on_changed(self, kinds: set) -> None:
        if self._loaded and "forms" in kinds:
            self.reload()

    def selected(self) -> tuple[Form, bool] | tuple[None, bool]:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not 0 <= index.row() < len(self.model.rows):
            return None, False
        return self.model.rows[index.row()]

    def selected_id(self) -> str | None:
        form, _own = self.selected()
        return form.id if form else None

    def _selection_changed(self) -> None:
        form, own = self.selected()
        self.detail.show_form(form, own)
        for button in (self.duplicate_button, self.export_button):
            button.setEnabled(form is not None)
        for button, tip in ((self.edit_button, "Sửa nội dung, điểm và ngưỡng của bộ của tỉnh; lưu thành phiên bản mới"),
                            (self.delete_button, "Xóa bộ của tỉnh đang chọn (kết quả đã chấm vẫn giữ nguyên)")):
            button.setEnabled(own)
            button.setToolTip(tip if own or form is None else SHIPPED_TIP)

    # ---- actions
    def import_file(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Nhập tệp bộ tiêu chí", "", FILE_FILTER)
            if not path:
                return
        try:
            with self.ctx.db.write() as session:
                form = library.import_form_file(session, path)
        except FormProblems as exc:
            self._show_problems(Path(path).name, exc.problems)
            return
        except UserError as exc:
            QMessageBox.warning(self, "Chưa nhập được", str(exc))
            return
        self.ctx.changed("forms")  # reloads this page too
        self.select_id(form.id)

    def _show_problems(self, name: str, problems: list[str]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Warning)
        box.setWindowTitle("Chưa nhập được")
        # wide enough that messages naming line and field stay readable
        box.setStyleSheet("#qt_msgbox_label, #qt_msgbox_informativelabel { min-width: 480px; }")
        box.setText(f"Tệp {name} chưa đúng định dạng bộ tiêu chí; có {len(problems)} lỗi. "
                    "Hãy sửa tệp rồi nhập lại; chưa có gì bị thay đổi.")
        shown = problems[:MAX_LISTED_PROBLEMS]
        more = f"\n… và {len(problems) - len(shown)} lỗi khác (xem Chi tiết)." if len(problems) > len(shown) else ""
        box.setInformativeText("\n".join(f"• {p}" for p in shown) + more)
        if more:
            box.setDetailedText("\n".join(problems))
        box.addButton("Đóng", QMessageBox.AcceptRole)
        box.exec()

    def duplicate(self) -> None:
        form_id = self.selected_id()
        if form_id is None:
            return
        try:
            with self.ctx.db.write() as session:
                copy = library.duplicate_form(session, form_id)
        except UserError as exc:
            QMessageBox.warning(self, "Chưa nhân bản được", str(exc))
            return
        self.ctx.changed("forms")
        self.select_id(copy.id)

    def edit(self) -> None:
        form, own = self.selected()
        if form is None or not own:
            return
        FormEditorDialog(self.ctx, form, self).exec()  # a save announces "forms": the list reloads

    def export_file(self, path: str | None = None) -> None:
        form_id = self.selected_id()
        if form_id is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Xuất tệp bộ tiêu chí", f"{form_id}.json", FILE_FILTER)
            if not path:
                return
        try:
            with self.ctx.db.read() as session:
                written = library.export_form(session, form_id, path)
        except UserError as exc:
            QMessageBox.warning(self, "Chưa xuất được", str(exc))
            return
        QMessageBox.information(self, "Xuất tệp", f"Đã ghi bộ tiêu chí {form_id} ra tệp {written}.")

    def delete(self) -> None:
        form, own = self.selected()
        if form is None or not own:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Warning)
        box.setWindowTitle("Xóa")
        box.setText(f"Xóa bộ tiêu chí {form.id} ({form.title}, phiên bản {form.version})?\n\n"
                    "Các kết quả đã chấm bằng bộ này vẫn giữ nguyên bản đã dùng khi chấm; "
                    "nên Xuất tệp trước nếu còn cần dùng lại.")
        delete_button = box.addButton("Xóa bộ tiêu chí", QMessageBox.DestructiveRole)
        box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(box.buttons()[-1])
        box.exec()
        if box.clickedButton() is not delete_button:
            return
        try:
            with self.ctx.db.write() as session:
                library.delete_form(session, form.id)
        except UserError as exc:
            QMessageBox.warning(self, "Chưa xóa được", str(exc))
            return
        self.ctx.changed("forms")
