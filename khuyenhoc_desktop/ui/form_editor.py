"""Editing a commune's own criteria set: texts, points and thresholds. Saving stores a new version
(`services.form_library.save_form`); past evaluations keep the copy they were scored with."""

from __future__ import annotations

import copy
import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date, parse_date
from khuyenhoc_desktop.domain.forms import Form, FormProblems, number_text
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services.form_library import next_version, save_form
from khuyenhoc_desktop.ui.widgets import WARNING_STYLE, ErrorLabel

NOTICE_STYLE = WARNING_STYLE + " border: 1px solid #e3b341; border-radius: 3px;"
KIND_LABELS = {"points": "Chấm điểm", "pass_fail": "Đạt/Không đạt"}
ERROR_BRUSH = QBrush(QColor("#f8d7da"))
CRITERION_BRUSH = QBrush(QColor("#eef3f8"))
# indicator table columns
C_CRITERION, C_ID, C_TEXT, C_KIND, C_POINTS = range(5)
# level table columns
L_NAME, L_MIN, L_PASS = range(3)


def _field_text(value) -> str:
    return "" if value is None else number_text(value)


def _number(text: str, what: str, errors: dict, key: str, positive: bool = False):
    """'' -> None; '2,5' -> 2.5; '10' -> 10. A wrong value adds a Vietnamese message to `errors`."""
    text = text.strip().replace(" ", "")
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        errors[key] = f"{what} phải là một số, ví dụ 10 hoặc 2,5 (để trống nếu chưa biết)."
        return None
    if value < 0 or (positive and value == 0):
        errors[key] = f"{what} phải {'lớn hơn 0' if positive else 'từ 0 trở lên'} (để trống nếu chưa biết)."
        return None
    return int(value) if value.is_integer() else value


def _year(text: str, what: str, errors: dict, key: str, required: bool = False):
    text = text.strip()
    if not text:
        if required:
            errors[key] = f"Cần ghi {what}."
        return None
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        errors[key] = f"{what.capitalize()} phải là một năm từ 1990 đến 2100, ví dụ 2024."
        return None
    return int(text)


def _shown_date(iso: str | None) -> str:
    """'2024-03-05' -> '05/03/2024' (a date the checker let through but that does not exist stays as written)."""
    try:
        return format_date(dt.date.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso


def _read_only(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
    return item


class FormEditorDialog(QDialog):
    def __init__(self, ctx, form: Form, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.form = form
        self.original = copy.deepcopy(form.raw)
        self.setWindowTitle(f"Sửa bộ tiêu chí {form.id}")
        self.resize(860, 640)

        heading = QLabel(f"<b>{form.title_code} – {form.id}</b><br>Phiên bản hiện tại: {form.version}; khi lưu "
                         f"sẽ thành phiên bản {next_version(form.version)}. Kết quả đã chấm trước đây vẫn giữ "
                         "nguyên bản bộ tiêu chí đã dùng khi chấm.")
        heading.setWordWrap(True)
        self.notice = QLabel(form.notice or "")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setVisible(bool(form.notice))

        self.errors: dict[str, ErrorLabel] = {}
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_tab(), "Thông tin chung")
        self.tabs.addTab(self._indicators_tab(), "Tiêu chí, chỉ tiêu")
        self.tabs.addTab(self._rules_tab(), "Quy tắc đạt, xếp loại")

        self.general_error = ErrorLabel()
        self.general_error.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setText("Lưu")
        self.buttons.button(QDialogButtonBox.Cancel).setText("Hủy")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.Save, self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    # ---- building
    def _row(self, form_layout: QFormLayout, key: str, label: str, widget: QWidget) -> QWidget:
        error = ErrorLabel()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        lay.addWidget(error)
        form_layout.addRow(label, box)
        self.errors[key] = error
        return widget

    def _line(self, form_layout, key, label, value, placeholder="") -> QLineEdit:
        edit = QLineEdit("" if value is None else str(value))
        edit.setPlaceholderText(placeholder)
        return self._row(form_layout, key, label, edit)

    def _general_tab(self) -> QWidget:
        data = self.original
        basis, years = data["legal_basis"], data["years"]
        page = QWidget()
        outer = QVBoxLayout(page)
        lay = QFormLayout()
        lay.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        outer.addLayout(lay)
        outer.addStretch()
        self.title = self._line(lay, "title", "Tên danh hiệu *", data["title"])
        self.document = self._line(lay, "document", "Văn bản căn cứ *", basis.get("document"),
                                   "ví dụ Quyết định 12/2024/QĐ-UBND")
        self.date = self._line(lay, "date", "Ngày ban hành", _shown_date(basis.get("date")),
                               "ngày/tháng/năm, để trống nếu chưa rõ")
        self.issuer = self._line(lay, "issuer", "Cơ quan ban hành", basis.get("issuer"), "ví dụ UBND tỉnh …")
        self.year_from = self._line(lay, "year_from", "Áp dụng từ năm *", years.get("from"))
        self.year_to = self._line(lay, "year_to", "Đến năm", years.get("to"), "để trống nếu còn áp dụng")
        self.note = QPlainTextEdit(data.get("note", ""))
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(110)
        self._row(lay, "note", "Ghi chú (điều gì suy ra, còn thiếu)", self.note)
        self.verified = QCheckBox("Đã đối chiếu đủ mọi nội dung, điểm và quy tắc với văn bản (đã kiểm chứng)")
        self.verified.setChecked(bool(data.get("verified")))
        lay.addRow("", self.verified)
        return page

    def _indicators_tab(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        hint = QLabel("Sửa nội dung và điểm tối đa bằng cách bấm đúp vào ô. Để trống nghĩa là chưa biết; "
                      "bộ tiêu chí còn ô trống thì chưa chấm điểm được.")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.indicators = QTableWidget(0, 5)
        self.indicators.setHorizontalHeaderLabels(["Tiêu chí", "Mã chỉ tiêu", "Nội dung", "Loại", "Điểm tối đa"])
        self.indicators.verticalHeader().hide()
        self.indicators.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.indicators.setWordWrap(True)
        self.indicators.verticalHeader().setDefaultSectionSize(26)
        header = self.indicators.horizontalHeader()
        header.setSectionResizeMode(C_TEXT, QHeaderView.Stretch)
        for column in (C_CRITERION, C_ID, C_KIND, C_POINTS):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self._places: list[tuple[int, int | None]] = []  # table row -> (criterion index, indicator index)
        bold = self.font()
        bold.setBold(True)
        for ci, crit in enumerate(self.original["criteria"]):
            row = self.indicators.rowCount()
            self.indicators.insertRow(row)
            self._places.append((ci, None))
            label = _read_only(f"Tiêu chí {crit['id']}")
            label.setFont(bold)
            self.indicators.setItem(row, C_CRITERION, label)
            self.indicators.setItem(row, C_ID, _read_only(""))
            text = QTableWidgetItem(crit.get("text") or "")
            text.setFont(bold)
            text.setToolTip(f"Tên tiêu chí {crit['id']}")
            self.indicators.setItem(row, C_TEXT, text)
            self.indicators.setItem(row, C_KIND, _read_only(""))
            self.indicators.setItem(row, C_POINTS, _read_only(""))
            for column in range(self.indicators.columnCount()):
                self.indicators.item(row, column).setBackground(CRITERION_BRUSH)
            for ii, ind in enumerate(crit["indicators"]):
                row = self.indicators.rowCount()
                self.indicators.insertRow(row)
                self._places.append((ci, ii))
                self.indicators.setItem(row, C_CRITERION, _read_only(""))
                self.indicators.setItem(row, C_ID, _read_only(ind["id"]))
                extra = f" (chỉ tính cho {ind['for_level']})" if ind.get("for_level") else ""
                self.indicators.setItem(row, C_TEXT, QTableWidgetItem(ind.get("text") or ""))
                self.indicators.item(row, C_TEXT).setToolTip(f"Chỉ tiêu {ind['id']}{extra}")
                self.indicators.setItem(row, C_KIND, _read_only(KIND_LABELS[ind["kind"]] + extra))
                if ind["kind"] == "points":
                    points = QTableWidgetItem(_field_text(ind.get("max_points")))
                else:
                    points = _read_only("—")
                points.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.indicators.setItem(row, C_POINTS, points)
        lay.addWidget(self.indicators, 1)
        return page

    def _rules_tab(self) -> QWidget:
        rule = self.original["pass_rule"]
        page = QWidget()
        outer = QVBoxLayout(page)
        lay = QFormLayout()
        lay.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.min_total = self._line(lay, "min_total", "Tổng điểm tối thiểu để đạt", _field_text(rule.get("min_total")),
                                    "để trống nếu không áp dụng hoặc chưa biết")
        share = rule.get("min_share_per_criterion")
        self.min_share = self._line(lay, "min_share", "Mỗi tiêu chí đạt tối thiểu (% số điểm)",
                                    "" if share is None else number_text(round(share * 100, 4)), "ví dụ 50")
        self.min_points = self._line(lay, "min_points", "Không chỉ tiêu nào dưới (điểm)",
                                     _field_text(rule.get("min_points_per_indicator")), "ví dụ 5")
        self.all_passed = QCheckBox("Phải đạt mọi chỉ tiêu")
        self.all_passed.setChecked(bool(rule.get("all_indicators_passed")))
        lay.addRow("", self.all_passed)
        outer.addLayout(lay)
        outer.addWidget(QLabel("<b>Xếp loại</b> (từ cao xuống thấp; mức cuối không có điểm là mức còn lại):"))
        self.levels = QTableWidget(0, 3)
        self.levels.setHorizontalHeaderLabels(["Mức", "Từ điểm", "Phải đạt quy tắc đạt"])
        self.levels.verticalHeader().hide()
        self.levels.verticalHeader().setDefaultSectionSize(26)
        self.levels.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.levels.horizontalHeader().setSectionResizeMode(L_NAME, QHeaderView.Stretch)
        for lv in self.original["levels"]:
            row = self.levels.rowCount()
            self.levels.insertRow(row)
            self.levels.setItem(row, L_NAME, QTableWidgetItem(lv["name"]))
            points = QTableWidgetItem(_field_text(lv.get("min_total")))
            points.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.levels.setItem(row, L_MIN, points)
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable | Qt.ItemIsSelectable)
            check.setCheckState(Qt.Checked if lv.get("requires_pass") else Qt.Unchecked)
            self.levels.setItem(row, L_PASS, check)
        outer.addWidget(self.levels, 1)
        return page

    # ---- reading
    def read_data(self) -> dict:
        """The edited form as data; wrong entries raise ValidationError (key -> message)."""
        errors: dict[str, str] = {}
        data = copy.deepcopy(self.original)
        title, document = self.title.text().strip(), self.document.text().strip()
        if not title:
            errors["title"] = "Cần ghi tên danh hiệu."
        if not document:
            errors["document"] = "Cần ghi số hiệu văn bản căn cứ."
        try:
            date = parse_date(self.date.text())
        except ValueError as exc:
            errors["date"] = str(exc)
            date = None
        year_from = _year(self.year_from.text(), "năm bắt đầu áp dụng", errors, "year_from", required=True)
        year_to = _year(self.year_to.text(), "năm kết thúc", errors, "year_to")
        if year_from and year_to and year_to < year_from:
            errors["year_to"] = "Năm kết thúc không thể trước năm bắt đầu."
        data.update(title=title, note=self.note.toPlainText().strip(), verified=self.verified.isChecked())
        data["legal_basis"] = {"document": document, "date": date.isoformat() if date else None,
                               "issuer": self.issuer.text().strip() or None}
        data["years"] = {"from": year_from, "to": year_to}

        for row, (ci, ii) in enumerate(self._places):
            crit = data["criteria"][ci]
            text = self.indicators.item(row, C_TEXT).text().strip() or None
            if ii is None:
                crit["text"] = text
                continue
            ind = crit["indicators"][ii]
            ind["text"] = text
            cell = self.indicators.item(row, C_POINTS)
            cell.setBackground(QBrush())
            if ind["kind"] == "points":
                key = f"points:{row}"
                ind["max_points"] = _number(cell.text(), f"Điểm tối đa của chỉ tiêu {ind['id']}", errors, key,
                                             positive=True)
                if key in errors:
                    cell.setBackground(ERROR_BRUSH)

        rule = data["pass_rule"]
        rule["min_total"] = _number(self.min_total.text(), "Tổng điểm tối thiểu", errors, "min_total")
        share = _number(self.min_share.text(), "Tỉ lệ điểm mỗi tiêu chí", errors, "min_share")
        if share is not None and not 0 <= share <= 100:
            errors["min_share"] = "Tỉ lệ điểm mỗi tiêu chí là phần trăm, từ 0 đến 100."
        rule["min_share_per_criterion"] = None if share is None else round(share / 100, 6)
        rule["min_points_per_indicator"] = _number(self.min_points.text(), "Điểm tối thiểu mỗi chỉ tiêu",
                                                   errors, "min_points")
        rule["all_indicators_passed"] = self.all_passed.isChecked()

        for row, level in enumerate(data["levels"]):
            old_name = level["name"]
            level["name"] = self.levels.item(row, L_NAME).text().strip()
            if not level["name"]:
                errors[f"level:{row}"] = f"Mức thứ {row + 1} cần có tên."
            level["min_total"] = _number(self.levels.item(row, L_MIN).text(), f"Điểm của mức {level['name']}",
                                         errors, f"level_min:{row}")
            requires = self.levels.item(row, L_PASS).checkState() == Qt.Checked
            if requires or "requires_pass" in level:
                level["requires_pass"] = requires
            if level["name"] != old_name:  # indicators counted for a level follow its new name
                for crit in data["criteria"]:
                    for ind in crit["indicators"]:
                        if ind.get("for_level") == old_name:
                            ind["for_level"] = level["name"]
        if errors:
            raise ValidationError(errors)
        return data

    # ---- saving
    def show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.show_message(errors.get(key))
        rest = [message for key, message in errors.items() if key not in self.errors]
        self.general_error.show_message("\n".join(rest))
        first = next(iter(errors), "")
        if first.startswith("points:"):
            self.tabs.setCurrentIndex(1)
        elif first in ("min_total", "min_share", "min_points") or first.startswith("level"):
            self.tabs.setCurrentIndex(2)
        elif first:
            self.tabs.setCurrentIndex(0)

    def save(self) -> None:
        try:
            data = self.read_data()
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        try:
            with self.ctx.db.write() as session:
                save_form(session, self.form.id, data)
        except FormProblems as exc:
            self.show_errors({})
            self.general_error.show_message("Chưa lưu được; hãy sửa:\n" + "\n".join(f"• {p}" for p in exc.problems))
            return
        except UserError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        self.ctx.changed("forms")
        self.accept()
