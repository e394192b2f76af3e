"""Backups of the data file, their rotation, the one-file bundle for another computer (.khbak),
the integrity check at open, and restoring.

The check at open (`PRAGMA quick_check`, most of a second on a large commune) runs before the
window opens when the last session did not end cleanly (`ended_uncleanly`), and in the background
once the window is shown otherwise; the automatic backup's copy also passes `PRAGMA
integrity_check` or the window says the file is damaged.

A backup is made with SQLite's online backup API (never a file copy of a live database) into a
temporary file, checked with `PRAGMA integrity_check`, then renamed into place. Each data file has
its own folder of backups (`backups_dir()/<name of the data file>/`), pruned after every
automatic backup: the last `KEEP_LAST` plus the newest of each of the last `KEEP_MONTHS` months.
Files written elsewhere (`--out`) are never touched. Restoring checks the backup the same way
(and refuses a file that is not ours or comes from a newer version), brings a copy of it up to
the current schema, keeps a copy of the file it replaces, and only then puts it in place —
refused while the program has the data file open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.storage.database import SQLITE_MAGIC, Database, sqlite_backup

KEEP_LAST = 10
KEEP_MONTHS = 12
AUTOMATIC_EVERY = dt.timedelta(hours=24)
BUNDLE_SUFFIX = ".khbak"
BUNDLE_FORMAT = "khuyenhoc-desktop-khbak"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
BUNDLE_DATABASE = "du-lieu.sqlite"
_STAMP = "%Y%m%d-%H%M%S"


def backups_dir() -> Path:
    from khuyenhoc_desktop.paths import user_data_dir

    return user_data_dir() / "sao-luu"


def folder_for(db_path: Path | str) -> Path:
    """Where the program keeps the backups of one data file (automatic and "Sao lưu ngay")."""
    return backups_dir() / Path(db_path).stem


def default_name(db_path: Path, when: dt.datetime | None = None) -> str:
    return f"{db_path.stem}-{(when or utcnow()):{_STAMP}}.sqlite"


def _free(path: Path) -> Path:
    """`path`, or `name-2`, `name-3`… when two backups fall in the same second."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made: dt.datetime  # UTC, naive, from the file name
    size: int


def format_size(size: int) -> str:
    """Bytes as the user reads them: "850 KB", "4,1 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def local_time(made: dt.datetime) -> str:
    """A backup's time (UTC in its name) as the user's local dd/mm/yyyy HH:MM."""
    return made.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%d/%m/%Y %H:%M")


def list_backups(db_path: Path | str) -> list[BackupFile]:
    """The program's backups of this data file, newest first."""
    db_path = Path(db_path)
    folder = folder_for(db_path)
    pattern = re.compile(rf"{re.escape(db_path.stem)}-(\d{{8}}-\d{{6}})(?:-(\d+))?\.sqlite")
    found = []
    for path in folder.glob("*.sqlite") if folder.is_dir() else ():
        match = pattern.fullmatch(path.name)
        if match is None:
            continue
        made = dt.datetime.strptime(match.group(1), _STAMP)
        found.append((made, int(match.group(2) or 1), BackupFile(path, made, path.stat().st_size)))
    return [item for *_key, item in sorted(found, key=lambda f: f[:2], reverse=True)]


def rotation(backups: Sequence[BackupFile], now: dt.datetime) -> tuple[list[BackupFile], list[BackupFile]]:
    """(kept, removed): the `KEEP_LAST` newest, plus the newest of each calendar month among the
    last `KEEP_MONTHS` months (this month included). Pure: dates only, no files."""
    newest_first = sorted(backups, key=lambda b: b.made, reverse=True)
    kept = set(range(min(KEEP_LAST, len(newest_first))))
    months_seen: set[tuple[int, int]] = set()
    first_month = now.year * 12 + now.month - 1 - (KEEP_MONTHS - 1)
    for i, item in enumerate(newest_first):
        month = (item.made.year, item.made.month)
        if item.made.year * 12 + item.made.month - 1 >= first_month and month not in months_seen:
            months_seen.add(month)
            kept.add(i)
    return ([b for i, b in enumerate(newest_first) if i in kept],
            [b for i, b in enumerate(newest_first) if i not in kept])


def prune(db_path: Path | str, now: dt.datetime | None = None) -> list[Path]:
    """Remove the backups the rotation no longer keeps; returns what was removed."""
    _kept, removed = rotation(list_backups(db_path), now or utcnow())
    for item in removed:
        item.path.unlink(missing_ok=True)
    return [item.path for item in removed]


def automatic_due(db_path: Path | str, now: dt.datetime | None = None) -> bool:
    """True when the newest backup of this data file is older than `AUTOMATIC_EVERY` (or none)."""
    found = list_backups(db_path)
    return not found or (now or utcnow()) - found[0].made >= AUTOMATIC_EVERY


def automatic_backup(db_path: Path | str) -> Path:
    """A backup into the data file's backup folder, then the rotation."""
    made = backup(db_path)
    prune(db_path)
    return made


def _check(path: Path, pragma: str) -> str | None:
    """None when SQLite finds the file sound, else what it found (one line)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}").fetchmany(5)]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    if rows == ["ok"]:
        return None
    # SQLite lists every broken page; the first few lines say enough.
    lines = [line.strip() for row in rows for line in str(row).splitlines() if line.strip() and "***" not in line]
    return "; ".join(lines[:3])[:300]


class DamagedFileError(UserError):
    """SQLite's integrity check found the file damaged."""


def quick_check(path: Path | str) -> str | None:
    """The check at open (`PRAGMA quick_check`): None when the file is sound (or not there yet)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    return _check(path, "quick_check")


def is_sqlite(path: Path | str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def ended_uncleanly(path: Path | str) -> bool:
    """True when the last program to write to the file stopped without closing it (a crash, a
    power cut, the process killed): SQLite deletes the write-ahead log (`-wal`) when the last
    connection closes, so one with content left beside the file says the file was not closed.
    A session that wrote nothing leaves an empty log, and had nothing to damage."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def is_damage(exc: BaseException) -> bool:
    """The error says the file is damaged: the integrity check failed, or SQLite found a page it
    cannot read (SQLAlchemy's wrapper is judged by the error it wraps)."""
    if isinstance(exc, DamagedFileError):
        return True
    exc = getattr(exc, "orig", None) or exc
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and \
        code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def open_check(path: Path | str) -> str | None:
    """The check before a data file is opened, after an unclean end (after a clean one the window
    checks in the background): what is damaged, or
    None when the file is sound, was closed cleanly, is empty, missing, or not SQLite at all
    (`Database` refuses those with its own message)."""
    return quick_check(path) if is_sqlite(path) and ended_uncleanly(path) else None


def full_check(path: Path | str) -> str | None:
    """`PRAGMA integrity_check`: slower and more thorough than the check at open."""
    path = Path(path)
    return _check(path, "integrity_check") if path.is_file() and path.stat().st_size else None


def damaged_message(path: Path) -> str:
    return (f"Tệp dữ liệu {path.name} bị hỏng (có thể do mất điện hoặc ổ đĩa lỗi khi đang ghi); "
            "chương trình không mở tệp này để tránh làm hỏng thêm.")


def check_integrity(path: Path, name: str | None = None) -> None:
    problem = full_check(path)
    if problem is not None:
        raise DamagedFileError(f"Tệp {name or path.name} bị hỏng (kiểm tra: {problem}); không dùng được.")


def newest_good_backup(db_path: Path | str) -> BackupFile | None:
    """The newest backup of this data file that passes the quick check."""
    return next((b for b in list_backups(db_path) if quick_check(b.path) is None), None)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup, made a self-contained file: the copy would otherwise keep the
    live file's WAL mode, and every look at it would leave `-wal`/`-shm` files beside it."""
    sqlite_backup(source, target)
    conn = sqlite3.connect(str(target))
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def backup(db_path: Path | str, out: Path | str | None = None) -> Path:
    """A checked copy of the data file; returns where it went. A `.khbak` `out` makes a bundle."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise UserError(f"Không có tệp dữ liệu {db_path}.")
    if out is not None and Path(out).suffix.lower() == BUNDLE_SUFFIX:
        return write_bundle(db_path, out)
    target = Path(out) if out else _free(folder_for(db_path) / default_name(db_path))
    if target.exists():
        raise UserError(f"Tệp {target} đã có; chọn tên khác.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".dang-ghi")
    try:
        _copy(db_path, temp)
        check_integrity(temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


# ---- the one-file bundle for moving to another computer

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe(path: Path) -> tuple[str | None, str]:
    """(schema revision, commune name) of a data file, read directly (it may be open elsewhere)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or [None])[0] \
            if "alembic_version" in tables else None
        commune = (conn.execute("SELECT commune_name FROM commune_profile LIMIT 1").fetchone() or [""])[0] \
            if "commune_profile" in tables else ""
    finally:
        conn.close()
    return revision, commune or ""


def write_bundle(db_path: Path | str, out: Path | str) -> Path:
    """One `.khbak` file (a zip): the checked backup and `manifest.json` describing it."""
    from khuyenhoc_desktop import __version__

    db_path, out = Path(db_path), Path(out)
    if not db_path.is_file():
        raise UserError(f"Không có tệp dữ liệu {db_path}.")
    if out.exists():
        raise UserError(f"Tệp {out} đã có; chọn tên khác.")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".dang-ghi")
    with tempfile.TemporaryDirectory(prefix="khuyenhoc-") as folder:
        copy = Path(folder) / BUNDLE_DATABASE
        _copy(db_path, copy)
        check_integrity(copy)
        revision, commune = _describe(copy)
        manifest = {
            "format": BUNDLE_FORMAT, "format_version": BUNDLE_VERSION, "program_version": __version__,
            "schema_revision": revision, "commune": commune, "source_name": db_path.name,
            "created": utcnow().isoformat(timespec="seconds") + "Z", "database": BUNDLE_DATABASE,
            "size": copy.stat().st_size, "sha256": _sha256(copy),
        }
        try:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                bundle.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
                bundle.write(copy, BUNDLE_DATABASE)
            os.replace(temp, out)
        finally:
            temp.unlink(missing_ok=True)
    return out


def read_bundle(bundle_path: Path, folder: Path) -> tuple[Path, dict]:
    """Unpack a `.khbak` into `folder` after checking it is ours and its hash matches."""
    not_ours = f"Tệp {bundle_path.name} không phải bản chuyển máy (.khbak) của chương trình; chưa có gì bị thay đổi."
    try:
        with zipfile.ZipFile(bundle_path) as bundle:
            manifest = json.loads(bundle.read(MANIFEST).decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT \
                    or manifest.get("database") != BUNDLE_DATABASE:
                raise UserError(not_ours)
            if manifest.get("format_version") != BUNDLE_VERSION:
                raise UserError(f"Tệp {bundle_path.name} được tạo bởi phiên bản mới hơn của chương trình. "
                                "Hãy cập nhật chương trình rồi khôi phục lại; chưa có gì bị thay đổi.")
            target = folder / BUNDLE_DATABASE
            with bundle.open(BUNDLE_DATABASE) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UserError(not_ours) from None
    if _sha256(target) != manifest.get("sha256"):
        raise UserError(f"Tệp {bundle_path.name} đã bị thay đổi hoặc hỏng khi chép (mã kiểm tra SHA-256 không khớp); "
                        "chưa có gì bị thay đổi.")
    return target, manifest


def bundle_manifest(bundle_path: Path | str) -> dict:
    """The manifest of a `.khbak` (for the confirmation), with `created_local` as dd/mm/yyyy HH:MM."""
    bundle_path = Path(bundle_path)
    try:
        with zipfile.ZipFile(bundle_path) as bundle:
            manifest = json.loads(bundle.read(MANIFEST).decode("utf-8"))
        created = dt.datetime.fromisoformat(str(manifest["created"]).rstrip("Z"))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise UserError(f"Tệp {bundle_path.name} không phải bản chuyển máy (.khbak) của chương trình.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise UserError(f"Tệp {bundle_path.name} không phải bản chuyển máy (.khbak) của chương trình.")
    return {**manifest, "created_local": local_time(created)}


def is_bundle(path: Path) -> bool:
    return path.suffix.lower() == BUNDLE_SUFFIX or zipfile.is_zipfile(path)


# ---- restoring

def _keep_current(db_path: Path) -> Path | None:
    """A copy of the file about to be replaced: a checked backup, or, when it is damaged (the
    reason to restore), the raw file kept aside as it was."""
    if not db_path.is_file():
        return None
    try:
        return backup(db_path)
    except (UserError, sqlite3.DatabaseError):
        aside = _free(folder_for(db_path) / f"{db_path.stem}-hong-{utcnow():{_STAMP}}.sqlite")
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(db_path, aside)
        return aside


def _require_ours(path: Path, name: str) -> None:
    """Refuse what is not a backup of ours: damage is told as damage, and an empty file or an
    empty SQLite database (which would "restore" an empty commune) as not ours."""
    not_ours = UserError(f"Tệp {name} không phải bản sao lưu dữ liệu của chương trình; chưa có gì bị thay đổi.")
    if not is_sqlite(path):
        raise not_ours
    check_integrity(path, name)
    if _describe(path)[0] is None:
        raise not_ours


def restore(backup_path: Path | str, db_path: Path | str) -> Path | None:
    """Put a backup (`.sqlite` or `.khbak`) in place of the data file; returns the copy kept of
    the replaced file (None when there was none)."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise UserError(f"Không có tệp sao lưu {backup_path}.")
    shown_name = backup_path.name  # the messages of the checks name the file the user chose
    with tempfile.TemporaryDirectory(prefix="khuyenhoc-") as unpacked:
        if is_bundle(backup_path):
            backup_path, _manifest = read_bundle(backup_path, Path(unpacked))
        _require_ours(backup_path, shown_name)
        lock = FileLock(str(db_path) + ".lock", thread_local=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise UserError(f"Tệp dữ liệu {db_path.name} đang được mở trong chương trình; "
                            "hãy đóng cửa sổ rồi khôi phục.") from None
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="khuyenhoc-", dir=db_path.parent) as folder:
                staged = Path(folder) / shown_name
                sqlite_backup(backup_path, staged)
                with Database(staged):  # refuses foreign or newer files; brings an older one up to date
                    pass
                check_integrity(staged)
                saved = _keep_current(db_path)
                for suffix in ("-wal", "-shm"):
                    Path(str(db_path) + suffix).unlink(missing_ok=True)
                os.replace(staged, db_path)
        finally:
            lock.release()
    return saved
