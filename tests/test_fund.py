"""The fund: amounts, gap-free numbers, cancellation by reversing entry, the balance that never
goes negative, the period lock, the ledger's invariant on generated sequences, summaries."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import fund, registry
from khuyenhoc_desktop.services.fund import PayoutDecisionForm, PayoutLineForm, VoucherForm
from khuyenhoc_desktop.services.registry import HamletForm, HouseholdForm, OrganisationForm, PersonForm
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import Voucher

Y = today().year - 1  # a whole past year: no date is "after today"


def d(day, month=1, year=Y):
    return dt.date(year, month, day)


def receipt(s, amount, day=None, **kw):
    return fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=day or d(5), amount=amount,
                                              party_name=kw.pop("party_name", "Nguyễn Văn An"), **kw))


def payment(s, amount, day=None, **kw):
    return fund.record_voucher(s, VoucherForm(kind="payment", voucher_date=day or d(10), amount=amount,
                                              party_name=kw.pop("party_name", "Lê Thị Bình"),
                                              payout_kind=kw.pop("payout_kind", "scholarship"), **kw))


@pytest.mark.parametrize("value, expected", [
    (1250000, 1250000), ("1.250.000", 1250000), ("1 250 000 đ", 1250000), ("500000", 500000), ("50.000 đồng", 50000),
    (2000.0, 2000),
])
def test_amounts_read(value, expected):
    assert fund.check_amount(value) == expected


@pytest.mark.parametrize("value, message", [
    (0, "phải lớn hơn 0"), ("-5000", "phải lớn hơn 0"), ("1.5", "đồng chẵn"), ("12,50", "đồng chẵn"),
    (12.5, "đồng chẵn"), ("mười nghìn", "không đọc được"), ("", "Cần số tiền"), ("99.000.000.000", "quá lớn"),
    ("1.25.000", "không đọc được"), (True, "số đồng"),
])
def test_wrong_amounts_refused(value, message):
    with pytest.raises(ValidationError) as err:
        fund.check_amount(value)
    assert message in err.value.errors["amount"]


def test_numbers_per_kind_and_year_without_gaps(db):
    with db.write() as s:
        assert receipt(s, 100_000).number == f"PT-{Y}-0001"
        second = receipt(s, 200_000)
        assert payment(s, 50_000).number == f"PC-{Y}-0001"
        fund.cancel_voucher(s, second.number, "Ghi nhầm số tiền", cancelled_on=d(6))
        assert receipt(s, 200_000).number == f"PT-{Y}-0003"  # the cancelled one keeps PT-…-0002
        assert receipt(s, 1_000, day=d(2, 1, Y + 1)).number == f"PT-{Y + 1}-0001"
        numbers = sorted(s.scalars(select(Voucher.seq).where(Voucher.kind == "receipt", Voucher.fiscal_year == Y)))
    assert numbers == [1, 2, 3]


def test_payment_that_would_go_negative_is_refused(db):
    with db.write() as s:
        receipt(s, 1_000_000, day=d(5))
        payment(s, 600_000, day=d(10))
        with pytest.raises(UserError, match="làm quỹ âm: từ ngày .* chỉ còn tối đa 400.000 đ"):
            payment(s, 500_000, day=d(11))
        # backdated before the money came in
        with pytest.raises(UserError, match="làm quỹ âm"):
            payment(s, 100_000, day=d(3))
        # in kind is its own stock: money cannot pay out goods
        receipt(s, 300_000, method="in_kind", in_kind="100 quyển vở")
        with pytest.raises(UserError, match="hiện vật"):
            payment(s, 400_000, method="in_kind", in_kind="vở")
        payment(s, 300_000, method="in_kind", in_kind="100 quyển vở", day=d(12))
        assert fund.balance_on(s, d(31)) == 400_000 and fund.balance_on(s, d(31), in_kind=True) == 0
        assert s.scalar(select(func.count(Voucher.id))) == 4


def test_money_received_and_paid_out_the_same_day(db):
    with db.write() as s:
        receipt(s, 500_000, day=d(5))
        payment(s, 500_000, day=d(5))
        duplicate = receipt(s, 200_000, day=d(6))
        fund.cancel_voucher(s, duplicate.number, "Ghi trùng", cancelled_on=d(6))
        with pytest.raises(UserError, match="làm quỹ âm"):
            payment(s, 1, day=d(6))
        assert fund.balance_on(s, d(6)) == 0


def test_cancelling_a_spent_receipt_is_refused(db):
    with db.write() as s:
        r = receipt(s, 1_000_000, day=d(5))
        payment(s, 800_000, day=d(10))
        with pytest.raises(UserError, match=f"Hủy phiếu thu {r.number}"):
            fund.cancel_voucher(s, r.number, "Nhầm", cancelled_on=d(11))
        with pytest.raises(ValidationError):
            fund.cancel_voucher(s, r.number, "  ")
        with pytest.raises(NotFoundError, match="PT-2026-0001 hoặc PC-2026-0001"):
            fund.cancel_voucher(s, "PT-1999-0007", "x")


def test_cancellation_is_a_reversing_line_and_balance_holds(db):
    with db.write() as s:
        receipt(s, 1_000_000, day=d(5))
        p = payment(s, 300_000, day=d(10))
        fund.cancel_voucher(s, p.number, "Người nhận chưa đến nhận", cancelled_on=d(20), by="Thủ quỹ Hà")
        book = fund.ledger(s, d(1), d(31))
    assert (book.opening, book.received, book.paid, book.closing) == (0, 1_000_000, 0, 1_000_000)
    assert [(ln.number, ln.received, ln.paid, ln.balance, ln.reversal) for ln in book.lines] == [
        (f"PT-{Y}-0001", 1_000_000, 0, 1_000_000, False),
        (f"PC-{Y}-0001", 0, 300_000, 700_000, False),
        (f"PC-{Y}-0001", 0, -300_000, 1_000_000, True),
    ]
    assert book.lines[1].text.endswith("(phiếu đã hủy)")
    assert book.lines[2].text == f"Hủy phiếu PC-{Y}-0001 ngày 10/01/{Y}: Người nhận chưa đến nhận"


def test_period_lock(db):
    with db.write() as s:
        receipt(s, 500_000, day=d(5))
        p = payment(s, 100_000, day=d(6))
        fund.lock_until(s, d(31), by="Chủ tịch")
        with pytest.raises(ValidationError) as err:
            receipt(s, 100_000, day=d(15))
        assert "thuộc kỳ đã khóa sổ" in err.value.errors["voucher_date"]
        with pytest.raises(ValidationError, match="kỳ đã khóa sổ"):
            fund.cancel_voucher(s, p.number, "Sai", cancelled_on=d(20))
        # the correction lands in the open period and names the original
        fund.cancel_voucher(s, p.number, "Sai người nhận", cancelled_on=d(3, 2))
        february = fund.ledger(s, d(1, 2), d(28, 2))
        assert february.opening == 400_000 and february.closing == 500_000
        assert february.lines[0].text.startswith(f"Hủy phiếu {p.number} ngày 06/01/{Y}")
        with pytest.raises(UserError, match="chỉ khóa thêm"):
            fund.lock_until(s, d(15))


@st.composite
def operations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 25))):
        ops.append((draw(st.sampled_from(["receipt", "payment", "cancel"])), draw(st.integers(1, 28)),
                    draw(st.integers(1, 60)) * 10_000, draw(st.sampled_from(["cash", "bank", "in_kind"])),
                    draw(st.integers(0, 30))))
    return ops


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations(), cut=st.integers(2, 27))
def test_balance_invariant_on_generated_sequences(tmp_path_factory, ops, cut):
    """Whatever is accepted or refused, every period obeys closing = opening + received − paid,
    periods chain, and neither money nor goods is ever negative at the end of a day."""
    with Database(tmp_path_factory.mktemp("fund") / "f.sqlite") as db, db.write() as s:
        made = []
        for op, day, amount, method, pick in ops:
            try:
                if op == "cancel" and made:
                    v = made[pick % len(made)]
                    fund.cancel_voucher(s, v, "Kiểm tra", cancelled_on=d(day))
                elif op != "cancel":
                    form = VoucherForm(kind=op, voucher_date=d(day), amount=amount, method=method,
                                       in_kind="sách vở" if method == "in_kind" else "", party_name="Người thử",
                                       payout_kind="award" if op == "payment" else None)
                    made.append(fund.record_voucher(s, form).number)
            except UserError:
                pass
        whole, first, second = fund.ledger(s, d(1), d(28)), fund.ledger(s, d(1), d(cut)), fund.ledger(s, d(cut + 1), d(28))
        for book in (whole, first, second):
            assert book.closing == book.opening + book.received - book.paid
            running = book.opening
            for line in book.lines:
                running += line.received - line.paid
                assert line.balance == running
        assert first.closing == second.opening and whole.closing == second.closing
        assert whole.closing == whole.closing_money + whole.closing_in_kind
        for day in range(1, 29):
            assert fund.balance_on(s, d(day)) >= 0 and fund.balance_on(s, d(day), in_kind=True) >= 0


def test_registry_donors_and_summaries(db):
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h, address="Xóm 3"))
        p = registry.save_person(s, PersonForm(household_id=hh, family_name="Trần", middle_name="Văn",
                                               given_name="Bảo", sex="M", birth_year="1970", relation="head"))
        o = registry.save_organisation(s, OrganisationForm(name="Công ty May Hòa Bình", kind="firm"))
        v = fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=d(5), amount="2.000.000",
                                               party_kind="person", party_id=p, purpose="Tết"))
        assert (v.party_name, v.party_address, v.hamlet_id) == ("Trần Văn Bảo", "Xóm 3, Thôn Đông", h)
        fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=d(6), amount=5_000_000,
                                           party_kind="organisation", party_id=o, purpose="Ngày Khuyến học 2/10"))
        fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=d(7), amount=100_000,
                                           party_kind="anonymous", purpose="Tết"))
        with pytest.raises(ValidationError) as err:
            fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=d(7), amount=1, party_kind="person",
                                               party_id=9999))
        assert "Không tìm thấy người mã 9999" in err.value.errors["party_id"]
        with pytest.raises(ValidationError) as err:
            fund.record_voucher(s, VoucherForm(kind="payment", voucher_date=d(7), amount=1, party_kind="anonymous",
                                               payout_kind="award"))
        assert err.value.errors["party_kind"] == "Phiếu chi phải ghi rõ người nhận."
        dec = fund.save_payout_decision(s, PayoutDecisionForm(
            number="07/QĐ-HKH", decided_on=d(15), payout_kind="scholarship", purpose="Học bổng học kỳ I",
            lines=[PayoutLineForm("Lê Na", "500.000", class_name="5A", school="TH Đông", level="primary", minor=True),
                   PayoutLineForm("Lê Minh", 700_000, class_name="9B", level="lower_secondary", minor=True),
                   PayoutLineForm("Cô Hoa", 1_000_000, level="upper_secondary", recipient="teacher")]))
        paid = fund.pay_decision(s, dec)
        assert (paid.amount, paid.party_name, paid.payout_kind) == (2_200_000, "3 người theo danh sách kèm theo", "scholarship")
        with pytest.raises(UserError, match="đã chi theo phiếu"):
            fund.pay_decision(s, dec)
        assert fund.totals_by(s, d(1), d(31), "purpose")[0] == ("Ngày Khuyến học 2/10", 5_000_000, 0)
        assert ("Tết", 2_100_000, 0) in fund.totals_by(s, d(1), d(31), "purpose")
        assert fund.totals_by(s, d(1), d(31), "payout_kind") == [("Học bổng", 0, 2_200_000)]
        assert ("Thôn Đông", 2_000_000, 0) in fund.totals_by(s, d(1), d(31), "hamlet")
        assert [v.amount for v in fund.donor_statement(s, d(1), d(31), party_kind="person", party_id=p)] == [2_000_000]
        assert [v.amount for v in fund.donor_statement(s, d(1), d(31), name="cong ty may hoa binh")] == [5_000_000]
        stats = fund.award_statistics(s, d(1), d(31))
        assert [(a.level, a.recipient, a.count, a.amount) for a in stats] == [
            ("Tiểu học", "Học sinh, sinh viên", 1, 500_000),
            ("Trung học cơ sở", "Học sinh, sinh viên", 1, 700_000),
            ("Trung học phổ thông", "Giáo viên", 1, 1_000_000)]
        with pytest.raises(ValidationError) as err:
            fund.save_payout_decision(s, PayoutDecisionForm(number="07/QĐ-HKH", decided_on=d(16),
                                                            lines=[PayoutLineForm("", 0)]))
        assert "đã có" in err.value.errors["number"] and "dòng 1: cần họ tên" in err.value.errors["lines"]


def _cli(capsys, path, *argv):
    from khuyenhoc_desktop import cli

    code = cli.main(["fund", *argv, "--db", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_records_cancels_and_reports(tmp_path, capsys):
    path = tmp_path / "quy.sqlite"
    with Database(path) as db, db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h))
        for given_name, middle in (("Anh", "Văn"), ("Ánh", "Vân")):
            registry.save_person(s, PersonForm(household_id=hh, family_name="Nguyễn", middle_name=middle,
                                               given_name=given_name, sex="M", birth_year="1970", relation="other"))
        registry.save_organisation(s, OrganisationForm(name="Công ty May Hòa Bình", kind="firm"))
    date = f"05/01/{Y}"
    code, out, _ = _cli(capsys, path, "receipt", "--donor", "Nguyễn Văn Anh", "--amount", "1.250.000", "--date", date,
                        "--purpose", "Tết")
    assert code == 0 and out.strip() == f"Đã ghi phiếu thu PT-{Y}-0001: 1.250.000 đ (Nguyễn Văn Anh)."
    code, out, _ = _cli(capsys, path, "receipt", "--donor", "cong ty may hoa binh", "--amount", "3000000",
                        "--date", date, "--method", "bank", "--format", "json")
    assert code == 0 and json.loads(out) == {"number": f"PT-{Y}-0002", "kind": "receipt", "amount": 3_000_000,
                                             "date": date, "party": "Công ty May Hòa Bình"}
    assert _cli(capsys, path, "receipt", "--anonymous", "--amount", "200000", "--date", date,
                "--method", "in-kind", "--in-kind", "50 quyển vở")[0] == 0
    code, out, _ = _cli(capsys, path, "payment", "--payee", "Lê Na", "--free-name", "--amount", "500.000",
                        "--date", f"06/01/{Y}", "--kind", "scholarship")
    assert code == 0 and f"PC-{Y}-0001" in out
    refusals = [
        (("receipt", "--donor", "nguyen van anh", "--amount", "1000", "--date", date), "Có 2 người/đơn vị tên"),
        (("receipt", "--donor", "Ai Đó", "--amount", "1000", "--date", date), "--free-name"),
        (("receipt", "--donor", "Lê Na", "--free-name", "--amount", "0", "--date", date), "phải lớn hơn 0"),
        (("receipt", "--donor", "Lê Na", "--free-name", "--amount", "-5", "--date", date), "phải lớn hơn 0"),
        (("receipt", "--donor", "Lê Na", "--free-name", "--amount", "12,5", "--date", date), "đồng chẵn"),
        (("receipt", "--donor", "Lê Na", "--free-name", "--amount", "50000000000", "--date", date), "quá lớn"),
        (("receipt", "--donor", "Lê Na", "--free-name", "--amount", "1000", "--date", "31/02/2025"), "Ngày lập phiếu"),
        (("payment", "--payee", "Lê Na", "--free-name", "--amount", "9000000", "--date", date, "--kind", "award"),
         "làm quỹ âm"),
    ]
    for argv, message in refusals:
        code, _out, err = _cli(capsys, path, *argv)
        assert code == 2 and message in err, (argv, err)
    code, out, _ = _cli(capsys, path, "cancel", f"PT-{Y}-0001", "--reason", "Ghi nhầm người nộp", "--date", f"07/01/{Y}")
    assert code == 0 and out.strip() == f"Đã hủy phiếu PT-{Y}-0001 (bút toán đảo ngày 07/01/{Y})."
    code, out, _ = _cli(capsys, path, "ledger", "--year", str(Y), "--format", "json")
    book = json.loads(out)
    assert (book["opening"], book["received"], book["paid"], book["closing"]) == (0, 3_200_000, 500_000, 2_700_000)
    assert book["closing_in_kind"] == 200_000 and book["entries"][-1]["reversal"] is True
    assert _cli(capsys, path, "lock", "--until", f"31/01/{Y}")[0] == 0
    code, _out, err = _cli(capsys, path, "receipt", "--donor", "Lê Na", "--free-name", "--amount", "1000", "--date", date)
    assert code == 2 and "kỳ đã khóa sổ" in err
    with Database(path) as db, db.read() as s:
        assert s.scalar(select(func.count(Voucher.id))) == 4  # nothing written by the refusals


def test_purposes_donors_and_unpaid_decisions(db):
    with db.write() as s:
        receipt(s, 100_000, purpose="Tết", party_name="Lê Na")
        receipt(s, 300_000, purpose="Tết", party_name="le na")
        receipt(s, 200_000, purpose="Ngày Khuyến học 2/10", party_kind="anonymous")
        receipt(s, 50_000, purpose="Ngày Khuyến học 2/10", party_kind="anonymous")
        cancelled = receipt(s, 900_000, purpose="Quỹ cuối năm", party_name="Trần An")
        fund.cancel_voucher(s, cancelled.number, "Ghi nhầm", cancelled_on=d(6))
        assert fund.purposes(s) == ["Ngày Khuyến học 2/10", "Tết", "Quỹ cuối năm"]
        givers = [(g.name, g.total, g.count) for g in fund.donors(s, d(1), d(31))]
        assert givers == [("Lê Na", 400_000, 2), (fund.ANONYMOUS, 250_000, 2)]
        first = fund.save_payout_decision(s, PayoutDecisionForm(number="10/QĐ-HKH", decided_on=d(10),
                                                                lines=[PayoutLineForm("Lê Na", 100_000)]))
        second = fund.save_payout_decision(s, PayoutDecisionForm(number="11/QĐ-HKH", decided_on=d(11), payout_kind="award",
                                                                 lines=[PayoutLineForm("A", 50_000), PayoutLineForm("B", 50_000)]))
        assert [(u.number, u.people, u.total) for u in fund.unpaid_decisions(s)] == [("10/QĐ-HKH", 1, 100_000),
                                                                                  ("11/QĐ-HKH", 2, 100_000)]
        voucher = fund.pay_decision(s, first)
        assert [u.id for u in fund.unpaid_decisions(s)] == [second]
        fund.cancel_voucher(s, voucher.number, "Chi nhầm ngày", cancelled_on=d(12))
        assert [u.id for u in fund.unpaid_decisions(s)] == [first, second]
        book = fund.ledger(s, d(1), d(31))
        assert [ln.cancelled for ln in book.lines if ln.number == cancelled.number] == [True, False]


def _pdftext(path, *args):
    import subprocess

    return subprocess.run(["pdftotext", "-layout", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _commune_profile(s):
    from khuyenhoc_desktop.domain import admin_units
    from khuyenhoc_desktop.services import profile

    prov = admin_units.provinces()[0]
    profile.save_profile(s, profile.ProfileForm(
        province_code=prov.code, commune_code=admin_units.communes(prov.code)[0].code,
        association_name="Hội Khuyến học", officers=[profile.OfficerLine("Trần Văn Bảo", "Chủ tịch")]))


def test_papers_from_the_books(db, tmp_path):
    import openpyxl

    from khuyenhoc_desktop.services import fund_documents

    with db.write() as s:
        _commune_profile(s)
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h, address="Xóm 3"))
        child = registry.save_person(s, PersonForm(household_id=hh, family_name="Lê", middle_name="Thị", given_name="Na",
                                                   sex="F", birth_year=str(Y - 9), relation="child"))
        receipt(s, 1_250_000, day=d(5), purpose="Tết", party_name="Nguyễn Văn An")
        receipt(s, 300_000, day=d(6), party_kind="anonymous", purpose="Tết")
        receipt(s, 500_000, day=d(6), party_name="Trần Thị Hoa", anonymous=True)
        dec = fund.save_payout_decision(s, PayoutDecisionForm(
            number="10/QĐ-HKH", decided_on=d(15), payout_kind="scholarship", purpose="Học bổng học kỳ I",
            lines=[PayoutLineForm(person_id=child, amount=400_000, class_name="3A", school="TH Đông", hamlet_id=h,
                                  level="primary", minor=True)]))
        fund.pay_decision(s, dec)
        pages, copy = fund_documents.print_voucher(s, f"PT-{Y}-0001", tmp_path / "pt1.pdf")
        assert (pages, copy) == (1, False)
        assert fund_documents.print_voucher(s, f"PT-{Y}-0001", tmp_path / "pt1-copy.pdf") == (1, True)
        fund_documents.print_payout_list(s, dec, tmp_path / "ds.pdf")
        fund_documents.print_ledger(s, d(1), d(31), tmp_path / "so.pdf")
        rows = fund_documents.print_ledger(s, d(1), d(31), tmp_path / "so.xlsx")
        fund_documents.print_disclosure(s, d(1), d(31), tmp_path / "ck.pdf")
        fund_documents.print_disclosure(s, d(1), d(31), tmp_path / "ck-full.pdf", initials_only_for_minors=False)
        with pytest.raises(UserError, match="đuôi .pdf hoặc .xlsx"):
            fund_documents.print_disclosure(s, d(1), d(31), tmp_path / "ck.doc")
    voucher = _pdftext(tmp_path / "pt1.pdf")
    assert "PHIẾU THU" in voucher and f"Số: PT-{Y}-0001" in voucher and "1.250.000 đ" in voucher
    assert "Một triệu hai trăm năm mươi nghìn đồng" in voucher and "BẢN SAO" not in voucher
    assert "BẢN SAO" in _pdftext(tmp_path / "pt1-copy.pdf")
    signing = _pdftext(tmp_path / "ds.pdf")
    assert "Kèm theo Quyết định số 10/QĐ-HKH" in signing and "Lê Thị Na" in signing and "400.000" in signing
    book = _pdftext(tmp_path / "so.pdf")
    assert "SỔ CHI TIẾT QUỸ KHUYẾN HỌC" in book and "2.050.000" in book and "1.650.000" in book
    sheet = openpyxl.load_workbook(tmp_path / "so.xlsx").worksheets[0]
    assert rows >= 5 and any(c.value == f"PC-{Y}-0001" for row in sheet.iter_rows() for c in row)
    public = " ".join(_pdftext(tmp_path / "ck.pdf").split())
    assert "CÔNG KHAI THU, CHI QUỸ KHUYẾN HỌC" in public and "Nguyễn Văn An" in public
    assert "Trần Thị Hoa" not in public and public.count("Nhà hảo tâm (ẩn danh)") == 2
    assert "L.T.N." in public and "Lê Thị Na" not in public
    assert "Lê Thị Na" in _pdftext(tmp_path / "ck-full.pdf")


def test_cli_papers_of_the_fund(tmp_path, capsys):
    path = tmp_path / "quy.sqlite"
    with Database(path) as db, db.write() as s:
        _commune_profile(s)
        receipt(s, 900_000, day=d(5), party_name="Nguyễn Văn An")
        dec = fund.save_payout_decision(s, PayoutDecisionForm(number="10/QĐ-HKH", decided_on=d(15),
                                                              lines=[PayoutLineForm("Lê Na", 400_000)]))
        fund.pay_decision(s, dec)
    code, out, _ = _cli(capsys, path, "voucher", f"PT-{Y}-0001", "--out", str(tmp_path / "p.pdf"))
    assert code == 0 and out.strip() == f"Đã in phiếu PT-{Y}-0001 vào {tmp_path / 'p.pdf'}."
    code, out, _ = _cli(capsys, path, "voucher", f"PT-{Y}-0001", "--out", str(tmp_path / "p2.pdf"), "--format", "json")
    assert json.loads(out)["copy"] is True
    assert _cli(capsys, path, "disclosure", "--from", f"01/01/{Y}", "--to", f"31/01/{Y}",
                "--out", str(tmp_path / "ck.xlsx"))[0] == 0
    assert _cli(capsys, path, "ledger", "--year", str(Y), "--out", str(tmp_path / "so.pdf"))[0] == 0
    code, out, _ = _cli(capsys, path, "payout-list", "10/QĐ-HKH", "--out", str(tmp_path / "ds.pdf"))
    assert code == 0 and "10/QĐ-HKH" in out
    code, out, _ = _cli(capsys, path, "statement", "--donor", "nguyen van an", "--from", f"01/01/{Y}",
                        "--to", f"31/12/{Y}", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 900_000
    assert _cli(capsys, path, "statement", "--donor", "Nguyễn Văn An", "--from", f"01/01/{Y}", "--to", f"31/12/{Y}",
                "--out", str(tmp_path / "bk.xlsx"))[0] == 0
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(tmp_path / "bk.xlsx").worksheets[0].iter_rows() for c in row]
    assert f"PT-{Y}-0001" in values and 900_000 in values
    for argv, message in ((("voucher", "PT-1990-0001", "--out", str(tmp_path / "x.pdf")), "Không có phiếu số"),
                          (("voucher", f"PT-{Y}-0001", "--out", str(tmp_path / "p.pdf")), "đã có"),
                          (("disclosure", "--from", "01/01/2025", "--to", "31/01/2025", "--out", str(tmp_path / "c.txt")),
                           ".pdf hoặc .xlsx"),
                          (("payout-list", "99/QĐ-HKH", "--out", str(tmp_path / "y.pdf")), "Không có quyết định chi số")):
        code, _out, err = _cli(capsys, path, *argv)
        assert code == 2 and message in err, (argv, err)
