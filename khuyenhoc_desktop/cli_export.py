"""`khuyenhoc export KIND --out FILE.xlsx`: a list page, with its search and filters, as a workbook.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    from khuyenhoc_desktop.cli import add_list_arguments

    p = sub.add_parser(
        "export",
        help="xuất một danh sách ra tệp Excel (như trang danh sách, theo tìm kiếm và bộ lọc)",
        description="Xuất danh sách ra tệp Excel: cùng các dòng, thứ tự và bộ lọc như trang danh sách. "
        "Số CCCD, số điện thoại được che bớt, trừ khi có --full-personal-data.",
    )
    add_list_arguments(p)
    p.add_argument("--out", required=True, metavar="TỆP.xlsx", help="tệp Excel sẽ ghi")
    p.add_argument("--full-personal-data", "--full-ids", dest="full_ids", action="store_true",
                   help="ghi đủ số CCCD, số điện thoại (mặc định che bớt: 0010******56, 091****678)")
    p.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    p.add_argument("--format", choices=["text", "json"], default="text", help="cách báo kết quả")
    return p


def run(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, list_query, open_db
    from khuyenhoc_desktop.domain.money import format_count
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services.exporting import export_list

    out = Path(args.out)
    if out.exists() and not out.is_dir() and not args.force:
        raise UserError(f"Tệp {out} đã có; thêm --force để ghi đè.")
    with open_db(args.db) as db:
        with db.read() as session:
            query = list_query(session, args)
        progress = _progress if sys.stderr.isatty() and args.format == "text" else None
        result = export_list(db, query, out, full_ids=args.full_ids, overwrite=args.force, progress=progress)
        if progress:
            sys.stderr.write("\r\033[K")
    if args.format == "json":
        sys.stdout.write(json.dumps({"path": str(result.path), "rows": result.rows, "kind": args.kind},
                                    ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(f"Đã xuất {format_count(result.rows)} dòng vào {result.path}\n")
    return EXIT_OK


def _progress(done: int, total: int, text: str) -> None:
    sys.stderr.write(f"\r\033[K{text}")
    sys.stderr.flush()
