"""`khuyenhoc users …`: password protection from the command line — turn it on, add users and
give them roles, set passwords, turn it off, and reset the chairman's password with the
recovery key from the recovery sheet.

Passwords never go on the command line (it is kept in the shell history): the signed-in user's
comes from KHUYENHOC_PASSWORD, a new one from KHUYENHOC_NEW_PASSWORD, else they are asked on
the terminal. Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

NEW_PASSWORD_ENV = "KHUYENHOC_NEW_PASSWORD"
ROLE_CODES = ("chairman", "accountant", "treasurer", "secretary", "viewer")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "users", help="người dùng, vai trò và mật khẩu (bảo vệ tệp dữ liệu bằng mật khẩu)",
        description="Bảo vệ tệp dữ liệu bằng mật khẩu: người dùng có tên và vai trò. Mật khẩu của người "
        "đăng nhập (--user) lấy từ biến môi trường KHUYENHOC_PASSWORD, mật khẩu mới từ "
        "KHUYENHOC_NEW_PASSWORD; không có thì hỏi trên cửa sổ dòng lệnh.",
    )
    _common(p)
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help_text, description=help_text)
        _common(a)
        return a

    a = action("list", "liệt kê người dùng và vai trò")
    a.add_argument("--format", choices=["text", "json"], default="text")
    a = action("enable", "bật bảo vệ bằng mật khẩu: --user TÊN là Chủ tịch Hội đầu tiên; in khóa khôi phục")
    a.add_argument("--name", default="", metavar="HỌ_TÊN", help="họ và tên của Chủ tịch Hội")
    a = action("add", "thêm người dùng (Chủ tịch Hội đăng nhập bằng --user)")
    a.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP")
    a.add_argument("--role", required=True, choices=ROLE_CODES, help=", ".join(ROLE_CODES))
    a.add_argument("--name", default="", metavar="HỌ_TÊN")
    a = action("set-role", "đổi vai trò của một người dùng")
    a.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP")
    a.add_argument("role", choices=ROLE_CODES, metavar="VAI_TRÒ", help=", ".join(ROLE_CODES))
    a = action("passwd", "đổi mật khẩu của mình, hoặc (Chủ tịch Hội) đặt lại mật khẩu của người khác")
    a.add_argument("username", nargs="?", metavar="TÊN_ĐĂNG_NHẬP", help="bỏ trống: mật khẩu của chính mình")
    a = action("remove", "xóa một người dùng")
    a.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP")
    action("disable-protection", "tắt bảo vệ bằng mật khẩu (xóa mọi người dùng)")
    a = action("recover", "đặt lại mật khẩu Chủ tịch Hội bằng khóa khôi phục (trên tờ khóa khôi phục)")
    a.add_argument("--key", required=True, metavar="KHÓA", help="khóa khôi phục, ví dụ ABCD-EFGH-…")
    a.add_argument("--chairman", metavar="TÊN_ĐĂNG_NHẬP", help="khi có nhiều Chủ tịch Hội")
    a.add_argument("--sheet-dir", metavar="THƯ_MỤC", help="nơi ghi tờ khóa khôi phục mới (mặc định thư mục sao lưu)")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS, help="tệp dữ liệu (SQLite)")
    p.add_argument("--user", metavar="TÊN", default=argparse.SUPPRESS,
                   help="người đăng nhập (mật khẩu trong KHUYENHOC_PASSWORD)")


def _new_password() -> str:
    from khuyenhoc_desktop.errors import UserError

    password = os.environ.get(NEW_PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise UserError(f"Thiếu mật khẩu mới: đặt biến môi trường {NEW_PASSWORD_ENV}.")
    import getpass

    first = getpass.getpass("Mật khẩu mới: ")
    if getpass.getpass("Gõ lại mật khẩu mới: ") != first:
        raise UserError("Hai lần gõ mật khẩu mới không giống nhau; chưa có gì bị thay đổi.")
    return first


def _own_password(user: str) -> str:
    from khuyenhoc_desktop.cli import PASSWORD_ENV
    from khuyenhoc_desktop.errors import UserError

    password = os.environ.get(PASSWORD_ENV)
    if password is None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Mật khẩu của {user}: ")
    if not password:
        raise UserError(f"Thiếu mật khẩu của {user}: đặt biến môi trường {PASSWORD_ENV}.")
    return password


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, PASSWORD_ENV, open_db
    from khuyenhoc_desktop.domain import roles
    from khuyenhoc_desktop.errors import UserError
    from khuyenhoc_desktop.services import users

    user = getattr(args, "user", None)
    with open_db(getattr(args, "db", None)) as db:
        if args.action == "list":
            with db.read() as session:
                found = users.list_users(session)
            if args.format == "json":
                _say(json.dumps([{"username": u.username, "full_name": u.full_name, "role": u.role,
                                  "locked_until": u.locked_until.isoformat() if u.locked_until else None}
                                 for u in found], ensure_ascii=False))
            elif not found:
                _say("Tệp dữ liệu chưa có bảo vệ bằng mật khẩu.")
            for u in found if args.format == "text" else ():
                locked = f"  (khóa đến {users.local_time(u.locked_until)})" if u.locked_until else ""
                _say(f"{u.username}  {u.role_label}  {u.full_name}{locked}")
        elif args.action == "enable":
            if not user:
                raise UserError("Ghi --user TÊN: tên đăng nhập của Chủ tịch Hội đầu tiên.")
            password = os.environ.get(PASSWORD_ENV) or _new_password()
            key, sheet = users.turn_on(db, user, args.name, password)
            _say(f"Đã bật bảo vệ bằng mật khẩu; {user} là {roles.label(roles.CHAIRMAN)}.")
            _say(f"Khóa khôi phục: {key}")
            _say(f"Đã ghi tờ khóa khôi phục vào {sheet}. Hãy in ra và cất giữ cẩn thận.")
        elif args.action == "recover":
            from pathlib import Path

            chairman, key, sheet = users.recover(db, args.key, _new_password(), args.chairman,
                                                 Path(args.sheet_dir) if args.sheet_dir else None)
            _say(f"Đã đặt lại mật khẩu của {chairman}. Khóa cũ không dùng được nữa.")
            _say(f"Khóa khôi phục mới: {key}")
            _say(f"Đã ghi tờ khóa khôi phục mới vào {sheet}.")
        elif args.action == "passwd" and not args.username:
            if db.user is None:
                raise UserError("Ghi --user TÊN để đổi mật khẩu của mình.")
            users.change_own_password(db, _own_password(db.user), _new_password())
            _say(f"Đã đổi mật khẩu của {db.user}.")
        else:
            with db.read() as session:
                protected = users.is_protected(session)
            if not protected:
                raise UserError("Tệp dữ liệu chưa có bảo vệ bằng mật khẩu; bật bằng: khuyenhoc users enable --user TÊN.")
            if db.user is None:
                raise UserError("Ghi --user TÊN của Chủ tịch Hội (mật khẩu trong KHUYENHOC_PASSWORD).")
            _manage(db, args, users)
    return EXIT_OK


def _manage(db, args, users) -> None:
    if args.action == "add":
        password = _new_password()
        with db.write() as session:
            info = users.add_user(session, args.username, args.name, args.role, password)
        _say(f"Đã thêm {info.username} ({info.role_label}).")
    elif args.action == "set-role":
        with db.write() as session:
            users.set_role(session, args.username, args.role)
        _say(f"Đã đổi vai trò của {args.username}.")
    elif args.action == "passwd":
        password = _new_password()
        with db.write() as session:
            users.set_password(session, args.username, password)
        _say(f"Đã đặt lại mật khẩu của {args.username}.")
    elif args.action == "remove":
        with db.write() as session:
            users.remove_user(session, args.username)
        _say(f"Đã xóa người dùng {args.username}.")
    elif args.action == "disable-protection":
        users.turn_off(db)
        _say("Đã tắt bảo vệ bằng mật khẩu; tệp dữ liệu mở được mà không cần đăng nhập.")
