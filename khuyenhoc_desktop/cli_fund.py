"""`khuyenhoc fund …`: the study-promotion fund without the window — record receipts and
payments, cancel, the ledger, voucher and disclosure papers, closing the books.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys

PARTY_KINDS = ("person", "household", "organisation")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("fund", help="quỹ khuyến học: phiếu thu, phiếu chi, sổ quỹ, công khai",
                       description="Quỹ khuyến học, khuyến tài: ghi phiếu thu/chi, hủy phiếu, sổ quỹ, in phiếu, công khai.")
    actions = p.add_subparsers(dest="fund_command", metavar="LỆNH", parser_class=type(p))
    actions.required = True

    def party(a, role: str, flag: str) -> None:
        a.add_argument(flag, metavar="TÊN", help=f"{role}: tên người (nhân khẩu) hoặc cơ quan, đơn vị trong sổ")
        a.add_argument(f"{flag}-id", type=int, metavar="MÃ", help=f"{role} theo mã trong sổ (khi trùng tên)")
        a.add_argument(f"{flag}-kind", choices=PARTY_KINDS, default="person", help="loại của mã: person, household, organisation")
        a.add_argument("--free-name", action="store_true", help="ghi tên ngoài sổ (không có trong danh sách nhân khẩu, đơn vị)")
        a.add_argument("--address", default="", help="địa chỉ (cho tên ngoài sổ)")

    def common(a) -> None:
        a.add_argument("--amount", required=True, metavar="SỐ_TIỀN", help="số đồng, ví dụ 1250000 hoặc 1.250.000")
        a.add_argument("--date", required=True, metavar="dd/mm/yyyy", help="ngày lập phiếu")
        a.add_argument("--method", choices=["cash", "bank", "in-kind"], default="cash",
                       help="tiền mặt, chuyển khoản hoặc hiện vật (số tiền là giá trị ước tính)")
        a.add_argument("--in-kind", default="", metavar="MÔ_TẢ", help="hiện vật gồm những gì (với --method in-kind)")
        a.add_argument("--purpose", default="", help="mục đích, đợt vận động (ví dụ: Tết, Ngày Khuyến học 2/10)")
        a.add_argument("--by", default="", help="người thu / người chi")
        a.add_argument("--note", default="")

    a = actions.add_parser("receipt", help="ghi phiếu thu")
    party(a, "người nộp", "--donor")
    a.add_argument("--anonymous", action="store_true", help="người nộp ẩn danh (hoặc xin ẩn danh khi công khai)")
    common(a)
    a = actions.add_parser("payment", help="ghi phiếu chi")
    party(a, "người nhận", "--payee")
    a.add_argument("--kind", required=True, choices=["scholarship", "award", "support", "other"],
                   help="học bổng, khen thưởng, hỗ trợ, chi khác")
    common(a)
    a = actions.add_parser("cancel", help="hủy một phiếu (ghi bút toán đảo, giữ dấu vết)")
    a.add_argument("number", metavar="SỐ_PHIẾU", help="ví dụ PT-2026-0001")
    a.add_argument("--reason", required=True, help="lý do hủy")
    a.add_argument("--date", metavar="dd/mm/yyyy", help="ngày hủy (mặc định hôm nay, trong kỳ đang mở)")
    a.add_argument("--by", default="", help="người hủy")
    a = actions.add_parser("ledger", help="sổ quỹ: tồn đầu, thu, chi, tồn cuối (và các dòng)")
    a.add_argument("--year", type=int, help="năm (mặc định năm nay)")
    a.add_argument("--from", dest="start", metavar="dd/mm/yyyy", help="từ ngày (thay cho --year)")
    a.add_argument("--to", dest="end", metavar="dd/mm/yyyy", help="đến ngày")
    a.add_argument("--format", choices=["text", "json"], default="text")
    a = actions.add_parser("lock", help="khóa sổ đến hết một ngày (sau khi báo cáo đã chốt)")
    a.add_argument("--until", required=True, metavar="dd/mm/yyyy")
    a.add_argument("--by", default="")
    for a in actions.choices.values():
        a.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
        if "--format" not in a._option_string_actions:
            a.add_argument("--format", choices=["text", "json"], default="text", help="cách báo kết quả")
    return p


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    return {"receipt": _record, "payment": _record, "cancel": _cancel, "ledger": _ledger,
            "lock": _lock}[args.fund_command](args)


def _voucher_form(session, args):
    from khuyenhoc_desktop.errors import NotFoundError, UserError
    from khuyenhoc_desktop.services import fund

    receipt = args.fund_command == "receipt"
    name = args.donor if receipt else args.payee
    party_id = args.donor_id if receipt else args.payee_id
    party_kind = args.donor_kind if receipt else args.payee_kind
    form = fund.VoucherForm(
        kind="receipt" if receipt else "payment", voucher_date=args.date, amount=args.amount,
        method=args.method.replace("-", "_"), in_kind=args.in_kind, purpose=args.purpose, handled_by=args.by,
        note=args.note, payout_kind=None if receipt else args.kind, party_address=args.address,
        anonymous=receipt and args.anonymous)
    if party_id is not None:
        form.party_kind, form.party_id = party_kind, party_id
    elif name and args.free_name:
        form.party_kind, form.party_name = "free", name
    elif name:
        try:
            form.party_kind, form.party_id = fund.find_party(session, name)
        except NotFoundError as exc:
            raise UserError(f"{exc} Ghi tên ngoài sổ thì thêm --free-name.") from None
        except UserError as exc:
            flag = "--donor" if receipt else "--payee"
            raise UserError(f"{exc} Dùng {flag}-id MÃ (đơn vị thêm {flag}-kind organisation).") from None
    elif receipt and args.anonymous:
        form.party_kind = "anonymous"
    else:
        flag = "--donor" if receipt else "--payee"
        raise UserError(f"Cần {flag} TÊN (hoặc {flag}-id MÃ{', hoặc --anonymous' if receipt else ''}).")
    return form


def _record(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.money import format_money
    from khuyenhoc_desktop.services import fund

    with open_db(getattr(args, "db", None)) as db, db.write() as session:
        voucher = fund.record_voucher(session, _voucher_form(session, args))
        answer = {"number": voucher.number, "kind": voucher.kind, "amount": voucher.amount,
                  "date": args.date, "party": voucher.party_name}
    if args.format == "json":
        _out(json.dumps(answer, ensure_ascii=False))
    else:
        what = "phiếu thu" if answer["kind"] == "receipt" else "phiếu chi"
        _out(f"Đã ghi {what} {answer['number']}: {format_money(answer['amount'])} ({answer['party']}).")
    return EXIT_OK


def _cancel(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.dates import format_date
    from khuyenhoc_desktop.services import fund

    with open_db(getattr(args, "db", None)) as db, db.write() as session:
        voucher = fund.cancel_voucher(session, args.number, args.reason, args.date, args.by)
        number, day = voucher.number, format_date(voucher.cancelled_on)
    if args.format == "json":
        _out(json.dumps({"number": number, "cancelled_on": day}, ensure_ascii=False))
    else:
        _out(f"Đã hủy phiếu {number} (bút toán đảo ngày {day}).")
    return EXIT_OK


def _period(args):
    import datetime as dt

    from khuyenhoc_desktop.domain.dates import today
    from khuyenhoc_desktop.errors import UserError

    if args.start or args.end:
        if not (args.start and args.end):
            raise UserError("Cần cả --from và --to.")
        return args.start, args.end
    year = args.year or today().year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _ledger(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.dates import format_date
    from khuyenhoc_desktop.domain.money import format_money
    from khuyenhoc_desktop.services import fund

    start, end = _period(args)
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        book = fund.ledger(session, start, end)
    if args.format == "json":
        data = book.as_dict()
        data["entries"] = [{"date": format_date(ln.day), "number": ln.number, "text": ln.text, "received": ln.received,
                            "paid": ln.paid, "balance": ln.balance, "reversal": ln.reversal} for ln in book.lines]
        _out(json.dumps(data, ensure_ascii=False, indent=1))
        return EXIT_OK
    _out(f"Sổ quỹ từ {format_date(book.start)} đến {format_date(book.end)}")
    _out(f"Tồn đầu kỳ: {format_money(book.opening)}")
    for ln in book.lines:
        amount = format_money(ln.received) if ln.kind == "receipt" else "-" + format_money(ln.paid)
        _out(f"{format_date(ln.day)}  {ln.number}  {amount:>16}  tồn {format_money(ln.balance):>16}  {ln.text}")
    _out(f"Thu: {format_money(book.received)}; chi: {format_money(book.paid)}; tồn cuối kỳ: {format_money(book.closing)} "
         f"(tiền {format_money(book.closing_money)}, hiện vật {format_money(book.closing_in_kind)})")
    return EXIT_OK


def _lock(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.dates import format_date
    from khuyenhoc_desktop.services import fund

    with open_db(getattr(args, "db", None)) as db, db.write() as session:
        day = fund.lock_until(session, args.until, args.by)
    if args.format == "json":
        _out(json.dumps({"locked_until": format_date(day)}, ensure_ascii=False))
    else:
        _out(f"Đã khóa sổ quỹ đến hết ngày {format_date(day)}.")
    return EXIT_OK
