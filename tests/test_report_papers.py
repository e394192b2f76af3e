"""The report upward: the PDF (Decree 30 text, annex tables, comparison, charts, the empty
signature box, byte-identical regeneration) read back with poppler; the workbook (annex values
and formats, print setup, hidden machine-readable sheet) read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from khuyenhoc_desktop.documents import report_papers as rp
from khuyenhoc_desktop.documents import report_xlsx
from khuyenhoc_desktop.domain.report_forms import default_layout
from tests.test_title_papers import _flat, _issuer, _page_count, _pages, _raw, _run, needs_poppler

HAMLETS = ["Thôn Đông Hưng", "Thôn Thượng Phúc", "Tổ dân phố Nghĩa Đàn"]


def _doc(**kw) -> rp.ReportDoc:
    rows = []
    for i, name in enumerate(HAMLETS):
        rows.append(rp.AnnexRow(name, dict(
            households=10155 + i, gdht_registered=9500, gdht_recognised=8963, clans=12, dhht_registered=10,
            dhht_recognised=7 + i, hamlets=1, cdht_recognised=int(i != 1), units=5, dvht_registered=4,
            dvht_recognised=3, adults=4000, cdht_citizens=1500 + 100 * i, population=12000, members=3000, branches=2,
            fund_received=12_500_000, scholarship_count=10, scholarship_amount=5_000_000, award_pupils=20,
            award_teachers=3, award_amount=4_000_000, support_amount=1_000_000, fund_balance=None)))
    total = {k: sum(r.values[k] or 0 for r in rows) for k in rows[0].values}
    total.update(households=30466, gdht_recognised=26889, fund_balance=1_250_000_000)
    rows.append(rp.AnnexRow("Toàn xã", total, total=True))
    values = dict(
        number="05/BC-HKH", date=dt.date(2026, 7, 5), kind="half_year", year=2026,
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
        addressed_to="Hội Khuyến học tỉnh Nghệ An",
        narrative=[("I. KẾT QUẢ THỰC HIỆN", "1. Công tác tổ chức Hội: toàn xã có 6 chi hội, 9.000 hội viên.\n\n"
                                           "2. Gia đình học tập đạt 26.889/30.466 hộ."),
                   ("II. HẠN CHẾ, NGUYÊN NHÂN", "Một số chi hội hoạt động chưa đều."),
                   ("III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", "1. Phát triển hội viên, củng cố các chi hội.")],
        layout=default_layout(), rows=rows,
        previous=dict(total, households=30000, gdht_recognised=25500, members=8800, fund_balance=1_000_000_000),
        previous_label="6 tháng đầu năm 2025",
        recipients=["Hội Khuyến học tỉnh Nghệ An", "Đảng ủy, UBND xã", "Lưu: VT"],
        commune_code=17920, province_code=40, commune_name="Xã Tân Lập", association="Hội Khuyến học xã Tân Lập",
        software_version="0.1.0",
    )
    return rp.ReportDoc(**{**values, **kw})


# ---------------------------------------------------------------- figures

def test_titles_and_figures():
    doc = _doc()
    assert rp.report_title(doc) == ("Báo cáo sơ kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập "
                                    "6 tháng đầu năm 2026")
    assert rp.subject_line(_doc(kind="annual")).startswith("Tổng kết công tác") and "năm 2026" in rp.subject_line(
        _doc(kind="annual"))
    share = doc.layout.columns[3]
    assert rp.percent_cell(26889, 30466) == "26.889/30.466 = 88,26%"
    assert rp.percent_cell(5, 0) == "" and rp.share_ten_thousandths(26889, 30466) == 8826
    assert rp.change_text(share, doc.rows[-1].values, doc.previous) == "+3,26 điểm %"
    assert rp.change_text(doc.layout.columns[0], {"households": 10}, {"households": 12}) == "-2"
    # Groups split into landscape-wide tables, in order, each at least one group.
    parts = rp.annex_parts(doc.layout)
    assert len(parts) > 1 and [g for p in parts for g in p] == list(doc.layout.groups)


# ---------------------------------------------------------------- PDF

@needs_poppler
def test_report_pdf(tmp_path):
    out = tmp_path / "bc.pdf"
    result = rp.render_report(_doc(), _issuer(), out)
    assert result.pages == _page_count(out) >= 4
    fonts = _run("pdffonts", str(out))
    assert "LiberationSerif" in fonts and "Helvetica" not in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    pages = _pages(out)
    first = _flat(pages[0])
    for s in ("HỘI KHUYẾN HỌC XÃ TÂN LẬP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
              "Số: 05/BC-HKH", "Tân Lập, ngày 05 tháng 7 năm 2026", "BÁO CÁO", "Kính gửi: Hội Khuyến học tỉnh Nghệ An",
              "I. KẾT QUẢ THỰC HIỆN", "toàn xã có 6 chi hội, 9.000 hội viên.", "Nơi nhận:", "- Lưu: VT.",
              "TM. BAN CHẤP HÀNH", "CHỦ TỊCH", "Nguyễn Văn An"):
        assert s in first, s
    assert ("Sơ kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập 6 tháng đầu năm 2026"
            in _raw(out, 1, 1))
    # The annex: landscape, every hamlet on every table, shares with their counts.
    assert re.search(r"Page\s+2 size:\s+841\.8\d* x 595\.2\d*",
                     _run("pdfinfo", "-f", "2", "-l", "2", str(out)))
    annex = _raw(out, 2, result.pages)
    for s in ("PHỤ LỤC", "(Kèm theo Báo cáo số 05/BC-HKH ngày 05 tháng 7 năm 2026 của Hội Khuyến học xã Tân Lập)",
              "Biểu 1.", "Biểu 3.", "26.889/30.466 = 88,26%", "1.250.000.000", "12.500.000", *HAMLETS,
              "SO SÁNH VỚI KỲ TRƯỚC (TOÀN XÃ)", "- Tỉ lệ GĐHT 88,26% 85% +3,26 điểm %",
              "- Số dư cuối kỳ 1.250.000.000 1.000.000.000 +250.000.000"):
        assert s in annex, s
    for n in range(2, result.pages):
        if "Biểu" in pages[n - 1]:
            assert all(h in _flat(pages[n - 1]) for h in HAMLETS), n
    # The chart page: a bar chart per title with its target and shares.
    charts = _flat(pages[-1])
    assert "BIỂU ĐỒ TỈ LỆ THEO THÔN, TỔ DÂN PHỐ SO VỚI MỤC TIÊU" in charts
    for s in ("Tỉ lệ GĐHT (mục tiêu 70%)", "Mục tiêu 65%", "Mục tiêu 40%", "88,26%", "37,5%", *HAMLETS):
        assert s in charts, s


@needs_poppler
def test_report_pdf_is_reproducible(tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert rp.render_report(_doc(), _issuer(), first) == rp.render_report(_doc(), _issuer(), second)
    assert first.read_bytes() == second.read_bytes()
    assert re.search(r"CreationDate:\s+2026-07-05T00:00:00\+07", _run("pdfinfo", "-isodates", str(first)))
    rp.render_report(_doc(number="06/BC-HKH"), _issuer(), second)
    assert first.read_bytes() != second.read_bytes()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_signature_box_is_empty(tmp_path):
    from PIL import Image

    out = tmp_path / "bc.pdf"
    result = rp.render_report(_doc(draft=True), _issuer(), out)
    page, x1, y1, x2, y2 = result.signature_box
    width, height = 595.28, 841.89  # the signature ends the portrait narrative
    assert page == 0 and 0 < x1 < x2 < width and 0 < y1 < y2 < height
    assert x2 - x1 >= 150 and y2 - y1 >= 50
    dpi = 100
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-png", str(out),
                    str(tmp_path / "p")], check=True)
    image = Image.open(next(tmp_path.glob("p-*.png"))).convert("L")
    k = dpi / 72
    box = image.crop((round(x1 * k), round((height - y2) * k), round(x2 * k), round((height - y1) * k)))
    assert box.getextrema() == (255, 255)
    # …and the title and the name are just above and under it.
    around = image.crop((round(x1 * k), round((height - y2 - 30) * k), round(x2 * k), round((height - y1 + 30) * k)))
    assert around.getextrema()[0] < 100


def test_report_refuses_nonsense(tmp_path):
    with pytest.raises(ValueError):
        rp.render_report(_doc(kind="monthly"), _issuer(), tmp_path / "x.pdf")
    with pytest.raises(ValueError):
        rp.render_report(_doc(rows=[]), _issuer(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------- workbook

def test_report_xlsx(tmp_path):
    out = tmp_path / "bc.xlsx"
    doc = _doc()
    assert report_xlsx.write_report_xlsx(doc, out) == 4
    wb = load_workbook(out)
    parts = rp.annex_parts(doc.layout)
    assert wb.sheetnames == [f"Biểu {n}" for n in range(1, len(parts) + 1)] + ["So với kỳ trước", "may_doc"]
    ws = wb["Biểu 1"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert "HỘI KHUYẾN HỌC XÃ TÂN LẬP" in cells and "(Kèm theo Báo cáo số 05/BC-HKH ngày 05/07/2026)" in cells
    group = cells["Hộ gia đình"]
    header = cells["Tổng số hộ"]
    assert header.row == group.row + 1 and f"B{group.row}:E{group.row}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == f"${group.row}:${header.row}"
    rows = {r[0]: r for r in ws.iter_rows(min_row=header.row + 1, values_only=True)}
    assert list(rows) == [*HAMLETS, "Toàn xã"]
    total = rows["Toàn xã"]
    assert total[1:5] == (30466, 28500, 26889, 0.8826)
    share = ws.cell(header.row + 4, 5)
    assert share.number_format == "0.00%" and ws.cell(header.row + 4, 2).number_format == "#,##0"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    fund = wb[f"Biểu {len(parts)}"]
    money = {c.value: c for row in fund.iter_rows() for c in row if isinstance(c.value, int) and c.value > 10**6}
    assert money[1_250_000_000].number_format == '#,##0" đ"'
    # The balance is the commune's only: empty on the hamlets.
    balance_col = money[1_250_000_000].column
    assert [fund.cell(r, balance_col).value for r in range(money[1_250_000_000].row - 3, money[1_250_000_000].row)] == [
        None, None, None]
    compare = {r[0]: r[1:] for r in wb["So với kỳ trước"].iter_rows(values_only=True) if r[0]}
    assert compare["- Tỉ lệ GĐHT"] == ("88,26%", "85%", "+3,26 điểm %")
    assert compare["- Số dư cuối kỳ"] == (1_250_000_000, 1_000_000_000, 250_000_000)

    machine = wb["may_doc"]
    assert machine.sheet_state == "hidden"
    pairs = dict(machine.iter_rows(min_row=2, values_only=True))
    assert pairs["format"] == "khuyenhoc-report/1"
    assert (pairs["commune_code"], pairs["province_code"], pairs["commune_name"]) == (17920, 40, "Xã Tân Lập")
    assert (pairs["kind"], pairs["year"], pairs["number"]) == ("half_year", 2026, "05/BC-HKH")
    assert (pairs["period_start"], pairs["period_end"]) == ("2026-01-01", "2026-06-30")
    assert pairs["software_version"] == "0.1.0" and pairs["generated_on"] == "2026-07-05"
    assert pairs["indicator.households"] == 30466 and pairs["indicator.fund_balance"] == 1_250_000_000
    assert pairs["hamlet_count"] == 3 and pairs["hamlet.2.name"] == "Thôn Thượng Phúc"
    assert pairs["hamlet.3.households"] == 10157 and pairs["hamlet.1.fund_balance"] is None
    assert all(f"indicator.{name}" in pairs for name in doc.layout.indicators())


def test_report_xlsx_is_reproducible(tmp_path):
    from khuyenhoc_desktop.errors import UserError

    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    report_xlsx.write_report_xlsx(_doc(), first)
    report_xlsx.write_report_xlsx(_doc(), second)

    def values(path):
        wb = load_workbook(path)
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}, wb.properties.created

    assert values(first) == values(second)
    with pytest.raises(UserError):
        report_xlsx.write_report_xlsx(_doc(), first)
