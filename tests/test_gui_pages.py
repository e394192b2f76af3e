"""One test per page: add, edit, search and delete through the real dialogs."""

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import select

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import lists
from khuyenhoc_desktop.storage.models import Branch, Clan, DuesPayment, Hamlet, Household, Member, Organisation, Person
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.main_window import NAVIGATION, MainWindow
from tests.gui_helpers import click_button, seed, when_modal


@pytest.fixture
def window(qtbot, db, tmp_path):
    ids = seed(db)
    ctx = AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.ids = ids
    return win


def visible_texts(page, column=0):
    model = page.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def type_search(qtbot, page, text):
    page.search.setText(text)
    page._search_timer.timeout.emit()


def fill(dialog, **values):
    for name, value in values.items():
        widget = dialog.widgets[name]
        if hasattr(widget, "findData") and not isinstance(value, str):
            widget.setCurrentIndex(widget.findData(value))
        elif hasattr(widget, "findData"):
            widget.setCurrentIndex(widget.findText(value))
        else:
            widget.setText(value)
            if hasattr(widget, "textEdited"):
                widget.textEdited.emit(value)


def delete_selected(page, expect_text=None):
    seen = {}

    def answer(box):
        seen["text"] = box.text()
        click_button(box, "Xóa")

    when_modal(answer)
    page.delete()
    if expect_text:
        assert expect_text in seen["text"]


def test_every_page_opens_and_title_names_the_commune(window):
    for key, _label in NAVIGATION:
        page = window.show_page(key)
        assert window.stack.currentWidget() is page
    assert "Hội Khuyến học" in window.windowTitle()
    assert window.pages["persons"].count_label.text() == "Hiển thị 3 / 3 người"


def test_hamlets_page(window, qtbot, db):
    page = window.show_page("hamlets")
    assert visible_texts(page) == ["Thôn Đoài", "Thôn Đông"]

    when_modal(lambda d: (fill(d, name="thôn   bắc", former_commune="Xã Tân Lập"), d.save()))
    page.add()
    with db.read() as s:
        assert s.scalar(select(Hamlet.former_commune).where(Hamlet.name == "thôn bắc")) == "Xã Tân Lập"
    assert visible_texts(page) == ["thôn bắc", "Thôn Đoài", "Thôn Đông"]

    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, name="Thôn Bắc"), d.save()))
    page.edit()
    type_search(qtbot, page, "bac")
    assert visible_texts(page) == ["Thôn Bắc"]

    page.table.selectRow(0)
    delete_selected(page, "Xóa Thôn Bắc?")
    assert visible_texts(page) == []
    assert page.count_label.text() == "Hiển thị 0 / 2 thôn, tổ dân phố"

    type_search(qtbot, page, "")
    page.select_id(window.ids["east"])
    messages = []
    when_modal(lambda box: (messages.append(box.text()), box.accept()))
    page.delete()
    assert "Còn 1 hộ thuộc thôn này" in messages[0]
    with db.read() as s:
        assert s.get(Hamlet, window.ids["east"]) is not None


def test_households_page_add_edit_search_delete(window, qtbot, db):
    page = window.show_page("households")

    def add(dialog):
        fill(dialog, hamlet_id=window.ids["west"], address="Xóm Mới")
        fill(dialog, **{"head.full_name": "lê văn  cường", "head.birth_year": "1975"})
        dialog.widgets["head.sex"].setCurrentIndex(dialog.widgets["head.sex"].findData("M"))
        dialog.save()

    when_modal(add)
    page.add()
    with db.read() as s:
        head = s.scalar(select(Person).where(Person.given_name == "Cường"))
        assert (head.family_name, head.middle_name, head.relation) == ("Lê", "Văn", "head")
        household = s.get(Household, head.household_id)
        assert household.head_person_id == head.id and household.address == "Xóm Mới"
    assert visible_texts(page, 1) == ["Nguyễn Văn An", "Lê Văn Cường", "Trần Thị Đào"]

    type_search(qtbot, page, "cuong")
    assert visible_texts(page, 1) == ["Lê Văn Cường"]
    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, poverty="Hộ nghèo"), d.save()))
    page.edit()
    with db.read() as s:
        assert s.get(Household, household.id).poverty == "poor"
    assert visible_texts(page, 6) == ["Hộ nghèo"]

    page.table.selectRow(0)
    delete_selected(page, "Hộ có 1 nhân khẩu; họ sẽ bị xóa cùng.")
    with db.read() as s:
        assert s.get(Household, household.id) is None
        assert s.scalar(select(Person).where(Person.given_name == "Cường")) is None


def test_household_with_a_member_cannot_be_deleted(window, db):
    page = window.show_page("households")
    page.select_id(window.ids["h1"])
    messages = []
    when_modal(lambda box: (messages.append(box.text()), box.accept()))
    page.delete()
    assert "là hội viên" in messages[0]
    with db.read() as s:
        assert s.get(Household, window.ids["h1"]) is not None


def test_new_household_errors_stay_next_to_fields(window, qtbot, db):
    from khuyenhoc_desktop.ui.dialogs import household_dialog

    dialog = household_dialog(window.ctx, None, window)
    qtbot.addWidget(dialog)
    fill(dialog, **{"head.full_name": "Phạm Văn Dũng", "head.cccd": "12345", "head.birth_year": "2999"})
    dialog.save()
    assert dialog.errors["hamlet_id"].text() == "Chưa chọn thôn, tổ dân phố của hộ."
    assert dialog.errors["head.cccd"].text() == "Số CCCD phải có đủ 12 chữ số."
    assert dialog.errors["head.birth_year"].text() == "Năm sinh không thể sau năm hiện tại."
    assert dialog.errors["head.sex"].text() == "Chưa chọn giới tính."
    assert dialog.result() == 0
    with db.read() as s:
        assert s.scalar(select(Person).where(Person.given_name == "Dũng")) is None


def test_persons_page(window, qtbot, db):
    page = window.show_page("persons")
    assert visible_texts(page) == ["Nguyễn Văn An", "Trần Thị Đào", "Nguyễn Minh Khôi"]

    def add(dialog):
        fill(dialog, full_name="Nguyễn Thị Hoa", birth_date="01/02/1990", cccd="001190123456", phone="0912 345 678")
        dialog.widgets["sex"].setCurrentIndex(dialog.widgets["sex"].findData("F"))
        dialog.widgets["household_id"].set_record(window.ids["h1"], "Hộ Nguyễn Văn An")
        dialog.save()

    when_modal(add)
    page.add()
    with db.read() as s:
        hoa = s.scalar(select(Person).where(Person.cccd == "001190123456"))
        assert (hoa.full_name, hoa.birth_year, hoa.phone, hoa.household_id) == (
            "Nguyễn Thị Hoa", 1990, "0912345678", window.ids["h1"])

    type_search(qtbot, page, "HOA")
    assert visible_texts(page) == ["Nguyễn Thị Hoa"]
    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, occupation="Giáo viên"), d.save()))
    page.edit()
    assert visible_texts(page, 7) == ["Giáo viên"]

    type_search(qtbot, page, "dao")
    assert visible_texts(page) == ["Trần Thị Đào"]
    type_search(qtbot, page, "hoa")
    page.table.selectRow(0)
    delete_selected(page, "Xóa Nguyễn Thị Hoa?")
    with db.read() as s:
        assert s.get(Person, hoa.id) is None


def test_person_dialog_bad_cccd_keeps_dialog_open(window, qtbot, db):
    from khuyenhoc_desktop.ui.dialogs import person_dialog

    dialog = person_dialog(window.ctx, window.ids["child"], window)
    qtbot.addWidget(dialog)
    fill(dialog, cccd="001090123456")
    dialog.save()
    assert "không khớp năm sinh 2012" in dialog.errors["cccd"].text()
    assert dialog.result() == 0


def test_clans_page(window, qtbot, db):
    page = window.show_page("clans")
    assert visible_texts(page, 2) == ["Thôn Đông"]

    def add(dialog):
        fill(dialog, name="Họ Trần")
        hamlets = dialog.widgets["hamlet_ids"]
        for i in range(hamlets.count()):
            hamlets.item(i).setCheckState(Qt.Checked)
        dialog.widgets["head_person_id"].set_record(window.ids["head"], "Nguyễn Văn An")
        dialog.save()

    when_modal(add)
    page.add()
    type_search(qtbot, page, "tran")
    assert visible_texts(page) == ["Họ Trần"]
    assert visible_texts(page, 1) == ["Nguyễn Văn An"]
    assert visible_texts(page, 2) == ["Thôn Đoài, Thôn Đông"]
    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, name="Họ Trần Đình"), d.save()))
    page.edit()
    assert visible_texts(page) == ["Họ Trần Đình"]
    page.table.selectRow(0)
    delete_selected(page)
    with db.read() as s:
        assert s.scalar(select(Clan).where(Clan.name == "Họ Trần Đình")) is None


def test_organisations_page(window, qtbot, db):
    page = window.show_page("organisations")

    def add(dialog):
        fill(dialog, name="Trường THCS Đông Sơn", head_name="phạm thị lan", head_title="Hiệu trưởng", phone="02383 123 456")
        dialog.save()

    when_modal(add)
    page.add()
    type_search(qtbot, page, "thcs")
    assert visible_texts(page) == ["Trường THCS Đông Sơn"]
    assert visible_texts(page, 3) == ["Phạm Thị Lan"]
    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, kind="Cơ quan"), d.save()))
    page.edit()
    assert visible_texts(page, 1) == ["Cơ quan"]
    page.table.selectRow(0)
    delete_selected(page)
    with db.read() as s:
        assert s.scalar(select(Organisation).where(Organisation.name.like("%THCS%"))) is None


def test_branches_page(window, qtbot, db):
    page = window.show_page("branches")

    def add(dialog):
        fill(dialog, name="Chi hội Trường Tiểu học", kind="Trường học", founded_on="02/10/2015")
        picker = dialog.widgets["organisation_id"]
        picker.setText("dong son")
        picker.textEdited.emit("dong son")
        picker._timer.stop()  # search now instead of after the typing pause
        picker._timer.timeout.emit()
        assert picker._model.stringList() == ["Trường Tiểu học Đông Sơn"]
        picker.completer().activated.emit("Trường Tiểu học Đông Sơn")
        assert picker.record_id == window.ids["school"]
        dialog.save()

    when_modal(add)
    page.add()
    type_search(qtbot, page, "truong")
    assert visible_texts(page) == ["Chi hội Trường Tiểu học"]
    assert visible_texts(page, 2) == ["Trường Tiểu học Đông Sơn"]
    page.table.selectRow(0)
    when_modal(lambda d: (fill(d, head_name="Võ Văn Tám"), d.save()))
    page.edit()
    assert visible_texts(page, 3) == ["Võ Văn Tám"]
    page.table.selectRow(0)
    delete_selected(page)
    with db.read() as s:
        assert s.scalar(select(Branch).where(Branch.name.like("%Trường%"))) is None


def test_members_page_with_dues(window, qtbot, db):
    page = window.show_page("members")
    assert visible_texts(page) == ["Nguyễn Văn An"]

    def add(dialog):
        dialog.widgets["person_id"].set_record(_person(db, "Đào"), "Trần Thị Đào")
        fill(dialog, card_number="KH-002", join_date="15/05/2021")
        dialog.widgets["branch_id"].set_record(window.ids["branch"], "Chi hội Thôn Đông")
        dialog.save()

    when_modal(add)
    page.add()
    type_search(qtbot, page, "kh-002")
    assert visible_texts(page) == ["Trần Thị Đào"]

    def edit(dialog):
        assert dialog.widgets["branch_id"].text() == "Chi hội Thôn Đông"
        assert dialog.widgets["person_id"].text() == "Trần Thị Đào"

        def dues(d):
            fill(d, period="2026", amount="24.000", paid_on="10/01/2026")
            d.save()

        when_modal(dues)
        dialog.add_dues()
        assert dialog.dues.rows[0][1:3] == ("2026", "24.000 đ")
        fill(dialog, status="Đã thôi", leave_date="01/06/2026")
        dialog.save()

    page.table.selectRow(0)
    when_modal(edit)
    page.edit()
    with db.read() as s:
        member = s.scalar(select(Member).where(Member.card_number == "KH-002"))
        assert member.status == "left" and member.leave_date.isoformat() == "2026-06-01"
        assert s.scalar(select(DuesPayment.amount).where(DuesPayment.member_id == member.id)) == 24000
    assert visible_texts(page, 5) == ["Đã thôi"]

    page.table.selectRow(0)
    delete_selected(page, "1 lần đóng hội phí của hội viên sẽ bị xóa cùng.")
    with db.read() as s:
        assert s.get(Member, member.id) is None
        assert s.scalar(select(DuesPayment).where(DuesPayment.member_id == member.id)) is None


def _person(db, given):
    with db.read() as s:
        return s.scalar(select(Person.id).where(Person.given_name == given))


def test_hamlet_filter_and_sorting(window, qtbot):
    page = window.show_page("persons")
    page.hamlet_filter.setCurrentIndex(page.hamlet_filter.findText("Thôn Đoài"))
    assert visible_texts(page) == ["Trần Thị Đào"]
    page.hamlet_filter.setCurrentIndex(0)
    birth_year = [c.key for c in page.spec.columns].index("birth_year")
    page._header_clicked(birth_year)
    assert visible_texts(page, birth_year) == ["1970", "1982", "2012"]
    page._header_clicked(birth_year)
    assert visible_texts(page, birth_year) == ["2012", "1982", "1970"]


def test_keyboard_shortcuts_and_text_size(window, qtbot):
    page = window.show_page("persons")
    window.action_search.trigger()
    assert page.search.hasFocus() or window.focusWidget() is page.search
    before = window.text_size()
    window.action_bigger.trigger()
    assert window.text_size() == before + 1
    assert int(window.ctx.settings.value("ui/text_size")) == before + 1
    window.action_smaller.trigger()
    assert window.text_size() == before
    assert [a.shortcut().toString() for a in (window.action_new, window.action_search)] == ["Ctrl+N", "Ctrl+F"]


def test_column_widths_are_remembered(window, qtbot, db, tmp_path):
    page = window.show_page("persons")
    page.table.setColumnWidth(0, 333)
    settings = window.ctx.settings
    window.close()
    again = MainWindow(AppContext(db, settings=settings))
    qtbot.addWidget(again)
    assert again.show_page("persons").table.columnWidth(0) == 333


def test_home_page_counts(window):
    home = window.show_page("home")
    assert home.values["households"].text() == "2"
    assert home.values["persons"].text() == "3"
    assert "Hội Khuyến học" in home.title.text()
    assert home.members_line.text().endswith(f"chưa đóng hội phí năm {today().year}: 1 hội viên.")
    with_lists = lists.KINDS.keys()
    assert set(with_lists) <= {k for k, _ in NAVIGATION}


def test_enter_edits_and_delete_key_asks_first(window, qtbot, db):
    from PySide6.QtTest import QTest

    page = window.show_page("hamlets")
    page.table.setFocus()
    page.table.selectRow(0)
    page.table.setCurrentIndex(page.model.index(0, 0))
    seen = []
    when_modal(lambda d: (seen.append(d.windowTitle()), d.reject()))
    QTest.keyClick(page.table, Qt.Key_Return)
    assert seen == ["Sửa thôn, tổ dân phố"]

    asked = []
    when_modal(lambda box: (asked.append(box.text()), box.reject()))
    page.select_id(window.ids["west"])
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key_Delete)
    assert asked and "Thôn Đoài" in asked[0]
    with db.read() as s:
        assert s.get(Hamlet, window.ids["west"]) is not None


def test_person_picker_finds_without_diacritics(window, qtbot):
    from khuyenhoc_desktop.ui.dialogs import member_dialog

    dialog = member_dialog(window.ctx, None, window)
    qtbot.addWidget(dialog)
    picker = dialog.widgets["person_id"]
    picker.setText("tran dao")
    picker.textEdited.emit("tran dao")
    picker._timer.timeout.emit()
    labels = picker._model.stringList()
    assert labels == ["Trần Thị Đào (1982, Thôn Đoài)"]
    picker.completer().activated.emit(labels[0])
    assert picker.record_id is not None and picker.text() == labels[0]
    picker.textEdited.emit("x")
    assert picker.record_id is None
