"""The audit trail, kept by SQLite itself: triggers on every data table write one `audit_log` row
per inserted, changed or deleted row, whoever writes (ORM, bulk `executemany`, raw SQL).

The trigger text is made here from the live schema (PRAGMA table_info), so a migration that adds
a table or a column needs nothing more: `install` runs on every open and rewrites the triggers
that differ. Who acts is read from the one-row `audit_context` table, which `Database.write()`
fills at the start of each write transaction (an application SQL function would make the file
unwritable for other tools). `audit_log` is append-only: its guard triggers refuse every DELETE,
and every UPDATE except a redaction, which only replaces stored values and always leaves its own
entry (setting `audit_context.redaction` writes it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

LOG, CONTEXT = "audit_log", "audit_context"
INSERT, UPDATE, DELETE, REDACT = "insert", "update", "delete", "redact"

# Not data: the schema version, the log itself, and what is derived from other tables.
# FTS5 indexes (and their shadow tables) are found by their CREATE VIRTUAL TABLE text.
SKIPPED_TABLES = frozenset({"alembic_version", LOG, CONTEXT})
# Keys and derived columns: the record id is `record_id`, the time is `at`; sort_key and
# search_text are recomputed from the names; uid and created/updated times say nothing new.
SKIPPED_COLUMNS = frozenset({"id", "uid", "created_at", "updated_at", "sort_key", "search_text"})
# Kept out of the log in clear: the log says such a column changed, never its value.
_SECRET = re.compile(r"password|secret|salt|hash", re.IGNORECASE)
HIDDEN = "(ẩn)"
_PREFIXES = ("audit_insert_", "audit_update_", "audit_delete_", "audit_guard_")
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
_ACTOR = f"coalesce((SELECT actor FROM {CONTEXT} WHERE id = 1), '')"

NO_DELETE = "Nhật ký thay đổi chỉ được ghi thêm, không được xóa."
NO_UPDATE = "Nhật ký thay đổi chỉ được ghi thêm, không được sửa."


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def audited_tables(conn: Connection) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).all()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return sorted(
        name for name, _sql in rows
        if name not in SKIPPED_TABLES
        and not name.startswith("_alembic_tmp")
        and not any(name == v or name.startswith(f"{v}_") for v in virtual)
    )


def _columns(conn: Connection, table: str) -> tuple[str, list[tuple[str, str]]]:
    """The record-id expression's column and the audited (name, declared type) pairs."""
    info = conn.exec_driver_sql(f"PRAGMA table_info({_q(table)})").all()
    keys = sorted((row[5], row[1]) for row in info if row[5])
    names = {row[1] for row in info}
    key = "id" if "id" in names else (keys[0][1] if keys else "rowid")
    return key, [(row[1], (row[2] or "").upper()) for row in info if row[1] not in SKIPPED_COLUMNS]


def _value(ref: str, name: str, decl: str) -> str:
    """One column's value as the log keeps it (JSON cannot hold a BLOB: say its size)."""
    col = f"{ref}.{_q(name)}"
    if _SECRET.search(name):
        return f"CASE WHEN {col} IS NULL THEN NULL ELSE {_lit(HIDDEN)} END"
    if "BLOB" in decl or not decl:
        return f"CASE WHEN typeof({col}) = 'blob' THEN '(' || length({col}) || ' byte)' ELSE {col} END"
    return col


def _json(columns: list[tuple[str, str]], ref: str, kept) -> str:
    """A JSON object of the columns for which `kept(column)` (an SQL condition) holds. Keys are
    fixed in json_object, so the text is put together piece by piece; json_quote makes each
    value valid JSON."""
    if not columns:
        return "'{}'"
    pieces = " || ".join(
        f"CASE WHEN {kept(_q(n))} THEN {_lit(',' + json.dumps(n) + ':')} || json_quote({_value(ref, n, d)}) "
        "ELSE '' END"
        for n, d in columns
    )
    return f"'{{' || substr({pieces}, 2) || '}}'"


def _snapshot(ref: str, columns: list[tuple[str, str]]) -> str:
    """A whole row, leaving out empty values (half the size of the log after an import)."""
    return _json(columns, ref, lambda c: f"{ref}.{c} IS NOT NULL AND {ref}.{c} IS NOT ''")


def _changed(ref: str, columns: list[tuple[str, str]]) -> str:
    """Only the columns whose value changed."""
    return _json(columns, ref, lambda c: f"old.{c} IS NOT new.{c}")


def _entry(table: str, record: str, action: str, old: str, new: str) -> str:
    return (
        f"INSERT INTO {LOG} (at, actor, table_name, record_id, action, old_values, new_values) "
        f"VALUES ({_NOW}, {_ACTOR}, {_lit(table)}, {record}, {_lit(action)}, {old}, {new});"
    )


def table_triggers(conn: Connection, table: str) -> dict[str, str]:
    key, columns = _columns(conn, table)
    t = _q(table)
    triggers = {
        f"audit_insert_{table}": f"CREATE TRIGGER {_q('audit_insert_' + table)} AFTER INSERT ON {t} BEGIN "
        + _entry(table, f"new.{_q(key)}", INSERT, "NULL", _snapshot("new", columns)) + " END",
        f"audit_delete_{table}": f"CREATE TRIGGER {_q('audit_delete_' + table)} AFTER DELETE ON {t} BEGIN "
        + _entry(table, f"old.{_q(key)}", DELETE, _snapshot("old", columns), "NULL") + " END",
    }
    if columns:
        # Fires only when an audited column is set and really changes: the demo's and the
        # import's second pass over sort keys and search text leaves no entry.
        of = ", ".join(_q(n) for n, _d in columns)
        when = " OR ".join(f"old.{_q(n)} IS NOT new.{_q(n)}" for n, _d in columns)
        triggers[f"audit_update_{table}"] = (
            f"CREATE TRIGGER {_q('audit_update_' + table)} AFTER UPDATE OF {of} ON {t} WHEN {when} BEGIN "
            + _entry(table, f"new.{_q(key)}", UPDATE, _changed("old", columns), _changed("new", columns)) + " END"
        )
    return triggers


def insert_logged_in_one(conn: Connection, table: str, ids: list[int], insert: Callable[[], None]) -> None:
    """Run `insert`, which adds the rows `ids` (in that order) to `table`, with the table's insert
    trigger set aside, then log those rows with one statement: the very entries the trigger
    writes, in the same order, at a third of the cost (for a bulk import the trigger, once per
    row, costs more than the row). Inside the caller's transaction, so nobody else writes
    meanwhile and a rollback takes everything back; the trigger is put back as it was."""
    name = f"audit_insert_{table}"
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).first()
    key, columns = _columns(conn, table)
    if found is None or key != "id" or not ids:
        insert()
        return
    conn.exec_driver_sql(f"DROP TRIGGER {_q(name)}")
    try:
        insert()
        conn.exec_driver_sql(
            f"INSERT INTO {LOG} (at, actor, table_name, record_id, action, old_values, new_values) "
            f"SELECT {_NOW}, {_ACTOR}, {_lit(table)}, new.id, {_lit(INSERT)}, NULL, {_snapshot('new', columns)} "
            f"FROM json_each(?) AS j JOIN {_q(table)} AS new ON new.id = j.value ORDER BY j.key",
            (json.dumps(ids),),
        )
    finally:
        conn.exec_driver_sql(found[0])


def guard_triggers(conn: Connection) -> dict[str, str]:
    """Append-only: no DELETE; an UPDATE only while a redaction is under way (the flag is set
    inside the redacting transaction, so no other connection ever sees it) and only of the
    stored values. Setting the flag writes the redaction's own entry."""
    names = [row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({LOG})").all()]
    same = " AND ".join(f"new.{_q(n)} IS old.{_q(n)}" for n in names if n not in ("old_values", "new_values"))
    flag = f"(SELECT redaction FROM {CONTEXT} WHERE id = 1)"
    return {
        "audit_guard_delete": f"CREATE TRIGGER audit_guard_delete BEFORE DELETE ON {LOG} BEGIN "
        f"SELECT RAISE(ABORT, {_lit(NO_DELETE)}); END",
        "audit_guard_update": f"CREATE TRIGGER audit_guard_update BEFORE UPDATE ON {LOG} "
        f"WHEN NOT ({flag} IS NOT NULL AND {same}) BEGIN SELECT RAISE(ABORT, {_lit(NO_UPDATE)}); END",
        "audit_guard_redaction": f"CREATE TRIGGER audit_guard_redaction AFTER UPDATE OF redaction ON {CONTEXT} "
        "WHEN new.redaction IS NOT NULL BEGIN "
        f"INSERT INTO {LOG} (at, actor, table_name, record_id, action, old_values, new_values) "
        f"VALUES ({_NOW}, new.actor, json_extract(new.redaction, '$.table'), "
        f"json_extract(new.redaction, '$.record_id'), {_lit(REDACT)}, NULL, "
        f"json_extract(new.redaction, '$.values')); END",
    }


def wanted_triggers(conn: Connection) -> dict[str, str]:
    wanted = guard_triggers(conn)
    for table in audited_tables(conn):
        wanted.update(table_triggers(conn, table))
    return wanted


def has_audit(conn: Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)", (LOG, CONTEXT)
    ).scalar_one() == 2


def install(conn: Connection) -> int:
    """Make the audit triggers match the live schema; returns how many were (re)written.
    Cheap when nothing changed (one PRAGMA per table), so it runs on every open."""
    wanted = wanted_triggers(conn)
    present = {
        name: sql
        for name, sql in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        if name.startswith(_PREFIXES)
    }
    stale = [name for name, sql in present.items() if wanted.get(name) != sql]
    missing = [name for name in wanted if present.get(name) != wanted[name]]
    for name in stale:
        conn.exec_driver_sql(f"DROP TRIGGER {_q(name)}")
    for name in missing:
        conn.exec_driver_sql(wanted[name])
    return len(missing)


def set_actor(session: Session, actor: str) -> None:
    session.execute(
        text(f"INSERT INTO {CONTEXT} (id, actor) VALUES (1, :actor) "
             "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor"),
        {"actor": actor},
    )
