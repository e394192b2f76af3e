"""Dialogs built from a list of fields: errors in red next to the field, Lưu / Hủy, one
transaction per save. Every edit dialog of the program is a `FormDialog`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.money import format_count, parse_money
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.ui.widgets import WARNING_STYLE, ErrorLabel, RecordPicker

DATE_HINT = "ngày/tháng/năm, ví dụ 05/09/1980"


@dataclass
class Field:
    name: str
    label: str
    widget: str = "text"  # text, multiline, choice, ref, date, picker, checklist, money, section
    options: object = None  # dict for choice; callable(session) for ref/checklist; callable(session, text) for picker
    label_of: Callable | None = None  # picker: callable(session, id) -> the label of a saved value
    blank: str | None = None
    placeholder: str = ""
    required: bool = False


class FormDialog(QDialog):
    """`save(session, form) -> id` raises ValidationError with field names as keys."""

    def __init__(
        self,
        ctx,
        title: str,
        fields: list[Field],
        form,
        save: Callable,
        changed: tuple[str, ...],
        parent: QWidget | None = None,
        validate: Callable | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.form = form
        self._save = save
        self._validate = validate
        self._changed = changed
        self.saved_id: int | None = None
        self._acknowledged: list[str] = []
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self.fields = fields

        outer = QVBoxLayout(self)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.hide()
        outer.addWidget(self.warning)
        self.layout_form = QFormLayout()
        self.layout_form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        outer.addLayout(self.layout_form)
        for field in fields:
            self._add_field(field)
        self.extra = QVBoxLayout()
        outer.addLayout(self.extra, 1)
        self.general_error = ErrorLabel()
        outer.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setText("Lưu")
        self.buttons.button(QDialogButtonBox.Cancel).setText("Hủy")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        QShortcut(QKeySequence.Save, self, activated=self.save)
        self.load(form)

    def done(self, result: int) -> None:
        # A field losing focus as the dialog closes would re-check a dialog that is going away.
        for widget in self.widgets.values():
            widget.blockSignals(True)
        super().done(result)

    # ---- building
    def _add_field(self, field: Field) -> None:
        kind = field.widget
        if kind == "section":
            heading = QLabel(f"<b>{field.label}</b>")
            self.layout_form.addRow(heading)
            return
        if kind in ("text", "date", "money"):
            widget = QLineEdit()
            widget.setPlaceholderText(field.placeholder or (DATE_HINT if kind == "date" else ""))
            widget.editingFinished.connect(self.revalidate)
        elif kind == "multiline":
            widget = QPlainTextEdit()
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(60)
        elif kind in ("choice", "ref"):
            widget = QComboBox()
            widget.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            widget.currentIndexChanged.connect(self.revalidate)
            self._fill_combo(widget, field)
        elif kind == "picker":
            widget = RecordPicker(lambda text, f=field: self._pick(f, text), field.placeholder)
            widget.picked.connect(self.revalidate)
        elif kind == "checklist":
            widget = QListWidget()
            widget.setFixedHeight(110)
            with self.ctx.db.read() as session:
                for record_id, label in field.options(session):
                    item = QListWidgetItem(label)
                    item.setData(Qt.UserRole, record_id)
                    item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                    item.setCheckState(Qt.Unchecked)
                    widget.addItem(item)
        else:
            raise ValueError(kind)
        error = ErrorLabel()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        lay.addWidget(error)
        label = field.label + (" *" if field.required else "")
        self.layout_form.addRow(label, box)
        self.widgets[field.name] = widget
        self.errors[field.name] = error

    def _fill_combo(self, combo: QComboBox, field: Field) -> None:
        combo.clear()
        if field.blank is not None:
            combo.addItem(field.blank, None)
        if field.widget == "choice":
            for code, label in field.options.items():
                combo.addItem(label or "(không)", code)
        else:
            with self.ctx.db.read() as session:
                for record_id, label in field.options(session):
                    combo.addItem(label, record_id)

    def _pick(self, field: Field, text: str):
        with self.ctx.db.read() as session:
            return field.options(session, text)

    # ---- values
    def field_value(self, field: Field):
        widget = self.widgets[field.name]
        if field.widget in ("text", "date"):
            return widget.text()
        if field.widget == "money":
            return widget.text()
        if field.widget == "multiline":
            return widget.toPlainText()
        if field.widget in ("choice", "ref"):
            return widget.currentData()
        if field.widget == "picker":
            return widget.record_id
        if field.widget == "checklist":
            return [
                widget.item(i).data(Qt.UserRole)
                for i in range(widget.count())
                if widget.item(i).checkState() == Qt.Checked
            ]
        raise ValueError(field.widget)

    def set_field_value(self, field: Field, value, label: str = "") -> None:
        widget = self.widgets[field.name]
        if field.widget in ("text", "date"):
            widget.setText("" if value is None else str(value))
        elif field.widget == "money":
            widget.setText(format_count(value) if isinstance(value, int) else (value or ""))
        elif field.widget == "multiline":
            widget.setPlainText(value or "")
        elif field.widget in ("choice", "ref"):
            index = widget.findData(value)
            widget.setCurrentIndex(max(index, 0))
        elif field.widget == "picker":
            widget.set_record(value, label)
        elif field.widget == "checklist":
            chosen = set(value or [])
            for i in range(widget.count()):
                item = widget.item(i)
                item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in chosen else Qt.Unchecked)

    def picker_label(self, session, field: Field, value) -> str:
        return field.label_of(session, value) if field.label_of and value is not None else ""

    def load(self, form) -> None:
        with self.ctx.db.read() as session:
            for field in self.fields:
                if field.widget != "section" and hasattr(form, field.name):
                    value = getattr(form, field.name)
                    label = self.picker_label(session, field, value) if field.widget == "picker" else ""
                    self.set_field_value(field, value, label)

    def read_form(self):
        """The dialog's values as a fresh form object (money fields must parse)."""
        values = {}
        errors = {}
        names = {f.name for f in dataclasses.fields(self.form)}
        for field in self.fields:
            if field.name not in names or field.widget == "section":
                continue
            value = self.field_value(field)
            if field.widget == "money":
                try:
                    value = parse_money(value)
                except ValueError as exc:
                    errors[field.name] = str(exc)
            values[field.name] = value
        if errors:
            raise ValidationError(errors)
        return dataclasses.replace(self.form, **values)

    # ---- validation and saving
    def show_errors(self, errors: dict[str, str]) -> None:
        shown = set()
        for name, label in self.errors.items():
            label.show_message(errors.get(name))
            if name in errors:
                shown.add(name)
        rest = [msg for name, msg in errors.items() if name not in shown]
        self.general_error.show_message(" ".join(rest))

    def warnings(self, session, form) -> list[str]:
        return []

    def revalidate(self) -> None:
        """Re-check after an edit, but only clear or update errors already shown."""
        if self._validate is None or not any(e.isVisible() for e in self.errors.values()):
            return
        try:
            form = self.read_form()
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        with self.ctx.db.read() as session:
            self.show_errors(self._validate(session, form))

    def save(self) -> None:
        try:
            form = self.read_form()
            with self.ctx.db.read() as session:
                warnings = self.warnings(session, form)
            if warnings and warnings != self._acknowledged:
                self._acknowledged = warnings
                self.warning.setText("\n".join(warnings) + "\nBấm Lưu lần nữa nếu vẫn muốn lưu.")
                self.warning.show()
                return
            with self.ctx.db.write() as session:
                self.saved_id = self._save(session, form)
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        except UserError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        self.ctx.changed(*self._changed)
        self.accept()
