"""The audit trail: every insert, change and delete (ORM, bulk import, raw SQL) leaves an entry
with who, when, old and new values; the log refuses edits and deletes except a redaction, which
is itself logged; Excel export, the command line and the window."""

import datetime as dt
import json
import sqlite3

import openpyxl
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.services import audit, registry
from khuyenhoc_desktop.services import importing as im
from khuyenhoc_desktop.services.registry import HamletForm, PersonForm
from khuyenhoc_desktop.storage import audit as triggers
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import AuditLog, Hamlet, Household, Person

from import_fixtures import per_person, setup_commune


def _log(db, **where) -> list[AuditLog]:
    with db.read() as s:
        stmt = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditLog, key) == value)
        return list(s.scalars(stmt))


def _values(row: AuditLog) -> tuple[dict | None, dict | None]:
    return (json.loads(row.old_values) if row.old_values else None,
            json.loads(row.new_values) if row.new_values else None)


# ---------------------------------------------------------------- what is logged
def test_service_insert_update_delete_are_logged_with_actor_and_values(db):
    db.actor = "Nguyễn Thị Thư"
    with db.write() as s:
        hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông", note="gần chợ"))
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=hamlet, name="Thôn Đông Mới", note="gần chợ"))
    db.actor = "Trần Văn Bảo"
    with db.write() as s:
        registry.delete_record(s, "hamlets", hamlet)

    rows = _log(db, table_name="hamlet", record_id=hamlet)
    assert [(r.action, r.actor) for r in rows] == [
        ("insert", "Nguyễn Thị Thư"), ("update", "Nguyễn Thị Thư"), ("delete", "Trần Văn Bảo")]
    inserted, changed, deleted = (_values(r) for r in rows)
    assert inserted == (None, {"name": "Thôn Đông", "kind": "thon", "note": "gần chợ"})
    # only what changed; sort key, search text and updated_at are derived and left out
    assert changed == ({"name": "Thôn Đông"}, {"name": "Thôn Đông Mới"})
    assert deleted == ({"name": "Thôn Đông Mới", "kind": "thon", "note": "gần chợ"}, None)
    for row in rows:
        assert abs((dt.datetime.utcnow() - row.at).total_seconds()) < 60


def test_saving_without_a_change_logs_nothing(db):
    with db.write() as s:
        hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=hamlet, name="Thôn Đông"))
        s.execute(update(Hamlet).where(Hamlet.id == hamlet).values(sort_key="zzz", search_text="x"))
    assert [r.action for r in _log(db, table_name="hamlet")] == ["insert"]


def test_bulk_import_and_raw_sql_are_logged(db, tmp_path):
    setup_commune(db)
    db.actor = "Cán bộ nhập liệu"
    path = per_person(tmp_path / "nk.xlsx")
    result = im.run_import(db, path, "households", im.guess_layout(path, "households"), im.ImportOptions())
    assert result.persons_added > 0
    with db.read() as s:
        persons = s.scalar(select(func.count(Person.id)))
        households = s.scalar(select(func.count(Household.id)))
    person_rows = _log(db, table_name="person", action="insert")
    assert len(person_rows) == persons == result.persons_added
    assert {r.actor for r in person_rows} == {"Cán bộ nhập liệu"}
    minh = next(r for r in person_rows if _values(r)[1]["full_name"] == "Hoàng Văn Minh")
    assert _values(minh)[1]["birth_date"] == "1965-04-12" and _values(minh)[1]["sex"] == "M"
    assert len(_log(db, table_name="household", action="insert")) == households

    # Raw SQL through the session, and a bulk UPDATE through Core, are logged just the same.
    with db.write() as s:
        s.execute(text("UPDATE person SET occupation = 'Giáo viên' WHERE full_name = 'Hoàng Văn Minh'"))
        s.execute(update(Person).where(Person.full_name.like("Vũ%")).values(phone="0912345678"))
        s.execute(text("DELETE FROM person WHERE full_name = 'Hoàng Minh Tuấn'"))
    changed = _log(db, table_name="person", action="update")
    assert _values(changed[0]) == ({"occupation": "Làm ruộng"}, {"occupation": "Giáo viên"})
    assert len(changed) == 1 + 3  # Minh, and the three Vũ
    deleted = _log(db, table_name="person", action="delete")
    assert len(deleted) == 1 and _values(deleted[0])[0]["full_name"] == "Hoàng Minh Tuấn"


def test_a_rolled_back_write_leaves_no_entry(db):
    with pytest.raises(RuntimeError):
        with db.write() as s:
            registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
            raise RuntimeError("stop")
    assert _log(db) == []


def test_other_programs_writing_the_file_are_not_taken_for_the_last_user(db):
    db.actor = "Nguyễn Thị Thư"
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    conn = sqlite3.connect(db.path)
    try:
        conn.execute("UPDATE hamlet SET note = 'sửa bằng công cụ khác'")
        conn.commit()
    finally:
        conn.close()
    assert [(r.action, r.actor) for r in _log(db, table_name="hamlet")] == [
        ("insert", "Nguyễn Thị Thư"), ("update", "")]
    with db.read() as s:
        assert audit.entries(s, limit=1)[0].actor_text == audit.UNKNOWN_ACTOR


def test_derived_tables_are_not_audited(db):
    with db.engine.connect() as conn:
        tables = triggers.audited_tables(conn)
    assert "person" in tables and "voucher" in tables and "clan_hamlet" in tables
    assert not [t for t in tables if "fts" in t or t.startswith(("audit_", "alembic", "sqlite_"))]


def test_triggers_follow_a_new_column_on_next_open(tmp_path):
    path = tmp_path / "a.sqlite"
    with Database(path) as db:
        with db.write() as s:
            s.execute(text("ALTER TABLE hamlet ADD COLUMN area_km2 REAL"))
    with Database(path) as db:
        with db.write() as s:
            hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
            s.execute(text("UPDATE hamlet SET area_km2 = 2.5 WHERE id = :id"), {"id": hamlet})
        assert _values(_log(db, action="update")[0]) == ({"area_km2": None}, {"area_km2": 2.5})
        with db.engine.begin() as conn:
            assert triggers.install(conn) == 0  # already in step: nothing rewritten


# ---------------------------------------------------------------- append-only
def test_the_log_refuses_updates_and_deletes(db):
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    for statement in ("UPDATE audit_log SET actor = 'người khác'",
                      "UPDATE audit_log SET new_values = '{}'",
                      "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError) as info:
            with db.write() as s:
                s.execute(text(statement))
        assert "Nhật ký thay đổi chỉ được ghi thêm" in str(info.value)
    with pytest.raises(IntegrityError):
        with db.write() as s:
            s.scalars(select(AuditLog)).one().actor = "người khác"
    conn = sqlite3.connect(db.path)  # another program, without the ORM
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("DELETE FROM audit_log")
    finally:
        conn.close()
    assert len(_log(db)) == 1


def test_redact_record_replaces_personal_values_and_is_logged(db):
    db.actor = "Chủ tịch Hội"
    with db.write() as s:
        hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        person = registry.save_person(s, PersonForm(family_name="Lê", given_name="Na", sex="F", birth_year="1990",
                                                    phone="0912345678", occupation="Giáo viên"))
    with db.write() as s:
        registry.save_person(s, _with(registry.load_person(s, person), phone="0987654321"))
        registry.delete_record(s, "persons", person)
    with db.write() as s:
        rewritten = audit.redact_record(s, "person", person, ["full_name", "given_name", "phone"])
    assert rewritten == 3
    rows = _log(db, table_name="person", record_id=person)
    assert [r.action for r in rows] == ["insert", "update", "delete", "redact"]
    inserted = _values(rows[0])[1]
    assert inserted["full_name"] == inserted["given_name"] == inserted["phone"] == audit.REDACTED
    assert inserted["occupation"] == "Giáo viên" and inserted["family_name"] == "Lê"
    assert _values(rows[1]) == ({"phone": audit.REDACTED}, {"phone": audit.REDACTED})
    assert _values(rows[2])[0]["full_name"] == audit.REDACTED
    assert "given_name" in _values(rows[2])[0]  # no key is added where there was none: sort_key never was
    redaction = rows[3]
    assert redaction.actor == "Chủ tịch Hội"
    assert _values(redaction) == (None, dict.fromkeys(["full_name", "given_name", "phone"], audit.REDACTED))
    # the hamlet's entry is untouched, and the log is closed again afterwards
    assert _values(_log(db, table_name="hamlet", record_id=hamlet)[0])[1]["name"] == "Thôn Đông"
    with pytest.raises(IntegrityError):
        with db.write() as s:
            s.execute(text("UPDATE audit_log SET new_values = '{}' WHERE table_name = 'hamlet'"))
    with db.read() as s:
        assert s.execute(text("SELECT redaction FROM audit_context")).scalar() is None


def _with(form, **changes):
    for key, value in changes.items():
        setattr(form, key, value)
    return form


def test_redact_record_refuses_bad_field_names(db):
    with db.write() as s:
        with pytest.raises(Exception, match="Tên trường không hợp lệ"):
            audit.redact_record(s, "person", 1, ["phone', 'x"])


# ---------------------------------------------------------------- reading
def test_entries_filters_and_labels(db):
    db.actor = "Thư ký"
    with db.write() as s:
        east = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        registry.save_hamlet(s, HamletForm(name="Thôn Tây"))
        person = registry.save_person(s, PersonForm(family_name="Lê", given_name="Na", sex="F", birth_year="1990"))
    db.actor = "Chủ tịch"
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=east, name="Thôn Đông", kind="to_dan_pho"))
    with db.read() as s:
        assert audit.count(s) == 4
        newest = audit.entries(s, limit=1)[0]
        assert (newest.actor, newest.table_text, newest.action_text) == ("Chủ tịch", "Thôn, tổ dân phố", "Sửa")
        assert newest.lines() == ["Loại: Thôn → Tổ dân phố"]
        assert [e.record_id for e in audit.entries(s, table="hamlet", record_id=east)] == [east, east]
        assert audit.count(s, actor="Thư ký") == 3
        assert [e.table for e in audit.entries(s, table="person")] == ["person"]
        na = audit.entries(s, table="person", record_id=person)[0]
        assert "Giới tính: Nữ" in na.lines() and "Họ và tên: Lê Na" in na.lines()
        today = dt.date.today()
        assert audit.count(s, since=today, until=today) == 4
        assert audit.count(s, until=today - dt.timedelta(days=1)) == 0
        assert audit.count(s, since=today + dt.timedelta(days=1)) == 0
        assert [e.id for e in audit.entries(s, offset=1, limit=2)] == [3, 2]
        assert audit.actors(s) == ["Chủ tịch", "Thư ký"]
        assert audit.tables(s) == [("person", "Nhân khẩu"), ("hamlet", "Thôn, tổ dân phố")]


def test_export_xlsx_one_row_per_field(db, tmp_path):
    db.actor = "Thư ký"
    with db.write() as s:
        hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        registry.save_person(s, PersonForm(family_name="Lê", given_name="Na", sex="F", birth_year="1990",
                                           cccd="001190012345"))
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=hamlet, name="Thôn Đông A"))
    out = tmp_path / "nhat-ky.xlsx"
    with db.read() as s:
        assert audit.export_xlsx(s, out) == 3
    ws = openpyxl.load_workbook(out).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    header = rows.index(("Thời điểm", "Người thực hiện", "Bảng", "Mã bản ghi", "Thao tác", "Trường",
                         "Giá trị cũ", "Giá trị mới"))
    body = rows[header + 1:]
    assert body[0][1:] == ("Thư ký", "Thôn, tổ dân phố", str(hamlet), "Thêm", "Tên", None, "Thôn Đông")
    assert dt.datetime.strptime(body[0][0], "%d/%m/%Y %H:%M:%S")
    assert body[-1][1:] == ("Thư ký", "Thôn, tổ dân phố", str(hamlet), "Sửa", "Tên", "Thôn Đông", "Thôn Đông A")
    cccd = next(r for r in body if r[5] == "Số CCCD")
    assert cccd[7] == "0011******45"  # masked as in list exports
    assert any("NHẬT KÝ THAY ĐỔI" in str(r[0]) for r in rows[:header])

    filtered = tmp_path / "thon.xlsx"
    with db.read() as s:
        assert audit.export_xlsx(s, filtered, audit.AuditFilter(table="person"), full_personal_data=True) == 1
    body = [tuple(c.value for c in row) for row in openpyxl.load_workbook(filtered).active.iter_rows()]
    assert {r[2] for r in body if r[4] == "Thêm"} == {"Nhân khẩu"}
    assert any(r[7] == "001190012345" for r in body)
    assert any("Lọc: bảng Nhân khẩu" in str(r[0]) for r in body)


# ---------------------------------------------------------------- the command line
def test_cli_prints_and_exports(db, tmp_path, capsys):
    db.actor = "Thư ký"
    with db.write() as s:
        hamlet = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=hamlet, name="Thôn Đông A"))
    path = str(db.path)
    db.close()
    assert cli.main(["audit", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "Thư ký  Sửa Thôn, tổ dân phố #1" in out
    assert "    Tên: Thôn Đông → Thôn Đông A" in out
    assert "Hiển thị 2 / 2 lần thay đổi (mới nhất trước)." in out
    assert cli.main(["audit", "--db", path, "--table", "hamlet", "--id", str(hamlet), "--limit", "1", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["total"] == 2 and len(answer["entries"]) == 1
    assert answer["entries"][0]["old_values"] == {"name": "Thôn Đông"}
    xlsx_path = tmp_path / "nk.xlsx"
    assert cli.main(["audit", "--db", path, "--out", str(xlsx_path)]) == 0
    assert "Đã xuất 2 lần thay đổi" in capsys.readouterr().out
    assert xlsx_path.stat().st_size > 0
    assert cli.main(["audit", "--db", path, "--table", "khong_co"]) == 2
    assert "Không có bảng khong_co" in capsys.readouterr().err
    assert cli.main(["audit", "--db", path, "--id", "3"]) == 2
    assert "--id cần đi cùng --table" in capsys.readouterr().err


# ---------------------------------------------------------------- the window
@pytest.fixture
def ctx(db, tmp_path):
    from PySide6.QtCore import QSettings

    from khuyenhoc_desktop.ui.context import AppContext

    return AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


def _history(db) -> dict:
    db.actor = "Thư ký"
    with db.write() as s:
        east = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        west = registry.save_hamlet(s, HamletForm(name="Thôn Tây"))
    db.actor = "Chủ tịch"
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(id=east, name="Thôn Đông A"))
    return {"east": east, "west": west}


def _cells(dialog, row: int) -> list[str]:
    model = dialog.view.model()
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_dialog_shows_entries_filters_and_details(qtbot, db, ctx):
    from khuyenhoc_desktop.ui.audit_dialog import AuditDialog

    _history(db)
    dialog = AuditDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Nhật ký thay đổi"
    assert dialog.count_label.text() == "Hiển thị 3 / 3 lần thay đổi"
    first = _cells(dialog, 0)
    assert first[1:] == ["Chủ tịch", "Thôn, tổ dân phố", "1", "Sửa", "Tên: Thôn Đông → Thôn Đông A"]
    assert dt.datetime.strptime(first[0], "%d/%m/%Y %H:%M:%S")
    # the newest entry is selected and its values are shown below
    assert dialog.detail.rows == [("name", "Tên", "Thôn Đông", "Thôn Đông A")]
    dialog.view.selectRow(2)
    assert ("name", "Tên", "", "Thôn Đông") in dialog.detail.rows
    assert dialog.detail_title.text().startswith("Thêm Thôn, tổ dân phố #1 — Thư ký")

    dialog.actor_filter.setCurrentIndex(dialog.actor_filter.findData("Thư ký"))
    assert dialog.count_label.text() == "Hiển thị 2 / 3 lần thay đổi"
    assert {_cells(dialog, r)[1] for r in range(2)} == {"Thư ký"}
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    from PySide6.QtCore import QDate

    dialog.since.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    assert dialog.model.matches == 0 and dialog.stack.currentWidget() is dialog.empty
    assert not dialog.export_button.isEnabled()


def test_dialog_pages_a_long_log(qtbot, db, ctx):
    from khuyenhoc_desktop.ui import audit_dialog

    with db.write() as s:
        for n in range(250):
            registry.save_hamlet(s, HamletForm(name=f"Thôn {n}"))
    dialog = audit_dialog.AuditDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.model.matches == 250
    assert len(dialog.model._blocks) == 1  # only the first block of 100 has been read
    assert _cells(dialog, 249)[5] == "Tên: Thôn 0; Loại: Thôn"
    assert sorted(dialog.model._blocks) == [0, 2]


def test_list_page_history_shows_one_record(qtbot, db, ctx):
    from khuyenhoc_desktop.ui.audit_dialog import AuditDialog
    from khuyenhoc_desktop.ui.list_page import ListPage

    from gui_helpers import when_modal

    ids = _history(db)
    page = ListPage(ctx, "hamlets")
    qtbot.addWidget(page)
    page.show()
    page.ensure_loaded()
    page.select_id(ids["east"])
    assert page.history_action in page.table.actions()
    seen = {}

    def look(dialog):
        seen["title"] = dialog.windowTitle()
        seen["rows"] = [_cells(dialog, r) for r in range(dialog.model.rowCount())]
        dialog.reject()

    when_modal(look)
    page.history_action.trigger()
    assert seen["title"] == f"Lịch sử thay đổi — Thôn, tổ dân phố #{ids['east']}"
    assert [r[4] for r in seen["rows"]] == ["Sửa", "Thêm"]
    assert {r[3] for r in seen["rows"]} == {str(ids["east"])}
    dialog = AuditDialog(ctx, table="hamlet", record_id=ids["west"])
    qtbot.addWidget(dialog)
    assert dialog.table_filter.isHidden()
    assert dialog.count_label.text() == "Hiển thị 1 / 1 lần thay đổi"


def test_menu_opens_the_log(qtbot, db, ctx):
    from khuyenhoc_desktop.ui.main_window import MainWindow

    from gui_helpers import when_modal

    _history(db)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    titles = []

    def look(dialog):
        titles.append((dialog.windowTitle(), dialog.model.rowCount()))
        dialog.reject()

    when_modal(look)
    assert window.action_audit.text() == "Nhật ký thay đổi…"
    window.action_audit.trigger()
    assert titles == [("Nhật ký thay đổi", 3)]


def test_dialog_exports_what_it_shows(qtbot, db, ctx, tmp_path, monkeypatch):
    from khuyenhoc_desktop.ui import audit_dialog

    _history(db)
    target = tmp_path / "lich-su.xlsx"
    done = []
    monkeypatch.setattr(audit_dialog, "ask_full_ids", lambda _parent: False)
    monkeypatch.setattr(audit_dialog.AuditDialog, "_choose_file", lambda _self: target)
    monkeypatch.setattr(audit_dialog.AuditDialog, "_done", lambda _self, path, written: done.append((path, written)))
    dialog = audit_dialog.AuditDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.actor_filter.setCurrentIndex(dialog.actor_filter.findData("Chủ tịch"))
    dialog.export_excel()
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done == [(target, 1)]
    rows = [tuple(c.value for c in r) for r in openpyxl.load_workbook(target).active.iter_rows()]
    assert [r[1:] for r in rows if r[4] in ("Thêm", "Sửa")] == [
        ("Chủ tịch", "Thôn, tổ dân phố", "1", "Sửa", "Tên", "Thôn Đông", "Thôn Đông A")]


def test_password_hashes_are_never_in_the_log(db):
    from khuyenhoc_desktop.storage.models import AppUser

    with db.write() as s:
        s.add(AppUser(username="chutich", full_name="Trần Văn Bảo", role="chairman", password_hash="scrypt$abc"))
    with db.write() as s:
        s.execute(update(AppUser).values(password_hash="scrypt$def"))
    rows = _log(db, table_name="app_user")
    assert _values(rows[0])[1]["password_hash"] == triggers.HIDDEN
    assert _values(rows[1]) == ({"password_hash": triggers.HIDDEN}, {"password_hash": triggers.HIDDEN})
    assert all("scrypt" not in (r.old_values or "") + (r.new_values or "") for r in rows)
