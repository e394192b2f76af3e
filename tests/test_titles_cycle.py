"""The second half of the yearly cycle: computed indicators (share of the clan's / hamlet's
households recognised GĐHT) with overrides and their reasons, the paged registration list, the
review meeting (quorum and approval shares), certificate numbers, display aliases, certificates
of a decision (`khuyenhoc certificates`) and progress against the national targets."""

import json
import subprocess

import pytest
from sqlalchemy import select

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import profile, progress, registry, reviews, title_documents, titles
from khuyenhoc_desktop.services.registry import ClanForm, HamletForm, HouseholdForm, PersonForm
from khuyenhoc_desktop.services.titles import DecisionForm, RegistrationQuery
from khuyenhoc_desktop.storage.models import DecisionEntry

from tests.test_titles import LOW, _decide, _scored

DHHT = "dhht-qd448-template-minh-hoa-tinh"


def _clan_commune(db):
    """One hamlet 'Thôn Đông' with 4 households of clan 'Họ Lê' and 1 without a clan; heads named."""
    names = ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường", "Lê Văn Dũng", "Trần Thị Én"]
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        clan = registry.save_clan(s, ClanForm(name="Họ Lê", hamlet_ids=[h]))
        households = []
        for i, full in enumerate(names):
            hh = registry.save_household(s, HouseholdForm(hamlet_id=h, clan_id=clan if i < 4 else None))
            family, *rest = full.split()
            registry.save_person(s, PersonForm(
                household_id=hh, family_name=family, middle_name=" ".join(rest[:-1]), given_name=rest[-1],
                sex="F" if "Thị" in full else "M", birth_year="1975", relation="head"))
            households.append(hh)
    return h, clan, households


def test_computed_share_fills_the_indicator_and_an_override_needs_a_reason(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:3])
    _decide(db, 2025, regs)  # 3 of the clan's 4 households recognised
    with db.write() as s:
        titles.register(s, 2025, "DHHT", "clan", [clan])
        rid = titles.registrations(s, 2025, "DHHT")[0].id
        form = titles.forms_mod.find_form(DHHT)
        computed = titles.computed_values(s, rid, form)
        assert computed["1.1"].value == 45  # 3/4 × 60
        assert computed["1.1"].explanation == "3/4 hộ của dòng họ đạt Gia đình học tập năm 2025 (75%)"
        ev = titles.score_registration(s, rid, form, {"2.1": 30})
        assert ev.total == 75 and ev.passed
        assert json.loads(ev.computed) == {"1.1": 45} and json.loads(ev.overrides) == {}
        with pytest.raises(ValidationError) as err:
            titles.score_registration(s, rid, form, {"1.1": 60, "2.1": 30})
        assert "Cần ghi lý do" in err.value.errors["overrides"] and "tính được 45, nhập 60" in err.value.errors["overrides"]
        ev = titles.score_registration(s, rid, form, {"1.1": 60, "2.1": 30},
                                       overrides={"1.1": "Hộ thứ tư đạt ở xã khác, có giấy xác nhận"})
        assert ev.total == 90
        assert json.loads(ev.overrides) == {"1.1": "Hộ thứ tư đạt ở xã khác, có giấy xác nhận"}


def test_share_counts_only_issued_decisions_of_that_year(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2024, households[:4])
    _decide(db, 2024, regs)  # last year does not count for 2025
    draft_regs = _scored(db, 2025, households[:2])
    _decide(db, 2025, draft_regs, issue=False)  # a draft does not count
    with db.write() as s:
        titles.register(s, 2025, "CĐHT thôn", "hamlet", [hamlet])
        rid = titles.registrations(s, 2025, "CĐHT thôn")[0].id
        form = titles.forms_mod.find_form("cdht-thon-qd448-template-minh-hoa-tinh")
        assert titles.computed_values(s, rid, form)["1.1"].value == 0
        assert titles.computed_values(s, rid, form)["1.1"].explanation.startswith("0/5 hộ của thôn")


def test_registration_list_pages_filters_and_statuses(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:2])
    _scored(db, 2025, households[2:3], LOW)
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households[3:])
    _decide(db, 2025, regs[:1])
    with db.read() as s:
        q = RegistrationQuery(2025, "GĐHT")
        assert titles.count_registrations(s, q) == 5
        rows = titles.page_registrations(s, q, 0, 10)
        # Vietnamese name order: given name first (An, Bình, Cường, Dũng, Én)
        assert [r.name for r in rows] == ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường", "Lê Văn Dũng", "Trần Thị Én"]
        assert rows[0].decision == "01/QĐ-HKH" and rows[0].years_in_a_row == 1 and rows[0].hamlet == "Thôn Đông"
        assert rows[2].passed is False and rows[3].passed is None
        assert [r.name for r in titles.page_registrations(s, q, 1, 2)] == ["Lê Thị Bình", "Lê Văn Cường"]
        status = lambda st: [r.name for r in titles.page_registrations(s, RegistrationQuery(2025, "GĐHT", status=st), 0, 9)]
        assert status("unscored") == ["Lê Văn Dũng", "Trần Thị Én"]
        assert status("failed") == ["Lê Văn Cường"]
        assert status("recognised") == ["Lê Văn An"]
        assert titles.count_registrations(s, RegistrationQuery(2025, "GĐHT", search="tran en")) == 1
        assert titles.count_registrations(s, RegistrationQuery(2025, "GĐHT", hamlet_id=hamlet + 99)) == 0
        assert titles.registered_entity_ids(s, 2025, "GĐHT") == set(households)


def _meeting(s, **changes):
    form = reviews.MeetingForm(year=2025, title_code="GĐHT", held_on="10/12/2025", place="Nhà văn hóa thôn Đông",
                               chair_name="Lê Văn An", secretary_name="Trần Thị Én", invited=20, present=12)
    for k, v in changes.items():
        setattr(form, k, v)
    return reviews.save_meeting(s, form)


def test_review_meeting_quorum_and_approval(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:3])
    with db.write() as s:
        m = _meeting(s)
        reviews.set_votes(s, m, {regs[0]: 12, regs[1]: 7, regs[2]: 8})  # 8/12 = 66,7% ≥ 60%; 7/12 = 58,3%
        out = reviews.outcome(s, m)
        assert out.quorum_met and out.attendance == 0.6
        assert out.approved_ids == [regs[0], regs[2]]
        m2 = _meeting(s, present=11)  # 55% < 60%: no quorum, nobody is proposed
        reviews.set_votes(s, m2, {regs[0]: 11})
        assert not reviews.outcome(s, m2).quorum_met and reviews.outcome(s, m2).approved_ids == []
        m3 = _meeting(s, approval_share="50%")
        reviews.set_votes(s, m3, {regs[1]: 6})
        assert regs[1] in reviews.outcome(s, m3).approved_ids
        with pytest.raises(ValidationError) as err:
            reviews.set_votes(s, m, {regs[0]: 13})
        assert "từ 0 đến 12" in err.value.errors["votes"]
        with pytest.raises(ValidationError) as err:
            _meeting(s, present=25, chair_name=" ", held_on="31/02/2025")
        assert set(err.value.errors) == {"present", "chair_name", "held_on"}


def test_failed_score_is_never_proposed(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:1], LOW)
    with db.write() as s:
        m = _meeting(s)
        reviews.set_votes(s, m, {regs[0]: 12})
        assert reviews.outcome(s, m).approved_ids == []


def test_certificate_numbers_run_through_the_year_and_amendments_keep_them(db):
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:4])
    first = _decide(db, 2025, regs[:2])
    second = _decide(db, 2025, regs[2:3])
    with db.write() as s:
        numbers = lambda d: sorted(s.scalars(select(DecisionEntry.certificate_number).where(DecisionEntry.decision_id == d)))
        assert numbers(first) == ["01/GCN-HKH", "02/GCN-HKH"]
        assert numbers(second) == ["03/GCN-HKH"]
        amended = titles.amend_decision(s, first, DecisionForm(
            number=titles.next_decision_number(s, 2025), issued_on="20/01/2026", signer_name="Trần Văn Bảo",
            signer_title="Chủ tịch", registration_ids=[regs[0], regs[1], regs[3]]))
        assert numbers(amended) == ["01/GCN-HKH", "02/GCN-HKH", "04/GCN-HKH"]


def test_display_alias_replaces_the_title_name(db):
    with db.write() as s:
        assert titles.title_names(s)["GĐHT"] == "Gia đình học tập"
        titles.set_title_aliases(s, {"GĐHT": "Gia đình hiếu học", "DHHT": " "})
        names = titles.title_names(s)
        assert names["GĐHT"] == "Gia đình hiếu học" and names["DHHT"] == "Dòng họ học tập"
        with pytest.raises(ValidationError):
            titles.set_title_aliases(s, {"XYZ": "Khác"})


def _profile(db):
    from khuyenhoc_desktop.domain import admin_units

    prov = next(p for p in admin_units.provinces() if "Hà Tĩnh" in p.name)
    commune = admin_units.communes(prov.code)[0]
    with db.write() as s:
        profile.save_profile(s, profile.ProfileForm(
            province_code=prov.code, commune_code=commune.code, association_name="Hội Khuyến học",
            officers=[profile.OfficerLine("Trần Văn Bảo", "Chủ tịch")]))


def _pdftext(path, *args):
    return subprocess.run(["pdftotext", "-layout", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_certificates_of_a_decision_one_page_per_entity(db, tmp_path):
    _profile(db)
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2025, households[:3])
    decision = _decide(db, 2025, regs)
    with db.write() as s:
        titles.set_title_aliases(s, {"GĐHT": "Gia đình hiếu học"})
        out = tmp_path / "gcn.pdf"
        assert title_documents.print_certificates(s, decision, out) == 3
    pages = [_pdftext(out, "-f", str(n), "-l", str(n)) for n in (1, 2, 3)]
    assert "Gia đình ông Lê Văn An" in pages[0]
    assert "Gia đình bà Lê Thị Bình" in pages[1]
    assert "Gia đình ông Lê Văn Cường" in pages[2]
    assert all("Đạt danh hiệu Gia đình hiếu học năm 2025" in p for p in pages)
    assert "Số: 01/GCN-HKH" in pages[0] and "Số: 03/GCN-HKH" in pages[2]
    assert "Quyết định số 01/QĐ-HKH ngày 15/01/2026" in pages[0]


def test_certificates_refused_for_a_draft_and_unknown_number(db, tmp_path):
    _profile(db)
    hamlet, clan, households = _clan_commune(db)
    decision = _decide(db, 2025, _scored(db, 2025, households[:1]), issue=False)
    with db.read() as s:
        with pytest.raises(UserError, match="chưa ban hành"):
            title_documents.print_certificates(s, decision, tmp_path / "x.pdf")
        with pytest.raises(NotFoundError, match="Không có quyết định số 09/QĐ-HKH năm 2025"):
            title_documents.find_decision(s, "09/QĐ-HKH", 2025)
    assert not (tmp_path / "x.pdf").exists()


def test_template_is_kept_in_the_data_file(db):
    with db.write() as s:
        t = title_documents.load_template(s)
        assert t.paper == "A4" and t.show_border
        t.paper, t.offset_x_mm, t.show_border = "A5", 3.5, False
        title_documents.save_template(s, t)
    with db.read() as s:
        t = title_documents.load_template(s)
        assert (t.paper, t.offset_x_mm, t.show_border) == ("A5", 3.5, False)
        t.offset_y_mm = 80
        with pytest.raises(UserError, match="-50 mm đến 50 mm"):
            title_documents.save_template(s, t)


def test_cli_certificates(tmp_path, capsys):
    from khuyenhoc_desktop.storage.database import Database

    path = tmp_path / "xa.sqlite"
    with Database(path) as db:
        _profile(db)
        hamlet, clan, households = _clan_commune(db)
        _decide(db, 2024, _scored(db, 2024, households[:1]))
        _decide(db, 2025, _scored(db, 2025, households[:2]))
    out = tmp_path / "gcn.pdf"
    code = cli.main(["certificates", "--db", str(path), "--decision", "01/QĐ-HKH", "--out", str(out), "--format", "json"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"decision": "01/QĐ-HKH", "year": 2025, "pages": 2, "out": str(out)}
    assert "năm 2025" in _pdftext(out)
    out24 = tmp_path / "gcn2024.pdf"
    assert cli.main(["certificates", "--db", str(path), "--decision", "01/QĐ-HKH", "--year", "2024", "--out", str(out24),
                     "--paper", "A5"]) == 0
    assert "Đã in 1 giấy công nhận của quyết định 01/QĐ-HKH (năm 2024)" in capsys.readouterr().out
    assert cli.main(["certificates", "--db", str(path), "--decision", "01/QĐ-HKH", "--out", str(out)]) == 2
    assert "đã có" in capsys.readouterr().err
    assert cli.main(["certificates", "--db", str(path), "--decision", "7/QĐ-HKH", "--out", str(tmp_path / "n.pdf")]) == 2
    assert "Không có quyết định số 7/QĐ-HKH" in capsys.readouterr().err
    assert cli.main(["certificates", "--db", str(path), "--decision", "01/QĐ-HKH", "--out", str(tmp_path / "n.txt")]) == 2
    assert "đuôi .pdf" in capsys.readouterr().err


def test_progress_against_national_targets(db):
    hamlet, clan, households = _clan_commune(db)
    with db.write() as s:
        h2 = registry.save_hamlet(s, HamletForm(name="Thôn Tây"))
        registry.save_household(s, HouseholdForm(hamlet_id=h2))
    _decide(db, 2025, _scored(db, 2025, households[:4]))
    with db.read() as s:
        commune, by_hamlet = progress.progress(s, 2025)
    gdht = next(line for line in commune if line.title_code == "GĐHT")
    assert (gdht.recognised, gdht.total, gdht.target) == (4, 6, 0.70)
    assert not gdht.reached and round(gdht.share, 3) == 0.667
    east, west = by_hamlet["GĐHT"]
    assert (east.scope, east.recognised, east.total, east.reached) == ("Thôn Đông", 4, 5, True)
    assert (west.scope, west.recognised, west.total) == ("Thôn Tây", 0, 1)
    cdht = next(line for line in commune if line.title_code == "CDHT")
    assert (cdht.recognised, cdht.total) == (0, 5)  # five heads born 1975 are of working age
    dhht = next(line for line in commune if line.title_code == "DHHT")
    assert (dhht.recognised, dhht.total, dhht.target) == (0, 1, 0.65)


def _page_count(path) -> int:
    import pypdfium2

    return len(pypdfium2.PdfDocument(str(path)))


def test_papers_from_the_database(db, tmp_path):
    _profile(db)
    hamlet, clan, households = _clan_commune(db)
    regs = _scored(db, 2024, households[:3])
    _decide(db, 2024, regs)
    regs = _scored(db, 2025, households[:3])
    with db.write() as s:
        titles.register(s, 2025, "GĐHT", "household", households[3:])
        m = _meeting(s)
        reviews.set_votes(s, m, {regs[0]: 12, regs[1]: 12, regs[2]: 5})
    decision = _decide(db, 2025, regs[:2], issue=False)
    with db.read() as s:
        assert title_documents.print_decision(s, decision, tmp_path / "draft.pdf") >= 2
    draft = _pdftext(tmp_path / "draft.pdf")
    assert "DỰ THẢO" in draft and "ngày …… tháng …… năm ……" in draft
    with db.write() as s:
        form = titles.DecisionForm(**{**titles.DecisionForm().__dict__, "id": decision, "number": "01/QĐ-HKH",
                                      "year": 2025, "title_code": "GĐHT", "issued_on": "15/01/2026",
                                      "signer_name": "Trần Văn Bảo", "signer_title": "Chủ tịch",
                                      "basis": "Căn cứ Điều lệ Hội Khuyến học Việt Nam;\nCăn cứ biên bản họp bình xét ngày 10/12/2025;",
                                      "registration_ids": regs[:2]})
        titles.save_decision(s, form, issue=True)
        title_documents.print_decision(s, decision, tmp_path / "qd.pdf")
        title_documents.print_registration_list(s, 2025, "GĐHT", tmp_path / "dk.pdf", hamlet_id=hamlet)
        assert title_documents.print_score_sheets(s, regs + [r.id for r in titles.registrations(s, 2025, "GĐHT")
                                                                if r.id not in regs][:1], tmp_path / "phieu.pdf") >= 4
        title_documents.print_minutes(s, m, tmp_path / "bb.pdf")
    qd = _pdftext(tmp_path / "qd.pdf")
    assert "Về việc công nhận danh hiệu Gia đình học tập năm 2025" in qd
    assert "Căn cứ biên bản họp bình xét ngày 10/12/2025" in qd and "DỰ THẢO" not in qd
    assert "Lê Văn An" in qd and "2 năm liền" in qd and "01/GCN-HKH" in qd
    dk = _pdftext(tmp_path / "dk.pdf")
    assert "Thôn Đông" in dk and "Trần Thị Én" in dk and "5/5" in dk.replace(" ", "")
    phieu = [_pdftext(tmp_path / "phieu.pdf", "-f", str(n), "-l", str(n)) for n in range(1, _page_count(tmp_path / "phieu.pdf") + 1)]
    firsts = [p for p in phieu if "PHIẾU ĐÁNH GIÁ" in p]
    assert len(firsts) == 4
    assert "Gia đình ông Lê Văn An" in firsts[0] and "Lưu ý: bộ tiêu chí này chưa được kiểm chứng" in firsts[0]
    raw = " ".join(_pdftext(tmp_path / "phieu.pdf", "-raw").split())  # wrapped cells read in order
    assert "Sổ theo dõi của chi hội" in raw  # the evidence typed when scoring
    assert "Gia đình ông Lê Văn Dũng" in firsts[3]
    bb = _pdftext(tmp_path / "bb.pdf")
    assert "BIÊN BẢN" in bb and "Nhà văn hóa thôn Đông" in bb and "41,7%" in bb


def test_cli_papers(tmp_path, capsys):
    from khuyenhoc_desktop.storage.database import Database

    path = tmp_path / "xa.sqlite"
    with Database(path) as db:
        _profile(db)
        hamlet, clan, households = _clan_commune(db)
        regs = _scored(db, 2025, households[:2])
        with db.write() as s:
            reviews.set_votes(s, _meeting(s), {regs[0]: 10})
        _decide(db, 2025, regs)
    run = lambda *a: cli.main(["papers", *a, "--db", str(path)])  # noqa: E731
    assert run("decision", "--decision", "01/QĐ-HKH", "--out", str(tmp_path / "qd.pdf")) == 0
    assert "Đã in quyết định 01/QĐ-HKH (năm 2025)" in capsys.readouterr().out
    assert run("minutes", "--year", "2025", "--title", "gdht", "--out", str(tmp_path / "bb.pdf"), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["paper"] == "minutes"
    assert run("registrations", "--year", "2025", "--title", "GĐHT", "--hamlet", "thon dong",
               "--out", str(tmp_path / "dk.pdf")) == 0
    assert run("sheets", "--year", "2025", "--title", "GĐHT", "--blank", "--out", str(tmp_path / "p.pdf")) == 0
    assert "Đã in 2 phiếu đánh giá GĐHT năm 2025" in capsys.readouterr().out
    assert run("minutes", "--year", "2024", "--title", "gdht", "--out", str(tmp_path / "x.pdf")) == 2
    assert "Chưa có biên bản họp bình xét GĐHT năm 2024" in capsys.readouterr().err
    assert run("sheets", "--year", "2025", "--title", "GDHT thon", "--out", str(tmp_path / "y.pdf")) == 2
    assert "Danh hiệu 'GDHT thon' không có" in capsys.readouterr().err


def test_history_per_entity(db):
    hamlet, clan, households = _clan_commune(db)
    for year in (2022, 2024, 2025):
        _decide(db, year, _scored(db, year, households[:1]))
    with db.read() as s:
        assert titles.history_text(s, "household", households[0]) == "Gia đình học tập: 2022, 2024, 2025 (2 năm liền)"
        assert titles.history_text(s, "household", households[1]) == ""
