"""The fund's dialogs: a receipt or payment voucher, cancelling a voucher, a payout decision with
its list of beneficiaries (and paying it), closing the books up to a date.

A voucher is never edited or deleted, so every dialog here writes once; errors come back next to
the fields (ValidationError) or as one red line in the dialog (UserError), and nothing typed is lost."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain import money
from khuyenhoc_desktop.domain.dates import format_date, parse_date, today
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services.lists import ListQuery, fetch_rows, hamlet_choices, row_ids
from khuyenhoc_desktop.ui.forms import DATE_HINT
from khuyenhoc_desktop.ui.widgets import ErrorLabel, RecordPicker, add_field, confirm

# Offered even before the first voucher; purposes already used come first.
SUGGESTED_PURPOSES = ("Tết", "Ngày Khuyến học 2/10", "Khai giảng năm học mới", "Học bổng", "Khen thưởng học sinh giỏi")
REGISTRY_KINDS = ("person", "household", "organisation")
NO_HAMLET = "(không ghi)"


def household_choices(session, text: str) -> list[tuple[int, str]]:
    """Households found as the households list finds them: 'Hộ Nguyễn Văn An (Thôn Đông)'."""
    ids = row_ids(session, ListQuery("households", search=text))[:50]
    rows = fetch_rows(session, "households", ids)
    return [(i, f"Hộ {rows[i]['head'] or rows[i]['code']} ({rows[i]['hamlet']})") for i in ids if i in rows]


def previous_purposes(session) -> list[str]:
    used = fund.purposes(session)
    return used + [p for p in SUGGESTED_PURPOSES if p not in used]


def words_of(amount_text: str) -> str:
    """The amount in Vietnamese words, once domain.money can say it ('' until then or if unreadable)."""
    in_words = getattr(money, "amount_in_words", None)
    if in_words is None:
        return ""
    try:
        return in_words(fund.check_amount(amount_text))
    except ValidationError:
        return ""


def purpose_combo(purposes: list[str], placeholder: str) -> QComboBox:
    """Purposes used before, or a new one typed in."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(purposes)
    combo.setCurrentText("")
    combo.lineEdit().setPlaceholderText(placeholder)
    combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
    return combo


def date_edit(value: dt.date | None = None) -> QLineEdit:
    edit = QLineEdit(format_date(value or today()))
    edit.setPlaceholderText(DATE_HINT)
    edit.setMaximumWidth(160)
    return edit


def show_field_errors(labels: dict[str, ErrorLabel], general: ErrorLabel, errors: dict[str, str]) -> None:
    """Each message under its field (several names may share one label); the rest in `general`."""
    by_label: dict[int, list[str]] = {}
    for name, message in errors.items():
        if name in labels:
            by_label.setdefault(id(labels[name]), []).append(message)
    for label in {id(lb): lb for lb in labels.values()}.values():
        label.show_message(" ".join(by_label.get(id(label), [])))
    general.show_message(" ".join(m for n, m in errors.items() if n not in labels))


def _button_row(ok_text: str, ok, cancel) -> tuple[QHBoxLayout, QPushButton]:
    ok_button = QPushButton(ok_text)
    ok_button.setDefault(True)
    ok_button.clicked.connect(ok)
    close = QPushButton("Đóng")
    close.setAutoDefault(False)
    close.clicked.connect(cancel)
    row = QHBoxLayout()
    row.addStretch()
    row.addWidget(ok_button)
    row.addWidget(close)
    return row, ok_button


# ---------------------------------------------------------------- who gives or receives
class PartyChooser(QWidget):
    """A kind (person, household, organisation in the registry; a name typed by hand; anonymous),
    then a search in the registry or a name and address."""

    changed = Signal()

    def __init__(self, ctx, kinds: dict[str, str], parent=None, *, compact: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.kind = QComboBox()
        self.kind.setAccessibleName("Loại người nộp, người nhận")
        for code, label in kinds.items():
            self.kind.addItem(label, code)
        self.picker = RecordPicker(self._search, "gõ tên để tìm, không cần dấu…")
        self.picker.picked.connect(self.changed)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Họ và tên, ví dụ Nguyễn Văn An")
        self.address = QLineEdit()
        self.address.setPlaceholderText("Địa chỉ (nếu có)")
        self.anonymous_note = QLabel(f"Ghi trong sổ là “{fund.ANONYMOUS}”.")
        # compact: one line (kind, then the search or the name), for a search box rather than a form
        layout = QHBoxLayout(self) if compact else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (self.kind, self.picker, self.name, self.address, self.anonymous_note):
            layout.addWidget(widget, 0 if widget is self.kind else 1)
        self._with_address = not compact
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def party_kind(self) -> str:
        return self.kind.currentData()

    def set_kind(self, code: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(code))

    def _kind_changed(self) -> None:
        kind = self.party_kind()
        in_registry = kind in REGISTRY_KINDS
        self.picker.set_record(None, "")
        self.picker.setPlaceholderText({"person": "gõ tên người để tìm, không cần dấu…",
                                        "household": "gõ tên chủ hộ để tìm, không cần dấu…",
                                        "organisation": "gõ tên cơ quan, đơn vị để tìm…"}.get(kind, ""))
        self.picker.setVisible(in_registry)
        self.name.setVisible(kind == "free")
        self.address.setVisible(kind == "free" and self._with_address)
        self.anonymous_note.setVisible(kind == "anonymous")
        self.changed.emit()

    def _search(self, text: str) -> list[tuple[int, str]]:
        kind = self.party_kind()
        with self.ctx.db.read() as session:
            if kind == "person":
                return reg.person_choices(session, text)
            if kind == "organisation":
                return reg.named_choices(session, "organisations", text)
            return household_choices(session, text)

    def values(self) -> dict:
        kind = self.party_kind()
        return dict(party_kind=kind, party_id=self.picker.record_id if kind in REGISTRY_KINDS else None,
                    party_name=self.name.text() if kind == "free" else "",
                    party_address=self.address.text() if kind == "free" else "")


# ---------------------------------------------------------------- vouchers
class VoucherDialog(QDialog):
    """A new receipt (kind 'receipt') or payment ('payment'); after exec(), `number` is the
    recorded voucher's number."""

    def __init__(self, ctx, kind: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.number: str | None = None
        receipt = kind == "receipt"
        self.setWindowTitle("Phiếu thu mới" if receipt else "Phiếu chi mới")
        self.setMinimumWidth(560)
        with ctx.db.read() as session:
            hamlets = hamlet_choices(session)
            purposes = previous_purposes(session)

        self.voucher_date = date_edit()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("số đồng, ví dụ 1.250.000")
        self.amount.setAlignment(Qt.AlignRight)
        self.amount.setMaximumWidth(220)
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setStyleSheet("font-style: italic;")
        self.words.hide()
        self.amount.textChanged.connect(self._amount_changed)
        self.method = QComboBox()
        for code, label in fund.METHODS.items():
            self.method.addItem(label, code)
        self.in_kind = QLineEdit()
        self.in_kind.setPlaceholderText("hiện vật gồm những gì, ví dụ 200 quyển vở; số tiền là giá trị ước tính")
        self.method.currentIndexChanged.connect(self._method_changed)
        kinds = {k: v for k, v in fund.PARTY_KINDS.items() if receipt or k != "anonymous"}
        self.party = PartyChooser(ctx, kinds)
        self.party.set_kind("free")
        self.hamlet = QComboBox()
        self.hamlet.addItem(NO_HAMLET, None)
        for hamlet_id, name in hamlets:
            self.hamlet.addItem(name, hamlet_id)
        self.hamlet.setToolTip("Bỏ trống nếu chọn người, hộ, đơn vị trong sổ: thôn lấy theo sổ.")
        self.purpose = purpose_combo(purposes, "đợt vận động, ví dụ Tết" if receipt
                                     else "nội dung chi, ví dụ Hỗ trợ học sinh khó khăn")
        self.hamlet.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.payout_kind = QComboBox()
        for code, label in fund.PAYOUT_KINDS.items():
            self.payout_kind.addItem(label, code)
        self.handled_by = QLineEdit()
        self.handled_by.setPlaceholderText(f"họ tên thủ quỹ hoặc người {'thu' if receipt else 'chi'}")
        self.note = QLineEdit()
        self.anonymous = QCheckBox("Người nộp muốn ẩn danh khi công khai")
        self.anonymous.setToolTip(f"Sổ vẫn ghi tên; bảng công khai ghi “{fund.ANONYMOUS}”.")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        errors = {"voucher_date": add_field(form, "Ngày lập phiếu *", self.voucher_date)}
        amount_box = QWidget()
        amount_layout = QVBoxLayout(amount_box)
        amount_layout.setContentsMargins(0, 0, 0, 0)
        amount_layout.setSpacing(2)
        amount_layout.addWidget(self.amount)
        amount_layout.addWidget(self.words)
        errors["amount"] = add_field(form, "Số tiền *", amount_box)
        method_box = QWidget()
        method_layout = QHBoxLayout(method_box)
        method_layout.setContentsMargins(0, 0, 0, 0)
        method_layout.addWidget(self.method)
        method_layout.addWidget(self.in_kind, 1)
        errors["method"] = errors["in_kind"] = add_field(form, "Hình thức", method_box)
        party_error = add_field(form, "Người nộp *" if receipt else "Người nhận *", self.party)
        errors.update(party_kind=party_error, party_id=party_error, party_name=party_error)
        errors["hamlet_id"] = add_field(form, "Thôn, tổ dân phố", self.hamlet)
        errors["purpose"] = add_field(form, "Mục đích, đợt vận động" if receipt else "Nội dung chi", self.purpose)
        if not receipt:
            errors["payout_kind"] = errors["decision_id"] = add_field(form, "Loại chi *", self.payout_kind)
        errors["handled_by"] = add_field(form, "Người thu tiền" if receipt else "Người chi tiền", self.handled_by)
        errors["note"] = add_field(form, "Ghi chú", self.note)
        if receipt:
            form.addRow("", self.anonymous)
        self.errors = errors
        self.general_error = ErrorLabel()
        buttons, self.save_button = _button_row("Ghi phiếu thu" if receipt else "Ghi phiếu chi", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        self._method_changed()
        self.amount.setFocus()

    def _amount_changed(self, text: str) -> None:
        words = words_of(text)
        self.words.setText(f"Bằng chữ: {words}" if words else "")
        self.words.setVisible(bool(words))

    def _method_changed(self) -> None:
        in_kind = self.method.currentData() == "in_kind"
        self.in_kind.setEnabled(in_kind)
        if not in_kind:
            self.in_kind.clear()

    def read_form(self) -> fund.VoucherForm:
        receipt = self.kind == "receipt"
        return fund.VoucherForm(
            kind=self.kind, voucher_date=self.voucher_date.text(), amount=self.amount.text(),
            method=self.method.currentData(), in_kind=self.in_kind.text(), **self.party.values(),
            hamlet_id=self.hamlet.currentData(), anonymous=receipt and self.anonymous.isChecked(),
            purpose=self.purpose.currentText(), payout_kind=None if receipt else self.payout_kind.currentData(),
            handled_by=self.handled_by.text(), note=self.note.text())

    def save(self) -> None:
        if written(self, lambda session: fund.record_voucher(session, self.read_form())):
            self.number = self.result_value.number
            self.accept()


class CancelVoucherDialog(QDialog):
    """Cancel one voucher with a reason and a date (a reversing line; the voucher stays)."""

    def __init__(self, ctx, number: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        with ctx.db.read() as session:
            voucher = fund.find_voucher(session, number)
            if voucher.cancelled_on is not None:
                raise UserError(f"Phiếu {voucher.number} đã hủy ngày {format_date(voucher.cancelled_on)}"
                                f" ({voucher.cancel_reason}).")
            self.number, self.amount = voucher.number, voucher.amount
            self.what = fund.KINDS[voucher.kind].lower()
            about = (f"{fund.KINDS[voucher.kind]} <b>{voucher.number}</b> ngày {format_date(voucher.voucher_date)}, "
                     f"<b>{format_money(voucher.amount)}</b><br>{fund.describe(voucher)}")
        self.setWindowTitle(f"Hủy phiếu {self.number}")
        self.setMinimumWidth(520)
        info = QLabel(about)
        info.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("ví dụ Ghi nhầm số tiền")
        self.cancelled_on = date_edit()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.errors = {"reason": add_field(form, "Lý do hủy *", self.reason),
                       "cancelled_on": add_field(form, "Ngày hủy *", self.cancelled_on)}
        hint = QLabel("Phiếu vẫn giữ trong sổ với số của nó; một dòng ghi đảo vào ngày hủy trừ lại số tiền.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        self.general_error = ErrorLabel()
        buttons, self.ok_button = _button_row("Hủy phiếu…", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        self.reason.setFocus()

    def save(self) -> None:
        # The reason is asked for before the confirmation, so that the question is the last step.
        if not self.reason.text().strip():
            show_field_errors(self.errors, self.general_error, {"reason": "Cần ghi lý do hủy phiếu."})
            return
        show_field_errors(self.errors, self.general_error, {})
        if not confirm(self, "Hủy phiếu", f"Hủy {self.what} {self.number} ({format_money(self.amount)})?",
                       f"Lý do: {self.reason.text().strip()}. Ghi đảo ngày {self.cancelled_on.text().strip()}; "
                       "việc hủy không hoàn tác được.", "Hủy phiếu"):
            return
        if written(self, lambda session: fund.cancel_voucher(session, self.number, self.reason.text(),
                                                             self.cancelled_on.text())):
            self.accept()


# ---------------------------------------------------------------- closing the books
def end_of_last_month(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


class LockDialog(QDialog):
    """Close the books up to a date; once confirmed it cannot be undone."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.locked: dt.date | None = None
        with ctx.db.read() as session:
            current = fund.locked_until(session)
        self.setWindowTitle("Khóa sổ quỹ")
        self.setMinimumWidth(480)
        state = QLabel(f"Sổ đang khóa đến hết {format_date(current)}." if current else "Sổ quỹ chưa khóa kỳ nào.")
        self.day = date_edit(end_of_last_month(today()))
        month = QPushButton("Cuối tháng trước")
        month.setAutoDefault(False)
        month.clicked.connect(lambda: self.day.setText(format_date(end_of_last_month(today()))))
        year = QPushButton("Cuối năm trước")
        year.setAutoDefault(False)
        year.clicked.connect(lambda: self.day.setText(format_date(dt.date(today().year - 1, 12, 31))))
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.day)
        row_layout.addWidget(month)
        row_layout.addWidget(year)
        row_layout.addStretch()
        form = QFormLayout()
        self.errors = {"locked_until": add_field(form, "Khóa đến hết ngày *", row)}
        hint = QLabel("Khóa sổ khi báo cáo của kỳ đã chốt. Sửa sai về sau ghi vào kỳ đang mở.")
        hint.setWordWrap(True)
        self.general_error = ErrorLabel()
        buttons, self.ok_button = _button_row("Khóa sổ…", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(state)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

    def save(self) -> None:
        text = self.day.text().strip()
        if not confirm(self, "Khóa sổ quỹ", f"Khóa sổ quỹ đến hết ngày {text}?",
                       f"Sau khi khóa, không ghi hay hủy phiếu đến hết ngày {text} được nữa. "
                       "Không mở khóa lại được.", "Khóa sổ"):
            return
        if written(self, lambda session: fund.lock_until(session, text)):
            self.locked = self.result_value
            self.accept()


# ---------------------------------------------------------------- payout decisions
BENEFICIARY_HEADERS = ["Họ và tên", "Lớp", "Trường", "Thôn", "Số tiền", "Cấp học", "Đối tượng", "Dưới 18 tuổi"]
NAME, CLASS, SCHOOL, HAMLET, AMOUNT, LEVEL, RECIPIENT, MINOR = range(8)


class BeneficiariesModel(QAbstractTableModel):
    """The list of a payout decision, edited in place; amounts are kept as typed until saved."""

    totals_changed = Signal()

    def __init__(self, hamlets: dict[int, str], parent=None):
        super().__init__(parent)
        self.hamlets = hamlets
        self.lines: list[fund.PayoutLineForm] = []

    def add(self, line: fund.PayoutLineForm) -> int:
        row = len(self.lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self.lines.append(line)
        self.endInsertRows()
        self.totals_changed.emit()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.lines[row]
            self.endRemoveRows()
            self.totals_changed.emit()

    def total(self) -> int:
        total = 0
        for line in self.lines:
            try:
                total += fund.check_amount(line.amount)
            except ValidationError:
                pass
        return total

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(BENEFICIARY_HEADERS)

    def flags(self, index):
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        return flags | (Qt.ItemIsUserCheckable if index.column() == MINOR else Qt.ItemIsEditable)

    def _amount_text(self, line) -> str:
        try:
            return format_money(fund.check_amount(line.amount))
        except ValidationError:
            return str(line.amount or "")

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        line, column = self.lines[index.row()], index.column()
        if role == Qt.DisplayRole:
            return [line.name, line.class_name, line.school, self.hamlets.get(line.hamlet_id, ""),
                    self._amount_text(line), fund.LEVELS[line.level], fund.RECIPIENTS[line.recipient], None][column]
        if role == Qt.EditRole:
            return [line.name, line.class_name, line.school, line.hamlet_id, str(line.amount or ""),
                    line.level, line.recipient, None][column]
        if role == Qt.CheckStateRole and column == MINOR:
            return Qt.Checked if line.minor else Qt.Unchecked
        if role == Qt.TextAlignmentRole and column == AMOUNT:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ToolTipRole and column == NAME and line.person_id is not None:
            return "Người trong sổ"
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802
        line, column = self.lines[index.row()], index.column()
        if column == MINOR and role == Qt.CheckStateRole:
            line.minor = Qt.CheckState(value) == Qt.Checked
        elif role != Qt.EditRole or column == MINOR:
            return False
        elif column == NAME:
            if value.strip() != line.name:
                line.person_id = None  # a different name is no longer the person picked from the registry
            line.name = value.strip()
        else:
            attribute = {CLASS: "class_name", SCHOOL: "school", HAMLET: "hamlet_id", AMOUNT: "amount",
                         LEVEL: "level", RECIPIENT: "recipient"}[column]
            setattr(line, attribute, value.strip() if isinstance(value, str) else value)
        self.dataChanged.emit(index, index)
        if column == AMOUNT:
            self.totals_changed.emit()
        return True

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return BENEFICIARY_HEADERS[section]
        return None


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box over {code: label} for one column; the model keeps the code."""

    def __init__(self, choices: dict, parent=None):
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent, _option, _index):  # noqa: N802
        combo = QComboBox(parent)
        for code, label in self.choices.items():
            combo.addItem(label, code)
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.EditRole)), 0))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentData(), Qt.EditRole)


class PayoutDecisionDialog(QDialog):
    """A payout decision and its list; after saving it offers to pay at once (one payment voucher).
    `decision_id` and `paid_number` tell the page what was written."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.decision_id: int | None = None
        self.paid_number: str | None = None
        with ctx.db.read() as session:
            hamlets = dict(hamlet_choices(session))
            purposes = previous_purposes(session)
        self.setWindowTitle("Quyết định chi")
        self.resize(1060, 640)

        self.number = QLineEdit()
        self.number.setPlaceholderText("ví dụ 05/QĐ-HKH")
        self.decided_on = date_edit()
        self.signer_name = QLineEdit()
        self.signer_title = QLineEdit()
        self.signer_title.setPlaceholderText("ví dụ Chủ tịch")
        self.payout_kind = QComboBox()
        for code, label in fund.PAYOUT_KINDS.items():
            self.payout_kind.addItem(label, code)
        self.purpose = purpose_combo(purposes, "ví dụ Học bổng học kỳ I năm học 2026-2027")
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.errors = {"number": add_field(left, "Số quyết định *", self.number),
                       "decided_on": add_field(left, "Ngày quyết định *", self.decided_on),
                       "payout_kind": add_field(left, "Loại chi *", self.payout_kind),
                       "signer_name": add_field(right, "Người ký", self.signer_name),
                       "signer_title": add_field(right, "Chức vụ", self.signer_title),
                       "purpose": add_field(right, "Nội dung chi", self.purpose)}
        header = QHBoxLayout()
        header.addLayout(left, 1)
        header.addSpacing(16)
        header.addLayout(right, 1)

        self.model = BeneficiariesModel(hamlets, self)
        self.model.totals_changed.connect(self._update_totals)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setItemDelegateForColumn(HAMLET, ChoiceDelegate({None: "", **hamlets}, self.table))
        self.table.setItemDelegateForColumn(LEVEL, ChoiceDelegate(fund.LEVELS, self.table))
        self.table.setItemDelegateForColumn(RECIPIENT, ChoiceDelegate(fund.RECIPIENTS, self.table))
        for column, width in enumerate((180, 50, 180, 100, 105, 140, 135)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.person_picker = RecordPicker(self._find_person, "thêm người trong sổ: gõ tên để tìm, không cần dấu…")
        self.person_picker.picked.connect(self._add_person)
        add_row = QPushButton("Thêm dòng ghi tay")
        add_row.setAutoDefault(False)
        add_row.clicked.connect(self.add_free_line)
        self.remove_button = QPushButton("Bỏ dòng đang chọn")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(lambda: self.model.remove(self.table.currentIndex().row()))
        tools = QHBoxLayout()
        tools.addWidget(self.person_picker, 2)
        tools.addWidget(add_row)
        tools.addWidget(self.remove_button)
        self.totals = QLabel()
        self.totals.setObjectName("rowCount")
        self.lines_error = ErrorLabel()
        self.errors["lines"] = self.lines_error
        self.general_error = ErrorLabel()
        buttons, self.save_button = _button_row("Lưu quyết định", self.save, self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(QLabel("<b>Danh sách người nhận</b>"))
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        hint = QLabel("Bấm đúp vào ô để sửa; cột Dưới 18 tuổi đánh dấu bằng chuột hoặc phím cách.")
        hint.setObjectName("hint")
        layout.addWidget(hint)
        layout.addWidget(self.totals)
        layout.addWidget(self.lines_error)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        self._update_totals()

    def _find_person(self, text: str):
        with self.ctx.db.read() as session:
            return reg.person_choices(session, text)

    def _add_person(self) -> None:
        person_id = self.person_picker.record_id
        if person_id is None:
            return
        with self.ctx.db.read() as session:
            name, _address, hamlet_id = fund.party_from_registry(session, "person", person_id)
        row = self.model.add(fund.PayoutLineForm(name=name, person_id=person_id, hamlet_id=hamlet_id, minor=False))
        self.person_picker.set_record(None, "")
        self.table.setCurrentIndex(self.model.index(row, CLASS))

    def add_free_line(self) -> None:
        row = self.model.add(fund.PayoutLineForm())
        index = self.model.index(row, NAME)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def _update_totals(self) -> None:
        self.totals.setText(f"{format_count(len(self.model.lines))} người · {format_money(self.model.total())}")

    def read_form(self) -> fund.PayoutDecisionForm:
        return fund.PayoutDecisionForm(
            number=self.number.text(), decided_on=self.decided_on.text(), signer_name=self.signer_name.text(),
            signer_title=self.signer_title.text(), payout_kind=self.payout_kind.currentData(),
            purpose=self.purpose.currentText(), lines=list(self.model.lines))

    def save(self) -> None:
        if written(self, lambda session: fund.save_payout_decision(session, self.read_form())):
            self.decision_id = self.result_value
            self.offer_payment()
            self.accept()

    def offer_payment(self) -> None:
        """The decision is saved; pay it now with one payment voucher, or later."""
        self.paid_number = offer_payment(self, self.ctx, self.decision_id, self.number.text().strip(),
                                         len(self.model.lines), self.model.total(),
                                         parse_date(self.decided_on.text()))


def written(dialog, work) -> bool:
    """Run `work(session)` in one write; field errors under their fields and any other refusal
    in the dialog (nothing typed is lost); on success `dialog.result_value` holds what `work`
    returned and the fund pages are told; False on a refusal."""
    try:
        with dialog.ctx.db.write() as session:
            dialog.result_value = work(session)
    except ValidationError as exc:
        show_field_errors(dialog.errors, dialog.general_error, exc.errors)
        return False
    except UserError as exc:
        show_field_errors(dialog.errors, dialog.general_error, {})
        dialog.general_error.show_message(str(exc))
        return False
    dialog.ctx.changed("fund")
    return True


def offer_payment(parent, ctx, decision_id: int, number: str, people: int, total: int, day: dt.date) -> str | None:
    """Ask whether to pay a saved payout decision now (cash or bank); the voucher number or None."""
    box = QMessageBox(QMessageBox.Question, "Chi theo quyết định",
                      f"Quyết định chi số {number}: {format_count(people)} người, {format_money(total)}.", parent=parent)
    box.setInformativeText(f"Chi ngay? Một phiếu chi {format_money(total)} sẽ được ghi, ngày {format_date(day)}.")
    cash = box.addButton("Chi ngay bằng tiền mặt", QMessageBox.AcceptRole)
    bank = box.addButton("Chi ngay bằng chuyển khoản", QMessageBox.AcceptRole)
    later = box.addButton("Để sau", QMessageBox.RejectRole)
    box.setDefaultButton(later)
    box.exec()
    method = {cash: "cash", bank: "bank"}.get(box.clickedButton())
    if method is None:
        return None
    try:
        with ctx.db.write() as session:
            paid = fund.pay_decision(session, decision_id, voucher_date=day, method=method).number
    except ValidationError as exc:
        QMessageBox.warning(parent, "Chưa chi được", " ".join(exc.errors.values()))
        return None
    except UserError as exc:
        QMessageBox.warning(parent, "Chưa chi được", f"{exc} Quyết định đã lưu; phiếu chi chưa được ghi.")
        return None
    ctx.changed("fund")
    return paid
