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
    a.add_argument("--out", metavar="TỆP", help="ghi sổ chi tiết ra tệp .pdf hoặc .xlsx (kèm các bảng tổng hợp)")
    a.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    a = actions.add_parser("voucher", help="in một phiếu thu/chi ra PDF (lần in sau ghi BẢN SAO)")
    a.add_argument("number", metavar="SỐ_PHIẾU", help="ví dụ PT-2026-0001")
    a.add_argument("--out", required=True, metavar="TỆP.pdf")
    a.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    a = actions.add_parser("disclosure", help="thông báo công khai thu, chi của một kỳ (PDF hoặc Excel)")
    a.add_argument("--from", dest="start", required=True, metavar="dd/mm/yyyy")
    a.add_argument("--to", dest="end", required=True, metavar="dd/mm/yyyy")
    a.add_argument("--out", required=True, metavar="TỆP", help="tệp .pdf hoặc .xlsx")
    a.add_argument("--full-names", action="store_true", help="ghi đủ họ tên cả người nhận dưới 18 tuổi "
                                                              "(mặc định chỉ ghi chữ cái đầu)")
    a.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    a = actions.add_parser("statement", help="bảng kê các khoản ủng hộ của một người, đơn vị trong một kỳ")
    a.add_argument("--donor", required=True, metavar="TÊN", help="tên như trên phiếu thu (không cần dấu)")
    a.add_argument("--from", dest="start", required=True, metavar="dd/mm/yyyy")
    a.add_argument("--to", dest="end", required=True, metavar="dd/mm/yyyy")
    a.add_argument("--out", metavar="TỆP", help="ghi ra tệp .pdf hoặc .xlsx (không có: in ra màn hình)")
    a.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    a = actions.add_parser("payout-list", help="danh sách ký nhận của một quyết định chi (PDF)")
    a.add_argument("decision", metavar="SỐ_QĐ", help="số quyết định chi, ví dụ 12/QĐ-HKH")
    a.add_argument("--year", type=int, help="năm của quyết định (mặc định năm mới nhất có số này)")
    a.add_argument("--out", required=True, metavar="TỆP.pdf")
    a.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
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
    return {"receipt": _record, "payment": _record, "cancel": _cancel, "ledger": _ledger, "lock": _lock,
            "voucher": _voucher, "disclosure": _disclosure, "payout-list": _payout_list,
            "statement": _statement}[args.fund_command](args)


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
    if args.out:
        from khuyenhoc_desktop.services import fund_documents

        _refuse_existing(args)
        with open_db(getattr(args, "db", None)) as db, db.read() as session:
            count = fund_documents.print_ledger(session, start, end, args.out, overwrite=args.force)
        unit = "trang" if args.out.lower().endswith(".pdf") else "dòng"
        _report(args, {"out": args.out, "count": count}, f"Đã ghi sổ chi tiết vào {args.out} ({count} {unit}).")
        return EXIT_OK
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


def _refuse_existing(args, allowed: tuple[str, ...] = (".pdf", ".xlsx")) -> None:
    """Before any work: the output file's suffix, folder and name."""
    from pathlib import Path

    from khuyenhoc_desktop.documents.xlsx import check_target
    from khuyenhoc_desktop.errors import UserError

    out = Path(args.out)
    if out.suffix.lower() not in allowed:
        raise UserError(f"Tên tệp phải có đuôi {' hoặc '.join(allowed)}, ví dụ {out.stem or 'quy'}{allowed[0]}.")
    check_target(out, overwrite=args.force, suffix=out.suffix.lower())


def _report(args, data: dict, text: str) -> None:
    _out(json.dumps(data, ensure_ascii=False) if args.format == "json" else text)


def _voucher(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.services import fund_documents

    _refuse_existing(args, (".pdf",))
    with open_db(getattr(args, "db", None)) as db, db.write() as session:
        pages, copy = fund_documents.print_voucher(session, args.number, args.out)
    what = "bản sao phiếu" if copy else "phiếu"
    _report(args, {"number": args.number.upper(), "out": args.out, "pages": pages, "copy": copy},
            f"Đã in {what} {args.number.upper()} vào {args.out}.")
    return EXIT_OK


def _disclosure(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.services import fund_documents

    _refuse_existing(args)
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        count = fund_documents.print_disclosure(session, args.start, args.end, args.out,
                                                initials_only_for_minors=not args.full_names, overwrite=args.force)
    _report(args, {"out": args.out, "count": count},
            f"Đã ghi thông báo công khai từ {args.start} đến {args.end} vào {args.out}.")
    return EXIT_OK


def _payout_list(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.services import fund, fund_documents

    _refuse_existing(args, (".pdf",))
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        decision = fund.find_payout_decision(session, args.decision, args.year)
        pages = fund_documents.print_payout_list(session, decision.id, args.out)
        number = decision.number
    _report(args, {"decision": number, "out": args.out, "pages": pages},
            f"Đã in danh sách ký nhận theo quyết định {number} vào {args.out} ({pages} trang).")
    return EXIT_OK


def _statement(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.dates import format_date
    from khuyenhoc_desktop.domain.money import format_money
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import fund, fund_documents

    if args.out:
        _refuse_existing(args)
        with open_db(getattr(args, "db", None)) as db, db.read() as session:
            count = fund_documents.print_statement(session, args.start, args.end, args.out, name=args.donor,
                                                   overwrite=args.force)
        _report(args, {"out": args.out, "count": count}, f"Đã ghi bảng kê ủng hộ của {args.donor} vào {args.out}.")
        return EXIT_OK
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        receipts = [(v.number, format_date(v.voucher_date), v.purpose, v.amount)
                    for v in fund.donor_statement(session, args.start, args.end, name=args.donor)]
    if not receipts:
        raise UserError(f"'{args.donor}' không có khoản ủng hộ nào từ {args.start} đến {args.end}.")
    total = sum(r[3] for r in receipts)
    if args.format == "json":
        _out(json.dumps({"donor": args.donor, "total": total, "receipts": [
            {"number": n, "date": d, "purpose": p, "amount": a} for n, d, p, a in receipts]}, ensure_ascii=False))
        return EXIT_OK
    for number, day, purpose, amount in receipts:
        _out(f"{day}  {number}  {format_money(amount):>14}  {purpose}")
    _out(f"Cộng: {format_money(total)} ({len(receipts)} lần)")
    return EXIT_OK
