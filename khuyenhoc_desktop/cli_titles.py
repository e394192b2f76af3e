"""`khuyenhoc decisions list` and `khuyenhoc certificates`: recognition decisions (quyết định công
nhận danh hiệu học tập) and their certificates.

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

    c = sub.add_parser(
        "certificates",
        help="in giấy công nhận của một quyết định ra một tệp PDF",
        description="In giấy công nhận (mỗi trang một hộ/dòng họ/đơn vị…) của một quyết định đã ban hành, "
                    "theo mẫu giấy đã chỉnh trong chương trình.",
    )
    c.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    c.add_argument("--decision", required=True, metavar="SỐ", help="số quyết định, ví dụ 01/QĐ-HKH")
    c.add_argument("--year", type=int, help="năm đánh giá (số quyết định đánh lại từ đầu mỗi năm; mặc định năm mới nhất)")
    c.add_argument("--out", required=True, metavar="TỆP.pdf", help="tệp PDF sẽ ghi")
    c.add_argument("--paper", choices=["A4", "A5"], help="khổ giấy (mặc định theo mẫu đã lưu)")
    c.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    c.add_argument("--format", choices=["text", "json"], default="text", help="cách báo kết quả")
    return p


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    return run_certificates(args) if args.command == "certificates" else run_decisions(args)


def run_certificates(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.documents.xlsx import check_target
    from khuyenhoc_desktop.services import title_documents as docs

    out = check_target(Path(args.out), overwrite=args.force, suffix=".pdf")
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        decision = docs.find_decision(session, args.decision, args.year)
        template = docs.load_template(session)
        if args.paper:
            template.paper = args.paper
        pages = docs.print_certificates(session, decision.id, out, template)
        number, year = decision.number, decision.year
    if args.format == "json":
        _out(json.dumps({"decision": number, "year": year, "pages": pages, "out": str(out)}, ensure_ascii=False))
    else:
        _out(f"Đã in {pages} giấy công nhận của quyết định {number} (năm {year}) vào {out}.")
    return EXIT_OK


def run_decisions(args) -> int:
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
