"""`khuyenhoc consolidate FILES... --out FILE.xlsx`: the upper level's clerk adds up the communes'
report workbooks (each with its FILE.xlsx.p7s) into one consolidated annex.

Exit 0 when every file was summed, each with a trusted signature, and no commune of the province
is missing; 1 when something was flagged (the workbook is still written; a file summed only
because of --include-unsigned/--include-untrusted is flagged too); 2 for unusable input (one
Vietnamese line).
Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FLAGGED = 0, 1


def add_parser(sub) -> None:
    p = sub.add_parser(
        "consolidate", help="tổng hợp báo cáo của nhiều xã, phường (tệp .xlsx có chữ ký .p7s) thành một phụ lục",
        description="Kiểm tra chữ ký số và số liệu của từng tệp báo cáo xã, phường (TỆP.xlsx và TỆP.xlsx.p7s), "
                    "báo tệp không ký, bị sửa, trùng, sai kỳ, khác tỉnh và các xã chưa nộp, rồi ghi bảng tổng hợp: "
                    "mỗi xã một dòng và dòng tổng, tỉ lệ tính lại từ tổng tử số và mẫu số. Mã thoát 0 khi mọi tệp "
                    "có chữ ký tin cậy, đều được cộng và không thiếu xã nào; 1 khi có điều cần xem (vẫn ghi tệp); "
                    "2 khi không dùng được.")
    p.add_argument("files", nargs="+", metavar="TỆP",
                   help="tệp báo cáo .xlsx (chữ ký TỆP.xlsx.p7s đặt cạnh), hoặc thư mục chứa các tệp đó")
    p.add_argument("--out", required=True, metavar="TỆP.xlsx", help="tệp tổng hợp sẽ ghi")
    p.add_argument("--province", type=int, metavar="MÃ",
                   help="mã tỉnh, thành phố theo danh mục 2025 (mặc định: tỉnh của phần lớn các tệp)")
    p.add_argument("--kind", choices=["half-year", "annual"],
                   help="half-year: sơ kết 6 tháng; annual: tổng kết năm (mặc định: kỳ của phần lớn các tệp)")
    p.add_argument("--year", type=int, help="năm báo cáo (mặc định: năm của phần lớn các tệp)")
    p.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                   help="thêm một chứng thư gốc tin cậy cho lần này (ngoài các chứng thư gốc đã nhập)")
    p.add_argument("--include-unsigned", action="store_true", help="vẫn cộng các tệp không có chữ ký số")
    p.add_argument("--include-untrusted", action="store_true",
                   help="vẫn cộng các tệp có chữ ký đúng nhưng chứng thư gốc chưa được tin cậy")
    p.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    p.add_argument("--format", choices=["text", "json"], default="text")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _report_files(names: list[str]) -> list[Path]:
    """The files given, a folder standing for its .xlsx files; a .p7s given beside its file
    (as `*` gives it) goes with that file, not as a report of its own."""
    files: list[Path] = []
    for name in names:
        path = Path(name)
        files += sorted(path.glob("*.xlsx")) if path.is_dir() else [path]
    given = set(files)
    return [f for f in files if not (f.suffix.lower() == ".p7s" and f.with_suffix("") in given)]


def run(args) -> int:
    from khuyenhoc_desktop.documents import xlsx
    from khuyenhoc_desktop.documents.consolidation_xlsx import write_consolidation_xlsx
    from khuyenhoc_desktop.domain.admin_units import in_sentence
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import consolidation
    from khuyenhoc_desktop.signing import trust

    out = xlsx.check_target(Path(args.out), overwrite=args.force)  # refused before the long checks
    files = _report_files(args.files)
    if out.resolve() in {f.resolve() for f in files if f.exists()}:
        raise UserError(f"Tệp tổng hợp {out.name} trùng với một tệp báo cáo; chọn tên khác.")
    result = consolidation.consolidate(
        files, trust_roots=trust.trusted_root_paths() + [Path(p) for p in args.trust], province_code=args.province,
        kind=args.kind.replace("-", "_") if args.kind else None, year=args.year,
        include_unsigned=args.include_unsigned, include_untrusted=args.include_untrusted)
    if all(f.report is None for f in result.files):
        raise UserError("Không tệp nào là báo cáo xuất từ chương trình (thiếu trang dữ liệu may_doc); "
                        "không có gì để tổng hợp.")
    write_consolidation_xlsx(result, out, overwrite=args.force)
    code = EXIT_FLAGGED if result.flagged else EXIT_OK
    if args.format == "json":
        _out(json.dumps(_answer(result, out, code), ensure_ascii=False, indent=1))
        return code
    where = f" — {in_sentence(result.province.name)}" if result.province else ""
    _out(f"Tổng hợp báo cáo {result.period_label or '(không rõ kỳ)'}{where}")
    _out(f"Đã nhận {len(result.files)} tệp; cộng {len(result.accepted)} xã, phường.")
    if result.problems:
        _out(f"Cần xem ({len(result.problems)}):")
        for line in result.problems:
            _out(f"- {line}")
    if result.province is None:
        _out("Không xác định được tỉnh nên chưa đối chiếu được các xã chưa nộp; dùng --province MÃ.")
    else:
        _out(f"Chưa nộp: {len(result.missing)} trong {len(result.missing) + len(result.accepted)} xã, phường "
             "(xem trang \"Chưa nộp\").")
    _out(f"Đã ghi {out}.")
    return code


def _answer(result, out: Path, code: int) -> dict:
    return {
        "exit_code": code, "out": str(out),
        "province": {"code": result.province.code, "name": result.province.name} if result.province else None,
        "kind": result.kind, "year": result.year, "received": len(result.files), "summed": len(result.accepted),
        "files": [{"file": str(f.path), "commune_code": f.report.commune_code if f.report else None,
                   "commune_name": f.report.commune_name if f.report else None, "status": f.status,
                   "summed": f.summed, "message": f.message,
                   "signer": f.verdict.signer if f.verdict else None} for f in result.files],
        "missing": [{"code": u.code, "name": u.name} for u in result.missing],
        "notes": result.notes, "totals": result.totals,
    }
