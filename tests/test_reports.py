"""Reports upward, data side: the annex's indicators per hamlet and for the commune on a
hand-built commune, the previous period, numbering, the default narrative, finalising (frozen
figures, the fund's books closed) and the annex layout file."""

import datetime as dt
import json

import pytest

from khuyenhoc_desktop.domain import report_forms
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.errors import UserError, ValidationError
from khuyenhoc_desktop.services import fund, registry, reports, titles
from khuyenhoc_desktop.services.registry import BranchForm, HamletForm, HouseholdForm, MemberForm, PersonForm
from tests.test_titles import _decide, _scored

Y = today().year - 1


def _commune(db):
    """Two hamlets: Đông with 3 households (2 recognised GĐHT in Y), Tây with 1; members; fund."""
    with db.write() as s:
        east = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        west = registry.save_hamlet(s, HamletForm(name="Thôn Tây"))
        branch = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet", hamlet_id=east))
        households, heads = [], []
        for hamlet, n in ((east, 3), (west, 1)):
            for i in range(n):
                hh = registry.save_household(s, HouseholdForm(hamlet_id=hamlet))
                p = registry.save_person(s, PersonForm(household_id=hh, family_name="Lê", given_name=f"An{i}",
                                                       sex="M", birth_year=str(Y - 40), relation="head"))
                households.append(hh)
                heads.append(p)
        registry.save_member(s, MemberForm(person_id=heads[0], branch_id=branch, card_number="01",
                                           join_date=f"01/03/{Y - 1}"))
        registry.save_member(s, MemberForm(person_id=heads[1], branch_id=branch, card_number="02",
                                           join_date=f"01/03/{Y}"))
        fund.record_voucher(s, fund.VoucherForm(kind="receipt", voucher_date=dt.date(Y, 3, 1), amount=2_000_000,
                                                party_kind="person", party_id=heads[0]))
        fund.record_voucher(s, fund.VoucherForm(kind="receipt", voucher_date=dt.date(Y, 9, 1), amount=1_000_000,
                                                party_name="Công ty A"))
        dec = fund.save_payout_decision(s, fund.PayoutDecisionForm(
            number="10/QĐ-HKH", decided_on=dt.date(Y, 9, 5), payout_kind="scholarship",
            lines=[fund.PayoutLineForm("Lê Na", 300_000, hamlet_id=east, level="primary"),
                   fund.PayoutLineForm("Lê Bình", 200_000, hamlet_id=west, level="primary")]))
        fund.pay_decision(s, dec)
    _decide(db, Y, _scored(db, Y, households[:2]))
    return dict(east=east, west=west, households=households)


def test_indicators_per_hamlet_and_commune(db):
    _commune(db)
    with db.read() as s:
        fig = reports.figures_for(s, "annual", Y)
        half = reports.figures_for(s, "half_year", Y)
    c = fig.commune
    assert (c["households"], c["gdht_registered"], c["gdht_recognised"]) == (4, 2, 2)
    assert (c["hamlets"], c["population"], c["members"], c["branches"]) == (2, 4, 2, 1)
    assert (c["branches_hamlet"], c["branches_school"], c["branches_clan"]) == (1, 0, 0)
    assert (c["fund_received"], c["scholarship_count"], c["scholarship_amount"], c["fund_balance"]) == (
        3_000_000, 2, 500_000, 2_500_000)
    names = [name for name, _ in fig.hamlets]
    assert names == ["Thôn Đông", "Thôn Tây"]
    east, west = fig.hamlets[0][1], fig.hamlets[1][1]
    assert (east["households"], east["gdht_recognised"], west["gdht_recognised"]) == (3, 2, 0)
    assert (east["scholarship_amount"], west["scholarship_amount"]) == (300_000, 200_000)
    assert sum(h["households"] for _, h in fig.hamlets) == c["households"]
    assert fig.previous["members"] == 1 and fig.previous["gdht_recognised"] == 0  # one member joined in Y
    assert half.commune["fund_received"] == 2_000_000 and half.commune["scholarship_count"] == 0


def test_layout_and_percentages():
    layout = report_forms.default_layout(set(reports.INDICATORS))
    assert set(layout.indicators()) <= set(reports.INDICATORS)
    share = next(c for c in layout.columns if c.id == "gdht_share")
    assert (share.numerator, share.denominator, share.target) == ("gdht_recognised", "households", 0.70)
    assert report_forms.percent_text(26_889, 30_466) == "88,26%"
    assert report_forms.percent_text(195, 234) == "83,33%" and report_forms.percent_text(1, 8) == "12,5%"
    assert report_forms.percent_text(5, 0) == ""
    with pytest.raises(UserError, match="chương trình chưa tính được"):
        report_forms.parse_layout({"kind": "report_annex", "groups": [{"title": "X", "columns": [
            {"id": "x", "kind": "count"}]}]}, set(reports.INDICATORS))


def test_numbering_narrative_and_finalising(db):
    _commune(db)
    with db.write() as s:
        first = reports.save_report(s, reports.ReportForm("half_year", Y, addressed_to="Hội Khuyến học tỉnh"))
        second = reports.save_report(s, reports.ReportForm("annual", Y))
        assert [reports.load_report(s, i).number for i in (first, second)] == ["01/BC-HKH", "02/BC-HKH"]
        with pytest.raises(ValidationError, match="đã có"):
            reports.save_report(s, reports.ReportForm("annual", Y, number="01/BC-HKH"))
        narrative = reports.load_report(s, second).narrative
        assert narrative[0][0] == "I. KẾT QUẢ THỰC HIỆN"
        assert "Gia đình học tập 2/4 (50%) hộ" in narrative[0][1] and "\n\n2. " in narrative[0][1]
        assert "Gia đình học tập" in narrative[1][1]  # below the 70% target
        reports.finalise(s, second)
        assert fund.locked_until(s) == dt.date(Y, 12, 31)
        frozen, layout = reports.report_figures(s, second)
        assert frozen.commune["gdht_recognised"] == 2 and layout.id == "report-annex-default-2025"
        with pytest.raises(UserError, match="đã chốt"):
            reports.save_report(s, reports.ReportForm("annual", Y, id=second))
        with pytest.raises(UserError, match="đã chốt rồi"):
            reports.finalise(s, second)
    # later changes do not move a finalised report's figures
    with db.write() as s:
        titles.register(s, Y, "GĐHT", "household", [3])
    with db.read() as s:
        assert reports.report_figures(s, second)[0].commune["gdht_registered"] == 2
        assert reports.figures_for(s, "annual", Y).commune["gdht_registered"] == 3


def test_current_period_cannot_be_finalised(db):
    with db.write() as s:
        rid = reports.save_report(s, reports.ReportForm("annual", today().year))
        with pytest.raises(UserError, match="chưa kết thúc"):
            reports.finalise(s, rid)
        assert json.loads(s.get(reports.Report, rid).narrative)


def test_a_province_layout_is_kept_with_the_report(db, tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(report_forms.layouts_dir() / "report-annex-default-2025.json", folder)
    province = {"format": 1, "id": "bieu-tinh-2026", "kind": "report_annex", "title": "Biểu của tỉnh", "version": "1",
                "groups": [{"title": "Hộ", "columns": [
                    {"id": "households", "header": "Số hộ", "kind": "count"},
                    {"id": "gdht_share", "header": "Tỉ lệ", "kind": "percent", "numerator": "gdht_recognised",
                     "denominator": "households"}]}]}
    (folder / "bieu-tinh-2026.json").write_text(json.dumps(province, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(report_forms, "layouts_dir", lambda: folder)
    assert [lay.id for lay in report_forms.all_layouts()] == ["bieu-tinh-2026", "report-annex-default-2025"]
    _commune(db)
    with db.write() as s:
        rid = reports.save_report(s, reports.ReportForm("annual", Y, layout_id="bieu-tinh-2026"))
        assert reports.report_figures(s, rid)[1].id == "bieu-tinh-2026"
        reports.finalise(s, rid)
        assert reports.load_report(s, rid).layout_id == "bieu-tinh-2026"
        with pytest.raises(UserError, match="Không có mẫu phụ lục 'khong-co'"):
            reports.save_report(s, reports.ReportForm("half_year", Y, layout_id="khong-co"))
