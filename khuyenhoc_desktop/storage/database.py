"""Opening the data file: lock, pragmas, checks, automatic migration, one transaction per write."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.errors import DatabaseFileError, DatabaseLockedError, UserError
from khuyenhoc_desktop.paths import migrations_dir
from khuyenhoc_desktop.storage import audit

SQLITE_MAGIC = b"SQLite format 3\x00"


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=(.*)$", re.M)


@functools.lru_cache(maxsize=1)
def _revision_graph() -> tuple[frozenset[str], str]:
    """(every revision, the head) read from the migration files' `revision =` lines: Alembic
    itself takes a fifth of a second to import, and is needed only when a file must be upgraded."""
    known, parents = set(), set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            found = re.findall(r"['\"]([^'\"]+)['\"]", value)
            (known if name == "revision" else parents).update(found)
    heads = known - parents
    if len(heads) != 1:  # a merge or an unusual file: ask Alembic
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(_alembic_config())
        return frozenset(rev.revision for rev in script.walk_revisions()), script.get_current_head()
    return frozenset(known), heads.pop()


def _known_revisions() -> frozenset[str]:
    return _revision_graph()[0]


def head_revision() -> str:
    return _revision_graph()[1]


def _stored_revision(conn) -> tuple[str | None, list[str]]:
    """(the file's schema revision, its tables), read with plain SQL."""
    tables = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'")]
    if "alembic_version" not in tables:
        return None, tables
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return (row[0] if row else None), tables


def _set_sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()
    # The sqlite3 driver starts transactions only before DML, so DDL would commit at once;
    # take transactions over and begin them ourselves (`_begin`): all or nothing, schema too.
    dbapi_conn.isolation_level = None


def _begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def sqlite_backup(source: Path, target: Path) -> None:
    """Consistent copy of a (possibly live) SQLite file through SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _computer_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class Database:
    """One open data file. Use `with db.write() as s:` for changes, `with db.read() as s:` to look."""

    def __init__(self, path: str | Path, *, migrate: bool = True, revision: str = "head"):
        self.path = Path(path).expanduser().resolve()
        # Who makes the changes: the signed-in program user, else the computer account.
        self.actor: str = _computer_account()
        # The signed-in user's role (`domain.roles`); None when the file has no password protection.
        self._role: str | None = None
        self.user: str | None = None
        self._denied: str | None = None
        self._check_file()
        self._check_contents()
        self._lock = FileLock(str(self.path) + ".lock", thread_local=False)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise DatabaseLockedError(
                f"Tệp dữ liệu {self.path.name} đang được mở ở một cửa sổ chương trình khác. "
                "Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."
            ) from None
        try:
            self.engine = self._make_engine()
            self.upgraded_from: str | None = None
            self.backup_before_upgrade: Path | None = None
            self._audited = False
            if migrate:
                self._migrate(revision)
                self._audited = self._install_audit()
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        except BaseException:
            if getattr(self, "engine", None) is not None:
                self.engine.dispose()
            self._lock.release()
            raise

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _check_file(self) -> None:
        if self.path.is_dir():
            raise DatabaseFileError(f"{self.path} là một thư mục, không phải tệp dữ liệu.")
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as fh:
                if fh.read(16) != SQLITE_MAGIC:
                    raise DatabaseFileError(
                        f"Tệp {self.path.name} không phải dữ liệu của chương trình; "
                        "chưa có gì bị thay đổi."
                    )
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseFileError(
                    f"Không tạo được thư mục {self.path.parent}: {exc.strerror}."
                ) from None

    def _check_contents(self) -> None:
        """Refuse a damaged, foreign or newer file before anything (even WAL mode) touches it."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        not_ours = f"Tệp {self.path.name} không phải dữ liệu của chương trình; chưa có gì bị thay đổi."
        try:
            conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                versions = (
                    [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
                    if "alembic_version" in tables
                    else []
                )
            finally:
                conn.close()
        except sqlite3.OperationalError:
            return  # busy or unreadable just now: the lock and the migration step will say so
        except sqlite3.DatabaseError:
            raise DatabaseFileError(
                f"Tệp {self.path.name} bị hỏng hoặc không phải dữ liệu của chương trình; "
                "chưa có gì bị thay đổi."
            ) from None
        if not versions:
            if tables:
                raise DatabaseFileError(not_ours)
            return
        if not set(versions) <= _known_revisions():
            raise DatabaseFileError(
                f"Tệp {self.path.name} được tạo bởi phiên bản mới hơn của chương trình. "
                "Hãy cập nhật chương trình rồi mở lại; chưa có gì bị thay đổi."
            )

    def _make_engine(self) -> Engine:
        engine = create_engine(
            f"sqlite:///{self.path}", connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        event.listen(engine, "connect", lambda conn, _record: conn.set_authorizer(self._authorize))
        return engine

    _WRITES = frozenset((sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE))

    def _authorize(self, action, table, _column, _schema, trigger) -> int:
        """SQLite asks before compiling each statement: every write of every kind (ORM, Core,
        bulk, raw SQL) passes here. What a trigger does was decided with the statement that
        fired it; SQLite's own bookkeeping (sqlite_master while a search index is opened) is not
        the user's."""
        if (action not in self._WRITES or trigger is not None or table.startswith("sqlite_")
                or roles.may_write_table(self._role, table)):
            return sqlite3.SQLITE_OK
        self._denied = table
        return sqlite3.SQLITE_DENY

    @property
    def role(self) -> str | None:
        return self._role

    def sign_in_as(self, user: str | None, role: str | None) -> None:
        """From now on changes are made as `user` with `role` (None, None: no protection)."""
        self.user, self._role = user, role
        self.actor = user or _computer_account()
        # sqlite3 caches prepared statements, which SQLite does not authorize again: new
        # connections, so that statements compiled for the previous role are gone.
        self.engine.dispose()

    @contextlib.contextmanager
    def unrestricted(self, acting: str | None = None) -> Iterator[None]:
        """For `services.users` alone, after it has checked the password itself: counting a failed
        sign-in, changing one's own password, resetting one with the recovery key. `acting`: the
        name the audit trail gives these changes (the account concerned)."""
        user, role = self.user, self._role
        self.sign_in_as(acting or user, None)
        try:
            yield
        finally:
            self.sign_in_as(user, role)

    def _denial(self) -> UserError:
        area = roles.AREA_LABELS[roles.table_area(self._denied or "")]
        if self._role == roles.GUEST:
            return UserError(
                f"Tệp dữ liệu {self.path.name} có mật khẩu: hãy đăng nhập để sửa {area} "
                "(dòng lệnh: thêm --user TÊN, mật khẩu trong biến môi trường KHUYENHOC_PASSWORD)."
            )
        return UserError(
            f"Tài khoản {self.user} (vai trò {roles.label(self._role)}) không được sửa {area}; "
            "chưa có gì bị thay đổi."
        )

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return _stored_revision(conn)[0]

    def _migrate(self, target: str) -> None:
        with self.engine.connect() as conn:
            current, tables = _stored_revision(conn)
        if current is None and tables:
            raise DatabaseFileError(
                f"Tệp {self.path.name} không phải dữ liệu của chương trình; chưa có gì bị thay đổi."
            )
        if current is not None and current not in _known_revisions():
            raise DatabaseFileError(
                f"Tệp {self.path.name} được tạo bởi phiên bản mới hơn của chương trình. "
                "Hãy cập nhật chương trình rồi mở lại; chưa có gì bị thay đổi."
            )
        wanted = head_revision() if target == "head" else target
        if current == wanted:
            return
        if current is not None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{self.path.stem}.truoc-nang-cap-{current}-{stamp}.sqlite")
            sqlite_backup(self.path, aside)
            self.backup_before_upgrade = aside
            self.upgraded_from = current
        from alembic import command

        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, wanted)

    def _install_audit(self) -> bool:
        """Bring the audit triggers in step with the schema (a no-op when they already are)."""
        with self.engine.begin() as conn:
            if not audit.has_audit(conn):
                return False
            audit.install(conn)
        return True

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything inside is saved together, or nothing is."""
        self._denied = None
        try:
            with self._sessions() as session, session.begin():
                session.info["role"] = self._role
                if self._audited:
                    audit.set_actor(session, self.actor)
                yield session
                # Other programs writing to the file are not taken for us.
                if self._audited and session.in_transaction():
                    audit.set_actor(session, "")
        except sa_exc.DatabaseError as exc:
            if self._denied is not None and "not authorized" in str(exc.orig):
                raise self._denial() from None
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            session.info["role"] = self._role
            yield session

    def close(self) -> None:
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
