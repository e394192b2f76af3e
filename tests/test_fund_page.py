"""The fund page and its dialogs: receipts and payments through the dialog, the refusal of a
payment the fund cannot make, cancelling by a reversing line, a payout decision paid at once,
closing the books, and the summaries tab."""

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import func, select

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services.fund import VoucherForm
from khuyenhoc_desktop.storage.models import PayoutDecision, PayoutLine, Voucher
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.fund_dialogs import AMOUNT, LEVEL, MINOR, NAME, PayoutDecisionDialog
from khuyenhoc_desktop.ui.fund_page import FundPage
from tests.gui_helpers import click_button, when_modal

Y = today().year - 1  # a whole past year: no date is "after today"


def d(day, month=1):
    return dt.date(Y, month, day)


def dmy(day, month=1) -> str:
    return d(day, month).strftime("%d/%m/%Y")


@pytest.fixture
def ctx(db, tmp_path):
    return AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture
def hamlets(db):
    with db.write() as s:
        east = reg.save_hamlet(s, reg.HamletForm(name="Thôn Đông"))
        household = reg.save_household(s, reg.HouseholdForm(hamlet_id=east, address="Xóm Giữa"))
        pupil = reg.save_person(s, reg.PersonForm(household_id=household, family_name="Lê", middle_name="Thị",
                                                  given_name="Na", sex="F", birth_year=str(Y - 10), relation="child"))
    return dict(east=east, pupil=pupil)


def receipt(db, amount, day, **kw):
    with db.write() as s:
        return fund.record_voucher(s, VoucherForm(kind="receipt", voucher_date=day, amount=amount,
                                                  party_name=kw.pop("party_name", "Nguyễn Văn An"), **kw)).number


def page_for(ctx, qtbot, year=Y) -> FundPage:
    page = FundPage(ctx)
    qtbot.addWidget(page)
    page.ensure_loaded()
    page.set_year(year)
    return page


def cells(page, row) -> list[str]:
    return [page.model.index(row, c).data() for c in range(page.model.columnCount())]


def count_vouchers(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Voucher.id)))


def test_new_receipt_through_the_dialog(ctx, qtbot, db, hamlets):
    page = page_for(ctx, qtbot, year=today().year)  # the page follows the voucher's year
    assert page.objectName() == "page_fund" and page.model.rowCount() == 0
    assert "Chưa có phiếu thu, chi nào" in page.empty.text()
    seen = {}

    def fill(dialog):
        assert dialog.voucher_date.text() == today().strftime("%d/%m/%Y")
        dialog.voucher_date.setText(dmy(5))
        dialog.amount.setText("1.250.000")
        dialog.party.name.setText("Nguyễn Văn An")
        dialog.party.address.setText("Xóm Giữa")
        dialog.hamlet.setCurrentIndex(dialog.hamlet.findData(hamlets["east"]))
        dialog.purpose.setCurrentText("Tết")
        dialog.method.setCurrentIndex(dialog.method.findData("in_kind"))
        seen["in_kind_enabled"] = dialog.in_kind.isEnabled()
        dialog.save_button.click()  # in kind needs to say what
        seen["in_kind_error"] = dialog.errors["in_kind"].text()
        dialog.method.setCurrentIndex(dialog.method.findData("cash"))
        seen["in_kind_after"] = dialog.in_kind.isEnabled()
        dialog.anonymous.setChecked(True)
        dialog.save_button.click()

    when_modal(fill)
    page.new_voucher("receipt")
    assert seen["in_kind_enabled"] and not seen["in_kind_after"]
    assert "Ghi hiện vật gồm những gì" in seen["in_kind_error"]
    with db.read() as s:
        voucher = s.scalar(select(Voucher))
        assert (voucher.number, voucher.amount, voucher.party_name, voucher.hamlet_id, voucher.purpose,
                voucher.anonymous) == (f"PT-{Y}-0001", 1_250_000, "Nguyễn Văn An", hamlets["east"], "Tết", True)
    assert page.year.value() == Y
    assert page.status.text() == f"Đã ghi phiếu PT-{Y}-0001."
    assert cells(page, 0) == [dmy(5), f"PT-{Y}-0001", "", "Nhận của Nguyễn Văn An: Tết", "1.250.000 đ", "",
                              "1.250.000 đ"]
    assert page.model.index(0, 6).data(Qt.TextAlignmentRole) == int(Qt.AlignRight | Qt.AlignVCenter)
    assert page.selected_line().number == f"PT-{Y}-0001"
    assert page.summary.text() == ("Tồn đầu kỳ 0 đ · Thu 1.250.000 đ · Chi 0 đ · Tồn cuối kỳ 1.250.000 đ "
                                   "(tiền 1.250.000 đ, hiện vật 0 đ)")
    assert page.count_label.text() == "Hiển thị 1 / 1 dòng"


def test_receipt_from_the_registry_and_search(ctx, qtbot, db, hamlets):
    page = page_for(ctx, qtbot)

    def fill(dialog):
        dialog.voucher_date.setText(dmy(6))
        dialog.amount.setText("500000")
        dialog.party.set_kind("person")
        assert dialog.party.name.isHidden() and not dialog.party.picker.isHidden()
        dialog.save_button.click()  # nobody picked yet
        assert dialog.errors["party_id"].text() == "Chọn người, hộ hoặc đơn vị trong sổ."
        assert dialog.amount.text() == "500000"  # nothing typed is lost
        dialog.party.picker.set_record(hamlets["pupil"], "Lê Thị Na")
        dialog.save_button.click()

    when_modal(fill)
    page.new_voucher("receipt")
    receipt(db, 200_000, d(7), party_name="Trần Văn Bảo")
    ctx.changed("fund")
    assert page.model.rowCount() == 2
    page.search.setText("le thi na")
    page._apply_search()
    assert [cells(page, r)[3] for r in range(page.model.rowCount())] == ["Nhận của Lê Thị Na"]
    page.search.setText(f"PT-{Y}-0002")
    page._apply_search()
    assert page.count_label.text() == "Hiển thị 1 / 2 dòng"


def test_payment_above_the_balance_is_refused(ctx, qtbot, db):
    receipt(db, 1_000_000, d(5))
    page = page_for(ctx, qtbot)
    seen = {}

    def fill(dialog):
        assert dialog.party.kind.findData("anonymous") == -1  # a payment names its payee
        dialog.voucher_date.setText(dmy(10))
        dialog.amount.setText("2.000.000")
        dialog.party.name.setText("Lê Thị Bình")
        dialog.payout_kind.setCurrentIndex(dialog.payout_kind.findData("support"))
        dialog.save_button.click()
        seen["error"] = dialog.general_error.text()
        seen["amount"] = dialog.amount.text()
        seen["open"] = dialog.isVisible()
        dialog.reject()

    when_modal(fill)
    page.new_voucher("payment")
    assert f"Khoản chi 2.000.000 đ làm quỹ âm: từ ngày {dmy(10)}" in seen["error"]
    assert "chỉ còn tối đa 1.000.000 đ" in seen["error"]
    assert seen["amount"] == "2.000.000" and seen["open"]
    assert count_vouchers(db) == 1 and page.model.rowCount() == 1


def test_cancel_through_the_dialog_adds_the_reversal_line(ctx, qtbot, db):
    receipt(db, 1_000_000, d(5))
    with db.write() as s:
        paid = fund.record_voucher(s, VoucherForm(kind="payment", voucher_date=d(10), amount=300_000,
                                                  party_name="Lê Thị Bình", payout_kind="award")).number
    page = page_for(ctx, qtbot)
    assert page.summary.text().startswith("Tồn đầu kỳ 0 đ · Thu 1.000.000 đ · Chi 300.000 đ · Tồn cuối kỳ 700.000 đ")
    assert not page.cancel_button.isEnabled()
    page.select_number(paid)
    assert page.cancel_button.isEnabled()
    seen = {}

    def fill(dialog):
        seen["title"] = dialog.windowTitle()
        dialog.ok_button.click()  # no reason yet: asked before any confirmation
        seen["reason_error"] = dialog.errors["reason"].text()
        dialog.reason.setText("Người nhận chưa đến nhận")
        dialog.cancelled_on.setText(dmy(20))
        when_modal(lambda box: (seen.setdefault("confirm", box.text()), click_button(box, "Hủy phiếu")))
        dialog.ok_button.click()

    when_modal(fill)
    page.cancel_voucher()
    assert seen["title"] == f"Hủy phiếu {paid}" and seen["reason_error"] == "Cần ghi lý do hủy phiếu."
    assert seen["confirm"] == f"Hủy phiếu chi {paid} (300.000 đ)?"
    assert page.model.rowCount() == 3
    reversal = cells(page, 2)
    assert reversal[:4] == [dmy(20), "", paid, f"Hủy phiếu {paid} ngày {dmy(10)}: Người nhận chưa đến nhận"]
    assert reversal[5:] == ["-300.000 đ", "1.000.000 đ"]
    assert page.model.index(2, 3).data(Qt.FontRole).italic()
    assert cells(page, 1)[3].endswith("(phiếu đã hủy)")
    assert page.summary.text().startswith("Tồn đầu kỳ 0 đ · Thu 1.000.000 đ · Chi 0 đ · Tồn cuối kỳ 1.000.000 đ")

    # A cancelled voucher cannot be cancelled again; Del on its line says why.
    page.table.selectRow(1)
    assert not page.cancel_button.isEnabled() and page.cancel_button.toolTip() == f"Phiếu {paid} đã hủy."
    when_modal(lambda box: (seen.setdefault("refused", box.text()), box.accept()))
    page.cancel_voucher()
    assert seen["refused"] == f"Phiếu {paid} đã hủy ngày {dmy(20)} (Người nhận chưa đến nhận)."


def test_payout_decision_with_two_beneficiaries_then_paid(ctx, qtbot, db, hamlets):
    receipt(db, 5_000_000, d(5))
    page = page_for(ctx, qtbot)
    seen = {}

    def fill(dialog: PayoutDecisionDialog):
        dialog.number.setText("07/QĐ-HKH")
        dialog.decided_on.setText(dmy(15))
        dialog.signer_name.setText("Nguyễn Văn Bình")
        dialog.purpose.setCurrentText("Học bổng học kỳ I")
        dialog.save_button.click()
        seen["empty"] = dialog.errors["lines"].text()
        dialog.person_picker.set_record(hamlets["pupil"], "Lê Thị Na")
        dialog.person_picker.picked.emit()
        dialog.add_free_line()
        model = dialog.model
        model.setData(model.index(1, NAME), "Phạm Minh Khôi")
        for row, amount in enumerate(("500.000", "700000")):
            model.setData(model.index(row, AMOUNT), amount)
        model.setData(model.index(0, LEVEL), "primary")
        model.setData(model.index(1, LEVEL), "lower_secondary")
        model.setData(model.index(0, MINOR), Qt.Checked.value, Qt.CheckStateRole)
        seen["cells"] = [model.index(0, c).data() for c in range(4)]
        seen["totals"] = dialog.totals.text()
        when_modal(lambda box: (seen.setdefault("offer", box.text()), click_button(box, "Chi ngay bằng tiền mặt")))
        dialog.save_button.click()

    when_modal(fill)
    page.new_decision()
    assert seen["empty"] == "Danh sách người nhận đang trống."
    assert seen["cells"] == ["Lê Thị Na", "", "", "Thôn Đông"]
    assert seen["totals"] == "2 người · 1.200.000 đ"
    assert seen["offer"] == "Quyết định chi số 07/QĐ-HKH: 2 người, 1.200.000 đ."
    with db.read() as s:
        decision = s.scalar(select(PayoutDecision))
        lines = list(s.scalars(select(PayoutLine).order_by(PayoutLine.position)))
        payment = s.scalar(select(Voucher).where(Voucher.kind == "payment"))
        assert (decision.number, decision.signer_name, decision.purpose) == ("07/QĐ-HKH", "Nguyễn Văn Bình",
                                                                             "Học bổng học kỳ I")
        assert [(ln.name, ln.person_id, ln.amount, ln.level, ln.minor) for ln in lines] == [
            ("Lê Thị Na", hamlets["pupil"], 500_000, "primary", True),
            ("Phạm Minh Khôi", None, 700_000, "lower_secondary", False)]
        assert (payment.number, payment.amount, payment.decision_id, payment.method) == (
            f"PC-{Y}-0001", 1_200_000, decision.id, "cash")
    assert page.status.text() == f"Đã lưu quyết định chi và ghi phiếu PC-{Y}-0001."
    assert page.selected_line().number == f"PC-{Y}-0001"


def test_lock_then_a_receipt_inside_it_is_refused(ctx, qtbot, db):
    receipt(db, 1_000_000, d(5))
    page = page_for(ctx, qtbot)
    assert page.lock_note.isHidden()
    seen = {}

    def lock(dialog):
        dialog.day.setText(dmy(31, 3))
        when_modal(lambda box: (seen.setdefault("confirm", box.informativeText()), click_button(box, "Khóa sổ")))
        dialog.ok_button.click()

    when_modal(lock)
    page.lock_books()
    assert seen["confirm"].startswith(f"Sau khi khóa, không ghi hay hủy phiếu đến hết ngày {dmy(31, 3)} được nữa.")
    assert not page.lock_note.isHidden() and page.lock_note.text() == f"Sổ đã khóa đến hết {dmy(31, 3)}"

    def fill(dialog):
        dialog.voucher_date.setText(dmy(15, 3))
        dialog.amount.setText("100.000")
        dialog.party.name.setText("Trần Văn Bảo")
        dialog.save_button.click()
        seen["date_error"] = dialog.errors["voucher_date"].text()
        dialog.reject()

    when_modal(fill)
    page.new_voucher("receipt")
    assert f"Ngày lập phiếu {dmy(15, 3)} thuộc kỳ đã khóa sổ (đến hết {dmy(31, 3)})" in seen["date_error"]
    assert count_vouchers(db) == 1


def test_summaries_tab(ctx, qtbot, db, hamlets, tmp_path):
    receipt(db, 2_000_000, d(5), purpose="Tết", hamlet_id=hamlets["east"])
    receipt(db, 5_000_000, d(6), purpose="Ngày Khuyến học 2/10", party_name="Công ty May Hòa Bình")
    receipt(db, 100_000, d(7), purpose="Tết", method="bank")
    with db.write() as s:
        fund.record_voucher(s, VoucherForm(kind="payment", voucher_date=d(9), amount=400_000, party_name="Lê Na",
                                           payout_kind="award", purpose="Khen thưởng học sinh giỏi"))
    page = page_for(ctx, qtbot)
    summary = page.summaries
    rows = lambda model: [tuple(model.index(r, c).data() for c in range(model.columnCount()))  # noqa: E731
                          for r in range(model.rowCount())]
    assert rows(summary.by_purpose) == [("Ngày Khuyến học 2/10", "5.000.000 đ", "0 đ"),
                                        ("Tết", "2.100.000 đ", "0 đ"),
                                        ("Khen thưởng học sinh giỏi", "0 đ", "400.000 đ"),
                                        ("Cộng", "7.100.000 đ", "400.000 đ")]
    assert rows(summary.by_kind) == [("Khen thưởng", "400.000 đ")]
    assert ("Thôn Đông", "2.000.000 đ", "0 đ") in rows(summary.by_hamlet)
    assert ("Chuyển khoản", "100.000 đ", "0 đ") in rows(summary.by_method)
    assert rows(summary.awards) == [("Khác", "Khác", "1", "400.000 đ")]

    summary.donor.name.setText("cong ty may hoa binh")
    summary.show_donor()
    assert rows(summary.donor_rows) == [(dmy(6), f"PT-{Y}-0002", "Ngày Khuyến học 2/10", "5.000.000 đ")]
    assert summary.donor_total.text() == f"1 phiếu thu, cộng 5.000.000 đ (từ {dmy(1)} đến {dmy(31, 12)})."
    assert summary.statement_pdf.isEnabled()
    with db.write() as s:
        from khuyenhoc_desktop.domain import admin_units
        from khuyenhoc_desktop.services import profile

        prov = admin_units.provinces()[0]
        profile.save_profile(s, profile.ProfileForm(province_code=prov.code,
                                                    commune_code=admin_units.communes(prov.code)[0].code,
                                                    association_name="Hội Khuyến học"))
    statement = _opened(qtbot, lambda cb: summary.print_statement(on_open=cb))
    text = _text(statement.save_to(tmp_path / "bk.pdf"))
    assert "BẢNG KÊ ỦNG HỘ QUỸ KHUYẾN HỌC" in text and "Công ty May Hòa Bình" in text and "Năm triệu đồng" in text
    summary.donor.name.setText("Ai Đó")
    summary.show_donor()
    assert not summary.statement_pdf.isEnabled()

    page.set_period(d(6), d(6))
    assert rows(summary.by_purpose) == [("Ngày Khuyến học 2/10", "5.000.000 đ", "0 đ")]
    assert page.summary.text().startswith("Tồn đầu kỳ 2.000.000 đ · Thu 5.000.000 đ")


def test_a_decision_left_unpaid_is_paid_later_from_the_menu(ctx, qtbot, db):
    receipt(db, 5_000_000, d(5))
    with db.write() as s:
        fund.save_payout_decision(s, fund.PayoutDecisionForm(
            number="12/QĐ-HKH", decided_on=d(15), payout_kind="award", purpose="Khen thưởng học sinh giỏi",
            lines=[fund.PayoutLineForm("Lê Na", 300_000), fund.PayoutLineForm("Trần Bình", 200_000)]))
    page = page_for(ctx, qtbot, year=today().year)
    page._fill_pay_menu()
    actions = page.pay_menu.actions()
    assert [a.text() for a in actions] == [
        f"12/QĐ-HKH ngày {dmy(15)}: Khen thưởng, 2 người, 500.000 đ"]
    when_modal(lambda box: click_button(box, "Chi ngay bằng chuyển khoản"))
    actions[0].trigger()
    with db.read() as s:
        payment = s.scalar(select(Voucher).where(Voucher.kind == "payment"))
        assert (payment.amount, payment.method, payment.voucher_date) == (500_000, "bank", today())
    assert page.status.text() == f"Đã ghi phiếu {payment.number} theo quyết định chi 12/QĐ-HKH."
    page._fill_pay_menu()
    assert [a.text() for a in page.pay_menu.actions()] == ["Không có quyết định chi nào chờ chi"]


def _opened(qtbot, start):
    seen = []
    start(seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    qtbot.addWidget(seen[0])
    return seen[0]


def _text(path) -> str:
    import subprocess

    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_papers_from_the_page(ctx, qtbot, db, hamlets, tmp_path):
    from khuyenhoc_desktop.domain import admin_units
    from khuyenhoc_desktop.services import profile

    prov = admin_units.provinces()[0]
    with db.write() as s:
        profile.save_profile(s, profile.ProfileForm(province_code=prov.code,
                                                    commune_code=admin_units.communes(prov.code)[0].code,
                                                    association_name="Hội Khuyến học"))
        decision = fund.save_payout_decision(s, fund.PayoutDecisionForm(
            number="12/QĐ-HKH", decided_on=d(15), payout_kind="scholarship", purpose="Học bổng học kỳ I",
            lines=[fund.PayoutLineForm(person_id=hamlets["pupil"], amount=300_000, minor=True, hamlet_id=hamlets["east"])]))
    number = receipt(db, 1_250_000, d(5), purpose="Tết")
    with db.write() as s:
        fund.pay_decision(s, decision)
    page = page_for(ctx, qtbot)
    page.select_number(number)
    page._fill_papers_menu()
    labels = [a.text() for a in page.papers_menu.actions() if a.text()]
    assert labels[0] == f"Phiếu {number}…" and "Sổ chi tiết (Excel)…" in labels
    first = _opened(qtbot, lambda cb: page.print_voucher(on_open=cb))
    assert "Một triệu hai trăm năm mươi nghìn đồng" in _text(first.save_to(tmp_path / "p1.pdf"))
    again = _opened(qtbot, lambda cb: page.print_voucher(on_open=cb))
    assert "BẢN SAO" in _text(again.save_to(tmp_path / "p2.pdf"))
    with db.read() as s:
        summary = fund.payout_decisions(s, d(1), d(31))[0]
    signing = _opened(qtbot, lambda cb: page.print_payout_list(summary, on_open=cb))
    assert "Lê Thị Na" in _text(signing.save_to(tmp_path / "ds.pdf"))
    book = _opened(qtbot, lambda cb: page.print_ledger(on_open=cb))
    assert "SỔ CHI TIẾT QUỸ KHUYẾN HỌC" in _text(book.save_to(tmp_path / "so.pdf"))
    notice = _opened(qtbot, lambda cb: page.print_disclosure(on_open=cb, initials=True))
    public = _text(notice.save_to(tmp_path / "ck.pdf"))
    assert "L.T.N." in public and "Lê Thị Na" not in public
    seen = {}
    when_modal(lambda box: (seen.setdefault("done", box.text()), box.reject()), attempts=500)
    page.export_ledger(tmp_path / "so.xlsx")
    qtbot.waitUntil(lambda: "done" in seen, timeout=10000)
    assert seen["done"].startswith("Đã xuất ") and seen["done"].endswith("vào tệp “so.xlsx”.")
    assert (tmp_path / "so.xlsx").stat().st_size > 0
