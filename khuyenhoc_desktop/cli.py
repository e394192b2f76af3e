"""The `khuyenhoc` command: no argument opens the window; subcommands run the same services headless.

Exit codes: 0 done, 2 bad arguments or unusable file (one Vietnamese line on stderr),
3 unexpected failure (details in the log file).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

from khuyenhoc_desktop import APP_NAME, __version__
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.logs import log, setup_logging

EXIT_OK, EXIT_USAGE, EXIT_INTERNAL = 0, 2, 3

_ARGPARSE_MESSAGES = [
    (r"unrecognized arguments: (.*)", "Không hiểu tham số: {0}"),
    (r"argument (\S+): invalid choice: '?([^'\s]*)'? \(choose from (.*)\)", "Giá trị '{1}' không hợp lệ cho {0}; chọn một trong: {2}"),
    (r"argument (\S+): invalid int value: '?([^']*)'?", "{0} cần một số nguyên, không phải '{1}'"),
    (r"argument (\S+): expected one argument", "{0} cần một giá trị đi kèm"),
    (r"the following arguments are required: (.*)", "Thiếu tham số bắt buộc: {0}"),
    (r"ambiguous option: (\S+?)(?:=\S*)? could match (.*)", "Tham số {0} chưa rõ là tham số nào: {1}"),
    (r"argument (\S+): ignored explicit argument '?([^']*)'?", "{0} không nhận giá trị đi kèm ('{1}')"),
    (r"invalid choice: '?([^'\s]*)'?", "Lệnh '{0}' không có"),
]


class VietnameseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse API
        for pattern, template in _ARGPARSE_MESSAGES:
            match = re.search(pattern, message)
            if match:
                message = template.format(*match.groups()).replace("'", "")
                break
        raise UserError(f"{message}. Xem: khuyenhoc --help")


def _add_db(parser: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    parser.add_argument("--db", metavar="TỆP", default=default, help="tệp dữ liệu (SQLite)")


def _add_user(parser: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    parser.add_argument("--user", metavar="TÊN", default=default,
                        help=f"đăng nhập (tệp có mật khẩu) với mật khẩu trong biến môi trường {PASSWORD_ENV}")


PASSWORD_ENV = "KHUYENHOC_PASSWORD"
# Who signs in to the data files this run opens (`--user`), set by `main`.
_signed_user: str | None = None


# Sub-command modules, each with `add_parser(sub)` and `run(args)`; imported when the parser is
# built (their own module level is standard library only, so startup stays quick).
COMMAND_MODULES = ("cli_import", "cli_export", "cli_forms", "cli_titles", "cli_fund", "cli_sign", "cli_reports",
                   "cli_consolidate", "cli_backup", "cli_bench", "cli_users", "cli_audit")


def _command_modules():
    import importlib

    return [importlib.import_module(f"khuyenhoc_desktop.{name}") for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseArgumentParser(
        prog="khuyenhoc",
        description=f"{APP_NAME}: quản lý công tác khuyến học cấp xã. Không có tham số: mở cửa sổ chương trình.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _add_db(parser, default=None)
    _add_user(parser, default=None)
    parser.add_argument("--demo", action="store_true", help="mở xã mẫu (tệp riêng, tạo khi cần)")
    parser.add_argument("--self-test", action="store_true",
                        help="tự kiểm tra chương trình trên bản sao tạm (xã mẫu, hoặc bản sao của --db): mở cửa sổ ẩn, "
                             "in giấy, lập và ký số báo cáo, kiểm tra chữ ký, xuất Excel; mã thoát 0 khi đạt")
    sub = parser.add_subparsers(dest="command", parser_class=VietnameseArgumentParser)

    p = sub.add_parser("list", help="in một danh sách như trang danh sách")
    add_list_arguments(p)
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")

    p = sub.add_parser("stats", help="hồ sơ xã và số lượng mọi danh sách")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _add_db(p)

    p = sub.add_parser("demo", help="tạo một xã mẫu (dữ liệu giả lập, cố định theo --seed)")
    p.add_argument("--households", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--commune", type=int, metavar="MÃ", help="mã xã, phường theo danh mục 2025 (mặc định chọn theo --seed)")
    _add_db(p)

    for module in _command_modules():
        known = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - known:
            sub.choices[name].set_defaults(handler=module.run)
    _add_user_wherever_db(sub)
    return parser


def _add_user_wherever_db(sub) -> None:
    """`--user` next to every `--db`, at every level (`khuyenhoc fund receipt --db … --user …`)."""
    for command in sub.choices.values():
        if "--db" in command._option_string_actions and "--user" not in command._option_string_actions:
            _add_user(command)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_user_wherever_db(action)


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    """KIND and the filters of a list page, shared by `list` and `export`."""
    from khuyenhoc_desktop.services.lists import KINDS

    parser.add_argument("kind", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("--search", default="", help="tìm như ô Tìm kiếm (không cần dấu)")
    parser.add_argument("--hamlet", help="chỉ thôn, tổ dân phố này (tên)")
    parser.add_argument("--status", help="lọc theo loại/trạng thái (mã)")
    parser.add_argument("--sort", help="sắp xếp theo cột (mã cột)")
    parser.add_argument("--desc", action="store_true", help="sắp xếp giảm dần")
    _add_db(parser)


def list_query(session, args):
    """The ListQuery that `add_list_arguments` describes, checked, with Vietnamese errors."""
    from khuyenhoc_desktop.services.lists import ListQuery, find_hamlet, kind

    spec = kind(args.kind)
    if args.hamlet and spec.hamlet_column is None:
        raise UserError(f"Danh sách {spec.title} không lọc được theo thôn, tổ dân phố; bỏ --hamlet.")
    hamlet_id = find_hamlet(session, args.hamlet) if args.hamlet else None
    if args.status and args.status not in spec.statuses:
        raise UserError(
            f"Trạng thái '{args.status}' không có; chọn một trong: {', '.join(spec.statuses) or '(không có)'}."
        )
    if args.sort:
        spec.column(args.sort)
    return ListQuery(args.kind, args.search, hamlet_id, args.status, args.sort, args.desc)


def open_db(path: str | None, *, must_exist: bool = True):
    """Commands that only read refuse a missing file instead of creating an empty one."""
    from khuyenhoc_desktop.paths import default_db_path
    from khuyenhoc_desktop.storage.database import Database

    target = Path(path) if path else default_db_path()
    if must_exist and not target.exists():
        raise UserError(f"Không có tệp dữ liệu {target}.")
    db = Database(target)
    try:
        sign_in(db, _signed_user)
    except BaseException:
        db.close()
        raise
    return db


def sign_in(db, user: str | None) -> None:
    """On a protected file: `user` signs in (password from KHUYENHOC_PASSWORD, else asked on a
    terminal); without `user` the file is only read, with CCCD and phone numbers masked."""
    from khuyenhoc_desktop.services import users

    if not users.open_as_guest(db) or user is None:
        return
    password = os.environ.get(PASSWORD_ENV)
    if password is None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Mật khẩu của {user}: ")
    if not password:
        raise UserError(f"Thiếu mật khẩu của {user}: đặt biến môi trường {PASSWORD_ENV}, "
                        "hoặc chạy lệnh trong cửa sổ dòng lệnh để được hỏi.")
    users.sign_in(db, user, password)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_list(args) -> int:
    from khuyenhoc_desktop.services.lists import as_table, kind

    with open_db(args.db) as db, db.read() as session:
        columns, rows = as_table(session, list_query(session, args))
    if args.format == "json":
        _print(json.dumps(rows, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.header for c in columns])
        writer.writerows([[row[c.key] for c in columns] for row in rows])
    else:
        widths = [max([len(c.header)] + [len(c.text(r[c.key])) for r in rows[:200]]) for c in columns]
        _print("  ".join(c.header.ljust(w) for c, w in zip(columns, widths)))
        for row in rows:
            _print("  ".join(c.text(row[c.key]).ljust(w) for c, w in zip(columns, widths)))
        _print(f"({len(rows)} {kind(args.kind).noun})")
    return EXIT_OK


def cmd_stats(args) -> int:
    from khuyenhoc_desktop.services.stats import commune_stats

    with open_db(args.db) as db, db.read() as session:
        stats = commune_stats(session)
    if args.format == "json":
        _print(json.dumps(stats, ensure_ascii=False, indent=1))
    else:
        profile = stats["profile"]
        _print(profile["association_name"] if profile else "Chưa thiết lập hồ sơ xã.")
        for key, value in stats["counts"].items():
            _print(f"{key}: {value}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from khuyenhoc_desktop.services.demo import build_demo

    if args.households < 1 or args.households > 200_000:
        raise UserError("Số hộ phải từ 1 đến 200.000.")
    if args.commune is not None:
        from khuyenhoc_desktop.domain.admin_units import find_commune

        if find_commune(args.commune) is None:
            raise UserError(f"Không có xã, phường mã {args.commune} trong danh mục năm 2025.")
    with open_db(args.db, must_exist=False) as db:
        summary = build_demo(db, households=args.households, seed=args.seed, commune_code=args.commune)
    _print(
        f"Đã tạo xã mẫu {summary['commune']} ({summary['province']}): {summary['households']} hộ, "
        f"{summary['persons']} nhân khẩu, "
        f"{summary['members']} hội viên."
    )
    return EXIT_OK


def _run_gui(args) -> int:
    from khuyenhoc_desktop.ui.app import run

    return run(db_path=args.db, demo=args.demo, self_test_mode=args.self_test)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    setup_logging()
    try:
        args = build_parser().parse_args(argv)
        global _signed_user
        _signed_user = getattr(args, "user", None)
        handlers = {"list": cmd_list, "stats": cmd_stats, "demo": cmd_demo}
        handler = getattr(args, "handler", None) or handlers.get(args.command)
        return handler(args) if handler else _run_gui(args)
    except UserError as exc:
        sys.stderr.write(f"Lỗi: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # `khuyenhoc list … | head`: the reader has what it wanted.
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("Đã dừng theo yêu cầu.\n")
        return EXIT_USAGE
    except Exception:
        log.exception("unexpected failure in %s", argv if argv is not None else sys.argv)
        from khuyenhoc_desktop.paths import log_path

        sys.stderr.write(
            f"Lỗi ngoài dự kiến; chi tiết đã ghi vào {log_path()}. Dữ liệu đã lưu không bị ảnh hưởng.\n"
        )
        return EXIT_INTERNAL
