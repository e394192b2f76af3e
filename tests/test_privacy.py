"""Personal data (Decree 13/2023): CCCD and phone numbers masked for read-only users and in
exports unless chosen, and erasing one person's personal data while the statistics stay."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.domain.privacy import mask_cccd, mask_phone
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import audit, lists, privacy, registry, reports, stats, users
from khuyenhoc_desktop.services.exporting import export_list
from khuyenhoc_desktop.services.lists import ListQuery
from khuyenhoc_desktop.storage.models import AuditLog, CitizenResult, Household, Member, Person


@pytest.fixture
def fast_kdf(monkeypatch):
    monkeypatch.setattr(users, "SCRYPT_N", 2**10)


@pytest.fixture
def people(demo_db, fast_kdf, tmp_path):
    """The demo commune with a chairman, a secretary, a treasurer and a read-only viewer."""
    users.turn_on(demo_db, "chutich", "", "chu-tich-123", tmp_path / "sao-luu")
    with demo_db.write() as s:
        users.add_user(s, "thuky", "", "secretary", "thu-ky-1234")
        users.add_user(s, "thuquy", "", "treasurer", "thu-quy-123")
        users.add_user(s, "xem", "", "viewer", "chi-xem-123")
    return demo_db


def a_person(db) -> Person:
    """Someone with a CCCD, a phone, a full birth date, a membership and a citizen result."""
    with db.read() as s:
        return s.scalars(
            select(Person).where(Person.cccd.is_not(None), Person.phone != "", Person.birth_date.is_not(None),
                                 Person.id.in_(select(Member.person_id)),
                                 Person.id.in_(select(CitizenResult.person_id)))
            .order_by(Person.id)).first()


# ---------------------------------------------------------------- masking
def test_masks():
    assert mask_cccd("001203004567") == "0012******67"
    assert mask_phone("0912345678") == "091****678"
    assert mask_phone("+84912345678") == "+84******678"
    assert mask_cccd("") == mask_phone(None) == "" and mask_phone("12345") == "*****"


def test_viewer_sees_masked_numbers_on_screen(people):
    person = a_person(people)
    q = ListQuery("persons", search=person.full_name)
    with people.read() as s:
        full = lists.fetch_rows(s, "persons", [person.id])[person.id]
    assert (full["cccd"], full["phone"]) == (person.cccd, person.phone)
    users.sign_in(people, "xem", "chi-xem-123")
    with people.read() as s:
        masked = lists.fetch_rows(s, "persons", [person.id])[person.id]
        paged = [r for r in lists.page_rows(s, q, 0, 50, 1) if r["id"] == person.id][0]
        _columns, table = lists.as_table(s, ListQuery("persons"))
    assert masked["cccd"] == paged["cccd"] == mask_cccd(person.cccd) != person.cccd
    assert masked["phone"] == paged["phone"] == mask_phone(person.phone)
    assert masked["full_name"] == person.full_name  # only the numbers
    shown = {r["id"]: r for r in table}[person.id]
    assert (shown["cccd"], shown["phone"]) == (mask_cccd(person.cccd), mask_phone(person.phone))
    assert all(r["cccd"] == "" or "*" in r["cccd"] for r in table)
    # A treasurer sees them in full again.
    users.sign_in(people, "thuquy", "thu-quy-123")
    with people.read() as s:
        assert lists.fetch_rows(s, "persons", [person.id])[person.id]["cccd"] == person.cccd


def test_viewer_persons_page_shows_masked(people, qtbot):
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.list_page import ListPage

    person = a_person(people)
    users.sign_in(people, "xem", "chi-xem-123")
    page = ListPage(AppContext(people), "persons")
    qtbot.addWidget(page)
    page.ensure_loaded()
    page.search.setText(person.full_name)
    page.apply_filters()
    cccd = [c.key for c in page.spec.columns].index("cccd")
    texts = [page.model.data(page.model.index(r, cccd)) for r in range(page.model.rowCount())]
    assert mask_cccd(person.cccd) in texts and person.cccd not in texts
    assert not page.erase_button.isVisibleTo(page) and not page.add_button.isEnabled()
    # Another user signs in (Cài đặt › Đăng nhập người khác…): the page follows.
    users.sign_in(people, "thuky", "thu-ky-1234")
    page.ctx.changed("persons")
    texts = [page.model.data(page.model.index(r, cccd)) for r in range(page.model.rowCount())]
    assert person.cccd in texts and page.erase_button.isVisibleTo(page) and page.add_button.isEnabled()


def read_persons(path) -> dict[str, dict]:
    ws = openpyxl.load_workbook(path).active
    header = next(n for n, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "Họ và tên")
    names = [c.value for c in ws[header]]
    return {row[0]: dict(zip(names, row)) for row in ws.iter_rows(min_row=header + 1, values_only=True)}


def test_export_masks_cccd_and_phone_unless_chosen(people, tmp_path):
    person = a_person(people)
    users.sign_in(people, "thuky", "thu-ky-1234")
    export_list(people, ListQuery("persons"), tmp_path / "masked.xlsx")
    export_list(people, ListQuery("persons"), tmp_path / "full.xlsx", full_ids=True)
    masked, full = read_persons(tmp_path / "masked.xlsx"), read_persons(tmp_path / "full.xlsx")
    assert masked[person.full_name]["Số CCCD"] == mask_cccd(person.cccd)
    assert masked[person.full_name]["Điện thoại"] == mask_phone(person.phone)
    sheet = zipfile.ZipFile(tmp_path / "masked.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert person.cccd not in sheet and person.phone not in sheet
    assert (full[person.full_name]["Số CCCD"], full[person.full_name]["Điện thoại"]) == (person.cccd, person.phone)
    # The viewer may not ask for full numbers.
    users.sign_in(people, "xem", "chi-xem-123")
    with pytest.raises(UserError, match="Chỉ xem chỉ xuất được số CCCD, điện thoại đã che bớt"):
        export_list(people, ListQuery("persons"), tmp_path / "v.xlsx", full_ids=True)
    assert not (tmp_path / "v.xlsx").exists()
    export_list(people, ListQuery("persons"), tmp_path / "v.xlsx")
    assert read_persons(tmp_path / "v.xlsx")[person.full_name]["Số CCCD"] == mask_cccd(person.cccd)


def test_cli_export_full_personal_data_flag(people, tmp_path, capsys, monkeypatch):
    person = a_person(people)
    people.close()
    monkeypatch.setenv("KHUYENHOC_PASSWORD", "thu-ky-1234")
    base = ["--db", str(people.path), "--user", "thuky"]
    assert cli.main(["export", "persons", "--out", str(tmp_path / "a.xlsx"), *base]) == 0
    assert cli.main(["export", "persons", "--out", str(tmp_path / "b.xlsx"), "--full-personal-data", *base]) == 0
    capsys.readouterr()
    assert read_persons(tmp_path / "a.xlsx")[person.full_name]["Điện thoại"] == mask_phone(person.phone)
    assert read_persons(tmp_path / "b.xlsx")[person.full_name]["Điện thoại"] == person.phone
    # Without signing in the file is read as by a viewer.
    assert cli.main(["export", "persons", "--out", str(tmp_path / "c.xlsx"), "--full-ids", "--db", str(people.path)]) == 2
    assert "chỉ xuất được số CCCD, điện thoại đã che bớt" in capsys.readouterr().err
    assert cli.main(["list", "persons", "--format", "json", "--db", str(people.path)]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[person.id]["cccd"] == mask_cccd(person.cccd)


# ---------------------------------------------------------------- erasing a person's data
def snapshot(db) -> dict:
    with db.read() as s:
        return {
            "stats": stats.commune_stats(s),
            "reports": {(kind, year): reports.figures_for(s, kind, year).as_json()
                        for kind in ("half_year", "annual") for year in (2025, 2026)},
            "by_sex_year": s.execute(select(Person.sex, Person.birth_year, func.count())
                                     .group_by(Person.sex, Person.birth_year).order_by(Person.sex, Person.birth_year)).all(),
            "citizen": s.execute(select(CitizenResult.year, CitizenResult.passed, func.count())
                                 .group_by(CitizenResult.year, CitizenResult.passed)
                                 .order_by(CitizenResult.year, CitizenResult.passed)).all(),
        }


def test_erase_person_keeps_statistics_and_removes_the_values(people):
    person = a_person(people)
    with people.write() as s:  # a change so the audit trail holds the CCCD in old and new values
        form = registry.load_person(s, person.id)
        form.note = "Ghi chú riêng"
        registry.save_person(s, form)
    before = snapshot(people)
    users.sign_in(people, "thuky", "thu-ky-1234")
    with people.write() as s:
        result = privacy.erase_person(s, person.id)
    assert result.former_name == person.full_name
    assert snapshot(people) == before
    with people.read() as s:
        after = s.get(Person, person.id)
        assert after.full_name == f"Người đã xóa dữ liệu #{person.id}" and privacy.is_erased(after)
        assert (after.cccd, after.phone, after.birth_date, after.note, after.occupation) == (None, "", None, "", "")
        assert (after.sex, after.birth_year, after.household_id, after.relation, after.education) == (
            person.sex, person.birth_year, person.household_id, person.relation, person.education)
        found = lists.as_table(s, ListQuery("persons", search=person.full_name))[1]
        assert person.id not in {r["id"] for r in found}
        assert lists.count_rows(s, ListQuery("persons", search=person.cccd)) == 0
        members = s.scalars(select(Member).where(Member.person_id == person.id)).all()
        assert members and all(person.full_name not in m.search_text for m in members)
        logged = " ".join(f"{r.old_values} {r.new_values}" for r in s.scalars(
            select(AuditLog).where(AuditLog.table_name == "person", AuditLog.record_id == person.id)))
        assert logged and person.cccd not in logged and person.phone not in logged
        assert person.full_name not in logged and "Ghi chú riêng" not in logged
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "redact")) >= 1


def test_household_address_goes_only_with_its_last_person(people):
    with people.read() as s:
        sizes = dict(s.execute(select(Person.household_id, func.count()).group_by(Person.household_id)).all())
        addressed = s.scalars(select(Person).join(Household, Household.id == Person.household_id)
                              .where(Household.address != "").order_by(Person.id)).all()
        shared = next(p for p in addressed if sizes[p.household_id] > 1)
        lone = next(p for p in addressed if sizes[p.household_id] == 1)
        kept_address = s.get(Household, shared.household_id).address
    with people.write() as s:
        assert privacy.erase_person(s, shared.id).household_cleared is False
        assert privacy.erase_person(s, lone.id).household_cleared is True
    with people.read() as s:
        assert s.get(Household, shared.household_id).address == kept_address
        assert s.get(Household, lone.household_id).address == ""


@pytest.mark.parametrize("who,password", [("thuquy", "thu-quy-123"), ("xem", "chi-xem-123")])
def test_only_chairman_and_secretary_erase(people, who, password):
    person = a_person(people)
    users.sign_in(people, who, password)
    with pytest.raises(UserError, match="không được xóa dữ liệu cá nhân"), people.write() as s:
        privacy.erase_person(s, person.id)
    with people.read() as s:
        assert s.get(Person, person.id).cccd == person.cccd
    assert roles.may_erase_personal_data("chairman") and roles.may_erase_personal_data(None)


def test_erase_from_the_persons_page(people, qtbot):
    from gui_helpers import click_button, when_modal

    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.list_page import ListPage

    person = a_person(people)
    users.sign_in(people, "chutich", "chu-tich-123")
    page = ListPage(AppContext(people), "persons")
    qtbot.addWidget(page)
    page.resize(1100, 500)
    page.ensure_loaded()
    assert page.erase_button.isVisibleTo(page)
    page.select_id(person.id)
    seen = {}

    def look_then(button):
        def act(box):
            seen["text"], seen["info"] = box.text(), box.informativeText()
            box.grab().save("/tmp/shot-erase-confirm.png")
            click_button(box, button)
        return act

    when_modal(look_then("Hủy"))
    page.erase_button.click()
    assert seen["text"] == f"Xóa dữ liệu cá nhân của {person.full_name}?"
    assert "giới tính, năm sinh" in seen["info"] and "không hoàn tác" in seen["info"]
    with people.read() as s:
        assert s.get(Person, person.id).cccd == person.cccd
    when_modal(look_then("Xóa dữ liệu cá nhân"))
    page.erase_button.click()
    with people.read() as s:
        assert s.get(Person, person.id).full_name == f"Người đã xóa dữ liệu #{person.id}"
    page.grab().save("/tmp/shot-persons-page.png")


def test_audit_helper_signature():
    """`services.audit.redact_record(session, table_name, record_id, columns)` is what we call."""
    import inspect

    assert list(inspect.signature(audit.redact_record).parameters) == ["session", "table_name", "record_id", "columns"]


def test_viewer_export_from_the_page_asks_nothing_and_masks(people, qtbot, tmp_path, monkeypatch):
    from khuyenhoc_desktop.ui import export_action
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.list_page import ListPage

    person = a_person(people)
    users.sign_in(people, "xem", "chi-xem-123")
    page = ListPage(AppContext(people), "persons")
    qtbot.addWidget(page)
    page.ensure_loaded()

    def no_question(_parent):
        raise AssertionError("a read-only user is not offered full numbers")

    done = []
    monkeypatch.setattr(export_action, "ask_full_ids", no_question)
    monkeypatch.setattr(export_action.QFileDialog, "getSaveFileName",
                        lambda *a: (str(tmp_path / "nk.xlsx"), export_action.FILE_FILTER))
    monkeypatch.setattr(export_action, "show_done", lambda parent, result: done.append(result))
    export_action.export_list(page)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    row = read_persons(tmp_path / "nk.xlsx")[person.full_name]
    assert (row["Số CCCD"], row["Điện thoại"]) == (mask_cccd(person.cccd), mask_phone(person.phone))
