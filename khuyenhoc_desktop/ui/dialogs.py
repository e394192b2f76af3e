"""The add/edit dialogs of every list, built on `FormDialog`."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from khuyenhoc_desktop.domain import vocab
from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.domain.money import format_money
from khuyenhoc_desktop.domain.text import split_full_name
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services.lists import hamlet_choices
from khuyenhoc_desktop.ui.forms import Field, FormDialog
from khuyenhoc_desktop.ui.widgets import RowsModel


def _household_choices(session, text: str):
    from khuyenhoc_desktop.services.lists import ListQuery, fetch_rows, row_ids

    ids = row_ids(session, ListQuery("households", search=text))[:50]
    rows = fetch_rows(session, "households", ids)
    return [(i, f"Hộ {rows[i]['head'] or rows[i]['code']} ({rows[i]['hamlet']})") for i in ids]


def _household_choices_by_id(session, household_id) -> str:
    from khuyenhoc_desktop.services.lists import fetch_rows

    if household_id is None:
        return ""
    row = fetch_rows(session, "households", [household_id]).get(household_id)
    return f"Hộ {row['head'] or row['code']} ({row['hamlet']})" if row else ""


def name_fields(prefix: str = "") -> list[Field]:
    return [
        Field(prefix + "full_name", "Họ và tên", required=True, placeholder="ví dụ Nguyễn Văn An"),
        Field(prefix + "family_name", "Họ"),
        Field(prefix + "middle_name", "Tên đệm"),
        Field(prefix + "given_name", "Tên"),
    ]


def person_detail_fields(prefix: str = "") -> list[Field]:
    return [
        Field(prefix + "sex", "Giới tính", "choice", vocab.SEXES, blank="(chọn)", required=True),
        Field(prefix + "birth_date", "Ngày sinh", "date"),
        Field(prefix + "birth_year", "Năm sinh", placeholder="nếu không rõ ngày sinh, ví dụ 1980"),
        Field(prefix + "cccd", "Số CCCD", placeholder="12 chữ số"),
    ]


def connect_name_split(dialog: FormDialog, prefix: str = "") -> None:
    """Typing the full name fills family, middle and given name, which stay editable."""
    full = dialog.widgets[prefix + "full_name"]

    def split() -> None:
        parts = split_full_name(full.text())
        dialog.widgets[prefix + "family_name"].setText(parts.family)
        dialog.widgets[prefix + "middle_name"].setText(parts.middle)
        dialog.widgets[prefix + "given_name"].setText(parts.given)

    full.textEdited.connect(lambda _t: split())


def _with_full_name(dialog: FormDialog, form, prefix: str = "") -> None:
    dialog.widgets[prefix + "full_name"].setText(form.full_name)


# ---------------------------------------------------------------- simple kinds
def hamlet_dialog(ctx, record_id, parent):
    with ctx.db.read() as s:
        form = reg.load_hamlet(s, record_id) if record_id else reg.HamletForm()
    fields = [
        Field("name", "Tên", required=True, placeholder="ví dụ Thôn Đông, Tổ dân phố 3"),
        Field("kind", "Loại", "choice", vocab.HAMLET_KINDS),
        Field("former_commune", "Thuộc xã cũ", placeholder="trước sáp nhập năm 2025, nếu có"),
        Field("former_hamlet", "Tên thôn cũ", placeholder="nếu thôn được ghép từ thôn khác"),
        Field("note", "Ghi chú", "multiline"),
    ]
    title = "Sửa thôn, tổ dân phố" if record_id else "Thêm thôn, tổ dân phố"
    return FormDialog(ctx, title, fields, form, reg.save_hamlet, ("hamlets",), parent, reg.validate_hamlet)


def _named_picker(name: str, label: str, kind: str, placeholder: str, required: bool = False) -> Field:
    """A clan, organisation or branch chosen by typing part of its name."""
    return Field(name, label, "picker", lambda s, text: reg.named_choices(s, kind, text),
                 placeholder=placeholder, required=required, label_of=lambda s, i: reg.name_of(s, kind, i))


def _person_picker(name: str, label: str, placeholder: str, required: bool = False) -> Field:
    return Field(name, label, "picker", reg.person_choices, placeholder=placeholder, required=required,
                 label_of=reg.person_label)


def clan_dialog(ctx, record_id, parent):
    with ctx.db.read() as s:
        form = reg.load_clan(s, record_id) if record_id else reg.ClanForm()
    fields = [
        Field("name", "Tên dòng họ", required=True, placeholder="ví dụ Họ Nguyễn Văn"),
        _person_picker("head_person_id", "Trưởng họ", "gõ tên để tìm"),
        Field("hamlet_ids", "Các thôn có dòng họ", "checklist", hamlet_choices),
        Field("note", "Ghi chú", "multiline"),
    ]
    title = "Sửa dòng họ" if record_id else "Thêm dòng họ"
    return FormDialog(ctx, title, fields, form, reg.save_clan, ("clans",), parent, reg.validate_clan)


def organisation_dialog(ctx, record_id, parent):
    with ctx.db.read() as s:
        form = reg.load_organisation(s, record_id) if record_id else reg.OrganisationForm()
    fields = [
        Field("name", "Tên đơn vị", required=True, placeholder="ví dụ Trường Tiểu học Tân Lập"),
        Field("kind", "Loại", "choice", vocab.ORGANISATION_KINDS),
        Field("hamlet_id", "Thôn, tổ dân phố", "ref", hamlet_choices, blank="(không ghi)"),
        Field("head_name", "Người đứng đầu"),
        Field("head_title", "Chức vụ", placeholder="ví dụ Hiệu trưởng, Giám đốc"),
        Field("address", "Địa chỉ"),
        Field("phone", "Điện thoại"),
        Field("note", "Ghi chú", "multiline"),
    ]
    title = "Sửa cơ quan, đơn vị" if record_id else "Thêm cơ quan, đơn vị"
    return FormDialog(
        ctx, title, fields, form, reg.save_organisation, ("organisations",), parent, reg.validate_organisation
    )


class BranchDialog(FormDialog):
    """Shows only the reference that fits the branch's kind (hamlet, school/office or clan)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widgets["kind"].currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.widgets["kind"].currentData()
        shown = {"hamlet": "hamlet_id", "school": "organisation_id", "office": "organisation_id", "clan": "clan_id"}
        for name in ("hamlet_id", "organisation_id", "clan_id"):
            visible = shown.get(kind) == name
            self.layout_form.setRowVisible(self.widgets[name].parentWidget(), visible)


def branch_dialog(ctx, record_id, parent):
    with ctx.db.read() as s:
        form = reg.load_branch(s, record_id) if record_id else reg.BranchForm(founded_on="")
    fields = [
        Field("name", "Tên chi hội", required=True, placeholder="ví dụ Chi hội khuyến học Thôn Đông"),
        Field("kind", "Theo", "choice", vocab.BRANCH_KINDS),
        Field("hamlet_id", "Thôn, tổ dân phố", "ref", hamlet_choices, blank="(chọn)"),
        _named_picker("organisation_id", "Trường, cơ quan", "organisations", "gõ tên trường, cơ quan để tìm"),
        _named_picker("clan_id", "Dòng họ", "clans", "gõ tên dòng họ để tìm"),
        Field("head_name", "Chi hội trưởng"),
        Field("founded_on", "Ngày thành lập", "date"),
        Field("note", "Ghi chú", "multiline"),
    ]
    title = "Sửa chi hội" if record_id else "Thêm chi hội"
    return BranchDialog(ctx, title, fields, form, reg.save_branch, ("branches",), parent, reg.validate_branch)


# ---------------------------------------------------------------- persons
class PersonDialog(FormDialog):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        connect_name_split(self)
        _with_full_name(self, self.form)

    def warnings(self, session, form):
        return reg.person_duplicates(session, form)


def person_fields(with_household: bool) -> list[Field]:
    fields = name_fields() + person_detail_fields() + [
        Field("relation", "Quan hệ với chủ hộ", "choice", vocab.RELATIONS),
        Field("education", "Trình độ học vấn", "choice", {"": "(chưa rõ)", **vocab.EDUCATION}),
        Field("occupation", "Nghề nghiệp"),
        Field("phone", "Điện thoại"),
    ]
    if with_household:
        fields.append(Field("household_id", "Thuộc hộ", "picker", _household_choices, placeholder="gõ tên chủ hộ để tìm",
                            label_of=_household_choices_by_id))
    return fields + [Field("note", "Ghi chú", "multiline")]


def person_dialog(ctx, record_id, parent, household_id=None):
    with ctx.db.read() as s:
        form = reg.load_person(s, record_id) if record_id else reg.PersonForm(household_id=household_id)
    title = "Sửa nhân khẩu" if record_id else "Thêm nhân khẩu"
    changed = ("persons", "households", "members", "clans", "hamlets", "citizen_results")
    return PersonDialog(
        ctx, title, person_fields(household_id is None), form, reg.save_person, changed, parent, reg.validate_person
    )


# ---------------------------------------------------------------- households
class NewHouseholdDialog(FormDialog):
    """A new household is entered together with its head, saved in one go."""

    def __init__(self, ctx, parent):
        fields = [
            Field("code", "Mã hộ", placeholder="nếu xã có đánh số hộ"),
            Field("hamlet_id", "Thôn, tổ dân phố", "ref", hamlet_choices, blank="(chọn)", required=True),
            _named_picker("clan_id", "Dòng họ", "clans", "gõ tên dòng họ để tìm; để trống nếu không"),
            Field("address", "Địa chỉ"),
            Field("poverty", "Hoàn cảnh", "choice", vocab.POVERTY),
            Field("note", "Ghi chú", "multiline"),
            Field("head.section", "Chủ hộ", "section"),
        ] + name_fields("head.") + person_detail_fields("head.")
        super().__init__(
            ctx, "Thêm hộ gia đình", fields, reg.HouseholdForm(), self._create, ("households", "persons", "hamlets", "clans"),
            parent,
        )
        connect_name_split(self, "head.")

    def read_form(self):
        household = super().read_form()
        head = reg.PersonForm(relation="head")
        values = {
            f.name[5:]: self.field_value(f)
            for f in self.fields
            if f.name.startswith("head.") and f.widget != "section"
        }
        values.pop("full_name")
        return household, dataclasses.replace(head, **values)

    def warnings(self, session, form):
        household, head = form
        return reg.person_duplicates(session, head, household.hamlet_id)

    @staticmethod
    def _create(session, form):
        household, head = form
        return reg.create_household(session, household, head)


class HouseholdDialog(FormDialog):
    """Edit a household: its data, its head, and the persons in it."""

    def __init__(self, ctx, record_id, parent):
        with ctx.db.read() as s:
            form = reg.load_household(s, record_id)
        fields = [
            Field("code", "Mã hộ"),
            Field("hamlet_id", "Thôn, tổ dân phố", "ref", hamlet_choices, blank="(chọn)", required=True),
            _named_picker("clan_id", "Dòng họ", "clans", "gõ tên dòng họ để tìm; để trống nếu không"),
            Field("head_person_id", "Chủ hộ", "ref", self._members_of(record_id), blank="(chưa chọn)"),
            Field("address", "Địa chỉ"),
            Field("poverty", "Hoàn cảnh", "choice", vocab.POVERTY),
            Field("note", "Ghi chú", "multiline"),
        ]
        self.record_id = record_id
        super().__init__(
            ctx, "Sửa hộ gia đình", fields, form, reg.save_household, ("households", "persons", "citizen_results"),
            parent,
            reg.validate_household,
        )
        box = QGroupBox("Nhân khẩu trong hộ")
        lay = QVBoxLayout(box)
        self.persons = RowsModel(["Họ và tên", "Ngày/năm sinh", "Quan hệ với chủ hộ"])
        self.table = QTableView()
        self.table.setModel(self.persons)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self.edit_person)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        for text, slot in (("Thêm nhân khẩu", self.add_person), ("Sửa", self.edit_person), ("Xóa", self.delete_person)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch()
        lay.addLayout(row)
        self.extra.addWidget(box)
        self.resize(640, 720)
        self.refresh_persons()

    @staticmethod
    def _members_of(household_id):
        return lambda s: [(pid, name) for pid, name, _, _ in reg.household_members(s, household_id)]

    def refresh_persons(self) -> None:
        with self.ctx.db.read() as s:
            members = reg.household_members(s, self.record_id)
        self.persons.set_rows(members)
        combo = self.widgets["head_person_id"]
        current = combo.currentData()
        field = next(f for f in self.fields if f.name == "head_person_id")
        self._fill_combo(combo, field)
        combo.setCurrentIndex(max(combo.findData(current), 0))

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.persons.id_at(rows[0].row()) if rows else None

    def add_person(self) -> None:
        if person_dialog(self.ctx, None, self, household_id=self.record_id).exec():
            self.refresh_persons()

    def edit_person(self, *_args) -> None:
        person_id = self._selected()
        if person_id and person_dialog(self.ctx, person_id, self, household_id=self.record_id).exec():
            self.refresh_persons()

    def delete_person(self) -> None:
        person_id = self._selected()
        if person_id and confirm_delete(self, self.ctx, "persons", person_id):
            self.refresh_persons()


def household_dialog(ctx, record_id, parent):
    return HouseholdDialog(ctx, record_id, parent) if record_id else NewHouseholdDialog(ctx, parent)


# ---------------------------------------------------------------- members
class MemberDialog(FormDialog):
    """A member, and (once saved) the dues they paid."""

    def __init__(self, ctx, record_id, parent):
        with ctx.db.read() as s:
            form = reg.load_member(s, record_id) if record_id else reg.MemberForm(join_date=format_date(today()))
        fields = [
            _person_picker("person_id", "Người", "gõ tên để tìm trong nhân khẩu", required=True),
            _named_picker("branch_id", "Chi hội", "branches", "gõ tên chi hội để tìm", required=True),
            Field("card_number", "Số thẻ hội viên"),
            Field("join_date", "Ngày vào hội", "date"),
            Field("status", "Trạng thái", "choice", vocab.MEMBER_STATUSES),
            Field("leave_date", "Ngày thôi", "date"),
            Field("note", "Ghi chú", "multiline"),
        ]
        self.record_id = record_id
        super().__init__(
            ctx, "Sửa hội viên" if record_id else "Kết nạp hội viên", fields, form, reg.save_member,
            ("members", "branches"), parent, reg.validate_member,
        )
        if record_id:
            self._add_dues_box()

    def _add_dues_box(self) -> None:
        box = QGroupBox("Hội phí đã đóng")
        lay = QVBoxLayout(box)
        self.dues = RowsModel(["Kỳ", "Số tiền", "Ngày đóng", "Ghi chú"], numeric={1})
        table = QTableView()
        table.setModel(self.dues)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.horizontalHeader().setStretchLastSection(True)
        self.dues_table = table
        lay.addWidget(table)
        row = QHBoxLayout()
        add = QPushButton("Ghi hội phí")
        add.clicked.connect(self.add_dues)
        remove = QPushButton("Xóa dòng đã chọn")
        remove.clicked.connect(self.remove_dues)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch()
        lay.addLayout(row)
        self.extra.addWidget(box)
        self.refresh_dues()

    def refresh_dues(self) -> None:
        with self.ctx.db.read() as s:
            rows = reg.dues_of(s, self.record_id)
        self.dues.set_rows([(i, p, format_money(a), d, n) for i, p, a, d, n in rows])

    def add_dues(self) -> None:
        dialog = FormDialog(
            self.ctx,
            "Ghi hội phí",
            [
                Field("period", "Kỳ", required=True, placeholder="ví dụ 2026"),
                Field("amount", "Số tiền (đồng)", "money", required=True, placeholder="ví dụ 24.000"),
                Field("paid_on", "Ngày đóng", "date", required=True),
                Field("note", "Ghi chú"),
            ],
            reg.DuesForm(member_id=self.record_id, period=str(today().year), paid_on=format_date(today())),
            reg.save_dues,
            ("members",),
            self,
        )
        if dialog.exec():
            self.refresh_dues()

    def remove_dues(self) -> None:
        rows = self.dues_table.selectionModel().selectedRows()
        if not rows:
            return
        dues_id = self.dues.id_at(rows[0].row())
        period = self.dues.rows[rows[0].row()][1]
        answer = QMessageBox.question(self, "Xóa hội phí", f"Xóa lần đóng hội phí kỳ {period}?")
        if answer == QMessageBox.Yes:
            with self.ctx.db.write() as s:
                reg.delete_dues(s, dues_id)
            self.ctx.changed("members")
            self.refresh_dues()


def member_dialog(ctx, record_id, parent):
    return MemberDialog(ctx, record_id, parent)


# ---------------------------------------------------------------- citizen results
class CitizenResultDialog(FormDialog):
    def warnings(self, session, form):
        return reg.citizen_result_warnings(form)


def citizen_result_dialog(ctx, record_id, parent):
    with ctx.db.read() as s:
        form = (reg.load_citizen_result(s, record_id) if record_id
                else reg.CitizenResultForm(year=str(today().year), result_on=format_date(today())))
    fields = [
        _person_picker("person_id", "Người", "gõ tên để tìm trong nhân khẩu", required=True),
        Field("year", "Năm đánh giá", required=True, placeholder="ví dụ 2025"),
        Field("form_group", "Nhóm phiếu", "choice", {"": "(chưa rõ)", **vocab.CITIZEN_GROUPS}),
        Field("total", "Tổng điểm", placeholder="trên 100 điểm, ví dụ 85 hoặc 85,5; để trống nếu không rõ"),
        Field("result", "Kết quả", "choice", vocab.CITIZEN_RESULTS),
        Field("result_on", "Ngày", "date"),
        Field("source", "Nguồn", "choice", vocab.CITIZEN_SOURCES),
        Field("note", "Ghi chú", "multiline"),
    ]
    title = "Sửa kết quả công dân học tập" if record_id else "Thêm kết quả công dân học tập"
    return CitizenResultDialog(ctx, title, fields, form, reg.save_citizen_result, ("citizen_results",), parent,
                               reg.validate_citizen_result)


EDITORS = {
    "hamlets": hamlet_dialog,
    "households": household_dialog,
    "persons": person_dialog,
    "clans": clan_dialog,
    "organisations": organisation_dialog,
    "branches": branch_dialog,
    "members": member_dialog,
    "citizen_results": citizen_result_dialog,
}


def open_editor(ctx, kind: str, record_id: int | None, parent) -> int | None:
    """Show the add/edit dialog; the saved record's id, or None if cancelled."""
    try:
        dialog = EDITORS[kind](ctx, record_id, parent)
    except UserError as exc:
        QMessageBox.warning(parent, "Không mở được", str(exc))
        return None
    return dialog.saved_id if dialog.exec() else None


def confirm_delete(parent, ctx, kind: str, record_id: int) -> bool:
    """Explain what deleting does, ask with a button that names the action, then delete."""
    try:
        with ctx.db.read() as s:
            plan = reg.delete_plan(s, kind, record_id)
    except UserError as exc:
        QMessageBox.warning(parent, "Xóa", str(exc))
        return False
    if not plan.allowed:
        QMessageBox.warning(parent, "Chưa xóa được", f"Chưa xóa được {plan.title}.\n\n" + "\n".join(plan.blockers))
        return False
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Warning)
    box.setWindowTitle("Xóa")
    text = f"Xóa {plan.title}?"
    if plan.consequences:
        text += "\n\n" + "\n".join(plan.consequences)
    box.setText(text)
    delete_button = box.addButton("Xóa", QMessageBox.DestructiveRole)
    box.addButton("Hủy", QMessageBox.RejectRole)
    box.setDefaultButton(box.buttons()[-1])
    box.exec()
    if box.clickedButton() is not delete_button:
        return False
    try:
        with ctx.db.write() as s:
            reg.delete_record(s, kind, record_id)
    except UserError as exc:
        QMessageBox.warning(parent, "Chưa xóa được", str(exc))
        return False
    ctx.changed(kind, "households", "persons", "hamlets", "clans", "branches", "members", "organisations",
                "citizen_results")
    return True


