import datetime as dt
import json
import re
import sqlite3
import unicodedata

import pytest
from sqlalchemy import func, select

from khuyenhoc_desktop.cli import main
from khuyenhoc_desktop.domain import admin_units, demo_names, vocab
from khuyenhoc_desktop.domain.cccd import check_cccd
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.domain.validation import check_phone
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services.demo import CANCELLED, NOT_EMPTY, build_demo
from khuyenhoc_desktop.services.lists import ListQuery, as_table
from khuyenhoc_desktop.services.profile import get_profile
from khuyenhoc_desktop.services.registry import (
    household_search_text,
    member_search_text,
    named_keys,
    person_keys,
)
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import (
    Branch,
    Clan,
    DuesPayment,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
    clan_hamlet,
)

TABLES = (
    "commune_profile", "officer", "hamlet", "clan", "clan_hamlet", "household", "person",
    "organisation", "branch", "member", "dues_payment", "form_version", "registration", "evaluation",
    "review_meeting", "review_vote", "decision", "decision_entry", "citizen_result", "voucher", "payout_decision",
    "payout_line", "fund_lock",
)


def _content(path) -> dict[str, list[tuple]]:
    """Every row of every table, without the timestamps (when it was made, not what)."""
    conn = sqlite3.connect(str(path))
    try:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = [f'"{c}"' for c in cols if c not in ("created_at", "updated_at", "cancelled_at")]
            out[table] = conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY 1, 2").fetchall()
        return out
    finally:
        conn.close()


def _build(path, households=50, seed=5, **kwargs) -> dict:
    with Database(path) as database:
        return build_demo(database, households=households, seed=seed, **kwargs)


def _triggers(path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def _seed_files(tmp_path_factory):
    """Small communes of other seeds (a phường, a mountain xã, a merged southern xã), built once."""
    folder = tmp_path_factory.mktemp("seeds")
    files = {}
    for seed in (2, 8, 12):
        files[seed] = folder / f"seed{seed}.sqlite"
        _build(files[seed], households=25, seed=seed)
    return files


@pytest.fixture(params=["template", 2, 8, 12])
def any_demo(request, _seed_files):
    """The shared template commune and a few others: the invariants must hold for every seed."""
    if request.param == "template":
        yield request.getfixturevalue("demo_db")
        return
    with Database(_seed_files[request.param]) as database:
        yield database


def test_same_seed_same_content(tmp_path):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert _build(first) == _build(second)
    a, b = _content(first), _content(second)
    assert a["person"] and a == b
    with Database(first) as d1, d1.read() as s1, Database(second) as d2, d2.read() as s2:
        rows1 = as_table(s1, ListQuery("persons"))[1]
        rows2 = as_table(s2, ListQuery("persons"))[1]
    assert rows1 == rows2


def test_other_seed_differs(tmp_path):
    _build(tmp_path / "a.sqlite", seed=5)
    _build(tmp_path / "b.sqlite", seed=6)
    a, b = _content(tmp_path / "a.sqlite"), _content(tmp_path / "b.sqlite")
    assert a["person"] != b["person"]
    uids = []
    for path in (tmp_path / "a.sqlite", tmp_path / "b.sqlite"):
        conn = sqlite3.connect(str(path))
        uids.append({u for (u,) in conn.execute("SELECT uid FROM person")})
        conn.close()
    assert uids[0].isdisjoint(uids[1])


def test_counts_plausible(demo_db):
    with demo_db.read() as s:
        households = s.scalar(select(func.count(Household.id)))
        persons = s.scalar(select(func.count(Person.id)))
        adults = s.scalar(select(func.count(Person.id)).where(Person.birth_year <= today().year - 18))
        members = s.scalar(select(func.count(Member.id)))
        assert households == 60
        assert 2.5 <= persons / households <= 4.5
        assert s.scalar(select(func.count(Hamlet.id))) >= 3
        assert s.scalar(select(func.count(Clan.id))) >= 2
        assert 0.08 <= members / adults <= 0.4
        assert s.scalar(select(func.count(DuesPayment.id))) > 0
        kinds = set(s.scalars(select(Organisation.kind)))
        assert {"school", "office", "firm"} <= kinds
        poverty = set(s.scalars(select(Household.poverty)))
        assert poverty <= set(vocab.POVERTY)


def test_summary_matches_database(tmp_path):
    path = tmp_path / "demo.sqlite"
    summary = _build(path, households=40, seed=11)
    content = _content(path)
    for key, table in (
        ("households", "household"), ("persons", "person"), ("members", "member"), ("hamlets", "hamlet"),
        ("clans", "clan"), ("organisations", "organisation"), ("branches", "branch"),
        ("dues_payments", "dues_payment"),
    ):
        assert summary[key] == len(content[table]), key


def test_cccd_consistent_and_unique(any_demo):
    with any_demo.read() as s:
        rows = s.execute(select(Person.cccd, Person.birth_year, Person.sex)).all()
    issued = [c for c, _, _ in rows if c]
    assert len(issued) == len(set(issued))
    for cccd, year, sex in rows:
        if cccd:
            assert check_cccd(cccd, year, sex) is None, (cccd, year, sex)
    older = [c for c, year, _ in rows if today().year - year >= 14]
    assert 0.7 <= sum(1 for c in older if c) / len(older) <= 0.95


def test_names_and_codes(any_demo):
    with any_demo.read() as s:
        persons = s.scalars(select(Person)).all()
    for p in persons:
        for part in (p.family_name, p.middle_name, p.given_name, p.full_name):
            assert part == unicodedata.normalize("NFC", part)
        assert p.given_name and p.family_name and " " not in p.given_name
        assert p.full_name == " ".join(x for x in (p.family_name, p.middle_name, p.given_name) if x)
        assert p.sex in vocab.SEXES
        assert p.relation in vocab.RELATIONS
        assert p.education in vocab.EDUCATION
        assert p.birth_date is None or (p.birth_date.year == p.birth_year and p.birth_date <= today())
        if p.phone:
            assert check_phone(p.phone) is None and re.fullmatch(r"0[35789]\d{8}", p.phone)


def test_ages_follow_relations(any_demo):
    with any_demo.read() as s:
        heads = dict(
            s.execute(select(Household.id, Person.birth_year).join(Person, Person.id == Household.head_person_id)).all()
        )
        persons = s.execute(
            select(Person.household_id, Person.relation, Person.birth_year, Person.education, Person.occupation)
        ).all()
    year = today().year
    for hid, relation, born, education, occupation in persons:
        head = heads[hid]
        if relation in ("child", "grandchild"):
            assert born >= head + 15
        if relation == "grandchild":
            assert born >= head + 30
        if relation == "parent":
            assert born <= head - 18
        age = year - born
        if 6 <= age <= 10:
            assert education == "primary" and occupation == "Học sinh"
        if age < 3:
            assert education == "none"
        if age < 22:
            assert education != "postgraduate" and occupation not in ("Giáo viên", "Cán bộ", "Hưu trí")


def test_derived_columns_use_registry_helpers(any_demo):
    with any_demo.read() as s:
        persons = {p.id: p for p in s.scalars(select(Person))}
        for p in persons.values():
            assert (p.sort_key, p.search_text) == person_keys(
                p.family_name, p.middle_name, p.given_name, p.cccd or "", p.phone
            )
        for h in s.scalars(select(Household)):
            head = persons[h.head_person_id]
            assert h.sort_key == head.sort_key
            assert h.search_text == household_search_text(head.full_name, h.code, h.address)
        for m in s.scalars(select(Member)):
            person = persons[m.person_id]
            assert m.sort_key == person.sort_key
            assert m.search_text == member_search_text(person.full_name, m.card_number)
        for h in s.scalars(select(Hamlet)):
            assert (h.sort_key, h.search_text) == named_keys(h.name, h.former_hamlet, h.former_commune)
        for c in s.scalars(select(Clan)):
            assert (c.sort_key, c.search_text) == named_keys(c.name)
        for o in s.scalars(select(Organisation)):
            assert (o.sort_key, o.search_text) == named_keys(o.name, o.head_name, o.address)
        for b in s.scalars(select(Branch)):
            assert (b.sort_key, b.search_text) == named_keys(b.name, b.head_name)
        for model in (Hamlet, Clan, Household, Person, Organisation, Branch, Member):
            assert s.scalar(select(func.count()).where(model.uid.is_(None) | model.created_at.is_(None))) == 0


def test_search_index_is_complete(any_demo, tmp_path):
    with any_demo.read() as s:
        person = s.scalars(select(Person).order_by(Person.id).limit(1)).one()
        rows = as_table(s, ListQuery("persons", search=person.search_text.split()[0]))[1]
        assert person.id in {r["id"] for r in rows}
        card = s.scalar(select(Member.card_number).limit(1))
        assert len(as_table(s, ListQuery("members", search=card))[1]) == 1
    with Database(tmp_path / "fresh.sqlite") as fresh:
        assert _triggers(any_demo.path) == _triggers(fresh.path) > 0


def test_households_and_clans(any_demo):
    with any_demo.read() as s:
        for h in s.scalars(select(Household)):
            head = s.get(Person, h.head_person_id)
            assert head.household_id == h.id and head.relation == "head"
            assert re.fullmatch(r"H\d{6}", h.code)
            assert h.address.endswith(s.get(Hamlet, h.hamlet_id).name)
        for c in s.scalars(select(Clan)):
            assert c.name.startswith("Họ ")
            spans = s.scalars(select(clan_hamlet.c.hamlet_id).where(clan_hamlet.c.clan_id == c.id)).all()
            assert 1 <= len(spans) <= 3
            if c.head_person_id is not None:
                head = s.get(Person, c.head_person_id)
                assert head.sex == "M" and c.name.split()[1] == head.family_name
                assert today().year - head.birth_year >= 45
        in_clans = s.scalars(select(Household).where(Household.clan_id.is_not(None))).all()
        assert in_clans
        for h in in_clans:
            # The clan is the head's, or for a woman heading the household, her husband's.
            clan = s.get(Clan, h.clan_id)
            men = select(Person.family_name).where(Person.household_id == h.id, Person.sex == "M")
            head = s.get(Person, h.head_person_id)
            assert clan.name.split()[1] in set(s.scalars(men)) | {head.family_name}


def test_branches_point_at_their_base(any_demo):
    with any_demo.read() as s:
        branches = s.scalars(select(Branch)).all()
        assert {b.kind for b in branches} >= {"hamlet", "school", "office", "clan"}
        assert sum(b.kind == "hamlet" for b in branches) == s.scalar(select(func.count(Hamlet.id)))
        for b in branches:
            assert b.kind in vocab.BRANCH_KINDS
            refs = {"hamlet": b.hamlet_id, "organisation": b.organisation_id, "clan": b.clan_id}
            wanted = {"hamlet": "hamlet", "clan": "clan"}.get(b.kind, "organisation")
            assert refs.pop(wanted) is not None and set(refs.values()) == {None}
            if b.organisation_id:
                assert s.get(Organisation, b.organisation_id).kind == b.kind
            assert b.founded_on <= today()


def test_members_and_dues(any_demo):
    now = today()
    with any_demo.read() as s:
        members = {m.id: m for m in s.scalars(select(Member))}
        for m in members.values():
            assert re.fullmatch(r"KH-\d{6}", m.card_number)
            assert now - dt.timedelta(days=3653) <= m.join_date <= now
            assert m.status in vocab.MEMBER_STATUSES
            if m.status == "active":
                assert m.leave_date is None
            else:
                assert m.join_date <= m.leave_date <= now
            person = s.get(Person, m.person_id)
            assert m.join_date.year - person.birth_year >= 18
            if person.birth_date:
                assert m.join_date > person.birth_date.replace(year=person.birth_date.year + 18, day=1)
        statuses = [m.status for m in members.values()]
        assert statuses.count("active") / len(statuses) > 0.8
        dues = s.scalars(select(DuesPayment)).all()
        periods = set()
        for d in dues:
            assert isinstance(d.amount, int) and d.amount > 0 and d.amount % 1000 == 0
            assert str(d.paid_on.year) == d.period and d.paid_on <= now
            member = members[d.member_id]
            assert d.paid_on >= member.join_date
            assert member.leave_date is None or d.paid_on <= member.leave_date
            periods.add(d.period)
        assert 2 <= len(periods) <= 3 and str(now.year) in periods


def test_profile(any_demo):
    with any_demo.read() as s:
        profile = get_profile(s)
    assert admin_units.commune(profile.province_code, profile.commune_code) is not None
    assert profile.association_name.startswith("Hội Khuyến học ")
    assert admin_units.short_name(profile.commune_name) in profile.association_name
    assert "mẫu" not in profile.association_name
    assert profile.parent_body and profile.report_to and profile.address and profile.phone
    titles = [o.title for o in profile.officers]
    assert titles == ["Chủ tịch", "Phó Chủ tịch", "Kế toán", "Thủ quỹ"]


def test_refuses_a_file_with_data(demo_db):
    before = _content(demo_db.path)
    with pytest.raises(UserError, match=re.escape(NOT_EMPTY)):
        build_demo(demo_db, households=10, seed=1)
    assert _content(demo_db.path) == before


def test_cancel_leaves_the_file_empty(tmp_path):
    path = tmp_path / "demo.sqlite"
    with Database(path):
        pass
    triggers = _triggers(path)
    seen: list[str] = []

    def progress(done, total, message):
        seen.append(message)

    def cancel():
        # Stop in the middle of writing the persons, after the bulk path started.
        return seen.count("Đang lưu nhân khẩu…") >= 1

    with pytest.raises(UserError, match=re.escape(CANCELLED)):
        _build(path, households=30, seed=2, progress=progress, cancel=cancel)
    assert all(not rows for rows in _content(path).values())
    assert _triggers(path) == triggers
    # The file is still usable for a demo afterwards.
    assert _build(path, households=30, seed=2)["households"] == 30


def test_progress_reports(tmp_path):
    calls: list[tuple[int, int, str]] = []
    _build(tmp_path / "demo.sqlite", households=30, seed=4, progress=lambda *a: calls.append(a))
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[-1] == 100
    assert all(total == 100 for _, total, _ in calls)
    assert len(calls) < 50


def test_demo_names_are_nfc():
    texts = [f for f, *_ in demo_names.FAMILY_NAMES]
    for pool in (demo_names.MALE_MIDDLE, demo_names.FEMALE_MIDDLE, demo_names.MALE_GIVEN, demo_names.FEMALE_GIVEN):
        texts += [name for name, _ in pool]
    texts += demo_names.PLACE_NAMES + demo_names.CLAN_MIDDLES + demo_names.MALE_DOUBLE_MIDDLE
    texts += demo_names.FEMALE_DOUBLE_MIDDLE + demo_names.STREETS + demo_names.SCHOOL_PATRONS
    for text in texts:
        assert text == unicodedata.normalize("NFC", text) and text.strip() == text
    assert len(demo_names.MALE_GIVEN) >= 36 and len(demo_names.FEMALE_GIVEN) >= 36


def test_cli_demo_then_stats(tmp_path, capsys):
    path = tmp_path / "cli.sqlite"
    assert main(["demo", "--db", str(path), "--households", "30", "--seed", "3"]) == 0
    assert "30 hộ" in capsys.readouterr().out
    assert main(["stats", "--db", str(path), "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    counts = stats["counts"]
    assert counts["households"] == 30
    assert 75 <= counts["persons"] <= 135
    assert counts["hamlets"] == 3 and counts["members"] > 0
    assert stats["profile"]["association_name"].startswith("Hội Khuyến học")
    # A second run on the same file is refused, with exit code 2.
    assert main(["demo", "--db", str(path), "--households", "30", "--seed", "3"]) == 2
    assert "tệp mới" in capsys.readouterr().err


def test_demo_fund_year(demo_db):
    from khuyenhoc_desktop.domain.dates import today
    from khuyenhoc_desktop.services import fund
    from khuyenhoc_desktop.storage.models import PayoutLine, Voucher

    last = today().year - 1
    with demo_db.read() as s:
        book = fund.year_ledger(s, last)
        assert book.closing == book.opening + book.received - book.paid and book.closing > 0
        assert fund.locked_until(s) == dt.date(last, 12, 31)
        cancelled = list(s.scalars(select(Voucher).where(Voucher.cancelled_on.is_not(None))))
        assert len(cancelled) == 1 and cancelled[0].cancel_reason.startswith("Ghi trùng phiếu PT-")
        # The duplicate is numbered right after the receipt it copies, on the same day.
        original = s.scalar(select(Voucher).where(Voucher.number == cancelled[0].cancel_reason.split()[-1]))
        assert cancelled[0].seq == original.seq + 1 and cancelled[0].voucher_date == original.voucher_date
        purposes = {label for label, _r, _p in fund.totals_by(s, dt.date(last, 1, 1), dt.date(last, 12, 31), "purpose")}
        assert {"Tết", "Ngày Khuyến học 2/10", "Khai giảng năm học"} <= purposes
        kinds = {v.payout_kind for v in s.scalars(select(Voucher).where(Voucher.kind == "payment"))}
        assert {"scholarship", "award"} <= kinds
        assert s.scalar(select(func.count(PayoutLine.id))) > 0
        assert fund.award_statistics(s, dt.date(last, 1, 1), dt.date(last, 12, 31))
        sizes = {v.amount for v in s.scalars(select(Voucher).where(Voucher.kind == "receipt"))}
        assert len(sizes) >= 5  # donations of varied sizes


def test_demo_of_a_chosen_commune(tmp_path, capsys):
    path = tmp_path / "an-binh.sqlite"
    assert main(["demo", "--db", str(path), "--households", "20", "--commune", "23614"]) == 0
    assert capsys.readouterr().out.startswith("Đã tạo xã mẫu Phường An Bình (Gia Lai): 20 hộ")
    with Database(path) as db, db.read() as s:
        from khuyenhoc_desktop.storage.models import CommuneProfile

        assert s.scalar(select(CommuneProfile.commune_code)) == 23614
    missing = tmp_path / "none.sqlite"
    assert main(["demo", "--db", str(missing), "--commune", "999999"]) == 2
    assert "Không có xã, phường mã 999999" in capsys.readouterr().err and not missing.exists()
