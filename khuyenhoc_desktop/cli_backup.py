"""`khuyenhoc backup`, `khuyenhoc restore` and `khuyenhoc check`: a checked copy of the data file
(or a `.khbak` bundle for another computer), putting one back (the replaced file is kept first),
and the integrity check the window runs at open.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_DAMAGED = 1


def add_parser(sub) -> None:
    p = sub.add_parser("backup", help="sao lưu tệp dữ liệu (bản sao đã kiểm tra, hoặc tệp .khbak để chuyển máy)",
                       description="Sao lưu tệp dữ liệu bằng cơ chế sao lưu của SQLite, kiểm tra bản sao rồi mới ghi. "
                                   "Không có --out: ghi vào thư mục sao lưu của chương trình và xoay vòng "
                                   "(giữ 10 bản mới nhất và bản mới nhất của mỗi tháng trong 12 tháng). "
                                   "--out TỆP.khbak: đóng gói một tệp để chuyển sang máy khác.")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--out", metavar="TỆP", help="nơi ghi bản sao lưu (đuôi .khbak: gói chuyển máy; "
                                                "mặc định thư mục sao-luu của chương trình)")
    p.add_argument("--list", action="store_true", help="chỉ liệt kê các bản sao lưu đã có (mới nhất trước)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("restore", help="khôi phục tệp dữ liệu từ một bản sao lưu (.sqlite hoặc .khbak)",
                       description="Kiểm tra bản sao lưu (với .khbak: cả mã SHA-256), nâng cấp nếu là bản cũ, "
                                   "sao lưu tệp hiện tại rồi mới thay.")
    p.add_argument("file", metavar="TỆP_SAO_LƯU")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu sẽ được thay")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("check", help="kiểm tra tệp dữ liệu có bị hỏng không",
                       description="Kiểm tra tệp dữ liệu như khi mở cửa sổ (PRAGMA quick_check; --full: kiểm tra "
                                   "đầy đủ). Tệp hỏng: mã thoát 1 và bản sao lưu tốt mới nhất để khôi phục.")
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--full", action="store_true", help="kiểm tra đầy đủ (PRAGMA integrity_check), chậm hơn")
    p.add_argument("--format", choices=["text", "json"], default="text")


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import EXIT_OK
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.paths import default_db_path
    from khuyenhoc_desktop.services import backups

    db_path = Path(getattr(args, "db", None) or default_db_path())
    code = EXIT_OK
    if args.command == "backup" and args.list:
        found = backups.list_backups(db_path)
        answer = {"folder": str(backups.folder_for(db_path)),
                  "backups": [{"file": str(b.path), "made": backups.local_time(b.made), "size": b.size} for b in found]}
        text = "\n".join([f"Các bản sao lưu của {db_path.name} trong {answer['folder']}:"]
                         + [f"  {backups.local_time(b.made)}  {backups.format_size(b.size):>9}  {b.path.name}"
                            for b in found]
                         + ([] if found else ["  (chưa có bản nào)"]))
    elif args.command == "backup":
        if args.out:
            made = backups.backup(db_path, args.out)
            removed = []
        else:
            made = backups.backup(db_path)
            removed = backups.prune(db_path)
        answer = {"backup": str(made), "removed": [str(p) for p in removed]}
        if made.suffix.lower() == backups.BUNDLE_SUFFIX:
            text = (f"Đã đóng gói {db_path.name} vào {made}. Trên máy kia: khuyenhoc restore {made.name} --db TỆP, "
                    "hoặc Tệp → Khôi phục từ bản sao lưu… → Chọn tệp khác.")
        else:
            text = f"Đã sao lưu {db_path.name} vào {made}."
        if removed:
            text += f" Đã xóa {len(removed)} bản sao lưu cũ theo vòng xoay."
    elif args.command == "restore":
        saved = backups.restore(args.file, db_path)
        answer = {"restored": str(db_path), "previous_saved_as": str(saved) if saved else None}
        text = f"Đã khôi phục {db_path} từ {args.file}." + (f" Tệp cũ đã được sao lưu vào {saved}." if saved else "")
    else:
        if not db_path.is_file():
            raise UserError(f"Không có tệp dữ liệu {db_path}.")
        if db_path.stat().st_size and not backups.is_sqlite(db_path):
            raise UserError(f"Tệp {db_path.name} không phải dữ liệu của chương trình.")
        problem = backups.full_check(db_path) if args.full else backups.quick_check(db_path)
        good = backups.newest_good_backup(db_path) if problem else None
        answer = {"file": str(db_path), "ok": problem is None, "problem": problem,
                  "newest_good_backup": str(good.path) if good else None}
        if problem is None:
            text = f"Tệp {db_path.name}: không phát hiện lỗi."
        else:
            code = EXIT_DAMAGED
            text = backups.damaged_message(db_path) + f"\nChi tiết: {problem}\n" + (
                f"Bản sao lưu tốt mới nhất: {good.path} ({backups.local_time(good.made)}). "
                f"Khôi phục: khuyenhoc restore \"{good.path}\" --db \"{db_path}\""
                if good else "Không có bản sao lưu nào dùng được trong thư mục sao lưu của chương trình.")
    sys.stdout.write((json.dumps(answer, ensure_ascii=False) if args.format == "json" else text) + "\n")
    return code
