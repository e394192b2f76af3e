"""What a verification found, said in plain Vietnamese; shared by PDF and CMS checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from khuyenhoc_desktop.errors import UserError

T = TypeVar("T")

# A token that waits for a PIN typed on its own pad or a driver that hangs must not freeze
# the program: every token call and every signature runs in a worker thread with this limit.
TOKEN_TIMEOUT_S = 60.0


@dataclass
class Verdict:
    """`ok` only for an intact, cryptographically valid signature from a trusted root."""

    ok: bool
    signer: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    level: str  # "B-B", "B-T" (PDF) or "CMS"
    message_vi: str
    issuer: str = ""
    trust_root: str = ""
    changed_after_signing: bool = False
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plain Vietnamese report: who, when, changed or not, trusted or not."""
        out = [self.message_vi, f"Người ký: {self.signer or 'không rõ'}"]
        if self.issuer:
            out.append(f"Chứng thư số do: {self.issuer} cấp")
        if self.signed_at is None:
            out.append("Thời điểm ký: không rõ (chữ ký không ghi giờ).")
        else:
            source = "máy chủ cấp dấu thời gian" if self.level == "B-T" else "đồng hồ máy ký"
            out.append(f"Thời điểm ký: {format_time(self.signed_at)} (theo {source}).")
        if not self.intact:
            out.append("Nội dung: ĐÃ BỊ THAY ĐỔI sau khi ký.")
        elif self.changed_after_signing:
            out.append("Nội dung: phần đã ký còn nguyên, nhưng tệp có thêm thay đổi sau khi ký.")
        else:
            out.append("Nội dung: không bị thay đổi từ khi ký.")
        if self.trusted:
            out.append(f"Chứng thư số: dẫn tới chứng thư gốc tin cậy ({self.trust_root}).")
        else:
            out.append("Chứng thư số: KHÔNG dẫn tới chứng thư gốc nào đã tin cậy "
                       "(nhập chứng thư gốc của tổ chức cấp, ví dụ Root CA quốc gia, rồi kiểm tra lại).")
        return out + self.details


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def common_name(name) -> str:
    """CN of an asn1crypto Name, falling back to the whole name."""
    native = name.native
    return native.get("common_name") or name.human_friendly


def verdict_from_status(status, *, level: str, changed_after_signing: bool = False,
                        details: Iterable[str] = ()) -> Verdict:
    cert = status.signing_cert
    intact, valid = bool(status.intact), bool(status.valid)
    trusted = bool(status.trusted) and not changed_after_signing
    root = ""
    if status.validation_path is not None:
        root = common_name(status.validation_path.trust_anchor.authority.name)
    if not intact:
        message = "CHỮ KÝ KHÔNG HỢP LỆ: tệp đã bị thay đổi sau khi ký."
    elif not valid:
        message = "CHỮ KÝ KHÔNG HỢP LỆ: chữ ký không khớp với chứng thư số."
    elif changed_after_signing:
        message = "CHỮ KÝ KHÔNG CÒN ĐÚNG CHO TỆP NÀY: tệp có thay đổi sau khi ký."
    elif not trusted:
        message = "Chữ ký đúng và tệp còn nguyên, nhưng chưa xác định được người ký (chứng thư gốc chưa được tin cậy)."
    else:
        message = "CHỮ KÝ HỢP LỆ: tệp còn nguyên và chứng thư số dẫn tới chứng thư gốc tin cậy."
    ts = getattr(status, "timestamp_validity", None)
    signed_at = ts.timestamp if ts is not None else getattr(status, "signer_reported_dt", None)
    return Verdict(
        ok=intact and valid and trusted, signer=common_name(cert.subject), signed_at=signed_at,
        intact=intact, valid=valid, trusted=trusted, level=level, message_vi=message,
        issuer=common_name(cert.issuer), trust_root=root, changed_after_signing=changed_after_signing,
        details=list(details))


def validation_context(trust_roots: Iterable[Path]):
    """Offline validation against exactly the given roots (no fetching, no revocation data)."""
    from pyhanko.sign.validation import ValidationContext

    return ValidationContext(trust_roots=[load_certificate(Path(p)) for p in trust_roots],
                             allow_fetching=False)


def load_certificate(path: Path):
    """asn1crypto certificate from a PEM or DER file, or a Vietnamese UserError."""
    from asn1crypto import pem, x509

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp chứng thư {path}: {exc.strerror or exc}.") from exc
    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        cert = x509.Certificate.load(data)
        cert.native  # parse fully now: a broken file fails here, not deep in validation
        return cert
    except Exception as exc:
        raise UserError(f"Tệp {path.name} không phải chứng thư số (PEM hoặc DER).") from exc


def run_with_timeout(fn: Callable[[], T], timeout: float = TOKEN_TIMEOUT_S, *,
                     what: str = "Thiết bị ký số") -> T:
    """Run `fn` in a daemon thread; a hung driver leaves the thread behind, not the caller."""
    box: queue.Queue = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            box.put((True, fn()))
        except BaseException as exc:  # handed over to the caller's thread
            box.put((False, exc))

    threading.Thread(target=work, name="khuyenhoc-signing", daemon=True).start()
    try:
        done, value = box.get(timeout=timeout)
    except queue.Empty:
        raise UserError(f"{what} không trả lời sau {timeout:.0f} giây; hãy rút ra cắm lại rồi thử lại.") from None
    if not done:
        raise value
    return value


def run_async(coro):
    """pyHanko's async API from plain code (each call in its own event loop)."""
    return asyncio.run(coro)


def signer_cert_name(signer) -> str:
    """Common name on a pyHanko signer's certificate (read in a worker: a token may be slow)."""
    return common_name(run_with_timeout(lambda: signer.signing_cert).subject)
