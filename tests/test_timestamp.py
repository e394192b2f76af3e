"""PAdES B-T: signing with a timestamp server, offline, against a local RFC 3161 server (pyHanko's
test timestamper behind http.server on 127.0.0.1), and falling back to B-B when it does not answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest

from khuyenhoc_desktop.signing import identity, pdf_sign
from khuyenhoc_desktop.signing.throwaway import THROWAWAY_PASSPHRASE, make_pki

TSA_TIME = dt.datetime(2026, 3, 14, 9, 26, 53, tzinfo=dt.timezone.utc)


def _tsa_identity(folder: Path):
    """A self-signed timestamping root and a TSA certificate under it (critical EKU timeStamping)."""
    from asn1crypto import keys, x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Gốc Dấu Thời Gian Thử")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA Thử")]))
            .issuer_name(root_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(root_key, hashes.SHA256()))
    (folder / "tsa-root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            keys.PrivateKeyInfo.load(der_key))


@pytest.fixture(scope="module")
def tsa_url(tmp_path_factory):
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import DummyTimeStamper

    folder = tmp_path_factory.mktemp("tsa")
    cert, key = _tsa_identity(folder)
    stamper = DummyTimeStamper(cert, key, fixed_dt=TSA_TIME)
    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            reply = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            served.append(request)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder / "tsa-root.pem", served
    server.shutdown()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _unsigned_pdf(path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    from khuyenhoc_desktop.documents.pdf import SERIF, register_fonts

    register_fonts()
    canvas = Canvas(str(path))
    canvas.setFont(SERIF, 14)
    canvas.drawString(72, 760, "Báo cáo tổng kết năm — bản ký có dấu thời gian")
    canvas.showPage()
    canvas.save()
    return path


def test_signing_with_a_timestamp_server_gives_b_t(pki, tsa_url, tmp_path):
    url, tsa_root, served = tsa_url
    signer = identity.load_pkcs12(pki / "signer.p12", THROWAWAY_PASSPHRASE)
    before = len(served)
    result = pdf_sign.sign_pdf(_unsigned_pdf(tmp_path / "bc.pdf"), tmp_path / "bc-da-ky.pdf", signer,
                               box=(320, 80, 560, 160), timestamp_url=url)
    assert result.level == "B-T" and result.notice_vi == ""
    assert len(served) - before >= 2  # the reachability probe, then the signature's own token

    verdict = pdf_sign.verify_pdf(result.path, [pki / "ca.pem", tsa_root])
    assert verdict.ok and verdict.level == "B-T"
    assert verdict.signed_at == TSA_TIME
    assert "14/03/2026" in "\n".join(verdict.lines()) and "máy chủ cấp dấu thời gian" in "\n".join(verdict.lines())


def test_unreachable_timestamp_server_falls_back_to_b_b(pki, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signer = identity.load_pkcs12(pki / "signer.p12", THROWAWAY_PASSPHRASE)
    result = pdf_sign.sign_pdf(_unsigned_pdf(tmp_path / "bc.pdf"), tmp_path / "bc-da-ky.pdf", signer,
                               timestamp_url=f"http://127.0.0.1:{port}/")
    assert result.level == "B-B" and "Không kết nối được máy chủ dấu thời gian" in result.notice_vi
    verdict = pdf_sign.verify_pdf(result.path, [pki / "ca.pem"])
    assert verdict.ok and verdict.level == "B-B"
    assert "đồng hồ máy ký" in "\n".join(verdict.lines())
