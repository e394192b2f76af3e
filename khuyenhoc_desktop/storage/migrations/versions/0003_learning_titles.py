"""learning titles: frozen criteria-set versions, registrations, evaluations, decisions

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _record_columns() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "form_version",
        sa.Column("form_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        *_record_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_version")),
        sa.UniqueConstraint("uid", name=op.f("uq_form_version_uid")),
        sa.UniqueConstraint("form_id", "sha256", name=op.f("uq_form_version_form_id_sha256")),
    )
    op.create_index(op.f("ix_form_version_form_id"), "form_version", ["form_id"])

    op.create_table(
        "registration",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title_code", sa.String(length=20), nullable=False),
        sa.Column("entity_kind", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        *_record_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint("uid", name=op.f("uq_registration_uid")),
        sa.UniqueConstraint(
            "year", "title_code", "entity_kind", "entity_id",
            name=op.f("uq_registration_year_title_code_entity_kind_entity_id"),
        ),
    )
    op.create_index(op.f("ix_registration_year"), "registration", ["year"])

    op.create_table(
        "evaluation",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=60), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=True),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"],
            name=op.f("fk_evaluation_registration_id_registration"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["form_version_id"], ["form_version.id"],
            name=op.f("fk_evaluation_form_version_id_form_version"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
        sa.UniqueConstraint("uid", name=op.f("uq_evaluation_uid")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_evaluation_registration_id")),
    )
    op.create_index(op.f("ix_evaluation_form_version_id"), "evaluation", ["form_version_id"])

    op.create_table(
        "decision",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title_code", sa.String(length=20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("issued", sa.Boolean(), nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["amends_id"], ["decision.id"], name=op.f("fk_decision_amends_id_decision"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("uid", name=op.f("uq_decision_uid")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_decision_year_number")),
    )
    op.create_index(op.f("ix_decision_year"), "decision", ["year"])
    op.create_index(op.f("ix_decision_amends_id"), "decision", ["amends_id"])

    op.create_table(
        "decision_entry",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=60), nullable=True),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_decision_entry_decision_id_decision"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"],
            name=op.f("fk_decision_entry_registration_id_registration"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_entry")),
        sa.UniqueConstraint("uid", name=op.f("uq_decision_entry_uid")),
        sa.UniqueConstraint(
            "decision_id", "registration_id", name=op.f("uq_decision_entry_decision_id_registration_id")
        ),
    )
    op.create_index(op.f("ix_decision_entry_decision_id"), "decision_entry", ["decision_id"])
    op.create_index(op.f("ix_decision_entry_registration_id"), "decision_entry", ["registration_id"])


def downgrade() -> None:
    for table in ("decision_entry", "decision", "evaluation", "registration", "form_version"):
        op.drop_table(table)
