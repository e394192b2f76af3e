"""Signing identities: a PKCS#12 file, or a USB token through its PKCS#11 library.

The PIN or passphrase is asked each time and never stored: `IdentitySetting` remembers only
which file, library, token and key. Every token call runs in a worker thread with a timeout
(`verdict.run_with_timeout`), so a hung driver cannot freeze the caller.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing.verdict import common_name, run_with_timeout

# PKCS#11 libraries installed by Vietnamese CA software (tech-notes), plus OpenSC (reads the
# Feitian ePass2003 tokens that many Vietnamese CAs rebrand) and SoftHSM (tests).
WINDOWS_NAMES = ("viettel-ca_v*.dll", "vnptca_p11_v*.dll", "vnpt-ca_csp11.dll", "fptca_v*.dll", "BkavCA.dll",
                 "bkavcaetoken_p11.dll", "CA2_csp11.dll", "Vina-CA*.dll", "NEWTEL-CA*.dll", "nca_v*.dll",
                 "safe-ca*.dll", "eTPKCS11.dll", "st3csp11.dll", "ShuttleCsp11_3003.dll", "opensc-pkcs11.dll")
MAC_NAMES = ("viettel-ca_v*.dylib", "vnpt_ca_pkcs11.dylib", "eps2003csp11.dylib", "FPT_Token.dylib",
             "BkavCAPKCS11.dylib", "opensc-pkcs11.so", "libsofthsm2.so")
MAC_DIRS = ("/usr/local/lib", "/usr/local/lib/softhsm", "/Library/OpenSC/lib", "/opt/homebrew/lib",
            "/opt/homebrew/lib/softhsm")
LINUX_LIBS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
              "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so",
              "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so", "/usr/local/lib/softhsm/libsofthsm2.so")


def find_pkcs11_libraries(platform: str = sys.platform, environ=os.environ) -> list[Path]:
    """Installed candidate libraries, vendor ones first; none is loaded here (see `list_token_certificates`)."""
    found: list[Path] = []
    if platform.startswith("win"):
        windir = Path(environ.get("SystemRoot", r"C:\Windows"))
        folders = [windir / "System32", windir / "SysWOW64"]
        for var in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"):
            base = environ.get(var)
            if base and Path(base).is_dir():
                folders += [d for d in sorted(Path(base).iterdir()) if d.is_dir()]
        for folder in folders:
            for pattern in WINDOWS_NAMES:
                found += sorted(folder.glob(pattern))
    elif platform == "darwin":
        for folder in map(Path, MAC_DIRS):
            for pattern in MAC_NAMES:
                found += sorted(folder.glob(pattern))
    else:
        found = [Path(p) for p in LINUX_LIBS if Path(p).is_file()]
    unique: dict[str, Path] = {}
    for path in found:  # System32 and a symlinked Linux path may name the same file twice
        unique.setdefault(os.path.normcase(str(path.resolve())), path)
    return list(unique.values())


@dataclass(frozen=True)
class TokenCert:
    """One certificate on a token; `key_id` (hex) finds its private key."""

    token_label: str
    label: str
    key_id: str
    subject: str
    issuer: str
    not_after: dt.datetime

    def describe(self) -> str:
        return f"{self.subject} — do {self.issuer} cấp, hết hạn {self.not_after:%d/%m/%Y} (thiết bị {self.token_label})"


@contextlib.contextmanager
def _token_errors(lib: Path):
    """PKCS#11 failures as one Vietnamese line each."""
    from pkcs11 import exceptions as p11

    try:
        yield
    except UserError:
        raise
    except p11.PinIncorrect:
        raise UserError("Mã PIN không đúng. Lưu ý: nhập sai nhiều lần thiết bị sẽ bị khóa.") from None
    except p11.PinLocked:
        raise UserError("Mã PIN của thiết bị ký số đã bị khóa; liên hệ nhà cung cấp chứng thư số để mở khóa.") from None
    except p11.PinExpired:
        raise UserError("Mã PIN đã hết hạn; hãy đổi PIN bằng phần mềm của nhà cung cấp rồi thử lại.") from None
    except (p11.PinInvalid, p11.PinLenRange):
        raise UserError("Mã PIN không đúng định dạng (độ dài hoặc ký tự).") from None
    except (p11.TokenNotPresent, p11.DeviceRemoved, p11.NoSuchToken, p11.TokenNotRecognised):
        raise UserError("Không thấy thiết bị ký số (USB token); hãy cắm vào rồi thử lại.") from None
    except p11.PKCS11Error as exc:
        text = str(exc)
        if "OS exception while loading" in text:
            if "not a valid Win32 application" in text or "%1" in text or "wrong ELF class" in text:
                raise UserError(f"Thư viện {lib.name} không cùng loại 32/64 bit với chương trình; "
                                "hãy chọn bản 64 bit của thư viện (thường nằm trong System32).") from None
            raise UserError(f"Không nạp được thư viện thiết bị ký số {lib}; hãy chọn đúng tệp của nhà cung cấp "
                            "hoặc cài lại phần mềm của token.") from None
        raise UserError(f"Thiết bị ký số báo lỗi ({type(exc).__name__}); hãy rút ra cắm lại rồi thử lại.") from None
    except OSError as exc:
        if getattr(exc, "winerror", None) == 193:
            raise UserError(f"Thư viện {lib.name} không cùng loại 32/64 bit với chương trình; "
                            "hãy chọn bản 64 bit của thư viện.") from None
        raise UserError(f"Không nạp được thư viện thiết bị ký số {lib}: {exc.strerror or exc}.") from None


def _load_library(lib: Path):
    import pkcs11

    if not Path(lib).is_file():
        raise UserError(f"Không có tệp thư viện thiết bị ký số {lib}.")
    return pkcs11.lib(str(lib))


def _tokens(library, token_label: str | None = None):
    from pkcs11 import TokenFlag
    from pkcs11 import exceptions as p11

    tokens = []
    for slot in library.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except p11.PKCS11Error:  # a vendor library may list a slot whose token it cannot read
            continue
        if not token.flags & TokenFlag.TOKEN_INITIALIZED:  # an empty slot offered for a new token
            continue
        if token_label is None or token.label.strip() == token_label.strip():
            tokens.append(token)
    if not tokens:
        raise UserError("Không thấy thiết bị ký số (USB token)" +
                        (f" có tên {token_label}" if token_label else "") + "; hãy cắm vào rồi thử lại.")
    return tokens


def list_token_certificates(lib: Path | str, pin: str | None = None, *, timeout: float = 30) -> list[TokenCert]:
    """Certificates on every token the library sees; without a PIN when the token shows public
    objects, which most do."""
    from asn1crypto import x509
    from pkcs11 import Attribute, ObjectClass

    lib = Path(lib)

    def work() -> list[TokenCert]:
        with _token_errors(lib):
            certs = []
            for token in _tokens(_load_library(lib)):
                with token.open(**({"user_pin": pin} if pin else {})) as session:
                    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
                        cert = x509.Certificate.load(obj[Attribute.VALUE])
                        certs.append(TokenCert(
                            token_label=token.label.strip(), label=obj[Attribute.LABEL] or "",
                            key_id=bytes(obj[Attribute.ID]).hex(), subject=common_name(cert.subject),
                            issuer=common_name(cert.issuer), not_after=cert.not_valid_after))
            return certs

    return run_with_timeout(work, timeout)


def open_token_signer(lib: Path | str, token_label: str, key_id: str | bytes, pin: str | None, *,
                      timeout: float = 60):
    """A pyHanko `PKCS11Signer` with the key found by its ID (Vietnamese tokens often leave labels
    empty). Close it with `close_token_signer` when done."""
    from pyhanko.sign.pkcs11 import PKCS11Signer

    lib = Path(lib)
    key = bytes.fromhex(key_id) if isinstance(key_id, str) else bytes(key_id)

    def work():
        import asyncio

        with _token_errors(lib):
            token = _tokens(_load_library(lib), token_label)[0]
            session = token.open(**({"user_pin": pin} if pin else {}))
            try:
                # All certificates on the token go into the signature: vendors put the issuing CA
                # there, and a recipient needs it to reach the national root.
                signer = PKCS11Signer(session, key_id=key, cert_id=key, other_certs_to_pull=None)
                asyncio.run(signer.ensure_objects_loaded())
            except Exception as exc:
                session.close()
                if "private key" in str(exc) or "certificate" in str(exc):
                    raise UserError(f"Thiết bị {token_label} không có khóa và chứng thư số với mã {key.hex()}; "
                                    "hãy chọn lại chứng thư số.") from None
                raise
            return signer

    return run_with_timeout(work, timeout)


def close_token_signer(signer) -> None:
    session = getattr(signer, "pkcs11_session", None)
    if session is not None:
        run_with_timeout(session.close, 15)


def load_pkcs12(path: Path | str, passphrase: str | bytes | None):
    """A pyHanko `SimpleSigner` from a .p12/.pfx file, with the chain the file carries."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign.signers import SimpleSigner

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp chứng thư số {path}: {exc.strerror or exc}.") from None
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, secret or None)
    except Exception:
        raise UserError(f"Không mở được {path.name}: mật khẩu không đúng hoặc tệp không phải "
                        "chứng thư số PKCS#12 (.p12, .pfx).") from None
    if key is None or cert is None:
        raise UserError(f"Tệp {path.name} không chứa khóa bí mật kèm chứng thư số để ký.")
    return SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=secret or None)


@dataclass(frozen=True)
class IdentitySetting:
    """Which identity to sign with. Holds no PIN and no passphrase, by design."""

    kind: str  # "p12" or "pkcs11"
    path: str  # the .p12/.pfx file, or the PKCS#11 library
    token_label: str = ""
    key_id: str = ""  # hex

    @classmethod
    def from_dict(cls, data: dict) -> IdentitySetting:
        kind = data.get("kind")
        if kind not in ("p12", "pkcs11") or not data.get("path"):
            raise UserError("Thiết lập chữ ký số không hợp lệ; hãy chọn lại trong Cài đặt.")
        return cls(kind, str(data["path"]), str(data.get("token_label", "")), str(data.get("key_id", "")))

    def to_dict(self) -> dict:
        return asdict(self)

    def open(self, secret: str | None):
        """The signer; `secret` is the passphrase or PIN just typed, used once."""
        if self.kind == "p12":
            return load_pkcs12(self.path, secret)
        return open_token_signer(self.path, self.token_label, self.key_id, secret)


def setting_path() -> Path:
    from khuyenhoc_desktop.paths import user_data_dir

    return user_data_dir() / "signing-identity.json"


def load_setting(path: Path | None = None) -> IdentitySetting | None:
    target = path or setting_path()
    if not target.is_file():
        return None
    try:
        return IdentitySetting.from_dict(json.loads(target.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        raise UserError("Thiết lập chữ ký số bị hỏng; hãy chọn lại trong Cài đặt.") from None


def clear_setting(path: Path | None = None) -> None:
    """Forget which identity to sign with (the user unticked "Ghi nhớ")."""
    (path or setting_path()).unlink(missing_ok=True)


def save_setting(setting: IdentitySetting, path: Path | None = None) -> Path:
    target = path or setting_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".tmp")
    temp.write_text(json.dumps(setting.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temp, target)
    return target
