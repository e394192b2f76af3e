"""`khuyenhoc decisions list`: recognition decisions (quyết định công nhận danh hiệu học tập).

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "decisions",
        help="quyết định công nhận danh hiệu học tập",
        description="Các quyết định công nhận danh hiệu học tập trong tệp dữ liệu.",
    )
    actions = p.add_subparsers(dest="decisions_command", metavar="LỆNH", parser_class=type(p))
    actions.required = True
    a = actions.add_parser("list", help="liệt kê quyết định (số, ngày, danh hiệu, năm, số được công nhận)")
    a.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    a.add_argument("--year", type=int, help="chỉ các quyết định của năm đánh giá này")
    a.add_argument("--format", choices=["text", "json"], default="text")
    return p


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.services.titles import list_decisions

    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        rows = list_decisions(session, args.year)
    if args.format == "json":
        keys = ("number", "date", "title_code", "year", "entities")
        _out(json.dumps([{k: row[k] for k in keys} for row in rows], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not rows:
        _out("Chưa có quyết định công nhận nào" + (f" cho năm {args.year}." if args.year else "."))
        return EXIT_OK
    for row in rows:
        state = "" if row["issued"] else "  (dự thảo, chưa ban hành)"
        amends = f"  sửa đổi QĐ {row['amends']}" if row["amends"] else ""
        _out(f"{row['number']}  ngày {row['date'] or '…'}  {row['title_code']} năm {row['year']}  "
             f"{row['entities']} được công nhận{amends}{state}")
    _out(f"({len(rows)} quyết định)")
    return EXIT_OK
