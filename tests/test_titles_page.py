"""The titles page: counts and rows, registering through the picker and by hamlet, the scoring
dialog from the keyboard (computed indicators, overrides, the unverified notice) and the grid."""

import subprocess

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from khuyenhoc_desktop.services import registry, titles
from khuyenhoc_desktop.services.registry import ClanForm, HamletForm, HouseholdForm, PersonForm
from khuyenhoc_desktop.services.titles import RegistrationQuery
from khuyenhoc_desktop.storage.models import Evaluation, Registration
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.scoring_dialog import PointsBox, ScoringDialog
from khuyenhoc_desktop.ui.scoring_grid import ScoringGrid
from khuyenhoc_desktop.ui.titles_page import TitlesPage
from tests.gui_helpers import click_button, when_modal

YEAR = 2025
GDHT = "gdht-qd448-2015-minh-hoa-tinh"
DHHT = "dhht-qd448-template-minh-hoa-tinh"
NAMES = {"Thôn Đông": ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường"], "Thôn Đoài": ["Phạm Văn Dũng", "Trần Thị Én"]}


@pytest.fixture
def commune(db):
    """Two hamlets, five households with named heads; the first three belong to clan 'Họ Lê'."""
    ids = {"households": []}
    with db.write() as s:
        for hamlet, names in NAMES.items():
            h = registry.save_hamlet(s, HamletForm(name=hamlet))
            ids[hamlet] = h
            if hamlet == "Thôn Đông":
                ids["clan"] = registry.save_clan(s, ClanForm(name="Họ Lê", hamlet_ids=[h]))
            for full in names:
                family, *rest = full.split()
                hh = registry.save_household(s, HouseholdForm(
                    hamlet_id=h, clan_id=ids["clan"] if hamlet == "Thôn Đông" else None, address=f"Xóm {rest[-1]}"))
                registry.save_person(s, PersonForm(household_id=hh, family_name=family, middle_name=rest[0],
                                                   given_name=rest[1], sex="F" if "Thị" in full else "M",
                                                   birth_year="1975", relation="head"))
                ids["households"].append(hh)
    return ids


@pytest.fixture
def ctx(db, tmp_path):
    return AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture
def page(qtbot, ctx):
    widget = TitlesPage(ctx)
    qtbot.addWidget(widget)
    widget.year.setValue(YEAR)
    widget.ensure_loaded()
    widget.show()
    return widget


def register(db, household_ids, title="GĐHT", kind="household"):
    with db.write() as s:
        titles.register(s, YEAR, title, kind, household_ids)


def texts(model, column):
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def evaluations(db):
    with db.read() as s:
        return {e.registration_id: e for e in s.scalars(select(Evaluation))}


def query(title="GĐHT", hamlet_id=None):
    return RegistrationQuery(YEAR, title, hamlet_id)


def reg_ids(db, title="GĐHT"):
    with db.read() as s:
        return titles.registration_ids(s, query(title))


def test_page_shows_counts_and_rows(commune, page, db):
    register(db, commune["households"][:3])
    with db.write() as s:
        rid = titles.registrations(s, YEAR, "GĐHT")[0].id
        titles.score_registration(s, rid, GDHT, {k: 10 for k in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3",
                                                                  "3.1", "3.2", "4.1", "4.2")})
    page.ctx.changed("titles")
    assert page.counts.text() == ("Gia đình học tập năm 2025: đã đăng ký 3/5 hộ · đã chấm 1 · đạt 1 · "
                                  "đã công nhận 0")
    assert texts(page.model, 1) == ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường"]
    assert texts(page.model, 3) == ["Thôn Đông"] * 3
    scored = texts(page.model, 1).index("Lê Văn An")
    assert [page.model.data(page.model.index(scored, c)) for c in (5, 6, 7)] == ["100", "Đạt", "Đạt"]
    assert texts(page.model, 7).count("Chưa chấm") == 2
    page.hamlet_filter.setCurrentIndex(page.hamlet_filter.findText("Thôn Đoài"))
    assert page.model.rowCount() == 0 and "(Thôn Đoài): đã đăng ký 0/2 hộ" in page.counts.text()
    assert page.stack.currentWidget() is page.empty


def test_register_through_the_picker(commune, page, qtbot, db):
    register(db, commune["households"][:1])

    def pick(dialog):
        model = dialog.model
        assert model.rowCount() == 5
        names = texts(model, 2)
        first = names.index("Lê Văn An")
        assert model.data(model.index(first, 0)) == "Đã đăng ký"
        assert not model.flags(model.index(first, 0)) & Qt.ItemIsSelectable
        dialog.search.setText("tran")
        dialog._timer.timeout.emit()
        assert texts(model, 2) == ["Trần Thị Én"]
        model.setData(model.index(0, 0), Qt.Checked, Qt.CheckStateRole)
        dialog.search.setText("")
        dialog._timer.timeout.emit()
        model.setData(model.index(texts(model, 2).index("Lê Thị Bình"), 0), Qt.Checked, Qt.CheckStateRole)
        model.setData(model.index(first, 0), Qt.Checked, Qt.CheckStateRole)  # already registered: ignored
        assert dialog.ok_button.text() == "Đăng ký 2 hộ"
        dialog.ok_button.click()

    when_modal(pick)
    page.register()
    with db.read() as s:
        assert s.scalar(select(func.count(Registration.id))) == 3
    assert sorted(texts(page.model, 1)) == ["Lê Thị Bình", "Lê Văn An", "Trần Thị Én"]
    assert page.message.text() == "Đã đăng ký thêm 2 hộ."


def test_register_a_whole_hamlet(commune, page, db):
    register(db, commune["households"][:1])

    def choose(dialog):
        dialog.combo.setCurrentIndex(dialog.combo.findText("Thôn Đông"))
        click_button_box(dialog, "Đăng ký cả thôn")

    when_modal(choose)
    page.register_hamlet()
    assert texts(page.model, 1) == ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường"]
    assert page.message.text() == "Đã đăng ký thêm 2 hộ của Thôn Đông. 1 hộ đã đăng ký từ trước."
    assert "đã đăng ký 3/5 hộ" in page.counts.text()


def click_button_box(dialog, text):
    from PySide6.QtWidgets import QPushButton

    for button in dialog.findChildren(QPushButton):
        if button.text() == text:
            button.click()
            return
    raise AssertionError(text)


def test_unregister_asks_and_removes(commune, page, db):
    register(db, commune["households"][:2])
    page.ctx.changed("titles")
    page.table.selectRow(0)
    when_modal(lambda box: click_button(box, "Hủy đăng ký"))
    page.unregister()
    assert page.model.rowCount() == 1
    assert page.message.text() == "Đã hủy đăng ký của Lê Văn An."


def type_points(qtbot, dialog, points):
    """Type each value then Tab twice (past the evidence box), as a user scoring fast would."""
    for value in points:
        widget = dialog.focusWidget()
        assert isinstance(widget, PointsBox) or isinstance(widget.parent(), PointsBox)
        QTest.keyClicks(widget, value)
        QTest.keyClick(widget, Qt.Key_Tab)
        QTest.keyClick(dialog.focusWidget(), Qt.Key_Tab)


def test_scoring_dialog_by_keyboard(qtbot, ctx, db, commune):
    register(db, commune["households"])
    ids = reg_ids(db)
    dialog = ScoringDialog(ctx, ids, 0)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is not None)
    assert dialog.counter.text() == "Hộ 1/5" and dialog.name.text() == "Lê Văn An"
    assert dialog.form.id == GDHT
    assert dialog.notice.isVisible() and dialog.notice.text().startswith("Lưu ý: bộ tiêu chí này chưa được kiểm chứng")
    type_points(qtbot, dialog, ["10", "9", "8,5", "10", "10", "10", "10", "10", "10", "7"])
    assert dialog.total.text() == "Tổng điểm: 94,5/100 · Xếp loại: Đạt · Đạt"
    QTest.keyClick(dialog.focusWidget(), Qt.Key_Return)
    ev = evaluations(db)[ids[0]]
    assert ev.total == 94.5 and ev.level == "Đạt" and ev.passed
    assert dialog.counter.text() == "Hộ 2/5" and dialog.name.text() == "Lê Thị Bình"
    assert dialog.focusWidget() is dialog.rows[0].input or dialog.focusWidget().parent() is dialog.rows[0].input
    assert dialog.status.text() == "Đã lưu kết quả của Lê Văn An."

    # an incomplete sheet is refused with the reason and the entries stay
    type_points(qtbot, dialog, ["5"])
    QTest.keyClick(dialog.focusWidget(), Qt.Key_Return)
    assert dialog.counter.text() == "Hộ 2/5"
    assert "chưa chấm chỉ tiêu 1.2" in dialog.error.text() and dialog.rows[0].value() == 5
    # PageDown leaves it after asking; "Không lưu" drops the entry
    when_modal(lambda box: click_button(box, "Không lưu"))
    QTest.keyClick(dialog.focusWidget(), Qt.Key_PageDown)
    assert dialog.counter.text() == "Hộ 3/5"
    QTest.keyClick(dialog.focusWidget(), Qt.Key_PageUp)
    assert dialog.counter.text() == "Hộ 2/5" and dialog.rows[0].value() is None
    assert ids[1] not in evaluations(db)

    # reopening the first one shows what was saved
    QTest.keyClick(dialog.focusWidget(), Qt.Key_PageUp)
    assert dialog.rows[2].value() == 8.5 and dialog.total.text().startswith("Tổng điểm: 94,5/100")


def test_computed_indicator_needs_a_reason_when_changed(qtbot, ctx, db, commune):
    register(db, [commune["clan"]], "DHHT", "clan")
    rid = reg_ids(db, "DHHT")[0]
    dialog = ScoringDialog(ctx, [rid], 0)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.form.id == DHHT
    computed = dialog.rows[0]
    assert computed.value() == 0 and computed.reason is not None
    assert "0/3 hộ của dòng họ đạt Gia đình học tập năm 2025" in computed.explanation.text()
    assert dialog.notice.isVisible() and "chưa được kiểm chứng" in dialog.notice.text()
    computed.input.setFocus()
    QTest.keyClicks(computed.input, "50")
    dialog.rows[1].input.setFocus()
    QTest.keyClicks(dialog.rows[1].input, "30")
    assert computed.reason.styleSheet()  # highlighted: a reason is now required
    dialog.save()
    assert "Cần ghi lý do khi sửa giá trị tính từ sổ: 1.1 (tính được 0, nhập 50)" in dialog.error.text()
    assert rid not in evaluations(db)
    computed.reason.setText("Họ có giấy xác nhận của xã")
    assert not computed.reason.styleSheet()
    assert dialog.save()
    ev = evaluations(db)[rid]
    assert ev.total == 80 and ev.passed
    assert titles.json.loads(ev.overrides) == {"1.1": "Họ có giấy xác nhận của xã"}


def type_in(window, text):
    """Key by key to whatever has the focus (the cell editor once typing has opened it)."""
    for char in text:
        QTest.keyClick(window.focusWidget(), char)


def test_grid_saves_filled_rows_and_keeps_a_wrong_one_red(qtbot, ctx, db, commune):
    register(db, commune["households"])
    with db.read() as s:
        hamlet = commune["Thôn Đông"]
        ids = titles.registration_ids(s, query(hamlet_id=hamlet))
    grid = ScoringGrid(ctx, query(hamlet_id=hamlet))
    qtbot.addWidget(grid)
    grid.show()
    model = grid.model
    assert model.rowCount() == 3 and grid.notice.isVisible()
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường"]

    # row 1 by keyboard: type, Tab to the right
    grid.view.setFocus()
    grid.view.setCurrentIndex(model.index(0, 1))
    for value in ["10", "10", "10", "10", "10", "10", "9", "9", "8", "8,5"]:
        type_in(grid, value)
        QTest.keyClick(grid.focusWidget(), Qt.Key_Tab)
    assert model.data(model.index(0, 11)) == "94,5" and model.data(model.index(0, 13)) == "Đạt"
    # Enter goes down the column
    grid.view.setCurrentIndex(model.index(1, 1))
    type_in(grid, "6")
    QTest.keyClick(grid.focusWidget(), Qt.Key_Return)
    assert grid.view.currentIndex().row() == 2
    for column in range(2, 11):
        model.setData(model.index(1, column), "6")
    assert model.data(model.index(1, 13)) == "Chưa đạt"
    # row 3 has a value above the maximum
    for column in range(1, 11):
        model.setData(model.index(2, column), "15" if column == 3 else "10")
    assert model.data(model.index(2, 0), Qt.BackgroundRole) is not None
    assert "vượt điểm tối đa 10" in model.data(model.index(2, 0), Qt.ToolTipRole)

    grid.save()
    saved = evaluations(db)
    assert set(saved) == {ids[0], ids[1]}
    assert saved[ids[0]].total == 94.5 and saved[ids[1]].total == 60 and not saved[ids[1]].passed
    assert grid.summary.text() == "Đã lưu 2 hộ; 1 hộ còn lỗi (dòng đỏ; rê chuột lên để xem)."
    assert model.data(model.index(2, 3)) == "15"  # kept as typed
    assert model.rows[2].changed and not model.rows[0].changed

    model.setData(model.index(2, 3), "7")
    grid.save()
    assert evaluations(db)[ids[2]].total == 97


def test_papers_follow_the_list_shown(commune, page, qtbot, db, tmp_path):
    from khuyenhoc_desktop.services import profile
    from khuyenhoc_desktop.domain import admin_units

    prov = admin_units.provinces()[0]
    with db.write() as s:
        profile.save_profile(s, profile.ProfileForm(
            province_code=prov.code, commune_code=admin_units.communes(prov.code)[0].code,
            association_name="Hội Khuyến học", officers=[profile.OfficerLine("Trần Văn Bảo", "Chủ tịch")]))
    register(db, commune["households"])
    page.ctx.changed("titles")
    page.hamlet_filter.setCurrentIndex(page.hamlet_filter.findText("Thôn Đoài"))
    opened = []
    page.print_registration_list(on_open=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    listing = opened.pop()
    qtbot.addWidget(listing)
    text = subprocess.run(["pdftotext", "-layout", str(listing.save_to(tmp_path / "dk.pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Phạm Văn Dũng" in text and "Trần Thị Én" in text and "Lê Văn An" not in text
    page.print_score_sheets(blank=True, on_open=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    sheets = opened.pop()
    qtbot.addWidget(sheets)
    text = subprocess.run(["pdftotext", "-layout", str(sheets.save_to(tmp_path / "p.pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert text.count("PHIẾU ĐÁNH GIÁ") == 2 and "Gia đình bà Trần Thị Én" in text


def test_scoring_dialog_shows_the_title_history(qtbot, ctx, db, commune):
    from tests.test_titles import _decide, _scored

    _decide(db, YEAR - 1, _scored(db, YEAR - 1, commune["households"][:1]))
    register(db, commune["households"][:2])
    dialog = ScoringDialog(ctx, reg_ids(db), 0)
    qtbot.addWidget(dialog)
    assert dialog.address.text().endswith(f"Đã được công nhận: Gia đình học tập: {YEAR - 1}")
    dialog.go(1)
    assert "Đã được công nhận" not in dialog.address.text()
