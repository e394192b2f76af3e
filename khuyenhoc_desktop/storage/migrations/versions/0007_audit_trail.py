"""audit trail: an append-only log of every change

The triggers that fill and guard the log are made from the live schema each time the file is
opened (`storage/audit.py`, called by `Database`), so later migrations need not touch them.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("old_values", sa.Text(), nullable=True),
        sa.Column("new_values", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_table_name_record_id"), "audit_log", ["table_name", "record_id"])
    op.create_table(
        "audit_context",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("redaction", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_context")),
    )
    op.execute("INSERT INTO audit_context (id, actor) VALUES (1, '')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_%' ESCAPE '\\'"
        ).all():
            op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("audit_context")
    op.drop_index(op.f("ix_audit_log_table_name_record_id"), table_name="audit_log")
    op.drop_table("audit_log")
