"""A report's files end to end: `khuyenhoc report` on the demo commune writes the workbook and the
PDF naming its SHA-256; made again the files are byte-identical; with --sign the report is
finalised (the fund's books closed), the PDF is signed with the workbook inside and the
workbook gets its .p7s — both verified by `khuyenhoc verify` and independently (pdfsig,
openssl)."""

import hashlib
import json
import shutil
import subprocess

import pytest

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.storage.database import Database

pytest.importorskip("pyhanko")

from tests.test_signing import make_pki  # noqa: E402

LAST = today().year - 1


@pytest.fixture
def commune(demo_template, tmp_path):
    path = tmp_path / "xa.sqlite"
    shutil.copy(demo_template, path)
    out = tmp_path / "out"
    out.mkdir()
    return path, out


def _text(path) -> str:
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_report_files_name_the_workbook_and_are_made_again_identically(commune, capsys):
    path, out = commune
    argv = ["report", "annual", "--year", str(LAST), "--db", str(path), "--out-dir", str(out),
            "--to", "Hội Khuyến học tỉnh", "--format", "json"]
    assert cli.main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["number"] == "01/BC-HKH" and first["finalised"] is False and first["signed"] is False
    xlsx = out / f"bao-cao-tong-ket-nam-{LAST}-so-01-bc-hkh.xlsx"
    pdf = xlsx.with_suffix(".pdf")
    assert first["sha256"] == hashlib.sha256(xlsx.read_bytes()).hexdigest()
    text = _text(pdf)
    assert "DỰ THẢO" in text and f"SHA-256: {first['sha256']}" in text and "Kính gửi: Hội Khuyến học tỉnh" in text
    pdf_bytes, xlsx_bytes = pdf.read_bytes(), xlsx.read_bytes()
    assert cli.main(argv) == 2  # the files are there: not overwritten without --force
    assert "đã có" in capsys.readouterr().err
    assert cli.main([*argv, "--force"]) == 0
    capsys.readouterr()
    assert pdf.read_bytes() == pdf_bytes and xlsx.read_bytes() == xlsx_bytes


def test_signed_report(commune, capsys, tmp_path, monkeypatch):
    path, out = commune
    pki = tmp_path / "pki"
    pki.mkdir()
    make_pki(pki)
    monkeypatch.setenv("KHUYENHOC_PIN", "matkhau")
    assert cli.main(["report", "annual", "--year", str(LAST), "--db", str(path), "--out-dir", str(out),
                     "--sign", "--p12", str(pki / "signer.p12"), "--format", "json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["finalised"] and made["signed"] and made["level"] == "B-B"
    with Database(path) as db, db.read() as s:
        assert fund.locked_until(s).year == LAST
    for target in (made["pdf"], made["xlsx"]):
        code = cli.main(["verify", target, "--trust", str(pki / "ca.pem")])
        lines = capsys.readouterr().out
        assert code == 0 and "Nguyễn Văn Ánh" in lines, lines
    pdfsig = subprocess.run(["pdfsig", made["pdf"]], capture_output=True, text=True).stdout
    assert "Signature is Valid" in pdfsig
    checked = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", made["p7s"],
                              "-content", made["xlsx"], "-CAfile", str(pki / "ca.pem"), "-purpose", "any",
                              "-out", "/dev/null"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "DỰ THẢO" not in _text(made["pdf"])
    # the workbook inside the signed PDF is the one beside it
    from pyhanko.pdf_utils.reader import PdfFileReader

    from khuyenhoc_desktop.signing.pdf_sign import embedded_files

    with open(made["pdf"], "rb") as fh:
        inside = dict(embedded_files(PdfFileReader(fh)))
    assert list(inside.values()) == [open(made["xlsx"], "rb").read()]


def test_a_draft_is_never_signed(commune, capsys, tmp_path, monkeypatch):
    path, out = commune
    assert cli.main(["report", "annual", "--year", str(today().year), "--db", str(path), "--out-dir", str(out),
                     "--sign", "--p12", str(tmp_path / "none.p12")]) == 2
    assert capsys.readouterr().err.startswith("Lỗi:")
