"""Fund papers: vouchers, the payout list, the detailed book and the public notice, read back
with pdftotext (exact Vietnamese), fonts embedded, pages and repeated headers; the workbooks
read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import re

import pytest
from openpyxl import load_workbook

from khuyenhoc_desktop.documents import fund_papers as fp
from khuyenhoc_desktop.documents import fund_xlsx
from tests.test_title_papers import _check_pdf, _flat, _issuer, _page, _page_count, _pages, _raw, _run, needs_poppler



def _voucher(**kw):
    values = dict(kind="receipt", number="PT-2026-0001", date=dt.date(2026, 1, 5), party_name="Trần Thị Bình",
                  amount=1_250_000, party_address="Thôn Đông, xã Tân Lập", reason="Ủng hộ quỹ khuyến học năm 2026",
                  method="Tiền mặt", accountant_name="Lê Thị Cúc", treasurer_name="Phạm Văn Dũng",
                  party_signer_name="Trần Thị Bình")
    return fp.VoucherDoc(**{**values, **kw})


def _ledger(count=80):
    balance, lines = 3_000_000, []
    for i in range(count):
        day = dt.date(2026, 1 + i // 8, 1 + i % 8)
        if i % 3:
            balance += 500_000
            lines.append(fp.LedgerLine(day, f"PT-2026-{i:04d}", "receipt", f"Nhận của ông Nguyễn Văn Hùng {i}",
                                       500_000, 0, balance))
        else:
            balance -= 200_000
            lines.append(fp.LedgerLine(day, f"PC-2026-{i:04d}", "payment", "Chi học bổng theo Quyết định số 05/QĐ-HKH",
                                       0, 200_000, balance))
    balance -= 500_000
    lines.append(fp.LedgerLine(dt.date(2026, 11, 2), "PT-2026-0002", "receipt",
                               "Hủy phiếu PT-2026-0002 ngày 02/01/2026: ghi nhầm", -500_000, 0, balance, True))
    return fp.LedgerDoc(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), 3_000_000, lines,
        periods=[fp.PeriodBalance("Quý I", 3_000_000, 5_000_000, 1_000_000, 7_000_000)],
        by_purpose=[fp.TotalRow("Vận động đầu năm học", 10_000_000, 0)],
        by_payout_kind=[fp.TotalRow("Học bổng", 0, 2_000_000), fp.TotalRow("Khen thưởng", 0, 1_000_000)],
        by_hamlet=[fp.TotalRow("Thôn Đông", 5_000_000, 1_000_000)],
        awards=[fp.AwardRow("Tiểu học", "Học sinh", 10, 2_000_000), fp.AwardRow("Trung học cơ sở", "Học sinh", 5, 1_500_000),
                fp.AwardRow("Trung học cơ sở", "Giáo viên", 2, 1_000_000)],
        keeper_name="Lê Thị Cúc", treasurer_name="Phạm Văn Dũng")


def _disclosure():
    return fp.DisclosureDoc(
        dt.date(2026, 1, 1), dt.date(2026, 6, 30), 3_000_000, 5_000_000, 2_000_000, 1_250_000, 4_000_000, 7_250_000,
        donors=[fp.DonorLine("Công ty TNHH Minh Phát", 5_000_000), fp.DonorLine("Trần Văn Tâm", 2_000_000, anonymous=True),
                fp.DonorLine("Cửa hàng sách Hồng Hà", 1_250_000, in_kind="200 quyển vở")],
        payouts=[fp.PayoutEntry(dt.date(2026, 5, 30), "PC-2026-0001", "Học bổng theo Quyết định số 05/QĐ-HKH", 4_000_000)],
        beneficiaries=[fp.BeneficiaryLine("Nguyễn Văn An", 2_000_000, "Học bổng", "Thôn Đông", minor=True),
                       fp.BeneficiaryLine("Lê Thị Hoa", 2_000_000, "Học bổng", "Thôn Tây")],
        number="03/TB-HKH")


def _fonts_embedded(path):
    fonts = _run("pdffonts", str(path))
    assert "LiberationSerif" in fonts and "Helvetica" not in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


@needs_poppler
def test_receipt_voucher(tmp_path):
    out = tmp_path / "pt.pdf"
    assert fp.render_voucher(_voucher(), _issuer(), out) == 1
    assert re.search(r"Page size:\s+595\.2\d* x 419\.5\d*", _run("pdfinfo", str(out)))
    _fonts_embedded(out)
    text = _pages(out)[0]
    for s in ("HỘI KHUYẾN HỌC XÃ TÂN LẬP", "PHIẾU THU", "Số: PT-2026-0001", "Ngày 05 tháng 01 năm 2026",
              "Họ và tên người nộp tiền: Trần Thị Bình", "Địa chỉ: Thôn Đông, xã Tân Lập",
              "Lý do nộp: Ủng hộ quỹ khuyến học năm 2026", "Số tiền: 1.250.000 đ",
              "(Viết bằng chữ): Một triệu hai trăm năm mươi nghìn đồng", "Chủ tịch", "Kế toán", "Thủ quỹ",
              "Người nộp tiền", "(Ký, họ tên)", "Nguyễn Văn An", "Lê Thị Cúc", "Phạm Văn Dũng"):
        assert s in text, s
    assert "BẢN SAO" not in text and "ĐÃ HỦY" not in text


@needs_poppler
def test_payment_copy_cancelled_in_kind(tmp_path):
    out = tmp_path / "pc.pdf"
    v = _voucher(kind="payment", number="PC-2026-0002", party_name="", anonymous=True, amount=2_000_015_000,
                 in_kind="200 quyển vở", copy=True, cancelled_on=dt.date(2026, 1, 10), cancel_reason="ghi nhầm số tiền")
    fp.render_voucher(v, _issuer(), out)
    _fonts_embedded(out)
    flat = _flat(_raw(out))
    for s in ("PHIẾU CHI", "Số: PC-2026-0002", "BẢN SAO", "ĐÃ HỦY", "Người nhận tiền", "Lý do chi:",
              "Họ và tên người nhận tiền: Nhà hảo tâm (ẩn danh)", "Hiện vật: 200 quyển vở",
              "Giá trị ước tính: 2.000.015.000 đ", "Hai tỷ không trăm mười lăm nghìn đồng",
              "Đã hủy: ngày 10/01/2026; lý do: ghi nhầm số tiền"):
        assert s in flat, s
    with pytest.raises(ValueError, match="lớn hơn 0"):
        fp.render_voucher(_voucher(amount=0), _issuer(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


@needs_poppler
def test_payout_list(tmp_path):
    out = tmp_path / "ds.pdf"
    lines = [fp.PayoutLine(f"Nguyễn Thị Ánh {i}", 500_000, f"{6 + i % 4}A", "THCS Tân Lập", "Thôn Đông") for i in range(30)]
    doc = fp.PayoutListDoc("05/QĐ-HKH", dt.date(2026, 1, 5), lines, purpose="Năm học 2025-2026",
                           preparer_name="Lê Thị Cúc", treasurer_name="Phạm Văn Dũng")
    count = fp.render_payout_list(doc, _issuer(), out)
    assert count >= 2
    _check_pdf(out, count)
    first = _pages(out)[0]
    assert "DANH SÁCH NHẬN HỌC BỔNG" in first and "Năm học 2025-2026" in first
    assert "(Kèm theo Quyết định số 05/QĐ-HKH ngày 05 tháng 01 năm 2026" in _flat(first)
    for n in range(2, count + 1):
        assert "Ký nhận" in _page(out, n) or "Tổng số" in _page(out, n)
    flat = _flat(_raw(out))
    assert "Tổng cộng 15.000.000" in flat
    assert "Tổng số: 30 người; số tiền 15.000.000 đ." in flat
    assert "Viết bằng chữ: Mười lăm triệu đồng." in flat
    for s in ("NGƯỜI LẬP", "THỦ QUỸ", "TM. BAN CHẤP HÀNH", "Lê Thị Cúc", "Phạm Văn Dũng", "Nguyễn Văn An"):
        assert s in flat, s


@needs_poppler
def test_ledger_over_pages(tmp_path):
    out = tmp_path / "so.pdf"
    doc = _ledger()
    count = fp.render_ledger(doc, _issuer(), out)
    assert count == _page_count(out) >= 3
    assert re.search(r"Page size:\s+841\.8\d* x 595\.2\d*", _run("pdfinfo", str(out)))
    _fonts_embedded(out)
    first = _pages(out)[0]
    assert "SỔ CHI TIẾT QUỸ KHUYẾN HỌC" in first and "(Năm 2026)" in first
    assert "Số dư đầu kỳ" in first and "3.000.000" in first
    # The 80 lines go on over pages, the header row repeated on each.
    assert "Tồn (đồng)" in _page(out, 2) and "Số phiếu thu" in _page(out, 2)
    flat = _flat(_raw(out))
    assert "02/01/2026 PT-2026-0001 Nhận của ông Nguyễn Văn Hùng 1 500.000 3.300.000" in flat
    assert "02/11/2026 PT-2026-0002 Hủy phiếu PT-2026-0002 ngày 02/01/2026: ghi nhầm -500.000" in flat
    assert doc.closing == doc.lines[-1].balance == 23_600_000
    assert "Cộng phát sinh trong kỳ 26.000.000 5.400.000" in flat
    assert "31/12/2026 Số dư cuối kỳ 23.600.000" in flat
    for s in ("I. SỐ DƯ THEO KỲ", "II. TỔNG HỢP THEO ĐỢT VẬN ĐỘNG, MỤC ĐÍCH", "III. TỔNG HỢP CHI THEO LOẠI",
              "IV. TỔNG HỢP THEO THÔN", "V. HỌC BỔNG, KHEN THƯỞNG THEO CẤP HỌC VÀ ĐỐI TƯỢNG", "Quý I",
              "Khen thưởng", "Trung học cơ sở", "NGƯỜI GHI SỔ"):
        assert s in flat, s
    # Awards: levels down, recipients across, totals.
    assert "Trung học cơ sở 5 1.500.000 2 1.000.000 7 2.500.000" in flat
    assert "Cộng 15 3.500.000 2 1.000.000 17 4.500.000" in flat


@needs_poppler
def test_disclosure(tmp_path):
    out = tmp_path / "tb.pdf"
    count = fp.render_disclosure(_disclosure(), _issuer(), out)
    _check_pdf(out, count)
    flat = _flat(_raw(out))
    for s in ("THÔNG BÁO", "CÔNG KHAI THU, CHI QUỸ KHUYẾN HỌC", "(Từ ngày 01/01/2026 đến ngày 30/06/2026)",
              "Số: 03/TB-HKH", "I. TỔNG THU", "Tổng thu trong kỳ: 8.250.000 đ", "- Hiện vật (giá trị ước tính): 1.250.000 đ",
              "Nhà hảo tâm (ẩn danh) 2.000.000", "Cửa hàng sách Hồng Hà 200 quyển vở 1.250.000",
              "III. TỔNG CHI", "1 N.V.A. Thôn Đông Học bổng 2.000.000", "Lê Thị Hoa", "IV. SỐ DƯ CUỐI KỲ",
              "Số dư cuối kỳ: 7.250.000 đ", "Bảy triệu hai trăm năm mươi nghìn đồng", "TM. BAN CHẤP HÀNH"):
        assert s in flat, s
    assert "Trần Văn Tâm" not in flat and "Nguyễn Văn An 2.000.000" not in flat
    doc = _disclosure()
    doc.initials_only_for_minors = False
    fp.render_disclosure(doc, _issuer(), out)
    assert "1 Nguyễn Văn An Thôn Đông" in _flat(_raw(out))


def _book(path):
    return load_workbook(io.BytesIO(pathlib.Path(path).read_bytes()))


def _header_row(ws):
    return int(ws.freeze_panes[1:]) - 1


def test_ledger_xlsx(tmp_path):
    out = tmp_path / "so.xlsx"
    assert fund_xlsx.write_ledger_xlsx(_ledger(), "Hội Khuyến học xã Tân Lập", "Tân Lập", out,
                                       exported_on=dt.date(2026, 1, 5)) == 84
    wb = _book(out)
    assert wb.sheetnames == ["Sổ chi tiết", "Số dư theo kỳ", "Theo mục đích", "Theo loại chi", "Theo thôn",
                             "Học bổng, khen thưởng"]
    ws = wb["Sổ chi tiết"]
    h = _header_row(ws)
    block = [ws.cell(r, 1).value for r in range(1, h)]
    assert block[0] == "HỘI KHUYẾN HỌC XÃ TÂN LẬP" and "SỔ CHI TIẾT QUỸ KHUYẾN HỌC" in block
    assert "(Năm 2026)" in block and "Ngày xuất: 05/01/2026" in block
    assert [c.value for c in ws[h]] == ["Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu", "Chi", "Tồn"]
    opening = [c.value for c in ws[h + 1]]
    assert opening == [dt.datetime(2026, 1, 1), None, None, "Số dư đầu kỳ", None, None, 3_000_000]
    line = ws[h + 3]
    assert line[1].value == "PT-2026-0001" and line[4].value == 500_000 and line[6].value == 3_300_000
    assert line[4].number_format == '#,##0" đ"' and line[0].number_format == "dd/mm/yyyy"
    reversal = [c.value for c in ws[h + 82]]
    assert reversal[1] == "PT-2026-0002" and reversal[4] == -500_000
    assert [c.value for c in ws[h + 84]][3:] == ["Số dư cuối kỳ", None, None, 23_600_000]
    assert ws.freeze_panes == f"A{h + 1}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert int(ws.page_setup.fitToWidth) == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${h}:${h}"
    awards = wb["Học bổng, khen thưởng"]
    rows = [[c.value for c in r] for r in awards.iter_rows(min_row=_header_row(awards) + 1)]
    assert rows[-1] == ["Cộng", 15, 3_500_000, 2, 1_000_000, 17, 4_500_000]
    assert rows[0][3:5] == [None, None]  # no teachers at primary level
    with pytest.raises(Exception, match="đã có"):
        fund_xlsx.write_ledger_xlsx(_ledger(), "Hội", "Tân Lập", out)


def test_disclosure_xlsx(tmp_path):
    out = tmp_path / "tb.xlsx"
    assert fund_xlsx.write_disclosure_xlsx(_disclosure(), "Hội Khuyến học xã Tân Lập", "Tân Lập", out) == 3
    wb = _book(out)
    summary = wb["Tổng hợp"]
    rows = {r[0].value: r[1] for r in summary.iter_rows(min_row=_header_row(summary) + 1)}
    assert rows["I. Tổng thu trong kỳ"].value == 8_250_000 and rows["IV. Số dư cuối kỳ"].value == 7_250_000
    assert rows["- Hiện vật (giá trị ước tính)"].number_format == '#,##0" đ"'
    donors = wb["Người ủng hộ"]
    names = [r[1].value for r in donors.iter_rows(min_row=_header_row(donors) + 1)]
    assert names == ["Công ty TNHH Minh Phát", "Nhà hảo tâm (ẩn danh)", "Cửa hàng sách Hồng Hà", "Cộng"]
    people = wb["Người nhận"]
    assert [r[1].value for r in people.iter_rows(min_row=_header_row(people) + 1)] == ["N.V.A.", "Lê Thị Hoa", "Cộng"]
    assert people.page_setup.orientation == "landscape"
