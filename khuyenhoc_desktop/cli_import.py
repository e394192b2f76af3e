"""`khuyenhoc import KIND FILE.xlsx`: import a list from Excel without the window.

On a file it never saw it guesses the sheet, the header row and the columns; `--mapping` applies
a mapping saved before (`--save-mapping`). Exit codes: 0 imported (or a clean dry run),
1 rows were rejected (nothing written unless --skip-invalid, then the valid rows were),
2 unusable file or arguments (one Vietnamese line on stderr, raised as UserError to cli.main).
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_REJECTED = 0, 1


def add_parser(sub) -> argparse.ArgumentParser:
    from khuyenhoc_desktop.cli import _add_db
    from khuyenhoc_desktop.services.import_read import IMPORT_KINDS

    p = sub.add_parser(
        "import",
        help="nhập một danh sách từ tệp Excel (.xlsx, .xls)",
        description="Nhập hộ gia đình, nhân khẩu, hội viên, cơ quan đơn vị, dòng họ hoặc kết quả công dân học tập "
        "từ Excel. "
        "Tự tìm trang tính, dòng tiêu đề và các cột; kiểm tra như khi nhập tay; "
        "lưu tất cả trong một lần (lỗi một dòng thì không lưu gì, trừ khi --skip-invalid).",
    )
    p.add_argument("kind", choices=list(IMPORT_KINDS), metavar="KIND", help=", ".join(IMPORT_KINDS))
    p.add_argument("file", metavar="FILE.xlsx", help="tệp Excel cần nhập (.xlsx, .xlsm hoặc .xls)")
    _add_db(p)
    p.add_argument("--sheet", metavar="TÊN", help="trang tính cần nhập (mặc định: trang có bảng khớp nhất)")
    p.add_argument("--mapping", metavar="MAP.json", help="cách ghép cột đã lưu (--save-mapping)")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không lưu gì")
    p.add_argument("--skip-invalid", action="store_true", help="bỏ qua dòng lỗi, vẫn lưu các dòng đúng")
    p.add_argument("--create-missing", action="store_true",
                   help="tạo thôn, dòng họ, chi hội (theo thôn) chưa có trong danh sách")
    p.add_argument("--duplicates", choices=["skip", "add", "merge"], default="skip",
                   help="khi trùng người/bản ghi đã có: skip bỏ qua (mặc định), add vẫn thêm, merge gộp")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--rejected", metavar="OUT.xlsx", help="ghi các dòng bị từ chối kèm lý do ra tệp này")
    p.add_argument("--save-mapping", metavar="MAP.json", help="lưu cách ghép cột đã dùng để dùng lại")
    return p


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.cli import open_db
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import importing as im

    source = Path(args.file)
    if not source.exists():
        raise UserError(f"Không có tệp {source}.")
    if args.mapping:
        saved = im.load_mapping(args.mapping, args.kind)
        layout = im.guess_layout(source, args.kind, args.sheet, saved=saved)
    else:
        layout = im.guess_layout(source, args.kind, args.sheet)
    im.check_layout(layout, args.kind)
    options = im.ImportOptions(skip_invalid=args.skip_invalid, create_missing=args.create_missing,
                               duplicates=args.duplicates)
    with open_db(args.db, must_exist=args.dry_run) as db:  # a dry run creates no data file either
        result = im.run_import(db, source, args.kind, layout, options, dry_run=args.dry_run)
    rejected_file = None
    if args.rejected and result.rejected:
        count = im.write_rejected(result.rejected, source, layout, args.rejected)
        rejected_file = (args.rejected, count)
    if args.save_mapping:
        im.save_mapping(layout, args.kind, args.save_mapping)
    if args.format == "json":
        _out(json.dumps(_json(args, source, layout, result), ensure_ascii=False, indent=1))
    else:
        _out(_text(args, source, layout, result, rejected_file))
    return EXIT_REJECTED if result.rejected else EXIT_OK


def _mapping(layout) -> dict:
    from khuyenhoc_desktop.services.import_read import column_letter

    return {
        key: {"column": col, "letter": column_letter(col), "header": layout.headers.get(col, "")}
        for key, col in sorted(layout.mapping.items(), key=lambda kv: kv[1])
    }


def _json(args, source, layout, result) -> dict:
    from khuyenhoc_desktop.services.import_read import column_letter

    return {
        "kind": args.kind,
        "file": str(source),
        "sheet": layout.sheet,
        "header_row": layout.header_row,
        "mapping": _mapping(layout),
        "encodings": {column_letter(c): e for c, e in sorted(layout.encodings.items())},
        "rows": result.rows,
        "added": result.added,
        "merged": result.merged,
        "skipped": result.skipped,
        "rejected": [{"row": i.row, "field": i.field, "message": i.message} for i in result.rejected],
        "duplicates": [{"row": d.row, "name": d.name, "reason": d.reason, "action": d.action}
                       for d in result.duplicates],
        "missing_hamlets": result.missing_hamlets,
        "missing_clans": result.missing_clans,
        "notes": result.notes,
        "dry_run": result.dry_run,
    }


def _n(value: int) -> str:
    from khuyenhoc_desktop.domain.money import format_count

    return format_count(value)


_NOUNS = {"households": "hộ", "persons": "nhân khẩu", "members": "hội viên", "organisations": "đơn vị",
          "clans": "dòng họ", "citizen_results": "kết quả"}
_ACTIONS = {"skip": "bỏ qua", "merge": "gộp", "add": "thêm mới"}


def _text(args, source, layout, result, rejected_file) -> str:
    from khuyenhoc_desktop.domain.legacy import ENCODINGS
    from khuyenhoc_desktop.services.import_read import column_letter, fields_for

    noun = _NOUNS[args.kind]
    labels = {f.key: f.label for f in fields_for(args.kind)}
    lines = [f"Tệp {source.name}, trang '{layout.sheet}', tiêu đề ở dòng {layout.header_row}"
             + (f"–{layout.header_row + 1}" if layout.header_rows == 2 else "") + "."]
    lines.append("Các cột đã ghép:")
    for key, col in sorted(layout.mapping.items(), key=lambda kv: kv[1]):
        header = layout.headers.get(col, "")
        enc = layout.encodings.get(col)
        lines.append(f"  {column_letter(col)} '{header}' → {labels.get(key, key)}"
                     + (f" (chuyển từ bảng mã {ENCODINGS.get(enc, enc)})" if enc else ""))
    if result.default_hamlet:
        lines.append(f"Thôn của mọi hộ (lấy từ tiêu đề): {result.default_hamlet}.")
    lines.append(f"Đã đọc {_n(result.rows)} dòng dữ liệu.")
    lines.extend(result.notes)
    extra = (f" ({_n(result.persons_added)} nhân khẩu)" if args.kind == "households" and result.added else "")
    counts = (f"{_n(result.added)} {noun}{extra}, gộp {_n(result.merged)}, bỏ qua {_n(result.skipped)} trùng; "
              f"{_n(len(result.rejected_rows))} dòng bị từ chối.")
    if result.written:
        lines.append(f"Đã thêm {counts}")
    elif result.dry_run and (result.added or not result.rejected):
        lines.append(f"Chạy thử, chưa lưu gì: sẽ thêm {counts}")
    else:
        lines.append(f"Chưa lưu gì vì có dòng lỗi ({_n(len(result.rejected_rows))} dòng). Các dòng đúng có "
                     f"{_n(result.would_add)} {noun} mới, {_n(result.would_merge)} gộp, "
                     f"{_n(result.would_skip)} bỏ qua trùng.")
    for name in result.created_hamlets:
        lines.append(f"Đã tạo thôn mới: {name}.")
    for name in result.created_clans:
        lines.append(f"Đã tạo dòng họ mới: {name}.")
    for name in result.created_branches:
        lines.append(f"Đã tạo chi hội mới: {name}.")
    if result.missing_hamlets:
        lines.append("Thôn, tổ dân phố chưa có: " + ", ".join(result.missing_hamlets)
                     + " (thêm thôn, hoặc chạy lại với --create-missing).")
    if result.missing_clans:
        lines.append("Dòng họ chưa có: " + ", ".join(result.missing_clans) + " (hoặc chạy lại với --create-missing).")
    if result.missing_branches:
        lines.append("Chi hội chưa có: " + ", ".join(result.missing_branches) + ".")
    if result.rejected:
        lines.append("Dòng bị từ chối:")
        for issue in result.rejected:
            lines.append(f"  Dòng {issue.row}: {issue.message}")
        if not result.written and not result.dry_run:
            lines.append("Sửa các dòng trên rồi nhập lại, hoặc dùng --skip-invalid để chỉ lưu các dòng đúng.")
    if rejected_file:
        lines.append(f"Đã ghi {_n(rejected_file[1])} dòng bị từ chối kèm lý do vào {rejected_file[0]}.")
    if result.duplicates:
        lines.append("Có thể trùng:")
        for d in result.duplicates:
            lines.append(f"  Dòng {d.row}: {d.name}: {d.reason} → {_ACTIONS.get(d.action, d.action)}")
    if result.warnings:
        lines.append("Lưu ý:")
        for w in result.warnings:
            lines.append(f"  Dòng {w.row}: {w.message}")
    return "\n".join(lines)
