"""Chấm điểm: one registration at a time, walking through the titles page's list.

Made for scoring a hamlet's households in one sitting from the keyboard: Tab goes from input to
input only, Enter saves and opens the next one with the cursor in its first input."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import forms as forms_mod
from khuyenhoc_desktop.domain.forms import number_text
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import scoring, titles
from khuyenhoc_desktop.ui.widgets import WARNING_STYLE, ErrorLabel

NOTICE_STYLE = WARNING_STYLE + " border: 1px solid #e3b341; border-radius: 3px;"
REASON_NEEDED_STYLE = "QLineEdit { border: 2px solid #d08000; background: #fff4d6; }"
SHORT_NOUNS = {"household": "Hộ", "clan": "Dòng họ", "hamlet": "Thôn", "organisation": "Đơn vị",
               "person": "Người", "commune": "Xã"}
_NUMBER = re.compile(r"^\d{0,4}([.,]\d{0,2})?$")


def notice_banner() -> QLabel:
    """The yellow line shown wherever a form that is not fully verified is used."""
    label = QLabel()
    label.setObjectName("formNotice")
    label.setWordWrap(True)
    label.setStyleSheet(NOTICE_STYLE)
    label.hide()
    return label


def show_notice(label: QLabel, form: forms_mod.Form | None) -> None:
    label.setText((form.notice or "") if form else "")
    label.setVisible(bool(form and form.notice))


def form_label(form: forms_mod.Form) -> str:
    gaps = forms_mod.missing(form)
    return f"{form.title} ({form.id})" + (" — chưa chấm được" if gaps else "")


def fill_form_combo(combo: QComboBox, forms: list[forms_mod.Form]) -> None:
    combo.blockSignals(True)
    combo.clear()
    for form in forms:
        combo.addItem(form_label(form), form.id)
    combo.blockSignals(False)


def unusable_text(form: forms_mod.Form) -> str:
    gaps = forms_mod.missing(form)
    return f"Bộ tiêu chí này chưa chấm được: {'; '.join(gaps)}." if gaps else ""


def parse_number(text: str) -> float | None:
    """'7', '7,5' or '7.5' -> 7.5; '' -> None; anything else raises ValueError."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        raise ValueError(text)
    return float(text)


def plain(value):
    """Whole numbers as int, so that stored values read 8 rather than 8.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def result_line(form: forms_mod.Form, values: dict) -> tuple[str, bool]:
    """The live total line and whether it is a refusal (shown in red)."""
    try:
        result = forms_mod.score(form, values)
    except UserError as exc:
        if form.is_points:
            partial = sum(v for v in values.values() if isinstance(v, (int, float)) and not isinstance(v, bool))
            maximum = sum(i.max_points or 0 for i in form.indicators if i.kind == "points" and i.for_level is None)
            return f"Tổng điểm: {number_text(partial)}/{number_text(maximum)} · {exc}", True
        return str(exc), True
    verdict = "Đạt" if result.passed else "Chưa đạt"
    if form.is_points:
        head = f"Tổng điểm: {number_text(result.total)}/{number_text(result.max_total)}"
    else:
        passed = sum(1 for i in form.indicators if values.get(i.id) is True)
        head = f"Số chỉ tiêu đạt: {passed}/{len(form.indicators)}"
    return f"{head} · Xếp loại: {result.level or '—'} · {verdict}", False


class PointsBox(QDoubleSpinBox):
    """Points from 0 to the indicator's maximum; empty until typed, '7,5' or '7.5' accepted,
    whole numbers shown without decimals."""

    BLANK = -0.5  # the value of an empty box (below every real score)

    def __init__(self, maximum: float, parent=None):
        super().__init__(parent)
        self.setDecimals(2)
        self.setRange(self.BLANK, float(maximum))
        self.setSingleStep(0.5)
        self.setValue(self.BLANK)
        self.setAlignment(Qt.AlignRight)
        self.setButtonSymbols(QDoubleSpinBox.NoButtons)
        self.setFocusPolicy(Qt.StrongFocus)  # the wheel scrolls the page, not the points
        self.setMinimumWidth(64)

    def points(self) -> float | None:
        return None if self.value() < 0 else plain(self.value())

    def set_points(self, value) -> None:
        self.setValue(self.BLANK if value is None else float(value))

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return "" if value < 0 else number_text(round(value, 2))

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            value = parse_number(text)
        except ValueError:
            return self.BLANK
        return self.BLANK if value is None else value

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if not stripped:
            return QValidator.Acceptable, text, pos
        if not _NUMBER.match(stripped):
            return QValidator.Invalid, text, pos
        if stripped[-1] in ",." or stripped[0] in ",.":
            return QValidator.Intermediate, text, pos
        return (QValidator.Acceptable if float(stripped.replace(",", ".")) <= self.maximum()
                else QValidator.Invalid), text, pos

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key_PageUp, Qt.Key_PageDown):
            event.ignore()  # the dialog's previous / next, not a step of 10
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SheetScroll(QScrollArea):
    """Leaves PageUp / PageDown to the dialog (previous / next registration)."""

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key_PageUp, Qt.Key_PageDown):
            event.ignore()
            return
        super().keyPressEvent(event)


class IndicatorRow:
    """The widgets of one indicator: its input, evidence and (when computed) the reason."""

    def __init__(self, indicator: forms_mod.Indicator):
        self.indicator = indicator
        if indicator.kind == "points":
            self.input = PointsBox(indicator.max_points or 0)
        else:
            self.input = QCheckBox("Đạt")
        self.input.setAccessibleName(f"Chỉ tiêu {indicator.id}")
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText("Minh chứng")
        self.evidence.setAccessibleName(f"Minh chứng chỉ tiêu {indicator.id}")
        self.explanation: QLabel | None = None
        self.reason: QLineEdit | None = None
        self.computed = None
        if indicator.compute:
            self.explanation = QLabel()
            self.explanation.setWordWrap(True)
            self.explanation.setStyleSheet("color: #555;")
            self.reason = QLineEdit()
            self.reason.setPlaceholderText("Lý do sửa (chỉ cần khi sửa giá trị tính từ sổ)")
            self.reason.setAccessibleName(f"Lý do sửa chỉ tiêu {indicator.id}")

    def value(self):
        if isinstance(self.input, PointsBox):
            return self.input.points()
        return self.input.isChecked()

    def set_value(self, value) -> None:
        if isinstance(self.input, PointsBox):
            self.input.set_points(value)
        else:
            self.input.setChecked(bool(value))

    def overridden(self) -> bool:
        return self.computed is not None and self.value() != self.computed.value

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.input, self.evidence, self.reason):
            if widget is not None:
                widget.setEnabled(enabled)


class ScoringDialog(QDialog):
    """`ScoringDialog(ctx, registration_ids, start)`: scores `registration_ids[start]`, then the
    next ones in that order."""

    def __init__(self, ctx, registration_ids: list[int], start: int = 0, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.ids = list(registration_ids)
        self.position = max(0, min(start, len(self.ids) - 1))
        self.resize(960, 680)
        with ctx.db.read() as session:
            reg = session.get(titles.Registration, self.ids[self.position])
            if reg is None:
                raise NotFoundError("Không tìm thấy đăng ký này; có thể đã bị hủy.")
            self.title_code = reg.title_code
            self.forms = scoring.title_forms(session, self.title_code)
            self.title_name = titles.title_names(session)[self.title_code]
        self.setWindowTitle(f"Chấm điểm — {self.title_name} năm {reg.year}")
        self.noun = SHORT_NOUNS[titles.TITLE_ENTITY[self.title_code]]
        self.form: forms_mod.Form | None = None
        self.rows: list[IndicatorRow] = []
        self.sheet: scoring.Sheet | None = None
        self._clean: tuple | None = None
        self._loading = False

        self.name = QLabel()
        self.name.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.name.setWordWrap(True)
        self.address = QLabel()
        self.address.setWordWrap(True)
        self.counter = QLabel()
        self.counter.setObjectName("scoringCounter")
        self.counter.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.form_combo = QComboBox()
        self.form_combo.setFocusPolicy(Qt.ClickFocus)  # Tab stays among the inputs
        fill_form_combo(self.form_combo, self.forms)
        self.form_combo.currentIndexChanged.connect(self._form_chosen)
        form_caption = QLabel("&Bộ tiêu chí:")
        form_caption.setBuddy(self.form_combo)
        self.notice = notice_banner()
        self.unusable = ErrorLabel()
        self.locked = QLabel()
        self.locked.setWordWrap(True)
        self.locked.setStyleSheet(WARNING_STYLE)
        self.locked.hide()

        self.sheet_widget = QWidget()
        self.grid = QGridLayout(self.sheet_widget)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnMinimumWidth(4, 220)
        self.grid.setHorizontalSpacing(10)
        self.scroll = SheetScroll()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFocusPolicy(Qt.NoFocus)
        self.scroll.setWidget(self.sheet_widget)

        self.total = QLabel()
        self.total.setObjectName("scoringTotal")
        self.total.setWordWrap(True)
        self.error = ErrorLabel()
        self.status = QLabel()
        self.status.setStyleSheet("color: #1e6b2f;")
        self.status.hide()

        self.previous_button = QPushButton("‹ Trước (PgUp)")
        self.next_button = QPushButton("Sau (PgDn) ›")
        self.save_button = QPushButton("Lưu (Ctrl+Enter)")
        self.save_next_button = QPushButton("Lưu và sang tiếp (Enter)")
        self.close_button = QPushButton("Đóng")
        for button in (self.previous_button, self.next_button, self.save_button, self.save_next_button,
                       self.close_button):
            button.setFocusPolicy(Qt.ClickFocus)
            button.setAutoDefault(False)
        self.save_next_button.setDefault(True)
        self.previous_button.clicked.connect(lambda: self.go(self.position - 1))
        self.next_button.clicked.connect(lambda: self.go(self.position + 1))
        self.save_button.clicked.connect(self.save)
        self.save_next_button.clicked.connect(self.save_and_next)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.Save, self, activated=self.save)

        head = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.name)
        names.addWidget(self.address)
        head.addLayout(names, 1)
        head.addWidget(self.counter)
        choose = QHBoxLayout()
        choose.addWidget(form_caption)
        choose.addWidget(self.form_combo, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_next_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(choose)
        layout.addWidget(self.notice)
        layout.addWidget(self.unusable)
        layout.addWidget(self.locked)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.load(self.position)

    # ---- which registration and form
    @property
    def registration_id(self) -> int:
        return self.ids[self.position]

    def load(self, position: int) -> None:
        """Show the registration at `position` with its form and entries."""
        self.position = position
        self.error.show_message(None)
        with self.ctx.db.read() as session:
            rows = titles.registration_rows(session, [self.registration_id])
            if not rows:  # withdrawn meanwhile: go on with the next one
                del self.ids[position]
                if not self.ids:
                    raise NotFoundError("Các đăng ký trong danh sách không còn; có thể đã bị hủy.")
                self.load(min(position, len(self.ids) - 1))
                return
            row = rows[0]
            history = titles.history_text(session, row.entity_kind, row.entity_id)
            used = scoring.scored_form_id(session, self.registration_id)
            if used and used not in [f.id for f in self.forms]:
                ev = titles.evaluation_of(session, self.registration_id)
                self.forms.append(titles.stored_form(session, ev.form_version_id))
                fill_form_combo(self.form_combo, self.forms)
        self.name.setText(row.name)
        hamlet = "" if row.hamlet in row.address else row.hamlet
        self.address.setText(" · ".join(p for p in (row.address, hamlet) if p)
                             + (f"\nĐã được công nhận: {history}" if history else ""))
        self.counter.setText(f"{self.noun} {self.position + 1}/{len(self.ids)}")
        self.previous_button.setEnabled(self.position > 0)
        self.next_button.setEnabled(self.position < len(self.ids) - 1)
        keep = self.form if self.form is not None and not forms_mod.missing(self.form) else None
        form = scoring.usable_form(self.forms, used or (keep.id if keep else None))
        self._set_form(form)

    def _form_chosen(self, index: int) -> None:
        if self._loading or index < 0:
            return
        self._set_form(self.forms[index])

    def _set_form(self, form: forms_mod.Form | None) -> None:
        self._loading = True
        try:
            if form is not None:
                self.form_combo.setCurrentIndex(self.forms.index(form))
            if form is not self.form:
                self.form = form
                self._build_rows()
            show_notice(self.notice, form)
            self.unusable.show_message(unusable_text(form) if form else
                                       f"Chưa có bộ tiêu chí nào cho danh hiệu {self.title_name}.")
            with self.ctx.db.read() as session:
                self.sheet = (scoring.sheets(session, [self.registration_id], form)[self.registration_id]
                              if form else None)
            self._fill()
        finally:
            self._loading = False
        self._clean = self.entries()
        self._update_total()
        self.focus_first_input()

    def _build_rows(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.rows = []
        if self.form is None:
            return
        r = 0
        for text, column in (("Mã", 0), ("Nội dung chỉ tiêu", 1), ("Đánh giá", 2), ("Minh chứng", 4)):
            caption = QLabel(f"<b>{text}</b>")
            self.grid.addWidget(caption, r, column, 1, 2 if column == 2 else 1)
        r += 1
        for criterion in self.form.criteria:
            heading = QLabel(f"<b>Tiêu chí {criterion.id}.</b> {criterion.text or '(chưa có nội dung)'}")
            heading.setWordWrap(True)
            heading.setStyleSheet("padding-top: 6px;")
            self.grid.addWidget(heading, r, 0, 1, 5)
            r += 1
            for indicator in criterion.indicators:
                row = IndicatorRow(indicator)
                self.rows.append(row)
                text = indicator.text or "(chưa có nội dung)"
                if indicator.for_level:
                    text += f" <i>(chỉ tính cho mức {indicator.for_level})</i>"
                label = QLabel(text)
                label.setWordWrap(True)
                self.grid.addWidget(QLabel(indicator.id), r, 0, Qt.AlignTop)
                self.grid.addWidget(label, r, 1)
                self.grid.addWidget(row.input, r, 2, Qt.AlignTop)
                if indicator.kind == "points":
                    most = QLabel(f"/ {number_text(indicator.max_points)}")
                    most.setMinimumHeight(row.input.sizeHint().height())
                    self.grid.addWidget(most, r, 3, Qt.AlignTop)
                self.grid.addWidget(row.evidence, r, 4, Qt.AlignTop)
                r += 1
                if row.reason is not None:
                    self.grid.addWidget(row.explanation, r, 1)
                    self.grid.addWidget(row.reason, r, 2, 1, 3, Qt.AlignTop)
                    row.reason.textChanged.connect(self._changed)
                    r += 1
                if isinstance(row.input, PointsBox):
                    row.input.valueChanged.connect(self._changed)
                else:
                    row.input.toggled.connect(self._changed)
                row.evidence.textChanged.connect(self._changed)
        self.grid.setRowStretch(r, 1)

    def _fill(self) -> None:
        sheet = self.sheet
        locked = bool(sheet and sheet.locked)
        self.locked.setText(sheet.locked if sheet else "")
        self.locked.setVisible(locked)
        usable = self.form is not None and not forms_mod.missing(self.form)
        for row in self.rows:
            iid = row.indicator.id
            row.set_value(sheet.values.get(iid) if sheet else None)
            row.evidence.setText(str(sheet.evidence.get(iid, "")) if sheet else "")
            if row.reason is not None:
                row.computed = sheet.computed.get(iid) if sheet else None
                if row.computed is not None:
                    shown = number_text(row.computed.value) if not isinstance(row.computed.value, bool) \
                        else ("đạt" if row.computed.value else "không đạt")
                    row.explanation.setText(f"Tính từ sổ: {row.computed.explanation} → {shown}")
                else:
                    row.explanation.setText("Không tính được từ sổ cho đăng ký này; hãy nhập.")
                row.reason.setText(str(sheet.overrides.get(iid, "")) if sheet else "")
            row.set_enabled(usable and not locked)
        self.save_button.setEnabled(usable and not locked)

    def focus_first_input(self) -> None:
        for row in self.rows:
            if row.input.isEnabled():
                row.input.setFocus(Qt.TabFocusReason)
                if isinstance(row.input, PointsBox):
                    row.input.selectAll()
                self.scroll.ensureWidgetVisible(row.input)
                return

    # ---- entries
    def entries(self) -> tuple[dict, dict, dict]:
        """(values, evidence, reasons) as typed; blank points are left out."""
        values, evidence, reasons = {}, {}, {}
        for row in self.rows:
            iid = row.indicator.id
            value = row.value()
            if value is not None:
                values[iid] = value
            if row.evidence.text().strip():
                evidence[iid] = row.evidence.text().strip()
            if row.reason is not None and row.reason.text().strip():
                reasons[iid] = row.reason.text().strip()
        return values, evidence, reasons

    def is_dirty(self) -> bool:
        return self._clean is not None and self.entries() != self._clean

    def _changed(self, *_args) -> None:
        if not self._loading:
            self._say("")
            self._update_total()

    def _update_total(self) -> None:
        for row in self.rows:
            if row.reason is not None:
                needed = row.overridden() and not row.reason.text().strip()
                row.reason.setStyleSheet(REASON_NEEDED_STYLE if needed else "")
                row.reason.setPlaceholderText("Cần ghi lý do vì đã sửa giá trị tính từ sổ" if needed else
                                              "Lý do sửa (chỉ cần khi sửa giá trị tính từ sổ)")
        if self.form is None or forms_mod.missing(self.form):
            self.total.clear()
            return
        text, refused = result_line(self.form, self.entries()[0])
        self.total.setText(text)
        self.total.setStyleSheet("font-weight: bold;" + (" color: #8a5300;" if refused else ""))

    # ---- saving and moving
    def _needs_saving(self) -> bool:
        return bool(self.sheet and not self.sheet.locked) and (self.is_dirty() or not self.sheet.scored)

    def save(self) -> bool:
        """Save the current sheet; False (with the reason shown) when it was refused."""
        if self.form is None or self.sheet is None or self.sheet.locked:
            return self.sheet is not None and bool(self.sheet.locked)
        values, evidence, reasons = self.entries()
        try:
            with self.ctx.db.write() as session:
                titles.score_registration(session, self.registration_id, self.form, values, evidence,
                                          overrides=reasons)
        except ValidationError as exc:
            self.error.show_message(" ".join(exc.errors.values()))
            return False
        except UserError as exc:
            self.error.show_message(str(exc))
            return False
        self.error.show_message(None)
        self.sheet.scored = True
        self._clean = self.entries()
        self._say(f"Đã lưu kết quả của {self.name.text()}.")
        self.ctx.changed("titles")
        return True

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def save_and_next(self) -> None:
        said = ""
        if self._needs_saving():
            if not self.save():
                return
            said = self.status.text()
        if self.position < len(self.ids) - 1:
            self.load(self.position + 1)
            self._say(said)
        else:
            self._say(f"Đã đến {self.noun.lower()} cuối danh sách.")

    def go(self, position: int) -> None:
        """Move without saving; asks first when there are unsaved entries."""
        if not 0 <= position < len(self.ids) or position == self.position:
            return
        if self._confirm_leave():
            self.load(position)

    def _confirm_leave(self) -> bool:
        if not self.is_dirty():
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Question)
        box.setWindowTitle("Chấm điểm")
        box.setText(f"Kết quả của {self.name.text()} có thay đổi chưa lưu. Lưu trước khi rời đi?")
        save = box.addButton("Lưu", QMessageBox.AcceptRole)
        discard = box.addButton("Không lưu", QMessageBox.DestructiveRole)
        box.addButton("Hủy", QMessageBox.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        if box.clickedButton() is save:
            return self.save()
        return box.clickedButton() is discard

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """Inputs pass these keys on: Ctrl+Enter saves, PageUp / PageDown move (Enter and Esc
        are the dialog's default button and reject())."""
        key, ctrl = event.key(), bool(event.modifiers() & Qt.ControlModifier)
        if key in (Qt.Key_Return, Qt.Key_Enter) and ctrl:
            self.save()
        elif key == Qt.Key_PageDown:
            self.go(self.position + 1)
        elif key == Qt.Key_PageUp:
            self.go(self.position - 1)
        else:
            super().keyPressEvent(event)

    def reject(self) -> None:
        if self._confirm_leave():
            super().reject()
