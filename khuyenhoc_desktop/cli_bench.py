"""`khuyenhoc bench`: measure what the officer waits for on a commune of a given size, beside the
same work done the plain way; a table on the screen and the same in JSON.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench", help="đo tốc độ trên một xã mẫu lớn, so với cách làm trần (bảng + JSON)",
        description="Tạo một xã mẫu trong thư mục tạm rồi đo từng bước (mỗi bước một tiến trình riêng): "
                    "khởi động cửa sổ, mở và tìm trong danh sách, nhập, xuất Excel, báo cáo năm, in giấy công "
                    "nhận, ký số; bên cạnh là cùng việc đó làm theo cách trần, tỉ lệ, bộ nhớ đỉnh và mục tiêu.")
    p.add_argument("--households", type=int, metavar="N",
                   help="số hộ của xã mẫu (mặc định 30.000; 600 với --quick)")
    p.add_argument("--quick", action="store_true", help="cỡ nhỏ, dưới một phút (kiểm tra nhanh trong CI)")
    p.add_argument("--out", metavar="TỆP.json", help="ghi kết quả ra tệp JSON")
    p.add_argument("--repeat", type=int, default=1, metavar="K",
                   help="chạy mỗi bước K lần, lấy trung vị (máy đang bận thì kết quả dao động)")
    p.add_argument("--keep", metavar="THƯ_MỤC", help="làm việc trong thư mục này và giữ lại (để xem, để đo lại)")


def run(args) -> int:
    from pathlib import Path

    from khuyenhoc_desktop.bench import runner
    from khuyenhoc_desktop.cli import EXIT_OK
    from khuyenhoc_desktop.errors import UserError

    if getattr(sys, "frozen", False):
        raise UserError("Lệnh bench chạy từng bước bằng Python riêng; hãy chạy nó từ bản cài bằng pip, "
                        "không phải từ bản đóng gói.")
    households = args.households or (runner.QUICK_HOUSEHOLDS if args.quick else runner.FULL_HOUSEHOLDS)
    if not 10 <= households <= 200_000:
        raise UserError("Số hộ phải từ 10 đến 200.000.")
    if not 1 <= args.repeat <= 10:
        raise UserError("--repeat phải từ 1 đến 10.")
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        raise UserError(f"Không có thư mục {out.parent}.")

    def say(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    report = runner.run_bench(households, quick=args.quick, repeat=args.repeat, say=say,
                              keep=Path(args.keep) if args.keep else None)
    sys.stdout.write(runner.format_table(report) + "\n")
    if out is not None:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        sys.stdout.write(f"Đã ghi kết quả vào {out}\n")
    return EXIT_OK
