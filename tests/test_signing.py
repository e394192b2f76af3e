"""Digital signatures: PAdES on PDFs and detached CMS, by p12 file and by a SoftHSM2 token,
each checked by pyHanko and independently (pdfsig, openssl cms); one flipped byte fails both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("pyhanko")

from khuyenhoc_desktop.cli import main  # noqa: E402
from khuyenhoc_desktop.errors import UserError  # noqa: E402
from khuyenhoc_desktop.signing import cms, identity, pdf_sign, trust  # noqa: E402
from khuyenhoc_desktop.signing.throwaway import make_pki  # noqa: E402  (also imported by other tests)

SOFTHSM_LIB = next((p for p in ("/usr/lib/softhsm/libsofthsm2.so",
                                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so") if Path(p).is_file()), None)
BOX = (320, 80, 560, 160)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    make_pki(folder)
    return folder


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    """A small Vietnamese PDF with an empty signature box, and an xlsx."""
    import openpyxl
    from reportlab.pdfgen.canvas import Canvas

    from khuyenhoc_desktop.documents.pdf import SERIF, register_fonts

    folder = tmp_path_factory.mktemp("docs")
    register_fonts()
    canvas = Canvas(str(folder / "report.pdf"))
    canvas.setFont(SERIF, 14)
    canvas.drawString(72, 760, "Báo cáo kết quả khuyến học năm 2026 — xã Mỹ Hiệp")
    canvas.rect(BOX[0], BOX[1], BOX[2] - BOX[0], BOX[3] - BOX[1])
    canvas.showPage()
    canvas.save()
    book = openpyxl.Workbook()
    book.active["A1"] = "Số hội viên"
    book.save(folder / "report.xlsx")
    return folder


@pytest.fixture(scope="module")
def p12_signer(pki):
    return identity.load_pkcs12(pki / "signer.p12", "matkhau")


def _flip(path: Path, out: Path, offset: int | None = None) -> Path:
    data = bytearray(path.read_bytes())
    if offset is None:  # a byte inside the page's content stream: still parses, digest differs
        offset = data.index(b"stream\n", data.index(b"/Length")) + 20
    data[offset] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def _pdfsig(pki: Path, pdf: Path, tmp: Path) -> str:
    nss = tmp / "nss"
    if not nss.exists():
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "test-root", "-t", "CT,C,C",
                        "-i", str(pki / "ca.pem")], check=True)
    result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True)
    return result.stdout + result.stderr


def _openssl(pki: Path, content: Path, p7s: Path) -> bool:
    return subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(p7s), "-content",
                           str(content), "-CAfile", str(pki / "ca.pem"), "-purpose", "any", "-out", os.devnull],
                          capture_output=True).returncode == 0


needs_tools = pytest.mark.skipif(not all(shutil.which(t) for t in ("pdfsig", "certutil", "openssl")),
                                 reason="poppler-utils, libnss3-tools, openssl (CI installs them)")


@needs_tools
def test_p12_pdf_sign_verify_and_flip(pki, docs, p12_signer, tmp_path):
    signed = tmp_path / "signed.pdf"
    result = pdf_sign.sign_pdf(docs / "report.pdf", signed, p12_signer, box=BOX, location="xã Mỹ Hiệp",
                               attachments=[(docs / "report.xlsx", "Bảng số liệu")])
    assert result.level == "B-B" and result.seconds < 10
    verdict = pdf_sign.verify_pdf(signed, [pki / "ca.pem"])
    assert verdict.ok and verdict.intact and verdict.trusted and verdict.signer == "Nguyễn Văn Ánh"
    assert verdict.signed_at is not None
    import hashlib
    digest = hashlib.sha256((docs / "report.xlsx").read_bytes()).hexdigest()
    assert any(digest in line and "report.xlsx" in line for line in verdict.lines())
    untrusted = pdf_sign.verify_pdf(signed, [])
    assert untrusted.intact and untrusted.valid and not untrusted.trusted and not untrusted.ok
    report = _pdfsig(pki, signed, tmp_path)
    assert "Signature is Valid" in report and "Certificate is Trusted" in report

    broken = _flip(signed, tmp_path / "broken.pdf")
    assert not pdf_sign.verify_pdf(broken, [pki / "ca.pem"]).ok
    assert "Signature is Valid" not in _pdfsig(pki, broken, tmp_path)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils")
def test_signature_box_renders_vietnamese(pki, docs, p12_signer, tmp_path):
    signed = tmp_path / "signed.pdf"
    pdf_sign.sign_pdf(docs / "report.pdf", signed, p12_signer, box=BOX, location="xã Mỹ Hiệp")
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(signed), str(tmp_path / "page")],
                   check=True)
    assert list(tmp_path.glob("page*.png"))  # looked at by eye: diacritics right
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(signed), "-"], capture_output=True, text=True).stdout
    assert "Ký bởi: Nguyễn Văn Ánh" in text and "Nơi ký: xã Mỹ Hiệp" in text


def test_failed_signing_leaves_nothing(pki, docs, tmp_path):
    signed = tmp_path / "signed.pdf"
    with pytest.raises(UserError):
        pdf_sign.sign_pdf(docs / "report.xlsx", signed, identity.load_pkcs12(pki / "signer.p12", "matkhau"))
    assert not signed.exists() and not list(tmp_path.iterdir())


def test_wrong_p12_passphrase(pki):
    with pytest.raises(UserError, match="mật khẩu không đúng"):
        identity.load_pkcs12(pki / "signer.p12", "sai")


@needs_tools
def test_cms_detached_and_flip(pki, docs, p12_signer, tmp_path):
    xlsx = tmp_path / "report.xlsx"
    shutil.copy(docs / "report.xlsx", xlsx)
    p7s = cms.sign_detached(xlsx, p12_signer)
    assert p7s.name == "report.xlsx.p7s"
    assert cms.verify_detached(xlsx, None, [pki / "ca.pem"]).ok
    assert _openssl(pki, xlsx, p7s)
    _flip(xlsx, xlsx, offset=len(xlsx.read_bytes()) // 2)
    verdict = cms.verify_detached(xlsx, None, [pki / "ca.pem"])
    assert not verdict.ok and not verdict.intact
    assert not _openssl(pki, xlsx, p7s)


def test_cli_verify_exit_codes(pki, docs, p12_signer, tmp_path, capsys):
    signed = tmp_path / "signed.pdf"
    pdf_sign.sign_pdf(docs / "report.pdf", signed, p12_signer, box=BOX)
    assert main(["verify", str(signed), "--trust", str(pki / "ca.pem")]) == 0
    out = capsys.readouterr().out
    assert "Người ký: Nguyễn Văn Ánh" in out and "không bị thay đổi" in out and "tin cậy" in out
    assert main(["verify", str(signed)]) == 1
    assert "KHÔNG dẫn tới chứng thư gốc" in capsys.readouterr().out
    assert main(["verify", str(_flip(signed, tmp_path / "b.pdf")), "--trust", str(pki / "ca.pem")]) == 1
    assert main(["verify", str(docs / "report.pdf")]) == 2
    assert "không có chữ ký số" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing.pdf")]) == 2
    assert main(["verify", str(signed), "--trust", str(pki / "ca.pem"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["signer"] == "Nguyễn Văn Ánh"


def test_cli_sign_with_p12(pki, docs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KHUYENHOC_PIN", "matkhau")
    xlsx = tmp_path / "report.xlsx"
    shutil.copy(docs / "report.xlsx", xlsx)
    assert main(["sign", str(xlsx), "--p12", str(pki / "signer.p12")]) == 0
    assert main(["verify", str(xlsx), "--trust", str(pki / "ca.pem")]) == 0
    out = tmp_path / "signed.pdf"
    assert main(["sign", str(docs / "report.pdf"), "--p12", str(pki / "signer.p12"), "--out", str(out),
                 "--box", "320,80,560,160", "--attach", str(xlsx)]) == 0
    assert main(["verify", str(out), "--trust", str(pki / "ca.pem")]) == 0
    monkeypatch.setenv("KHUYENHOC_PIN", "sai")
    assert main(["sign", str(docs / "report.pdf"), "--p12", str(pki / "signer.p12"), "--out",
                 str(tmp_path / "x.pdf")]) == 2
    assert "mật khẩu không đúng" in capsys.readouterr().err


def test_trust_roots(pki, tmp_path, monkeypatch):
    monkeypatch.setattr(trust, "roots_dir", lambda: tmp_path / "roots")
    with pytest.raises(UserError, match="không phải chứng thư gốc"):
        trust.import_root(pki / "signer.pem")
    root = trust.import_root(pki / "ca.pem")
    assert [r.subject for r in trust.list_roots()] == ["Gốc Thử Nghiệm CA"]
    assert trust.trusted_root_paths() == [root.path]
    assert main(["trust", "import", str(pki / "signer.der")]) == 2
    trust.remove_root(root.fingerprint[:12])
    assert trust.list_roots() == []


def test_identity_setting_never_holds_a_secret(tmp_path):
    setting = identity.IdentitySetting("pkcs11", "/usr/lib/softhsm/libsofthsm2.so", "Token Thử", "0a1b")
    path = identity.save_setting(setting, tmp_path / "s.json")
    assert identity.load_setting(path) == setting
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {"kind", "path", "token_label", "key_id"}


def test_find_libraries_on_windows_layout(tmp_path):
    system32 = tmp_path / "Windows" / "System32"
    vendor = tmp_path / "Program Files" / "Viettel-CA"
    system32.mkdir(parents=True)
    vendor.mkdir(parents=True)
    (system32 / "vnptca_p11_v8.dll").write_bytes(b"")
    (vendor / "viettel-ca_v6.dll").write_bytes(b"")
    found = identity.find_pkcs11_libraries("win32", {"SystemRoot": str(tmp_path / "Windows"),
                                                     "ProgramFiles": str(tmp_path / "Program Files")})
    assert [p.name for p in found] == ["vnptca_p11_v8.dll", "viettel-ca_v6.dll"]


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    if not (SOFTHSM_LIB and shutil.which("softhsm2-util") and shutil.which("pkcs11-tool")):
        pytest.skip("softhsm2 and opensc are not installed (CI installs them)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the library when it is first loaded
    run = lambda *cmd: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
    run("softhsm2-util", "--init-token", "--free", "--label", "Token Thử", "--pin", "123456", "--so-pin", "876543")
    # No label on the key, as on many Vietnamese tokens: found by its ID only.
    run("softhsm2-util", "--import", str(pki / "key.pem"), "--token", "Token Thử", "--label", "", "--id", "0a1b",
        "--pin", "123456")
    run("pkcs11-tool", "--module", SOFTHSM_LIB, "--token-label", "Token Thử", "--login", "--pin", "123456",
        "--write-object", str(pki / "signer.der"), "--type", "cert", "--id", "0a1b", "--label", "signer")
    return SOFTHSM_LIB


@needs_tools
def test_pkcs11_token_signs_pdf_and_cms(pki, docs, token, tmp_path):
    certs = identity.list_token_certificates(token)
    assert [(c.token_label, c.key_id, c.subject) for c in certs] == [("Token Thử", "0a1b", "Nguyễn Văn Ánh")]
    signer = identity.open_token_signer(token, "Token Thử", "0a1b", "123456")
    try:
        signed = tmp_path / "token.pdf"
        pdf_sign.sign_pdf(docs / "report.pdf", signed, signer, box=BOX)
        xlsx = tmp_path / "report.xlsx"
        shutil.copy(docs / "report.xlsx", xlsx)
        p7s = cms.sign_detached(xlsx, signer)
    finally:
        identity.close_token_signer(signer)
    assert pdf_sign.verify_pdf(signed, [pki / "ca.pem"]).ok
    assert "Signature is Valid" in _pdfsig(pki, signed, tmp_path)
    assert cms.verify_detached(xlsx, p7s, [pki / "ca.pem"]).ok and _openssl(pki, xlsx, p7s)


def test_pkcs11_wrong_pin_and_bad_library(token, tmp_path):
    with pytest.raises(UserError, match="Mã PIN không đúng"):
        identity.open_token_signer(token, "Token Thử", "0a1b", "000000")
    with pytest.raises(UserError, match="không có khóa"):
        identity.open_token_signer(token, "Token Thử", "ffff", "123456")
    fake = tmp_path / "fake.so"
    fake.write_bytes(b"not a library")
    with pytest.raises(UserError, match="Không nạp được thư viện"):
        identity.list_token_certificates(fake)
