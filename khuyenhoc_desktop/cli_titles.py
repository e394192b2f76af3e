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

    papers = sub.add_parser(
        "papers",
        help="in giấy tờ danh hiệu ra PDF: quyết định, biên bản, danh sách đăng ký, phiếu đánh giá",
        description="Giấy tờ của danh hiệu học tập theo thể thức Nghị định 30/2020/NĐ-CP, ra tệp PDF.",
    )
    kinds = papers.add_subparsers(dest="paper", metavar="LOẠI", parser_class=type(papers))
    kinds.required = True
    k = kinds.add_parser("decision", help="quyết định công nhận và danh sách kèm theo")
    k.add_argument("--decision", required=True, metavar="SỐ", help="số quyết định, ví dụ 01/QĐ-HKH")
    k.add_argument("--year", type=int, help="năm đánh giá (mặc định năm mới nhất có số này)")
    k = kinds.add_parser("minutes", help="biên bản họp bình xét (cuộc họp gần nhất của danh hiệu và năm)")
    k = kinds.add_parser("registrations", help="danh sách đăng ký danh hiệu")
    k = kinds.add_parser("sheets", help="phiếu đánh giá từng đối tượng đã đăng ký (đã chấm hoặc để trống)")
    k.add_argument("--blank", action="store_true", help="phiếu trống để chấm tay")
    k.add_argument("--form", metavar="FORM_ID", help="bộ tiêu chí cho phiếu trống (mặc định bộ đầy đủ đầu tiên)")
    for name, k in kinds.choices.items():
        k.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
        if name != "decision":
            k.add_argument("--year", type=int, required=True, help="năm đánh giá")
            k.add_argument("--title", required=True, metavar="DANH_HIỆU",
                           help="GĐHT, DHHT, \"CĐHT thôn\", ĐVHT, \"CĐHT cấp xã\", CDHT (gõ không dấu cũng được: gdht)")
        if name in ("registrations", "sheets"):
            k.add_argument("--hamlet", help="chỉ thôn, tổ dân phố này (tên)")
        k.add_argument("--out", required=True, metavar="TỆP.pdf", help="tệp PDF sẽ ghi")
        k.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
        k.add_argument("--format", choices=["text", "json"], default="text", help="cách báo kết quả")
    return p


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    handler = {"certificates": run_certificates, "papers": run_papers}.get(args.command, run_decisions)
    return handler(args)


def title_code(value: str) -> str:
    """A title code as typed, with or without diacritics ("gdht", "cdht thon")."""
    from khuyenhoc_desktop.domain.text import fold
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services.titles import TITLE_ENTITY

    wanted = fold(value).replace("-", " ").split()
    for code in TITLE_ENTITY:
        if fold(code).split() == wanted:
            return code
    raise UserError(f"Danh hiệu '{value}' không có; chọn một trong: {', '.join(TITLE_ENTITY)}.")


def run_papers(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK, open_db
    from khuyenhoc_desktop.documents.xlsx import check_target
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import reviews, titles
    from khuyenhoc_desktop.services import title_documents as docs
    from khuyenhoc_desktop.services.lists import find_hamlet

    out = check_target(Path(args.out), overwrite=args.force, suffix=".pdf")
    code = title_code(args.title) if args.paper != "decision" else None
    with open_db(getattr(args, "db", None)) as db, db.read() as session:
        hamlet_id = find_hamlet(session, args.hamlet) if getattr(args, "hamlet", None) else None
        if args.paper == "decision":
            decision = docs.find_decision(session, args.decision, args.year)
            pages = docs.print_decision(session, decision.id, out)
            what = f"quyết định {decision.number} (năm {decision.year})"
        elif args.paper == "minutes":
            held = reviews.meetings(session, args.year, code)
            if not held:
                raise UserError(f"Chưa có biên bản họp bình xét {code} năm {args.year}.")
            pages = docs.print_minutes(session, held[-1].id, out)
            what = f"biên bản họp bình xét {code} năm {args.year}"
        elif args.paper == "registrations":
            pages = docs.print_registration_list(session, args.year, code, out, hamlet_id)
            what = f"danh sách đăng ký {code} năm {args.year}"
        else:
            ids = titles.registration_ids(session, titles.RegistrationQuery(args.year, code, hamlet_id=hamlet_id))
            pages = docs.print_score_sheets(session, ids, out, blank=args.blank, form_id=args.form)
            what = f"{len(ids)} phiếu đánh giá {code} năm {args.year}"
    if args.format == "json":
        _out(json.dumps({"paper": args.paper, "pages": pages, "out": str(out)}, ensure_ascii=False))
    else:
        _out(f"Đã in {what} ({pages} trang) vào {out}.")
    return EXIT_OK


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
