"""Search over the folded `search_text` column: the one small interface for dialect-specific search.

On SQLite an FTS5 external-content index per table (kept by triggers, made by migration 0002)
answers word-prefix queries in about a millisecond; other databases use portable LIKE.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, Table, and_, column, or_, text


def word_prefix_filter(dialect: str, table: Table, terms: list[str]) -> ColumnElement[bool] | None:
    """Rows whose folded text has a word starting with every term (terms already folded)."""
    if not terms:
        return None
    if dialect == "sqlite":
        fts = f"{table.name}_fts"
        query = " AND ".join(f'"{term}"*' for term in terms)
        rows = text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q_{table.name}").bindparams(
            **{f"q_{table.name}": query}
        )
        return table.c.id.in_(rows.columns(column("rowid", Integer)))
    folded = table.c.search_text
    return and_(*(or_(folded.like(f"{t}%"), folded.like(f"% {t}%")) for t in terms))


def fts_install_sql(table: str) -> list[str]:
    """DDL for one table's FTS5 index and the triggers that keep it in step."""
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', "
        f"content_rowid='id', prefix='1 2 3')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]
