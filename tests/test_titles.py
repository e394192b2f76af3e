"""The yearly cycle of learning titles: migration 0002 → 0003, registration and counts, scoring
against a frozen form version, decisions (numbering, final once issued, amendments),
"n năm liền", what blocks deleting an entity, and `khuyenhoc decisions list`."""

import json
import sqlite3

import pytest
from sqlalchemy import func, select

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain import forms
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.paths import forms_dir
from khuyenhoc_desktop.services import registry, titles
from khuyenhoc_desktop.services.registry import HamletForm, HouseholdForm, OrganisationForm, PersonForm
from khuyenhoc_desktop.services.titles import DecisionForm
from khuyenhoc_desktop.storage.database import Database, head_revision
from khuyenhoc_desktop.storage.models import Evaluation, FormVersion, Household, Registration

GDHT = "gdht-qd448-2015-minh-hoa-tinh"
FULL = {"1.1": 10, "1.2": 10, "1.3": 10, "2.1": 10, "2.2": 10, "2.3": 10,
        "3.1": 10, "3.2": 10, "4.1": 10, "4.2": 10}
LOW = dict(FULL, **{"3.1": 0, "3.2": 0, "4.1": 0, "4.2": 0})  # 60 points: not passed


def _commune(db, households=3, hamlets=1):
    """Hamlets with `households` households each; returns (hamlet ids, household ids)."""
    hamlet_ids, household_ids = [], []
    with db.write() as s:
        for n in range(hamlets):
            h = registry.save_hamlet(s, HamletForm(name=f"Thôn {n + 1}"))
            hamlet_ids.append(h)
            for _ in range(households):
                household_ids.append(registry.save_household(s, HouseholdForm(hamlet_id=h)))
    return hamlet_ids, household_ids


def _scored(db, year, household_ids, values=FULL):
    """Register and score households for GĐHT in `year`; returns their registration ids."""
    with db.write() as s:
        titles.register(s, year, "GĐHT", "household", household_ids)
        regs = [r.id for r in titles.registrations(s, year, "GĐHT") if r.entity_id in household_ids]
        for rid in regs:
            titles.score_registration(s, rid, GDHT, values, {"1.1": "Sổ theo dõi của chi hội"})
    return regs


def _decide(db, year, regs, number=None, issue=True):
    with db.write() as s:
        form = DecisionForm(
            number=number or titles.next_decision_number(s, year), year=year, title_code="GĐHT",
            issued_on=f"15/01/{year + 1}", signer_name="Trần Văn Bảo", signer_title="Chủ tịch",
            basis="Căn cứ Quyết định số 448/QĐ-KHVN ngày 01/12/2015;", registration_ids=regs,
        )
        return titles.save_decision(s, form, issue=issue)


# ---------------------------------------------------------------- migration
def test_upgrade_from_0002_keeps_rows_and_adds_title_tables(tmp_path):
    path = tmp_path / "xa.sqlite"
    with Database(path, revision="0002") as old:
        with old.write() as s:
            h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
            hh = registry.save_household(s, HouseholdForm(hamlet_id=h, address="Xóm 1"))
            registry.save_person(s, PersonForm(household_id=hh, family_name="Lê", given_name="Na",
                                               sex="F", birth_year="1990", relation="head"))
    conn = sqlite3.connect(path)
    before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("hamlet", "household", "person")}
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert "registration" not in names

    with Database(path) as db:
        assert db.upgraded_from == "0002"
        assert db.current_revision() == head_revision()
        with db.write() as s:
            assert titles.register(s, 2025, "GĐHT", "household", [hh]) == {"added": 1, "already": 0}
    conn = sqlite3.connect(path)
    try:
        after = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("hamlet", "household", "person")}
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert after == before
    assert {"form_version", "registration", "evaluation", "decision", "decision_entry"} <= names


# ---------------------------------------------------------------- registration
def test_register_and_counts(db):
    hamlets, households = _commune(db, households=3, hamlets=2)
    with db.write() as s:
        assert titles.registered_counts(s, 2025, "GĐHT") == (0, 6)
        assert titles.register(s, 2025, "GĐHT", "household", households[:2]) == {"added": 2, "already": 0}
        # All of the first hamlet: the two already registered stay as they are.
        assert titles.register_hamlet_households(s, 2025, hamlets[0]) == {"added": 1, "already": 2}
        assert titles.registered_counts(s, 2025, "GĐHT") == (3, 6)
        assert titles.registered_counts(s, 2024, "GĐHT") == (0, 6)
        assert titles.registered_counts(s, 2025, "CĐHT thôn") == (0, 2)
    with pytest.raises(ValidationError) as info:
        with db.write() as s:
            titles.register(s, 2025, "GĐHT", "clan", [1])
    assert "dành cho hộ" in str(info.value)
    with pytest.raises(ValidationError):
        with db.write() as s:
            titles.register(s, 2025, "Gia đình văn hóa", "household", households)
    with pytest.raises(UserError) as info:
        with db.write() as s:
            titles.register(s, 2025, "GĐHT", "household", [9999])
    assert "9999" in str(info.value)
    with db.read() as s:
        assert s.scalar(select(func.count(Registration.id))) == 3


# ---------------------------------------------------------------- scoring
def test_scoring_freezes_the_form_and_past_results_do_not_change(db, tmp_path):
    _, households = _commune(db, households=2)
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households)
        first, second = [r.id for r in titles.registrations(s, 2025, "GĐHT")]
        ev = titles.score_registration(s, first, GDHT, FULL, {"1.1": "Giấy khen của con"})
        assert (ev.total, ev.level, ev.passed) == (100, "Đạt", True)
        past_version = ev.form_version_id
    with db.read() as s:
        stored = s.get(FormVersion, past_version)
        assert stored.form_id == GDHT
        assert json.loads(stored.content) == json.loads((forms_dir() / f"{GDHT}.json").read_text("utf-8"))
        assert json.loads(s.get(Evaluation, ev.id).evidence) == {"1.1": "Giấy khen của con"}

    # The province edits the form: pass mark raised to 101 → nobody passes any more.
    folder = tmp_path / "forms"
    folder.mkdir()
    data = json.loads((forms_dir() / f"{GDHT}.json").read_text("utf-8"))
    data["version"] = "2"
    data["pass_rule"]["min_total"] = 100.5
    data["levels"][0]["min_total"] = 100.5
    (folder / f"{GDHT}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    changed = forms.find_form(GDHT, folder)
    with db.write() as s:
        ev2 = titles.score_registration(s, second, changed, FULL)
        assert (ev2.total, ev2.passed) == (100, False)
        assert ev2.form_version_id != past_version
        # Same content again: the frozen copy is reused, not duplicated.
        third = titles.snapshot_form(s, changed)
        assert third.id == ev2.form_version_id
    with db.read() as s:
        past = titles.evaluation_of(s, first)
        assert (past.total, past.level, past.passed, past.form_version_id) == (100, "Đạt", True, past_version)
        assert titles.stored_form(s, past_version).pass_rule["min_total"] == 80
        assert titles.stored_form(s, ev2.form_version_id).version == "2"
        assert s.scalar(select(func.count(FormVersion.id))) == 2


def test_incomplete_form_and_wrong_values_are_refused(db):
    _, households = _commune(db, households=1)
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households)
        rid = titles.registrations(s, 2025, "GĐHT")[0].id
    incomplete = forms.find_form("gdht-qd448-2015")
    assert forms.missing(incomplete)
    with pytest.raises(UserError) as info:
        with db.write() as s:
            titles.score_registration(s, rid, incomplete, FULL)
    assert "chưa đủ để chấm điểm" in str(info.value)
    with pytest.raises(UserError) as info:
        with db.write() as s:
            titles.score_registration(s, rid, GDHT, {"1.1": 10})
    assert "chưa chấm chỉ tiêu" in str(info.value)
    with pytest.raises(ValidationError):
        with db.write() as s:
            titles.score_registration(s, rid, "dvht-tt22-2020", {})
    with db.read() as s:
        assert s.scalar(select(func.count(Evaluation.id))) == 0
        assert s.scalar(select(func.count(FormVersion.id))) == 0


def test_organisation_scored_with_tt22(db):
    with db.write() as s:
        org = registry.save_organisation(s, OrganisationForm(name="Trường Tiểu học", kind="school"))
        titles.register(s, 2025, "ĐVHT", "organisation", [org])
        rid = titles.registrations(s, 2025, "ĐVHT")[0].id
        values = {"1.1": 10, "1.2": 10, "1.3": 10, "2.1": 10, "2.2": 5, "2.3": 10, "2.4": 5, "3.1": 25, "3.2": 0}
        ev = titles.score_registration(s, rid, "dvht-tt22-2020", values)
        assert (ev.total, ev.level) == (85, "Tốt")


# ---------------------------------------------------------------- decisions
def test_decision_numbering_per_year(db):
    _, households = _commune(db, households=3)
    regs24 = _scored(db, 2024, households)
    regs25 = _scored(db, 2025, households)
    with db.read() as s:
        assert titles.next_decision_number(s, 2024) == "01/QĐ-HKH"
    _decide(db, 2024, regs24[:1])
    _decide(db, 2024, regs24[1:2])
    with db.read() as s:
        assert titles.next_decision_number(s, 2024) == "03/QĐ-HKH"
        assert titles.next_decision_number(s, 2024, "QĐ-UBND") == "01/QĐ-UBND"
        assert titles.next_decision_number(s, 2025) == "01/QĐ-HKH"  # a new year restarts
    _decide(db, 2025, regs25, number="01/QĐ-HKH")
    _decide(db, 2024, regs24[2:], number="12/QĐ-HKH")
    with db.read() as s:
        assert titles.next_decision_number(s, 2024) == "13/QĐ-HKH"
        assert titles.next_decision_number(s, 2025) == "02/QĐ-HKH"
        rows = titles.list_decisions(s)
        assert [(r["year"], r["number"]) for r in rows] == [
            (2025, "01/QĐ-HKH"), (2024, "01/QĐ-HKH"), (2024, "02/QĐ-HKH"), (2024, "12/QĐ-HKH")]
        assert [r["number"] for r in titles.list_decisions(s, 2025)] == ["01/QĐ-HKH"]
    with pytest.raises(ValidationError) as info:  # the same number twice in one year
        _decide(db, 2024, regs24[:1], number="02/QĐ-HKH")
    assert "đã có" in str(info.value)


def test_only_passed_evaluations_enter_a_decision(db):
    _, households = _commune(db, households=2)
    passed = _scored(db, 2025, households[:1])
    failed = _scored(db, 2025, households[1:], LOW)
    with pytest.raises(ValidationError) as info:
        _decide(db, 2025, passed + failed)
    assert "chưa đạt" in str(info.value)
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households)  # nothing new
    _decide(db, 2025, passed)


def test_issued_decision_is_final_and_amendment_replaces_its_list(db):
    _, households = _commune(db, households=3)
    regs = _scored(db, 2025, households)
    draft = _decide(db, 2025, regs[:1], issue=False)
    with db.write() as s:  # a draft can still be edited, then issued
        form = DecisionForm(id=draft, number="01/QĐ-HKH", year=2025, title_code="GĐHT", issued_on="20/01/2026",
                            signer_name="Trần Văn Bảo", signer_title="Chủ tịch", registration_ids=regs[:2])
        titles.edit_decision(s, form)
        form.registration_ids = regs[:2]
        titles.save_decision(s, form, issue=True)
    with pytest.raises(UserError) as info:
        with db.write() as s:
            titles.edit_decision(s, DecisionForm(id=draft, number="01/QĐ-HKH", year=2025, title_code="GĐHT",
                                                 registration_ids=regs))
    assert str(info.value) == "Quyết định đã ban hành; hãy ban hành quyết định mới sửa đổi."
    with pytest.raises(UserError):
        with db.write() as s:
            titles.delete_decision(s, draft)
    with pytest.raises(UserError) as info:  # a recognised registration is not re-scored
        with db.write() as s:
            titles.score_registration(s, regs[0], GDHT, LOW)
    assert "01/QĐ-HKH" in str(info.value)
    with db.read() as s:
        assert titles.recognised_years(s, "household", households[2], "GĐHT") == []
        assert titles.list_decisions(s)[0]["entities"] == 2

    with db.write() as s:
        new = titles.amend_decision(s, draft, DecisionForm(
            number=titles.next_decision_number(s, 2025), issued_on="10/02/2026", signer_name="Trần Văn Bảo",
            signer_title="Chủ tịch", registration_ids=regs))
    with db.read() as s:
        rows = {r["number"]: r for r in titles.list_decisions(s, 2025)}
        assert rows["02/QĐ-HKH"]["amends"] == "01/QĐ-HKH" and rows["02/QĐ-HKH"]["entities"] == 3
        assert rows["01/QĐ-HKH"]["entities"] == 2  # the issued list itself is untouched
        assert titles.recognised_years(s, "household", households[2], "GĐHT") == [2025]
        assert new != draft
    d = _decide(db, 2025, regs[:1], number="09/QĐ-HKH", issue=False)
    with pytest.raises(UserError) as info:  # an amendment can only amend an issued decision
        with db.write() as s:
            titles.amend_decision(s, d, DecisionForm(number="10/QĐ-HKH"))
    assert "chưa ban hành" in str(info.value)


def test_issuing_needs_date_and_signer(db):
    _, households = _commune(db, households=1)
    regs = _scored(db, 2025, households)
    with pytest.raises(ValidationError) as info:
        with db.write() as s:
            titles.issue_decision(s, DecisionForm(number="01/QĐ-HKH", year=2025, title_code="GĐHT",
                                                  registration_ids=regs))
    assert {"issued_on", "signer_name", "signer_title"} <= set(info.value.errors)


# ---------------------------------------------------------------- years in a row
def test_years_in_a_row(db):
    _, households = _commune(db, households=2)
    a, b = households
    for year in (2021, 2023, 2024, 2025):
        _decide(db, year, _scored(db, year, [a]))
    _scored(db, 2022, [a], LOW)  # evaluated in 2022 but not passed: not recognised
    for year in (2024, 2025):
        _decide(db, year, _scored(db, year, [b]), number="05/QĐ-HKH")
    with db.read() as s:
        assert titles.recognised_years(s, "household", a, "GĐHT") == [2021, 2023, 2024, 2025]
        assert titles.years_in_a_row(s, "household", a, "GĐHT", 2025) == 3
        assert titles.years_in_a_row(s, "household", a, "GĐHT", 2024) == 2
        assert titles.years_in_a_row(s, "household", a, "GĐHT", 2022) == 0  # the gap resets
        assert titles.years_in_a_row(s, "household", a, "GĐHT", 2021) == 1
        assert titles.years_in_a_row(s, "household", a, "GĐHT", 2026) == 0
        assert titles.years_in_a_row(s, "household", b, "GĐHT", 2025) == 2
        assert titles.years_in_a_row(s, "household", a, "DHHT", 2025) == 0


def test_draft_decision_does_not_recognise(db):
    _, households = _commune(db, households=1)
    _decide(db, 2025, _scored(db, 2025, households), issue=False)
    with db.read() as s:
        assert titles.years_in_a_row(s, "household", households[0], "GĐHT", 2025) == 0


# ---------------------------------------------------------------- deleting an entity
def test_dependents_block_deleting_a_registered_entity(db):
    _, households = _commune(db, households=3)
    a, b, c = households
    with db.write() as s:
        p = registry.save_person(s, PersonForm(household_id=c, family_name="Lê", given_name="Na",
                                               sex="F", birth_year="1990", relation="head"))
        titles.register(s, 2025, "CDHT", "person", [p])
    regs = _scored(db, 2025, [a, b])
    _decide(db, 2025, regs[:1])
    with db.write() as s:
        assert any("đã được công nhận" in line for line in titles.dependents(s, "households", a))
        assert any("hãy hủy đăng ký" in line for line in titles.dependents(s, "household", b))
        assert any(line.startswith("Người trong hộ") for line in titles.dependents(s, "households", c))
        assert titles.dependents(s, "persons", p)
        assert titles.dependents(s, "branches", 1) == []
        with pytest.raises(UserError):
            titles.unregister(s, regs[0])
        titles.unregister(s, regs[1])
        assert titles.dependents(s, "households", b) == []
        assert s.scalar(select(func.count(Evaluation.id))) == 1  # the evaluation went with it
        assert s.get(Household, b) is not None


# ---------------------------------------------------------------- command line
def _run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_decisions_list(tmp_path, capsys):
    path = tmp_path / "xa.sqlite"
    with Database(path) as db:
        _, households = _commune(db, households=2)
        _decide(db, 2024, _scored(db, 2024, households))
        _decide(db, 2025, _scored(db, 2025, households[:1]), number="03/QĐ-HKH")
    code, out, err = _run(capsys, "decisions", "list", "--db", str(path), "--format", "json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert rows == [
        {"number": "03/QĐ-HKH", "date": "15/01/2026", "title_code": "GĐHT", "year": 2025, "entities": 1},
        {"number": "01/QĐ-HKH", "date": "15/01/2025", "title_code": "GĐHT", "year": 2024, "entities": 2},
    ]
    code, out, _ = _run(capsys, "decisions", "list", "--db", str(path), "--year", "2024", "--format", "json")
    assert code == 0 and [r["year"] for r in json.loads(out)] == [2024]
    code, out, _ = _run(capsys, "decisions", "list", "--db", str(path))
    assert code == 0
    assert "01/QĐ-HKH  ngày 15/01/2025  GĐHT năm 2024  2 được công nhận" in out
    assert "(2 quyết định)" in out
    code, out, _ = _run(capsys, "decisions", "list", "--db", str(path), "--year", "2030")
    assert code == 0 and "Chưa có quyết định" in out
    code, out, err = _run(capsys, "decisions", "list", "--db", str(tmp_path / "khong-co.sqlite"))
    assert code == 2 and err.startswith("Lỗi: Không có tệp dữ liệu")
    code, _, err = _run(capsys, "decisions", "list", "--db", str(path), "--year", "abc")
    assert code == 2 and "cần một số nguyên" in err
    code, _, err = _run(capsys, "decisions")
    assert code == 2 and err.startswith("Lỗi:")


def test_registry_refuses_to_delete_a_registered_household(db):
    from khuyenhoc_desktop.errors import DependencyError

    _, households = _commune(db, households=1)
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households)
    with db.write() as s:
        plan = registry.delete_plan(s, "households", households[0])
        assert not plan.allowed
        assert any("GĐHT 2025" in b for b in plan.blockers)
        with pytest.raises(DependencyError):
            registry.delete_record(s, "households", households[0])
    with db.read() as s:
        assert s.get(Household, households[0]) is not None
