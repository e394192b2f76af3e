"""Title-campaign papers: exact Vietnamese text read back with pdftotext, page breaks with the
table header repeated, Decree 30 margins, embedded fonts only."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata

import pytest

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents import title_papers as tp
from khuyenhoc_desktop.documents.certificates import Issuer
from khuyenhoc_desktop.domain import forms

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed",
)

LONG = "Hoàng Nguyễn Phương Thảo Nguyên và gia đình ông bà Đặng Văn Khánh Thượng"
NAMES = ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Hữu Cường", "Phạm Thị Dung", LONG]
MM = 72 / 25.4


def _issuer():
    return Issuer("Hội Khuyến học tỉnh Nghệ An", "Hội Khuyến học xã Tân Lập", "Tân Lập", "CHỦ TỊCH",
                  "TM. BAN CHẤP HÀNH", "Nguyễn Văn An", dt.date(2026, 1, 5))


def _decision(count=60, **kw):
    entries = [tp.DecisionEntryLine(NAMES[i % 5], f"Thôn {['Đông', 'Tây', 'Nam', 'Bắc', 'Thượng'][i % 5]}",
                                    ["Tốt", "Khá"][i % 2], f"{i + 1:02d}/GCN-HKH", "3 năm liền" if i == 0 else "")
               for i in range(count)]
    if count > 1:
        entries[1].name = unicodedata.normalize("NFD", "Đỗ Thị Ánh")
    values = dict(number="01/QĐ-HKH", issued_on=dt.date(2026, 1, 5), title_name="Gia đình học tập", year=2025,
                  entity_noun="hộ gia đình",
                  basis=["Căn cứ Điều lệ Hội Khuyến học Việt Nam",
                         "Căn cứ Quyết định số 448/QĐ-KHVN ngày 01/12/2015 của Trung ương Hội Khuyến học Việt Nam;",
                         "Xét đề nghị của các chi hội khuyến học thôn;"],
                  entries=entries, recipients=["Như Điều 3", "Lưu: VT"])
    return tp.DecisionDoc(**{**values, **kw})


def _run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True, encoding="utf-8").stdout


def _pages(path):
    pages = _run("pdftotext", "-enc", "UTF-8", "-layout", str(path), "-").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _page(path, n):
    return _run("pdftotext", "-enc", "UTF-8", "-layout", "-f", str(n), "-l", str(n), str(path), "-")


def _raw(path, first=1, last=0):
    """Text in drawing order: a cell's wrapped lines stay together (unlike -layout)."""
    return _flat(_run("pdftotext", "-enc", "UTF-8", "-raw", "-f", str(first), "-l", str(last), str(path), "-"))


def _flat(value):
    return " ".join(value.split())


def _page_count(path):
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path)))[1])


def _check_pdf(path, pages):
    """A4 portrait, the page count returned, only embedded Liberation fonts, nothing past the
    Decree 30 margins (left 30 mm, right 15 mm, top and bottom 20 mm; page numbers and the draft
    mark sit in the top margin)."""
    info = _run("pdfinfo", str(path))
    assert re.search(r"Page size:\s+595\.2\d* x 841\.8\d*", info)
    assert _page_count(path) == pages
    fonts = _run("pdffonts", str(path))
    assert "LiberationSerif" in fonts and "Helvetica" not in fonts
    for line in fonts.splitlines()[2:]:
        assert line.split()[-5] == "yes"  # emb
    html = _run("pdftotext", "-bbox", str(path), "-")
    for page in html.split("<page ")[1:]:
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)
        assert words
        for x0, y0, x1, y1, word in words:
            assert 30 * MM - 1 <= float(x0) and float(x1) <= 595.28 - 15 * MM + 1, word
            assert 8 * MM <= float(y0) and float(y1) <= 841.89 - 20 * MM + 1, word


def test_vietnamese_numbers_and_blank_date():
    assert [pdf.vn_number(v) for v in (7.5, 10.0, 85, 1250, 0.25, None)] == ["7,5", "10", "85", "1.250", "0,25", ""]
    assert [pdf.vn_percent(v) for v in (2 / 3, 0.6, 1, 0.5)] == ["66,7%", "60%", "100%", "50%"]
    assert pdf.place_date_or_blank("Tân Lập", None) == "Tân Lập, ngày …… tháng …… năm ……"
    assert pdf.place_date_or_blank("Tân Lập", dt.date(2026, 1, 5)) == "Tân Lập, ngày 05 tháng 01 năm 2026"


@needs_poppler
def test_decision_and_attached_list_over_pages(tmp_path):
    out = tmp_path / "qd.pdf"
    count = tp.render_decision(_decision(), _issuer(), out)
    assert count >= 3
    _check_pdf(out, count)
    pages = _pages(out)
    first = pages[0]
    for s in ("HỘI KHUYẾN HỌC TỈNH NGHỆ AN", "HỘI KHUYẾN HỌC XÃ TÂN LẬP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
              "Độc lập - Tự do - Hạnh phúc", "Số: 01/QĐ-HKH", "Tân Lập, ngày 05 tháng 01 năm 2026", "QUYẾT ĐỊNH",
              "Về việc công nhận danh hiệu Gia đình học tập năm 2025", "BAN CHẤP HÀNH HỘI KHUYẾN HỌC XÃ TÂN LẬP",
              "Căn cứ Điều lệ Hội Khuyến học Việt Nam;", "QUYẾT ĐỊNH:", "Nơi nhận:", "- Như Điều 3;", "- Lưu: VT.",
              "TM. BAN CHẤP HÀNH", "CHỦ TỊCH", "Nguyễn Văn An"):
        assert s in first, s
    flat = _flat(first)
    assert "Xét đề nghị của các chi hội khuyến học thôn." in flat  # the last basis line ends with '.'
    assert "Điều 1. Công nhận 60 hộ gia đình đạt danh hiệu Gia đình học tập năm 2025 (có danh sách kèm theo)." in flat
    assert "Điều 2. Các hộ gia đình có tên trong danh sách kèm theo được cấp Giấy công nhận" in flat
    assert "Điều 3." in flat and "DANH SÁCH" not in first

    listing = pages[1]
    assert "DANH SÁCH HỘ GIA ĐÌNH ĐẠT DANH HIỆU" in listing and "GIA ĐÌNH HỌC TẬP NĂM 2025" in listing
    assert "(Kèm theo Quyết định số 01/QĐ-HKH ngày 05 tháng 01 năm 2026" in _flat(listing)
    for s in ("Nguyễn Thị Ánh", "Đỗ Thị Ánh", "01/GCN-HKH", "3 năm liền", "Tốt", "Thôn Đông"):
        assert s in listing, s
    assert LONG in _raw(out, 2, 2)  # wrapped in its cell, every word there
    # 60 lines do not fit one page: the list goes on, the header row repeated, pages numbered.
    for n in range(3, count + 1):
        page = _page(out, n)
        assert "STT" in page and "Số giấy công" in page and "Xếp loại" in page
        assert re.match(r"\s*\d+\s*\n", page)
    assert "60/GCN-HKH" in _page(out, count)
    rows = re.findall(r"^\s*(\d+)\s+\S", "\n".join(pages[1:]), re.M)
    assert [int(r) for r in rows if int(r) <= 60][-1] == 60


@needs_poppler
def test_draft_amending_undated_decision(tmp_path):
    out = tmp_path / "qd.pdf"
    doc = _decision(3, number="", issued_on=None, amends_number="01/QĐ-HKH", draft=True, entity_noun="dòng họ",
                    title_name="Dòng họ học tập")
    count = tp.render_decision(doc, _issuer(), out)
    assert count == 2
    _check_pdf(out, count)
    pages = _pages(out)
    assert all("DỰ THẢO" in p for p in pages)
    flat = _flat(pages[0])
    assert "Về việc sửa đổi Quyết định số 01/QĐ-HKH về việc công nhận danh hiệu Dòng họ học tập năm 2025" in flat
    assert "Tân Lập, ngày …… tháng …… năm ……" in flat and "Số: …………" in flat
    assert "thay thế danh sách kèm theo Quyết định số 01/QĐ-HKH" in flat
    assert "Kèm theo Quyết định số ………… ngày …… tháng …… năm ……" in _flat(pages[1])
    assert "DANH SÁCH DÒNG HỌ ĐẠT DANH HIỆU DÒNG HỌ HỌC TẬP NĂM 2025" in _flat(pages[1])


def test_decision_needs_entries(tmp_path):
    with pytest.raises(ValueError):
        tp.render_decision(_decision(0), _issuer(), tmp_path / "qd.pdf")


@needs_poppler
def test_registration_list(tmp_path):
    out = tmp_path / "dk.pdf"
    doc = tp.RegistrationListDoc(
        "Gia đình học tập", 2025,
        [tp.RegistrationLine(name, "Thôn Đông", dt.date(2025, 3, i + 1), "Mới" if i == 0 else "")
         for i, name in enumerate(NAMES[:3])],
        hamlet_name="Thôn Đông", total_count=40, right_title="Chi hội trưởng", right_name="Lê Văn Tám",
        blank_rows=2,
    )
    count = tp.render_registration_list(doc, _issuer(), out)
    assert count == 1
    _check_pdf(out, count)
    page = _pages(out)[0]
    for s in ("DANH SÁCH ĐĂNG KÝ DANH HIỆU GIA ĐÌNH HỌC TẬP NĂM 2025", "Thôn Đông", "Ký xác nhận", "Ngày đăng",
              "Nguyễn Thị Ánh", "01/03/2025", "03/03/2025", "Tổng số: 3/40 hộ gia đình đăng ký.",
              "Tân Lập, ngày 05 tháng 01 năm 2026", "NGƯỜI LẬP BIỂU", "CHI HỘI TRƯỞNG", "Lê Văn Tám"):
        assert s in page, s
    assert re.search(r"^\s*5\s*$", page, re.M)  # a blank numbered row to write in


def _filled_sheet():
    form = forms.find_form("gdht-qd448-2015-minh-hoa-tinh")
    values = {i.id: i.max_points for i in form.indicators}
    values["1.2"] = 7.5
    result = forms.score(form, values)
    return tp.ScoreSheet.from_form(form, "Trần Văn Bình", "Thôn Tây", 2025, values,
                                   {"1.1": "Sổ theo dõi học sinh"}, result), result


@needs_poppler
def test_score_sheets_each_on_its_own_pages(tmp_path):
    out = tmp_path / "phieu.pdf"
    blank_form = forms.find_form("gdht-qd448-2015-minh-hoa-tinh")
    filled, result = _filled_sheet()
    unit = forms.find_form("dvht-tt22-2020")
    sheets = [
        tp.ScoreSheet.from_form(blank_form, unicodedata.normalize("NFD", "Nguyễn Thị Ánh"), "Thôn Đông", 2025),
        filled,
        tp.ScoreSheet.from_form(unit, "Trường Tiểu học Tân Lập", "Thôn Nam", 2025),
    ]
    count = tp.render_score_sheets(sheets, _issuer(), out)
    assert count >= 3
    _check_pdf(out, count)
    starts = [n for n in range(1, count + 1) if "PHIẾU ĐÁNH GIÁ" in _page(out, n)]
    assert len(starts) == 3
    names = ["Nguyễn Thị Ánh", "Trần Văn Bình", "Trường Tiểu học Tân Lập"]
    for n, name in zip(starts, names):
        page = _page(out, n)
        assert f"Tên {'đơn vị' if 'Trường' in name else 'hộ gia đình'}: {name}" in page
        assert [other for other in names if other in page] == [name]
        assert "Danh hiệu" in page and "năm 2025" in page
        assert "Tiêu chí/" in page and "Minh chứng" in page

    blank = _flat(" ".join(_page(out, n) for n in range(starts[0], starts[1])))
    assert "Danh hiệu Gia đình học tập năm 2025" in blank
    assert "Căn cứ: Quyết định 448/QĐ-KHVN (bản tỉnh minh họa) ngày 01/12/2015" in blank
    assert _flat(blank_form.notice) in blank
    assert "Tổng điểm: …………" in blank and "Xếp loại: …………" in blank
    assert "Tân Lập, ngày …… tháng …… năm ……" in blank
    assert "ĐẠI DIỆN HỘ GIA ĐÌNH" in blank and "NGƯỜI ĐÁNH GIÁ" in blank

    done = _flat(" ".join(_page(out, n) for n in range(starts[1], starts[2])))
    assert "Sổ theo dõi học sinh" in _raw(out, starts[1], starts[2] - 1)
    assert re.search(r"\b1\.2 .* 10 7,5 ", _raw(out, starts[1], starts[1]))
    assert f"Tổng điểm: {pdf.vn_number(result.total)} (tối đa 100)" in done
    assert f"Xếp loại: {result.level}" in done and "Kết luận: Đạt" in done
    assert "Tân Lập, ngày 05 tháng 01 năm 2026" in done

    third = _flat(" ".join(_page(out, n) for n in range(starts[2], count + 1)))
    assert "(chưa có nội dung)" in third and "Thông tư 22/2020/TT-BGDĐT" in third
    assert "ĐẠI DIỆN ĐƠN VỊ" in third


@needs_poppler
def test_score_sheet_from_plain_values(tmp_path):
    out = tmp_path / "phieu.pdf"
    sheet = tp.ScoreSheet(
        entity_name="Dòng họ Nguyễn Hữu", entity_address="Thôn Thượng", year=2025, title_name="Dòng họ học tập",
        form_title="Dòng họ học tập (thử)", legal_text="Quyết định 448/QĐ-KHVN ngày 01/12/2015",
        notice="Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ.",
        criteria=[
            tp.SheetCriterion("1", "Học tập của con cháu", [
                tp.SheetIndicator("1.1", "Con cháu đi học đúng độ tuổi", "points", 10, 8),
                tp.SheetIndicator("1.2", None, "pass_fail", None, False, "Biên bản họp họ"),
            ], points=8, passed=False),
        ],
        total=8, max_total=10, level=None, passed=False, entity_noun="dòng họ",
    )
    assert tp.render_score_sheets([sheet], _issuer(), out) == 1
    _check_pdf(out, 1)
    page = _raw(out)
    for s in ("Tên dòng họ: Dòng họ Nguyễn Hữu", "Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ.",
              "(chưa có nội dung)", "Đạt/Không đạt", "Không đạt", "Biên bản họp họ", "Điểm chấm / Kết quả",
              "Tổng điểm: 8 (tối đa 10)", "Xếp loại: không xếp loại", "Kết luận: Chưa đạt", "ĐẠI DIỆN DÒNG HỌ"):
        assert s in page, s


def test_score_sheets_need_one(tmp_path):
    with pytest.raises(ValueError):
        tp.render_score_sheets([], _issuer(), tmp_path / "phieu.pdf")


def _minutes(**kw):
    rows = [
        tp.MinutesRow("Nguyễn Thị Ánh", "Thôn Đông", 92.5, "Tốt", 16, 16 / 24, True),
        tp.MinutesRow("Trần Văn Bình", "Thôn Đông", 61, "Khá", 10, 10 / 24, False),
        tp.MinutesRow(LONG, "Thôn Đông", None, None, 24, 1.0, True),
    ]
    values = dict(title_name="Gia đình học tập", year=2025, held_on=dt.datetime(2026, 1, 3, 8, 0),
                  place="Hội trường thôn Đông", chair_name="Nguyễn Văn An", secretary_name="Lê Thị Hoa",
                  invited=30, present=24, quorum_share=0.6, approval_share=0.5, quorum_met=True, rows=rows,
                  note="Ông Trần Văn Bình đề nghị xem lại chỉ tiêu 2.1.", ended_at="10 giờ 30")
    return tp.MinutesDoc(**{**values, **kw})


@needs_poppler
def test_minutes(tmp_path):
    out = tmp_path / "bb.pdf"
    count = tp.render_minutes(_minutes(number="05/BB-HKH"), _issuer(), out)
    _check_pdf(out, count)
    text = _raw(out)
    for s in ("BIÊN BẢN", "Hội nghị bình xét danh hiệu Gia đình học tập năm 2025", "Số: 05/BB-HKH",
              "Tân Lập, ngày 03 tháng 01 năm 2026", "Thời gian: 08 giờ 00, ngày 03 tháng 01 năm 2026.",
              "Địa điểm: Hội trường thôn Đông.", "Chủ trì: Nguyễn Văn An.", "Thư ký: Lê Thị Hoa.",
              "có mặt: 24/30 người (80%) (cần ít nhất 60% số người được mời)",
              "Hội nghị đủ số người dự theo quy định.", "từ 50% số người có mặt",
              "66,7%", "41,7%", "100%", "92,5", "Đề nghị công nhận", "Không đề nghị",
              "Kết luận: Hội nghị đề nghị công nhận 2/3 hộ gia đình đạt danh hiệu Gia đình học tập năm 2025;",
              "Ý kiến khác: Ông Trần Văn Bình đề nghị xem lại chỉ tiêu 2.1.",
              "Hội nghị kết thúc vào lúc 10 giờ 30 cùng ngày.", "THƯ KÝ", "CHỦ TRÌ"):
        assert s in text, s
    assert LONG in text
    last = _pages(out)[-1]
    assert "Lê Thị Hoa" in last and "Nguyễn Văn An" in last and "kết thúc" in last  # never signatures alone


@needs_poppler
def test_minutes_without_quorum(tmp_path):
    out = tmp_path / "bb.pdf"
    doc = _minutes(present=15, quorum_met=False, held_on=dt.date(2026, 1, 3), note="", ended_at="",
                   quorum_share=2 / 3)
    count = tp.render_minutes(doc, _issuer(), out)
    _check_pdf(out, count)
    text = _raw(out)
    assert "Thời gian: ngày 03 tháng 01 năm 2026." in text
    assert "15/30 người (50%) (cần ít nhất 66,7% số người được mời)" in text
    assert "không đủ số người dự" in text and "Ý kiến khác" not in text
    assert "kết thúc vào lúc …… giờ …… cùng ngày" in text


def test_failed_render_keeps_old_file(tmp_path, monkeypatch):
    out = tmp_path / "qd.pdf"
    out.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tp, "_table", boom)
    with pytest.raises(RuntimeError):
        tp.render_decision(_decision(3), _issuer(), out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["qd.pdf"]
