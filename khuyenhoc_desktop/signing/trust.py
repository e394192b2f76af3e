"""The user's trusted root certificates (e.g. the national Root CA), one DER file each in the
user data folder, named by SHA-256 fingerprint so an import twice is harmless."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing.verdict import common_name, load_certificate


@dataclass(frozen=True)
class TrustedRoot:
    fingerprint: str  # SHA-256, hex
    subject: str
    not_after: dt.datetime
    path: Path


def roots_dir() -> Path:
    from khuyenhoc_desktop.paths import user_data_dir

    return user_data_dir() / "trusted-roots"


def _describe(path: Path) -> TrustedRoot:
    cert = load_certificate(path)
    return TrustedRoot(hashlib.sha256(cert.dump()).hexdigest(), common_name(cert.subject),
                       cert.not_valid_after, path)


def import_root(path: Path | str, folder: Path | None = None) -> TrustedRoot:
    """Add a CA certificate (PEM or DER) to the trusted roots; refuse anything that is not a CA."""
    path = Path(path)
    cert = load_certificate(path)
    if not cert.ca:
        raise UserError(f"{path.name} là chứng thư của {common_name(cert.subject)}, không phải chứng thư gốc "
                        "(CA); hãy chọn tệp chứng thư gốc của tổ chức cấp.")
    if cert.not_valid_after < dt.datetime.now(dt.timezone.utc):
        raise UserError(f"Chứng thư gốc {common_name(cert.subject)} đã hết hạn ngày {cert.not_valid_after:%d/%m/%Y}.")
    folder = folder or roots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    target = folder / f"{fingerprint}.cer"
    temp = target.with_suffix(".tmp")
    temp.write_bytes(cert.dump())
    os.replace(temp, target)
    return _describe(target)


def list_roots(folder: Path | None = None) -> list[TrustedRoot]:
    folder = folder or roots_dir()
    if not folder.is_dir():
        return []
    return sorted((_describe(p) for p in folder.glob("*.cer")), key=lambda r: r.subject.lower())


def trusted_root_paths(folder: Path | None = None) -> list[Path]:
    return [r.path for r in list_roots(folder)]


def remove_root(fingerprint: str, folder: Path | None = None) -> TrustedRoot:
    """Remove by fingerprint; a unique prefix (at least 8 hex digits) is enough."""
    wanted = fingerprint.replace(":", "").strip().lower()
    matches = [r for r in list_roots(folder) if len(wanted) >= 8 and r.fingerprint.startswith(wanted)]
    if len(matches) != 1:
        raise UserError(f"Không có chứng thư gốc nào (hoặc có nhiều hơn một) với dấu vân tay {fingerprint}.")
    matches[0].path.unlink()
    return matches[0]
