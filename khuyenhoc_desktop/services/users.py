"""Password protection: named users with roles, scrypt password hashes, lockout after repeated
failures, and a recovery key kept on paper next to the backups (no back door).

With no user in the file there is no protection and the program opens as it always did. The
rules of who writes what are in `domain.roles`; `storage.database` enforces them on every write.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.storage.models import AppRecovery, AppUser

# scrypt (memory-hard, in the standard library): 128·r·n bytes = 32 MiB and about 0,1 s per
# check, so guessing passwords from a stolen file is slow. Stored with the hash, so later
# versions can raise them: a password is hashed again with the current ones at its next sign-in.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud without doubt
RECOVERY_GROUPS, RECOVERY_GROUP = 7, 4  # 28 symbols × 5 bits = 140 bits
_USERNAME = re.compile(r"[a-z0-9._-]{2,40}")


# ---------------------------------------------------------------- hashing
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # NFC: the same Vietnamese password typed with another keyboard program gives the same bytes.
    data = unicodedata.normalize("NFC", secret).encode("utf-8")
    return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, maxmem=256 * r * n + 2**20, dklen=HASH_BYTES)


def hash_secret(secret: str) -> str:
    """'scrypt$n$r$p$salt$hash' (base64): self-describing, so the parameters can change later."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    _scheme, n, r, p, *_ = stored.split("$")
    return (int(n), int(r), int(p)) < (SCRYPT_N, SCRYPT_R, SCRYPT_P)


# ---------------------------------------------------------------- users
@dataclass(frozen=True)
class UserInfo:
    username: str
    full_name: str
    role: str
    locked_until: dt.datetime | None
    last_sign_in: dt.datetime | None

    @property
    def role_label(self) -> str:
        return roles.label(self.role)


def _info(user: AppUser) -> UserInfo:
    return UserInfo(user.username, user.full_name, user.role, user.locked_until, user.last_sign_in)


def local_time(moment: dt.datetime) -> str:
    """A stored UTC time as the clock on the wall shows it: 03/12/2026 14:35."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%d/%m/%Y %H:%M")


def is_protected(session: Session) -> bool:
    return bool(session.scalar(select(func.count(AppUser.id))))


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(AppUser).order_by(AppUser.username))]


def clean_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.fullmatch(name):
        raise UserError(
            "Tên đăng nhập gồm 2–40 chữ cái không dấu, chữ số hoặc các dấu . _ -, ví dụ: thuquy, lan.nguyen."
        )
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    return password


def _check_role(role: str) -> str:
    if role not in roles.ROLES:
        choices = ", ".join(f"{code} ({r.label})" for code, r in roles.ROLES.items())
        raise UserError(f"Vai trò '{role}' không có; chọn một trong: {choices}.")
    return role


def _user(session: Session, username: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.username == (username or "").strip().lower()))
    if user is None:
        raise UserError(f"Không có người dùng '{username}'.")
    return user


def _chairmen(session: Session) -> int:
    return session.scalar(select(func.count(AppUser.id)).where(AppUser.role == roles.CHAIRMAN)) or 0


def add_user(session: Session, username: str, full_name: str, role: str, password: str) -> UserInfo:
    name = clean_username(username)
    _check_role(role)
    check_password(password)
    if session.scalar(select(AppUser.id).where(AppUser.username == name)) is not None:
        raise UserError(f"Đã có người dùng '{name}'.")
    user = AppUser(username=name, full_name=(full_name or "").strip(), role=role,
                   password_hash=hash_secret(password), failed_count=0)
    session.add(user)
    session.flush()
    return _info(user)


def set_role(session: Session, username: str, role: str) -> None:
    user = _user(session, username)
    _check_role(role)
    if user.role == roles.CHAIRMAN and role != roles.CHAIRMAN and _chairmen(session) == 1:
        raise UserError("Phải còn ít nhất một Chủ tịch Hội quản lý người dùng; hãy giao vai trò này cho người khác trước.")
    user.role = role
    session.flush()


def set_full_name(session: Session, username: str, full_name: str) -> None:
    _user(session, username).full_name = (full_name or "").strip()
    session.flush()


def set_password(session: Session, username: str, password: str) -> None:
    """A chairman sets someone's password (also unlocks the account)."""
    user = _user(session, username)
    user.password_hash = hash_secret(check_password(password))
    user.failed_count, user.locked_until = 0, None
    session.flush()


def remove_user(session: Session, username: str) -> None:
    user = _user(session, username)
    if user.role == roles.CHAIRMAN and _chairmen(session) == 1:
        raise UserError("Không xóa được Chủ tịch Hội cuối cùng; muốn bỏ mật khẩu thì tắt bảo vệ bằng mật khẩu.")
    session.delete(user)
    session.flush()


def enable(session: Session, username: str, full_name: str, password: str, key: str | None = None) -> str:
    """Turn protection on: the first user, a chairman, and the recovery key (returned)."""
    if is_protected(session):
        raise UserError("Tệp dữ liệu đã có bảo vệ bằng mật khẩu.")
    add_user(session, username, full_name, roles.CHAIRMAN, password)
    return _set_recovery(session, key or new_recovery_key())


def disable(session: Session) -> None:
    """Turn protection off: every user and the recovery key are removed."""
    session.execute(delete(AppUser))
    session.execute(delete(AppRecovery))


# ---------------------------------------------------------------- signing in
def sign_in(db, username: str, password: str, *, now: dt.datetime | None = None) -> UserInfo:
    """Check the password; on success the data file is changed as this user from now on.
    After MAX_FAILURES wrong passwords in a row the account is locked for LOCK_MINUTES."""
    now = now or utcnow()
    with db.read() as session:
        user = session.scalar(select(AppUser).where(AppUser.username == (username or "").strip().lower()))
    if user is None:
        raise UserError(f"Không có người dùng '{username}'.")
    if user.locked_until is not None and user.locked_until > now:
        raise UserError(_locked_text(user.username, user.locked_until))
    ok = verify_secret(password or "", user.password_hash)
    with db.unrestricted(user.username), db.write() as session:
        stored = session.get(AppUser, user.id)
        if ok:
            stored.failed_count, stored.locked_until, stored.last_sign_in = 0, None, now
            if needs_rehash(stored.password_hash):
                stored.password_hash = hash_secret(password)
        else:
            stored.failed_count += 1
            if stored.failed_count >= MAX_FAILURES:
                stored.failed_count, stored.locked_until = 0, now + dt.timedelta(minutes=LOCK_MINUTES)
        info = _info(stored)
        left = MAX_FAILURES - stored.failed_count
    if not ok:
        if info.locked_until is not None:
            raise UserError(_locked_text(info.username, info.locked_until))
        raise UserError(f"Mật khẩu không đúng. Còn {left} lần thử trước khi tài khoản bị khóa {LOCK_MINUTES} phút.")
    db.sign_in_as(info.username, info.role)
    return info


def _locked_text(username: str, until: dt.datetime) -> str:
    return (
        f"Tài khoản {username} đang bị khóa vì nhập sai mật khẩu {MAX_FAILURES} lần liên tiếp; "
        f"hãy thử lại sau {local_time(until)}, hoặc nhờ Chủ tịch Hội đặt lại mật khẩu."
    )


def open_as_guest(db) -> bool:
    """A protected file is opened read-only until someone signs in; True if it is protected."""
    with db.read() as session:
        protected = is_protected(session)
    db.sign_in_as(None, roles.GUEST if protected else None)
    return protected


def change_own_password(db, old_password: str, new_password: str) -> None:
    if db.user is None:
        raise UserError("Chưa đăng nhập.")
    check_password(new_password)
    with db.read() as session:
        user = _user(session, db.user)
    if not verify_secret(old_password or "", user.password_hash):
        raise UserError("Mật khẩu hiện tại không đúng.")
    with db.unrestricted(), db.write() as session:
        session.get(AppUser, user.id).password_hash = hash_secret(new_password)


def turn_on(db, username: str, full_name: str, password: str, sheet_folder: Path | None = None) -> tuple[str, Path]:
    """Protection on, the chairman signed in; the recovery key and the sheet it was written to.
    The sheet is written first: protection is never on without it."""
    clean_username(username)
    check_password(password)
    key = new_recovery_key()
    sheet = write_recovery_sheet(db.path, key, sheet_folder)
    try:
        with db.write() as session:
            enable(session, username, full_name, password, key)
    except BaseException:
        sheet.unlink(missing_ok=True)
        raise
    sign_in(db, username, password)
    return key, sheet


def turn_off(db) -> None:
    with db.write() as session:
        disable(session)
    db.sign_in_as(None, None)


# ---------------------------------------------------------------- recovery
def new_recovery_key() -> str:
    symbols = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP))
    return "-".join(symbols[i : i + RECOVERY_GROUP] for i in range(0, len(symbols), RECOVERY_GROUP))


def normalise_key(key: str) -> str:
    symbols = re.sub(r"[\s-]", "", (key or "").upper())
    return "-".join(symbols[i : i + RECOVERY_GROUP] for i in range(0, len(symbols), RECOVERY_GROUP))


def _set_recovery(session: Session, key: str) -> str:
    session.execute(delete(AppRecovery))
    session.add(AppRecovery(secret_hash=hash_secret(key)))
    session.flush()
    return key


def recover(db, key: str, new_password: str, username: str | None = None,
            sheet_folder: Path | None = None) -> tuple[str, str, Path]:
    """The recovery key resets a chairman's password (and unlocks it). The key is then used up:
    a new one is made and written to a new sheet. Returns (username, new key, sheet)."""
    check_password(new_password)
    with db.read() as session:
        recovery = session.scalar(select(AppRecovery))
        chairmen = list(session.scalars(select(AppUser).where(AppUser.role == roles.CHAIRMAN).order_by(AppUser.id)))
    if recovery is None or not chairmen:
        raise UserError("Tệp dữ liệu này không có bảo vệ bằng mật khẩu.")
    if not verify_secret(normalise_key(key), recovery.secret_hash):
        raise UserError("Khóa khôi phục không đúng. Khóa in trên tờ khóa khôi phục, trong thư mục sao lưu.")
    if username:
        chairman = next((u for u in chairmen if u.username == username.strip().lower()), None)
        if chairman is None:
            raise UserError(f"'{username}' không phải Chủ tịch Hội; khóa khôi phục chỉ đặt lại mật khẩu Chủ tịch Hội.")
    else:
        chairman = chairmen[0]
    fresh = new_recovery_key()
    sheet = write_recovery_sheet(db.path, fresh, sheet_folder)
    try:
        with db.unrestricted(chairman.username), db.write() as session:
            set_password(session, chairman.username, new_password)
            _set_recovery(session, fresh)
    except BaseException:
        sheet.unlink(missing_ok=True)
        raise
    return chairman.username, fresh, sheet


def recovery_sheet_text(db_path: Path, key: str, made: dt.datetime) -> str:
    return "\n".join((
        "KHÓA KHÔI PHỤC MẬT KHẨU — Khuyến Học Desktop",
        "",
        f"Tệp dữ liệu: {db_path}",
        f"Tạo lúc: {local_time(made)}",
        "",
        f"    {key}",
        "",
        "Dùng khi Chủ tịch Hội quên mật khẩu: ở cửa sổ Đăng nhập bấm “Quên mật khẩu…”, gõ khóa này",
        "và mật khẩu mới. Hoặc dòng lệnh:",
        f"    khuyenhoc users recover --db \"{db_path}\" --key {key}",
        "",
        "Khóa chỉ dùng được một lần: dùng xong, chương trình tạo khóa mới và ghi tờ mới vào thư mục",
        "sao lưu. Ai có khóa này đều đặt lại được mật khẩu Chủ tịch Hội: hãy in tờ này cất vào tủ",
        "hồ sơ của Hội (hoặc chép vào USB cất riêng), như giữ chìa khóa két.",
        "",
    ))


def write_recovery_sheet(db_path: Path, key: str, folder: Path | None = None) -> Path:
    """The recovery sheet, saved next to the backups (a text file to print)."""
    from khuyenhoc_desktop.services.backups import backups_dir

    made = utcnow()
    folder = Path(folder) if folder else backups_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"khoa-khoi-phuc-{Path(db_path).stem}-{made:%Y%m%d-%H%M%S}.txt"
        n = 1
        while path.exists():
            n += 1
            path = path.with_name(f"khoa-khoi-phuc-{Path(db_path).stem}-{made:%Y%m%d-%H%M%S}-{n}.txt")
        # With a BOM so that Notepad on older Windows reads the diacritics right.
        path.write_text(recovery_sheet_text(Path(db_path), key, made), encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"Không ghi được tờ khóa khôi phục vào {folder}: {exc.strerror}.") from None
    return path
