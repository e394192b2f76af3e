"""word-prefix search index (FTS5 on SQLite)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from khuyenhoc_desktop.storage.search import fts_install_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("hamlet", "clan", "household", "person", "organisation", "branch", "member")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        for statement in fts_install_sql(table):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
