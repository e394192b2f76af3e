"""`khuyenhoc audit`: the log of every change (who, when, old and new values), printed newest
first or exported to Excel.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "audit", help="nhật ký thay đổi: ai sửa gì, khi nào, giá trị cũ và mới",
        description="In nhật ký thay đổi dữ liệu (mới nhất trước), lọc theo bảng, bản ghi, người thực hiện, "
                    "ngày; hoặc xuất ra tệp Excel với --out (cũ nhất trước, mỗi trường thay đổi một dòng).")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--table", metavar="BẢNG", help="chỉ bảng này, ví dụ person, household, voucher")
    p.add_argument("--id", type=int, metavar="SỐ", help="chỉ bản ghi có mã này (dùng cùng --table)")
    p.add_argument("--actor", metavar="TÊN", help="chỉ thay đổi của người này")
    p.add_argument("--since", metavar="NGÀY", help="từ ngày (dd/mm/yyyy)")
    p.add_argument("--until", metavar="NGÀY", help="đến hết ngày (dd/mm/yyyy)")
    p.add_argument("--limit", type=int, default=50, metavar="SỐ", help="in tối đa bao nhiêu lần thay đổi (mặc định 50)")
    p.add_argument("--out", metavar="TỆP.xlsx", help="xuất ra tệp Excel thay vì in")
    p.add_argument("--full-personal-data", action="store_true",
                   help="trong tệp Excel, ghi đủ số CCCD, số điện thoại (mặc định che bớt)")
    p.add_argument("--force", action="store_true", help="ghi đè nếu tệp Excel đã có")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--json", dest="format", action="store_const", const="json", help="như --format json")


def _filters(args):
    from khuyenhoc_desktop.domain.dates import parse_date
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services.audit import AuditFilter

    if args.id is not None and not args.table:
        raise UserError("--id cần đi cùng --table, ví dụ --table person --id 12.")
    if args.limit < 1:
        raise UserError("--limit phải từ 1 trở lên.")
    try:
        since, until = parse_date(args.since), parse_date(args.until)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if since and until and since > until:
        raise UserError("Ngày bắt đầu (--since) không thể sau ngày kết thúc (--until).")
    return AuditFilter(args.table, args.id, args.actor, since, until)


def _as_json(entry) -> dict:
    return {
        "id": entry.id, "at": entry.at.isoformat(timespec="milliseconds") + "Z", "actor": entry.actor,
        "table": entry.table, "table_label": entry.table_text, "record_id": entry.record_id,
        "action": entry.action, "old_values": entry.old_values, "new_values": entry.new_values,
    }


def _as_text(entry) -> list[str]:
    record = f" #{entry.record_id}" if entry.record_id is not None else ""
    lines = [f"{entry.at_text}  {entry.actor_text}  {entry.action_text} {entry.table_text}{record}  (mục {entry.id})"]
    lines += [f"    {line}" for line in entry.lines()]
    return lines


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.domain.money import format_count
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import audit

    f = _filters(args)
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        known = {name for name, _label in audit.tables(session)} | set(audit.TABLE_LABELS)
        if f.table and f.table not in known:
            raise UserError(f"Không có bảng {f.table}. Các bảng: {', '.join(sorted(known))}.")
        if args.out:
            written = audit.export_xlsx(session, Path(args.out), f, full_personal_data=args.full_personal_data,
                                        overwrite=args.force)
            answer = {"out": str(args.out), "entries": written}
            text = f"Đã xuất {format_count(written)} lần thay đổi vào {args.out}."
        else:
            total = audit.count(session, table=f.table, record_id=f.record_id, actor=f.actor,
                                since=f.since, until=f.until)
            shown = audit.entries(session, table=f.table, record_id=f.record_id, actor=f.actor,
                                  since=f.since, until=f.until, limit=args.limit)
            answer = {"total": total, "entries": [_as_json(e) for e in shown]}
            lines = [line for e in shown for line in _as_text(e)]
            lines.append(f"Hiển thị {format_count(len(shown))} / {format_count(total)} lần thay đổi (mới nhất trước)."
                         if total else "Chưa có thay đổi nào khớp.")
            text = "\n".join(lines)
    sys.stdout.write((json.dumps(answer, ensure_ascii=False) if args.format == "json" else text) + "\n")
    return EXIT_OK
