"""PAdES signatures on PDFs: a visible box with correct Vietnamese, attachments, B-B or B-T.

pyHanko's own stamp font garbles Vietnamese, so the box is drawn by reportlab with the bundled
Liberation Serif into a one-page PDF and imported as the signature's appearance
(`StaticStampStyle`). Report writers that want the frame on the page itself can call
`draw_signature_box` on their canvas and pass the same rectangle as `box`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing.verdict import (
    Verdict, format_time, run_with_timeout, signer_cert_name, validation_context, verdict_from_status,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIMESTAMP_TIMEOUT_S = 10


@dataclass
class SignResult:
    path: Path
    level: str  # "B-B" or "B-T"
    seconds: float
    notice_vi: str = ""  # e.g. the timestamp server could not be reached


def draw_signature_box(canvas, rect: Sequence[float], lines: Sequence[str], *, frame: bool = True) -> None:
    """Lines of text fitted inside `rect` = (x1, y1, x2, y2) in points: the first in bold, each
    shrunk to the width if needed, in the bundled font so Vietnamese letters are right."""
    from khuyenhoc_desktop.documents.pdf import SERIF, SERIF_BOLD, fit_lines, register_fonts

    register_fonts()
    x1, y1, x2, y2 = rect
    pad = 4.0
    if frame:
        canvas.saveState()
        canvas.setStrokeColorRGB(0.1, 0.35, 0.1)
        canvas.setLineWidth(1)
        canvas.rect(x1 + 0.5, y1 + 0.5, x2 - x1 - 1, y2 - y1 - 1)
        canvas.restoreState()
    count = max(1, len(lines))
    size = min(11.0, (y2 - y1 - 2 * pad) / (count * 1.25))
    y = y2 - pad
    for index, value in enumerate(lines):
        font = SERIF_BOLD if index == 0 else SERIF
        fitted, fitted_size = fit_lines(value, font, size, x2 - x1 - 2 * pad, max_lines=1)
        y -= size * 1.25
        canvas.setFont(font, fitted_size)
        canvas.drawString(x1 + pad, y + size * 0.25, fitted[0])


def signature_lines(name: str, when: dt.datetime, reason: str, location: str) -> list[str]:
    lines = [f"Ký bởi: {name}", f"Ngày ký: {format_time(when)}"]
    if reason:
        lines.append(f"Lý do: {reason}")
    if location:
        lines.append(f"Nơi ký: {location}")
    return lines


def _appearance_pdf(box: Sequence[float], lines: Sequence[str], folder: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    x1, y1, x2, y2 = box
    path = folder / f".stamp-{secrets.token_hex(4)}.pdf"
    canvas = Canvas(str(path), pagesize=(x2 - x1, y2 - y1))
    draw_signature_box(canvas, (0, 0, x2 - x1, y2 - y1), lines)
    canvas.showPage()
    canvas.save()
    return path


def _ascii_name(name: str) -> str:
    """Name for the /F entry, which must be PDFDocEncoding; /UF keeps the Vietnamese one."""
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if ord(c) < 128 and not unicodedata.combining(c)) or "tep-dinh-kem"


def _embed(writer, path: Path, description: str) -> None:
    from pyhanko.pdf_utils import embed, generic

    data = path.read_bytes()
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    mime = XLSX_MIME if path.suffix.lower() == ".xlsx" else None
    stream = embed.EmbeddedFileObject.from_file_data(
        writer, data, mime_type=mime,
        params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=True, modification_date=mtime))
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=_ascii_name(path.name), file_name=path.name, embedded_data=stream,
        description=description or f"{path.name} (SHA-256 {hashlib.sha256(data).hexdigest()})",
        af_relationship=generic.pdf_name("/Source")))


def _timestamper(url: str | None) -> tuple[object | None, str]:
    """An RFC 3161 client that answered a test request, or None and the reason in Vietnamese."""
    if not url:
        return None, ""
    import asyncio

    from pyhanko.sign.timestamps import HTTPTimeStamper

    stamper = HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT_S)

    async def probe():
        try:
            await stamper.async_timestamp(hashlib.sha256(b"probe").digest(), "sha256")
        finally:
            close = getattr(getattr(stamper, "_session", None), "close", None)
            if close is not None:
                result = close()
                if asyncio.iscoroutine(result):
                    await result

    try:
        asyncio.run(probe())
    except Exception:
        return None, (f"Không kết nối được máy chủ dấu thời gian {url}; đã ký mức B-B "
                      "(thời điểm ký theo đồng hồ máy này).")
    return HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT_S), ""


def sign_pdf(in_path: Path | str, out_path: Path | str, signer, *, field_name: str = "ChuKy",
             box: Sequence[float] | None = None, page: int = -1, signer_name_text: str | None = None,
             reason: str = "Ký báo cáo", location: str = "", timestamp_url: str | None = None,
             attachments: Iterable[tuple[Path | str, str]] = (), timeout: float = 120) -> SignResult:
    """Sign `in_path` into `out_path` (PAdES B-B; B-T when `timestamp_url` answers), verify the
    result, then move it into place; on any failure nothing is left at `out_path`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    from khuyenhoc_desktop.documents.pdf import atomic_pdf

    start = time.perf_counter()
    in_path, out_path = Path(in_path), Path(out_path)
    attachments = [(Path(p), d) for p, d in attachments]
    for path in [in_path] + [p for p, _ in attachments]:
        if not path.is_file():
            raise UserError(f"Không có tệp {path}.")
    if in_path.read_bytes()[:5] != b"%PDF-":
        raise UserError(f"Tệp {in_path.name} không phải PDF.")
    timestamper, notice = _timestamper(timestamp_url)
    name = signer_name_text or signer_cert_name(signer)
    with tempfile.TemporaryDirectory(prefix="khuyenhoc-sign-") as scratch, atomic_pdf(out_path) as temp:
        stamp_style = None
        if box is not None:
            stamp = _appearance_pdf(box, signature_lines(name, dt.datetime.now(dt.timezone.utc), reason, location),
                                    Path(scratch))
            stamp_style = StaticStampStyle.from_pdf_file(str(stamp), border_width=0)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
            reason=reason or None, location=location or None, name=name)
        spec = fields.SigFieldSpec(field_name, on_page=page, box=tuple(box)) if box is not None else None

        def work() -> None:
            with in_path.open("rb") as source:
                writer = IncrementalPdfFileWriter(source, strict=False)
                for path, description in attachments:
                    _embed(writer, path, description)
                pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper,
                                               stamp_style=stamp_style, new_field_spec=spec)
                with temp.open("wb") as out:
                    pdf_signer.sign_pdf(writer, output=out)

        try:
            run_with_timeout(work, timeout, what="Việc ký")
        except UserError:
            raise
        except Exception as exc:
            if "already" in str(exc).lower() and field_name in str(exc):
                raise UserError(f"Tệp đã có chữ ký ở ô {field_name}; hãy ký vào bản chưa ký.") from None
            raise
        check = verify_pdf(temp, [])
        if not (check.intact and check.valid):
            raise UserError("Chữ ký vừa tạo không kiểm tra lại được; tệp đã ký không được lưu.")
    level = "B-T" if timestamper is not None else "B-B"
    return SignResult(out_path, level, time.perf_counter() - start, notice)


def embedded_files(reader) -> list[tuple[str, bytes]]:
    """(name, data) of each file attached to the document."""
    root = reader.root
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return []
    found = []
    for index in range(1, len(names), 2):
        spec = names[index].get_object()
        filename = str(spec.get("/UF", spec.get("/F", names[index - 1])))
        found.append((filename, spec["/EF"]["/F"].get_object().data))
    return found


def verify_pdf(path: Path | str, trust_roots: Iterable[Path | str] = ()) -> Verdict:
    """Check every signature of a PDF offline; the verdict of the first failing one (or the last)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp {path}: {exc.strerror or exc}.") from None
    if not data.startswith(b"%PDF-"):
        raise UserError(f"Tệp {path.name} không phải PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UserError(f"Tệp PDF {path.name} bị hỏng, không đọc được chữ ký ({exc}).") from None
    if not signatures:
        raise UserError(f"Tệp {path.name} không có chữ ký số.")
    roots = list(trust_roots)
    verdicts = []
    for embedded in signatures:
        try:
            status = validate_pdf_signature(embedded, validation_context(roots))
        except UserError:
            raise
        except Exception as exc:  # a damaged signature is a bad signature, not a crash
            verdicts.append(Verdict(ok=False, signer="", signed_at=None, intact=False, valid=False, trusted=False,
                                    level="B-B", message_vi=f"CHỮ KÝ KHÔNG HỢP LỆ: không kiểm tra được ({exc}).",))
            continue
        changed = status.coverage != SignatureCoverageLevel.ENTIRE_FILE and (
            status.modification_level not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
            or status.docmdp_ok is False)
        details = [f"Tệp đính kèm: {name} (SHA-256 {hashlib.sha256(blob).hexdigest()})"
                   for name, blob in embedded_files(reader)] if embedded is signatures[-1] else []
        verdicts.append(verdict_from_status(status, level="B-T" if status.timestamp_validity else "B-B",
                                            changed_after_signing=changed, details=details))
    primary = next((v for v in verdicts if not v.ok), verdicts[-1])
    if len(verdicts) > 1:
        primary.details.insert(0, f"Tệp có {len(verdicts)} chữ ký; "
                                  f"{sum(v.ok for v in verdicts)} chữ ký hợp lệ.")
    return primary
