"""`khuyenhoc verify | sign | trust`: digital signatures without the window.

verify exits 0 only for an intact, valid signature leading to a trusted root; 1 for a signature
that is present but altered, invalid or untrusted; 2 for unusable input.
Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_SIGNATURE, EXIT_USAGE = 0, 1, 2
PIN_ENV = "KHUYENHOC_PIN"


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="kiểm tra chữ ký số của một tệp PDF, hoặc tệp khác có TỆP.p7s đi kèm",
                       description="Kiểm tra chữ ký số: ai ký, khi nào, tệp có bị thay đổi, chứng thư có tin cậy không. "
                                   "Mã thoát 0 chỉ khi chữ ký hợp lệ và tin cậy; 1 khi chữ ký sai hoặc chưa tin cậy; "
                                   "2 khi tệp không dùng được.")
    p.add_argument("file", metavar="TỆP", help="tệp .pdf, hoặc tệp bất kỳ có chữ ký TỆP.p7s bên cạnh")
    p.add_argument("--p7s", metavar="TỆP.p7s", help="chữ ký tách rời (mặc định TỆP.p7s)")
    p.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                   help="thêm một chứng thư gốc tin cậy cho lần kiểm tra này (ngoài các chứng thư gốc đã nhập)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("sign", help="ký số một tệp: PDF thành bản đã ký, tệp khác thành TỆP.p7s",
                       description=f"Ký số bằng tệp .p12/.pfx hoặc USB token (PKCS#11). Mật khẩu/PIN lấy từ biến môi "
                                   f"trường {PIN_ENV} hoặc hỏi khi chạy; không bao giờ được lưu lại.")
    p.add_argument("file", metavar="TỆP")
    add_identity_arguments(p, required=True)
    p.add_argument("--out", metavar="TỆP.pdf", help="với PDF: nơi ghi bản đã ký (mặc định TÊN-da-ky.pdf)")
    p.add_argument("--box", metavar="X1,Y1,X2,Y2", help="với PDF: ô chữ ký hiện trên trang (đơn vị point)")
    p.add_argument("--page", type=int, default=-1, help="trang đặt ô chữ ký (mặc định trang cuối: -1)")
    p.add_argument("--reason", default="Ký báo cáo")
    p.add_argument("--location", default="", help="nơi ký, ví dụ tên xã")
    p.add_argument("--attach", action="append", default=[], metavar="TỆP", help="với PDF: đính kèm tệp (ví dụ .xlsx)")
    p.add_argument("--tsa", metavar="URL", help="máy chủ dấu thời gian (RFC 3161); không có: mức B-B")
    p.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")

    p = sub.add_parser("trust", help="chứng thư gốc tin cậy: nhập, xem, xóa")
    actions = p.add_subparsers(dest="trust_command", metavar="LỆNH", parser_class=type(p))
    actions.required = True
    a = actions.add_parser("import", help="nhập một chứng thư gốc (PEM hoặc DER), ví dụ Root CA quốc gia")
    a.add_argument("file", metavar="TỆP")
    actions.add_parser("list", help="liệt kê các chứng thư gốc đã tin cậy")
    a = actions.add_parser("remove", help="bỏ tin cậy một chứng thư gốc")
    a.add_argument("fingerprint", metavar="DẤU_VÂN_TAY", help="SHA-256 (hoặc ít nhất 8 ký tự đầu)")


def add_identity_arguments(p, *, required: bool) -> None:
    """--p12 FILE or --pkcs11-lib LIB [--token LABEL] [--key-id HEX]: who signs."""
    who = p.add_mutually_exclusive_group(required=required)
    who.add_argument("--p12", metavar="TỆP.p12", help="chứng thư số dạng tệp .p12/.pfx")
    who.add_argument("--pkcs11-lib", metavar="THƯ_VIỆN", help="thư viện PKCS#11 của USB token (.dll/.so/.dylib)")
    p.add_argument("--token", metavar="TÊN", help="tên thiết bị (token label); mặc định thiết bị duy nhất")
    p.add_argument("--key-id", metavar="HEX", help="mã khóa (CKA_ID, hệ 16); mặc định chứng thư duy nhất trên thiết bị")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")




def run(args) -> int:
    return {"verify": _verify, "sign": _sign, "trust": _trust}[args.command](args)


def _verify(args) -> int:
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.signing import cms, pdf_sign, trust

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"Không có tệp {path}.")
    roots = trust.trusted_root_paths() + [Path(p) for p in args.trust]
    is_pdf = path.read_bytes()[:5] == b"%PDF-" and not args.p7s and not cms.p7s_path(path).is_file()
    verdict = pdf_sign.verify_pdf(path, roots) if is_pdf else cms.verify_detached(path, args.p7s, roots)
    if args.format == "json":
        _out(json.dumps({
            "ok": verdict.ok, "signer": verdict.signer, "issuer": verdict.issuer,
            "signed_at": verdict.signed_at.isoformat() if verdict.signed_at else None,
            "intact": verdict.intact, "valid": verdict.valid, "trusted": verdict.trusted,
            "changed_after_signing": verdict.changed_after_signing, "level": verdict.level,
            "message": verdict.message_vi, "lines": verdict.lines()}, ensure_ascii=False, indent=1))
    else:
        for line in verdict.lines():
            _out(line)
    return EXIT_OK if verdict.ok else EXIT_BAD_SIGNATURE


def _secret(prompt: str) -> str:
    import getpass

    value = os.environ.get(PIN_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        from khuyenhoc_desktop.errors import UserError

        raise UserError(f"Cần {prompt.lower()}: đặt biến môi trường {PIN_ENV} hoặc chạy trong cửa sổ lệnh.")
    return getpass.getpass(f"{prompt}: ")


def open_signer(args):
    """The signer that `add_identity_arguments` describes (PIN or passphrase asked, never kept)."""
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.signing import identity

    if args.p12:
        return identity.load_pkcs12(args.p12, _secret("Mật khẩu tệp chứng thư số"))
    pin = _secret("Mã PIN của USB token")
    token, key_id = args.token, args.key_id
    if not (token and key_id):
        certs = [c for c in identity.list_token_certificates(args.pkcs11_lib, pin)
                 if (not token or c.token_label == token) and (not key_id or c.key_id == key_id.lower())]
        if len(certs) != 1:
            listing = "; ".join(f"--token {c.token_label} --key-id {c.key_id} ({c.subject})" for c in certs)
            raise UserError("Không xác định được chứng thư số để ký" +
                            (f"; chọn một: {listing}" if certs else "; thiết bị không có chứng thư số nào") + ".")
        token, key_id = certs[0].token_label, certs[0].key_id
    return identity.open_token_signer(args.pkcs11_lib, token, key_id, pin)


def _sign(args) -> int:
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.signing import cms, identity, pdf_sign

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"Không có tệp {path}.")
    is_pdf = path.read_bytes()[:5] == b"%PDF-"
    box = None
    if args.box:
        try:
            box = tuple(float(v) for v in args.box.split(","))
            if len(box) != 4:
                raise ValueError
        except ValueError:
            raise UserError("--box cần bốn số X1,Y1,X2,Y2 (point), ví dụ 320,80,560,160.") from None
    target = Path(args.out) if args.out else (path.with_name(f"{path.stem}-da-ky.pdf") if is_pdf else cms.p7s_path(path))
    if target.exists() and not args.force:
        raise UserError(f"Tệp {target} đã có; thêm --force để ghi đè.")
    signer = open_signer(args)
    try:
        if is_pdf:
            result = pdf_sign.sign_pdf(path, target, signer, box=box, page=args.page, reason=args.reason,
                                       location=args.location, timestamp_url=args.tsa,
                                       attachments=[(p, "") for p in args.attach])
            if result.notice_vi:
                _out(result.notice_vi)
            _out(f"Đã ký {path.name} (mức {result.level}) → {result.path}")
        else:
            written = cms.sign_detached(path, signer)
            _out(f"Đã ký {path.name} → {written}")
    finally:
        if args.pkcs11_lib:
            identity.close_token_signer(signer)
    return EXIT_OK


def _trust(args) -> int:
    from khuyenhoc_desktop.signing import trust

    if args.trust_command == "import":
        root = trust.import_root(args.file)
        _out(f"Đã tin cậy chứng thư gốc {root.subject} (hết hạn {root.not_after:%d/%m/%Y}), dấu vân tay {root.fingerprint}")
    elif args.trust_command == "list":
        roots = trust.list_roots()
        for root in roots:
            _out(f"{root.fingerprint}  {root.subject}  (hết hạn {root.not_after:%d/%m/%Y})")
        _out(f"({len(roots)} chứng thư gốc tin cậy)")
    else:
        root = trust.remove_root(args.fingerprint)
        _out(f"Đã bỏ tin cậy chứng thư gốc {root.subject}.")
    return EXIT_OK
