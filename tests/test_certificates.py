"""Certificates: one landscape page per entity, exact Vietnamese text, embedded fonts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata

import pytest

from khuyenhoc_desktop.documents import certificates as cert
from khuyenhoc_desktop.documents.pdf import place_date
from khuyenhoc_desktop.domain.dates import long_date
from khuyenhoc_desktop.services.profile import OfficerLine, ProfileForm

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdffonts") or not shutil.which("pdfinfo"),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed",
)

LONG = ("Trường Trung học cơ sở Tân Lập và Trung tâm học tập cộng đồng xã Tân Lập cùng các chi hội "
        "khuyến học thôn Đông, thôn Tây, thôn Nam, thôn Bắc")


def _issuer():
    return cert.Issuer("Hội Khuyến học tỉnh Nghệ An", "Hội Khuyến học xã Tân Lập", "Tân Lập",
                       "CHỦ TỊCH", "TM. BAN CHẤP HÀNH", "Nguyễn Văn An", dt.date(2026, 1, 5))


def _certs():
    d = dt.date(2025, 12, 20)
    return [
        cert.Certificate("Gia đình ông Trần Văn Bình", "Thôn Đông", "Gia đình học tập", 2025, "Tốt",
                         "05/GCN-HKH", "12/QĐ-HKH", d),
        cert.Certificate(unicodedata.normalize("NFD", "Dòng họ Nguyễn Hữu"), "Thôn Thượng",
                         "Dòng họ học tập", 2025, None, "06/GCN-HKH", "12/QĐ-HKH", d),
        cert.Certificate(LONG, "Xóm Giữa", "Đơn vị học tập", 2025, "Mức độ 2", "07/GCN-HKH",
                         "12/QĐ-HKH", d),
    ]


def _run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True, encoding="utf-8").stdout


def _pages(path):
    return _run("pdftotext", "-enc", "UTF-8", "-layout", str(path), "-").split("\f")


def _info(path):
    return _run("pdfinfo", str(path))


def test_place_date_leading_zeros():
    assert place_date("Tân Lập", dt.date(2026, 1, 5)) == "Tân Lập, ngày 05 tháng 01 năm 2026"
    assert long_date(dt.date(2026, 5, 15)) == "ngày 15 tháng 5 năm 2026"


def test_issuer_from_profile():
    profile = ProfileForm(association_name="Hội Khuyến học xã Tân Lập", parent_body="Hội Khuyến học tỉnh Nghệ An",
                          commune_name="Xã Tân Lập", province_name="Nghệ An",
                          officers=[OfficerLine("Lê Thị Hoa", "Phó Chủ tịch"), OfficerLine("Nguyễn Văn An", "Chủ tịch")])
    issuer = cert.issuer_from_profile(profile, dt.date(2026, 1, 5))
    assert issuer.place == "Tân Lập" and issuer.signer_name == "Nguyễn Văn An"
    assert issuer.issuing_body == "Hội Khuyến học xã Tân Lập"


@needs_poppler
def test_three_certificates_text_pages_fonts(tmp_path):
    out = tmp_path / "gcn.pdf"
    assert cert.render_certificates(_certs(), _issuer(), out) == 3
    info = _info(out)
    assert re.search(r"Pages:\s+3\b", info)
    assert re.search(r"Page size:\s+841\.89 x 595\.27", info)
    pages = [p for p in _pages(out) if p.strip()]
    assert len(pages) == 3
    for page, name in zip(pages, ["Gia đình ông Trần Văn Bình", "Dòng họ Nguyễn Hữu"]):
        assert name in page
    for page in pages:
        for s in ("GIẤY CÔNG NHẬN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Tân Lập, ngày 05 tháng 01 năm 2026", "12/QĐ-HKH", "HỘI KHUYẾN HỌC XÃ TÂN LẬP"):
            assert s in page
    assert "Đạt danh hiệu Gia đình học tập năm 2025" in pages[0]
    assert "Xếp loại: Tốt" in pages[0]
    # the long name wraps but all its words are on its page
    flat = " ".join(pages[2].split())
    assert LONG in flat
    fonts = _run("pdffonts", str(out))
    assert "LiberationSerif" in fonts and "Helvetica" not in fonts
    for line in fonts.splitlines()[2:]:
        assert line.split()[-5] == "yes"  # emb


@needs_poppler
def test_a5_landscape(tmp_path):
    out = tmp_path / "a5.pdf"
    cert.render_certificates(_certs()[:1], _issuer(), out, cert.CertificateTemplate(paper="A5"))
    assert re.search(r"Page size:\s+595\.27\d* x 419\.52", _info(out))


def _words(path):
    html = _run("pdftotext", "-bbox", str(path), "-")
    return [(float(m[0]), float(m[1]), float(m[2]), m[3])
            for m in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', html)]


@needs_poppler
def test_long_name_inside_border_and_offset_moves(tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    cert.render_certificates(_certs()[2:], _issuer(), a)
    cert.render_certificates(_certs()[2:], _issuer(), b, cert.CertificateTemplate(offset_x_mm=10, offset_y_mm=5))
    words = _words(a)
    border = 13 * 72 / 25.4
    assert all(border < x0 and x1 < 841.89 - border for x0, _, x1, _ in words)
    first_a = next(w for w in _words(a) if w[3] == "CÔNG")
    first_b = next(w for w in _words(b) if w[3] == "CÔNG")
    assert first_b[0] - first_a[0] == pytest.approx(10 * 72 / 25.4, abs=0.5)
    assert first_b[1] - first_a[1] == pytest.approx(5 * 72 / 25.4, abs=0.5)


def test_atomic_write_leaves_nothing_on_error(tmp_path, monkeypatch):
    out = tmp_path / "gcn.pdf"
    out.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cert, "_draw_page", boom)
    with pytest.raises(RuntimeError):
        cert.render_certificates(_certs(), _issuer(), out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["gcn.pdf"]
