"""Detached CMS signatures (`FILE.p7s`, DER, SHA-256) for any file, e.g. the xlsx of a report.

The same file checks with `openssl cms -verify -binary -inform DER -in FILE.p7s -content FILE
-CAfile root.pem -purpose any`; no Python library makes an Office-native xlsx signature.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing.verdict import (
    Verdict, run_async, run_with_timeout, validation_context, verdict_from_status,
)


def p7s_path(file_path: Path | str) -> Path:
    file_path = Path(file_path)
    return file_path.with_name(file_path.name + ".p7s")


def sign_detached(file_path: Path | str, signer, *, timeout: float = 120) -> Path:
    """Write FILE.p7s beside FILE (atomically) and return its path."""
    file_path = Path(file_path)
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp {file_path}: {exc.strerror or exc}.") from None
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    # The signing-time attribute is what tells a verifier "when" without a timestamp server.
    attrs = PdfCMSSignedAttributes(signing_time=dt.datetime.now(dt.timezone.utc))
    signed = run_with_timeout(
        lambda: run_async(signer.async_sign_general_data(data, "sha256", detached=True, signed_attr_settings=attrs)),
        timeout, what="Việc ký")
    target = p7s_path(file_path)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        temp.write_bytes(signed.dump())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def verify_detached(file_path: Path | str, p7s: Path | str | None = None,
                    trust_roots: Iterable[Path | str] = ()) -> Verdict:
    """Check FILE against its detached signature (FILE.p7s unless given)."""
    from asn1crypto import cms
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    file_path = Path(file_path)
    p7s = Path(p7s) if p7s else p7s_path(file_path)
    for path in (file_path, p7s):
        if not path.is_file():
            raise UserError(f"Không có tệp {path}" + (" (chữ ký đi kèm)." if path == p7s else "."))
    try:
        info = cms.ContentInfo.load(p7s.read_bytes())
        signed_data = info["content"]
        if info["content_type"].native != "signed_data":
            raise ValueError
        signed_data.native  # parse fully here: a broken file is unusable input
    except Exception:
        raise UserError(f"Tệp {p7s.name} không phải chữ ký số CMS (.p7s).") from None
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    try:
        status = run_async(async_validate_detached_cms(
            file_path.read_bytes(), signed_data, signer_validation_context=validation_context(trust_roots),
            key_usage_settings=usage))
    except UserError:
        raise
    except Exception as exc:
        return Verdict(ok=False, signer="", signed_at=None, intact=False, valid=False, trusted=False,
                       level="CMS", message_vi=f"CHỮ KÝ KHÔNG HỢP LỆ: không kiểm tra được ({exc}).")
    return verdict_from_status(status, level="B-T" if status.timestamp_validity else "CMS")
