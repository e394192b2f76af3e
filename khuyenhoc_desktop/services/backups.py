"""Backups of the data file and restoring one.

A backup is made with SQLite's online backup API (never a file copy of a live database) into a
temporary file, checked with `PRAGMA integrity_check`, then renamed into place. Restoring checks
the backup the same way (and refuses a file that is not ours or comes from a newer version),
brings a copy of it up to the current schema, keeps a backup of the file it replaces, and only
then puts it in place — refused while the program has the data file open.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.storage.database import Database, sqlite_backup


def backups_dir() -> Path:
    from khuyenhoc_desktop.paths import user_data_dir

    return user_data_dir() / "sao-luu"


def default_name(db_path: Path) -> str:
    return f"{db_path.stem}-{utcnow():%Y%m%d-%H%M%S}.sqlite"


def _free(path: Path) -> Path:
    """`path`, or `name-2`, `name-3`… when two backups fall in the same second."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def check_integrity(path: Path) -> None:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise UserError(f"Tệp {path.name} bị hỏng ({exc}); không dùng được.") from None
    finally:
        conn.close()
    if result != "ok":
        raise UserError(f"Tệp {path.name} bị hỏng (kiểm tra: {result}); không dùng được.")


def backup(db_path: Path | str, out: Path | str | None = None) -> Path:
    """A checked copy of the data file; returns where it went."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise UserError(f"Không có tệp dữ liệu {db_path}.")
    target = Path(out) if out else _free(backups_dir() / default_name(db_path))
    if target.exists():
        raise UserError(f"Tệp {target} đã có; chọn tên khác.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".dang-ghi")
    try:
        sqlite_backup(db_path, temp)
        check_integrity(temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def restore(backup_path: Path | str, db_path: Path | str) -> Path | None:
    """Put a backup in place of the data file; returns the backup made of the replaced file
    (None when there was none)."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise UserError(f"Không có tệp sao lưu {backup_path}.")
    check_integrity(backup_path)
    lock = FileLock(str(db_path) + ".lock", thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UserError(f"Tệp dữ liệu {db_path.name} đang được mở trong chương trình; hãy đóng cửa sổ rồi khôi phục.") \
            from None
    try:
        with tempfile.TemporaryDirectory(prefix="khuyenhoc-", dir=db_path.parent) as folder:
            staged = Path(folder) / db_path.name
            sqlite_backup(backup_path, staged)
            with Database(staged):  # refuses foreign or newer files; brings an older one up to date
                pass
            check_integrity(staged)
            saved = backup(db_path) if db_path.is_file() else None
            for suffix in ("-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            os.replace(staged, db_path)
    finally:
        lock.release()
    return saved
