"""The data file: pragmas, migrations and the copy kept aside, the lock, refusing foreign files,
all-or-nothing writes, and the uid/created/updated columns of every record."""

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from sqlalchemy import func, select, text

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain.cccd import make_cccd
from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import DatabaseFileError, DatabaseLockedError
from khuyenhoc_desktop.services import app_settings, fund, lists, profile, registry, reports, reviews, titles, users
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    ClanForm,
    DuesForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    OrganisationForm,
    PersonForm,
)
from khuyenhoc_desktop.storage.database import Database, head_revision
from khuyenhoc_desktop.storage.models import Base, CitizenResult, CustomForm, Hamlet, Person

LOCKED_MESSAGE = (
    "Tệp dữ liệu {name} đang được mở ở một cửa sổ chương trình khác. "
    "Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."
)


def _pragma(db, name):
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"PRAGMA {name}")
        value = cur.fetchone()[0]
        cur.close()
        return value
    finally:
        raw.close()


def _revision_of(path):
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()


# ---------------------------------------------------------------- a new file
def test_new_file_pragmas_and_revision(tmp_path):
    path = tmp_path / "sub" / "dir" / "new.sqlite"
    with Database(path) as db:
        assert path.is_file()
        assert _pragma(db, "journal_mode") == "wal"
        assert _pragma(db, "foreign_keys") == 1
        assert db.current_revision() == head_revision()
        assert db.upgraded_from is None
        assert db.backup_before_upgrade is None
        assert db.dialect == "sqlite"
    assert _revision_of(path) == [head_revision()]


def test_reopening_current_file_keeps_no_copy(tmp_path):
    path = tmp_path / "data.sqlite"
    Database(path).close()
    with Database(path) as db:
        assert db.upgraded_from is None
        assert db.backup_before_upgrade is None
    assert sorted(p.name for p in tmp_path.iterdir() if "truoc-nang-cap" in p.name) == []


def test_foreign_keys_enforced(db):
    with pytest.raises(Exception) as info:
        with db.write() as s:
            s.execute(
                text(
                    "INSERT INTO household (code, hamlet_id, address, poverty, note, sort_key, "
                    "search_text, uid, created_at, updated_at) VALUES ('X', 999, '', 'none', '', '', '', "
                    ":uid, '2020-01-01', '2020-01-01')"
                ),
                {"uid": str(uuid.uuid4())},
            )
    assert "FOREIGN KEY" in str(info.value)
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM household")) == 0


# ---------------------------------------------------------------- migration from 0001
def _insert_0001_rows(path):
    """Rows as version 0001 of the program would have written them (no search index yet)."""
    now = "2024-03-01 08:00:00.000000"
    conn = sqlite3.connect(path)
    try:
        sort, search = registry.named_keys("Thôn Đông")
        conn.execute(
            "INSERT INTO hamlet (id, name, kind, former_commune, former_hamlet, note, sort_key, "
            "search_text, uid, created_at, updated_at) VALUES (1, 'Thôn Đông', 'thon', '', '', '', ?, ?, ?, ?, ?)",
            (sort, search, str(uuid.uuid4()), now, now),
        )
        conn.execute(
            "INSERT INTO household (id, code, hamlet_id, clan_id, head_person_id, address, poverty, "
            "note, sort_key, search_text, uid, created_at, updated_at) "
            "VALUES (1, 'H01', 1, NULL, NULL, 'Xóm 1', 'poor', '', '', '', ?, ?, ?)",
            (str(uuid.uuid4()), now, now),
        )
        people = [
            (1, "Nguyễn", "Văn", "Thành", "M", "1975-04-30", 1975, make_cccd("036", 1975, "M", 11), "head"),
            (2, "Đào", "Thị", "Hương", "F", None, 1978, None, "spouse"),
        ]
        for pid, fam, mid, given, sex, bdate, year, number, rel in people:
            sort, search = registry.person_keys(fam, mid, given, number or "")
            conn.execute(
                "INSERT INTO person (id, household_id, family_name, middle_name, given_name, full_name, "
                "sex, birth_date, birth_year, cccd, relation, education, occupation, phone, note, "
                "sort_key, search_text, uid, created_at, updated_at) "
                "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', ?, ?, ?, ?, ?)",
                (pid, fam, mid, given, f"{fam} {mid} {given}", sex, bdate, year, number, rel,
                 sort, search, str(uuid.uuid4()), now, now),
            )
        head_name = "Nguyễn Văn Thành"
        conn.execute(
            "UPDATE household SET head_person_id = 1, sort_key = ?, search_text = ? WHERE id = 1",
            (registry.person_keys("Nguyễn", "Văn", "Thành")[0],
             registry.household_search_text(head_name, "H01", "Xóm 1")),
        )
        conn.commit()
    finally:
        conn.close()


def _dump(path):
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("hamlet", "household", "person")
        }
    finally:
        conn.close()


def test_upgrade_from_0001_keeps_copy_and_builds_search(tmp_path):
    path = tmp_path / "xa.sqlite"
    with Database(path, revision="0001") as old:
        assert old.current_revision() == "0001"
        with old.read() as s:
            tables = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type='table'")))
        assert "person" in tables and "person_fts" not in tables
    _insert_0001_rows(path)
    before = _dump(path)
    assert len(before["person"]) == 2

    with Database(path) as db:
        assert db.current_revision() == head_revision()
        assert db.upgraded_from == "0001"
        aside = db.backup_before_upgrade
        assert aside is not None and aside.is_file()
        assert aside.parent == path.parent
        assert aside != path
        assert "0001" in aside.name
        # The copy is a valid SQLite file still at 0001, with the same rows.
        assert aside.read_bytes()[:16] == b"SQLite format 3\x00"
        assert _revision_of(aside) == ["0001"]
        assert _dump(aside) == before
        conn = sqlite3.connect(aside)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            assert "person_fts" not in names
        finally:
            conn.close()

        with db.read() as s:
            # The rows themselves are unchanged by the upgrade.
            assert s.scalar(select(func.count(Person.id))) == 2
            ids = lists.row_ids(s, lists.ListQuery("persons", search="nguyen thanh"))
            assert ids == [1]
            assert lists.row_ids(s, lists.ListQuery("persons", search="NGUYỄN")) == [1]
            assert lists.row_ids(s, lists.ListQuery("persons", search="dao huo")) == [2]
            assert lists.row_ids(s, lists.ListQuery("persons", search="th")) == [2, 1]  # Thị, Thành
            assert lists.row_ids(s, lists.ListQuery("households", search="thanh")) == [1]
            assert lists.row_ids(s, lists.ListQuery("hamlets", search="dong")) == [1]
    after = _dump(path)
    assert after == before
    # And it opens again without another upgrade or another copy.
    with Database(path) as again:
        assert again.upgraded_from is None and again.backup_before_upgrade is None
    copies = [p for p in tmp_path.iterdir() if "truoc-nang-cap" in p.name]
    assert copies == [aside]


def test_rows_added_after_upgrade_are_searchable(tmp_path):
    path = tmp_path / "xa.sqlite"
    Database(path, revision="0001").close()
    _insert_0001_rows(path)
    with Database(path) as db:
        with db.write() as s:
            hid = registry.save_household(s, HouseholdForm(hamlet_id=1))
            registry.save_person(s, PersonForm(household_id=hid, family_name="Lê", middle_name="Thị",
                                               given_name="Thu", sex="F", birth_year="1990"))
        with db.read() as s:
            found = lists.row_ids(s, lists.ListQuery("persons", search="le thu"))
            assert [s.get(Person, i).full_name for i in found] == ["Lê Thị Thu"]


# ---------------------------------------------------------------- the lock
HOLDER = textwrap.dedent(
    """
    import sys
    from khuyenhoc_desktop.storage.database import Database
    db = Database(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.read()
    db.close()
    """
)


@pytest.fixture(scope="module")
def held_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lock") / "held.sqlite"
    Database(path).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
        yield path
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_second_instance_is_refused(held_file, tmp_path):
    before = held_file.read_bytes()
    with pytest.raises(DatabaseLockedError) as info:
        Database(held_file)
    assert str(info.value) == LOCKED_MESSAGE.format(name="held.sqlite")
    assert held_file.read_bytes() == before
    # A different file is not affected by that lock.
    Database(tmp_path / "other.sqlite").close()


def test_cli_on_locked_file(held_file, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the log file, if any
    assert cli.main(["stats", "--db", str(held_file)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "đang được mở" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_lock_released_on_close(tmp_path):
    path = tmp_path / "a.sqlite"
    first = Database(path)
    with pytest.raises(DatabaseLockedError):
        Database(path)
    first.close()
    Database(path).close()


# ---------------------------------------------------------------- files that are not ours
NOT_OURS = "Tệp {name} không phải dữ liệu của chương trình; chưa có gì bị thay đổi."


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_non_sqlite_file_refused_untouched(tmp_path):
    path = tmp_path / "danh-sach.xlsx"
    content = b"PK\x03\x04" + bytes(range(256)) * 10
    path.write_bytes(content)
    with pytest.raises(DatabaseFileError) as info:
        Database(path)
    assert str(info.value) == NOT_OURS.format(name="danh-sach.xlsx")
    assert path.read_bytes() == content
    assert _files(tmp_path) == ["danh-sach.xlsx"]


def test_foreign_sqlite_file_refused_untouched(tmp_path):
    path = tmp_path / "ketoan.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total INTEGER)")
    conn.execute("INSERT INTO invoice (total) VALUES (125000)")
    conn.commit()
    conn.close()
    content = path.read_bytes()
    with pytest.raises(DatabaseFileError) as info:
        Database(path)
    assert str(info.value) == NOT_OURS.format(name="ketoan.sqlite")
    assert path.read_bytes() == content
    assert _files(tmp_path) == ["ketoan.sqlite"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("invoice",)]
    conn.close()


def test_newer_version_file_refused_untouched(tmp_path):
    path = tmp_path / "moi.sqlite"
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    content = path.read_bytes()
    with pytest.raises(DatabaseFileError) as info:
        Database(path)
    message = str(info.value)
    assert "phiên bản mới hơn" in message
    assert message == (
        "Tệp moi.sqlite được tạo bởi phiên bản mới hơn của chương trình. "
        "Hãy cập nhật chương trình rồi mở lại; chưa có gì bị thay đổi."
    )
    assert path.read_bytes() == content
    assert not [p for p in tmp_path.iterdir() if "truoc-nang-cap" in p.name]


def test_damaged_sqlite_file_refused(tmp_path):
    path = tmp_path / "hong.sqlite"
    content = b"SQLite format 3\x00" + b"\xff" * 200
    path.write_bytes(content)
    with pytest.raises(DatabaseFileError) as info:
        Database(path)
    assert "chưa có gì bị thay đổi" in str(info.value)
    assert path.read_bytes() == content


def test_directory_refused(tmp_path):
    with pytest.raises(DatabaseFileError) as info:
        Database(tmp_path)
    assert str(info.value) == f"{tmp_path.resolve()} là một thư mục, không phải tệp dữ liệu."


def test_empty_file_becomes_a_database(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with Database(path) as db:
        assert db.current_revision() == head_revision()


# ---------------------------------------------------------------- transactions
def test_failed_write_leaves_nothing(db):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with db.write() as s:
            registry.save_hamlet(s, HamletForm(name="Thôn Một"))
            registry.save_hamlet(s, HamletForm(name="Thôn Hai"))
            assert s.scalar(select(func.count(Hamlet.id))) == 2
            raise Boom()
    with db.read() as s:
        assert s.scalar(select(func.count(Hamlet.id))) == 0
        assert lists.row_ids(s, lists.ListQuery("hamlets", search="thon")) == []
        assert s.scalar(text("SELECT count(*) FROM hamlet_fts")) == 0
    # The next write works normally.
    with db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Ba"))
    with db.read() as s:
        assert list(s.scalars(select(Hamlet.name))) == ["Thôn Ba"]


def test_validation_error_inside_write_rolls_back_earlier_saves(db):
    from khuyenhoc_desktop.errors import ValidationError

    with pytest.raises(ValidationError):
        with db.write() as s:
            registry.save_hamlet(s, HamletForm(name="Thôn Một"))
            registry.save_hamlet(s, HamletForm(name=""))
    with db.read() as s:
        assert s.scalar(select(func.count(Hamlet.id))) == 0


# ---------------------------------------------------------------- uid, created_at, updated_at
def _one_of_everything(db):
    from khuyenhoc_desktop.domain import admin_units

    prov = admin_units.provinces()[0]
    commune = admin_units.communes(prov.code)[0]
    with db.write() as s:
        profile.save_profile(
            s,
            profile.ProfileForm(
                province_code=prov.code, commune_code=commune.code, association_name="Hội Khuyến học",
                officers=[profile.OfficerLine("trần văn bảo", "Chủ tịch")],
            ),
        )
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h))
        p = registry.save_person(s, PersonForm(household_id=hh, family_name="Lê", given_name="Na",
                                               sex="F", birth_year="1990", relation="head"))
        c = registry.save_clan(s, ClanForm(name="Họ Lê", head_person_id=p, hamlet_ids=[h]))
        o = registry.save_organisation(s, OrganisationForm(name="Trường Tiểu học", kind="school"))
        b = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet", hamlet_id=h))
        registry.save_branch(s, BranchForm(name="Chi hội Trường", kind="school", organisation_id=o))
        registry.save_branch(s, BranchForm(name="Chi hội Họ Lê", kind="clan", clan_id=c))
        m = registry.save_member(s, MemberForm(person_id=p, branch_id=b, card_number="01"))
        registry.save_dues(s, DuesForm(member_id=m, period="2025", amount=50_000, paid_on="01/03/2025"))
        titles.register(s, 2025, "GĐHT", "household", [hh])
        reg = titles.registrations(s, 2025, "GĐHT")[0].id
        titles.score_registration(s, reg, "gdht-qd448-2015-minh-hoa-tinh",
                                  dict.fromkeys(("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2"), 10))
        titles.issue_decision(s, titles.DecisionForm(
            number="01/QĐ-HKH", year=2025, title_code="GĐHT", issued_on="15/01/2026",
            signer_name="Trần Văn Bảo", signer_title="Chủ tịch", registration_ids=[reg]))
        meeting = reviews.save_meeting(s, reviews.MeetingForm(
            year=2025, title_code="GĐHT", held_on="10/12/2025", chair_name="Lê Na", secretary_name="Lê Na",
            invited=10, present=8))
        reviews.set_votes(s, meeting, {reg: 8})
        s.add(CitizenResult(person_id=p, year=2025, form_group="1", total=85, passed=True, source="online"))
        s.add(CustomForm(form_id="gdht-tinh", content="{}", source="gdht-tinh.json"))
        app_settings.put(s, "certificate_template", {"paper": "A5"})
        fund.record_voucher(s, fund.VoucherForm(kind="receipt", voucher_date="02/01/2025", amount=900_000,
                                                party_kind="person", party_id=p))
        dec = fund.save_payout_decision(s, fund.PayoutDecisionForm(
            number="01/QĐ-HKH", decided_on="03/01/2025", lines=[fund.PayoutLineForm("Lê Na", 500_000)]))
        fund.pay_decision(s, dec)
        fund.lock_until(s, "31/01/2025")
        reports.save_report(s, reports.ReportForm("annual", 2025))
        users.enable(s, "chutich", "Trần Văn Bảo", "mat-khau-thu")
    return h


def test_every_table_has_uid_and_times(db):
    _one_of_everything(db)
    without_uid = {name for name, table in Base.metadata.tables.items() if "uid" not in table.c}
    # A link table, and the audit trail: log lines (with their own time `at`), not records to merge.
    assert without_uid == {"clan_hamlet", "audit_log", "audit_context"}
    with db.read() as s:
        for name, table in Base.metadata.tables.items():
            if name in without_uid:
                continue
            rows = s.execute(select(table.c.uid, table.c.created_at, table.c.updated_at)).all()
            assert rows, f"no row in {name}"
            uids = [r.uid for r in rows]
            assert len(set(uids)) == len(uids)
            for uid, created, updated in rows:
                assert len(uid) == 36 and str(uuid.UUID(uid)) == uid
                assert isinstance(created, dt.datetime) and isinstance(updated, dt.datetime)
                assert abs((utcnow() - created).total_seconds()) < 60
                assert created <= updated
    # All uids unique across the whole file too (they are global ids for merging).
    with db.read() as s:
        every = []
        for name, table in Base.metadata.tables.items():
            if name not in without_uid:
                every += list(s.scalars(select(table.c.uid)))
        assert len(every) == len(set(every))


def test_uid_is_unique_in_schema(db):
    h = _one_of_everything(db)
    with db.read() as s:
        uid = s.get(Hamlet, h).uid
    with pytest.raises(Exception) as info:
        with db.write() as s:
            s.add(Hamlet(name="Thôn Khác", uid=uid))
    assert "UNIQUE" in str(info.value)


def test_updated_at_moves_on_edit_uid_and_created_do_not(db):
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    with db.read() as s:
        before = s.get(Hamlet, h)
        uid, created, updated = before.uid, before.created_at, before.updated_at
    time.sleep(0.01)
    with db.write() as s:
        form = registry.load_hamlet(s, h)
        form.note = "Sáp nhập từ xã cũ"
        registry.save_hamlet(s, form)
    with db.read() as s:
        after = s.get(Hamlet, h)
        assert after.uid == uid
        assert after.created_at == created
        assert after.updated_at > updated
        assert after.note == "Sáp nhập từ xã cũ"


def test_migrations_build_exactly_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from khuyenhoc_desktop.storage.models import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if not (isinstance(d, tuple) and "fts" in str(d[1]))] == []
