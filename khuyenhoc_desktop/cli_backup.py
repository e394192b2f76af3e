"""`khuyenhoc backup` and `khuyenhoc restore`: a checked copy of the data file, and putting one
back (the replaced file is kept as a backup first).

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("backup", help="sao lưu tệp dữ liệu (bản sao đã kiểm tra)",
                       description="Sao lưu tệp dữ liệu bằng cơ chế sao lưu của SQLite, kiểm tra bản sao rồi mới ghi.")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--out", metavar="TỆP", help="nơi ghi bản sao lưu (mặc định thư mục sao-luu của chương trình)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("restore", help="khôi phục tệp dữ liệu từ một bản sao lưu",
                       description="Kiểm tra bản sao lưu, nâng cấp nếu là bản cũ, sao lưu tệp hiện tại rồi mới thay.")
    p.add_argument("file", metavar="TỆP_SAO_LƯU")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu sẽ được thay")
    p.add_argument("--format", choices=["text", "json"], default="text")


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK
    from khuyenhoc_desktop.paths import default_db_path
    from khuyenhoc_desktop.services import backups

    db_path = Path(getattr(args, "db", None) or default_db_path())
    if args.command == "backup":
        made = backups.backup(db_path, args.out)
        answer = {"backup": str(made)}
        text = f"Đã sao lưu {db_path.name} vào {made}."
    else:
        saved = backups.restore(args.file, db_path)
        answer = {"restored": str(db_path), "previous_saved_as": str(saved) if saved else None}
        text = f"Đã khôi phục {db_path} từ {args.file}." + (f" Tệp cũ đã được sao lưu vào {saved}." if saved else "")
    sys.stdout.write((json.dumps(answer, ensure_ascii=False) if args.format == "json" else text) + "\n")
    return EXIT_OK
