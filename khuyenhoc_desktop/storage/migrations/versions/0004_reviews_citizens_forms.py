"""review meetings and votes, citizens' results, user criteria sets, settings; evaluations keep
computed values and override reasons; decision entries get certificate numbers

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _record_columns() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def _keys(table: str) -> list:
    return [
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("uid", name=op.f(f"uq_{table}_uid")),
    ]


def upgrade() -> None:
    op.add_column("evaluation", sa.Column("computed", sa.Text(), nullable=False, server_default="{}"))
    op.add_column("evaluation", sa.Column("overrides", sa.Text(), nullable=False, server_default="{}"))
    op.add_column("decision_entry", sa.Column("certificate_number", sa.String(length=40), nullable=True))

    op.create_table(
        "review_meeting",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title_code", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("chair_name", sa.String(length=120), nullable=False),
        sa.Column("secretary_name", sa.String(length=120), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("quorum_share", sa.Float(), nullable=False),
        sa.Column("approval_share", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_record_columns(),
        *_keys("review_meeting"),
    )
    op.create_index(op.f("ix_review_meeting_year"), "review_meeting", ["year"])

    op.create_table(
        "review_vote",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(["meeting_id"], ["review_meeting.id"],
                                name=op.f("fk_review_vote_meeting_id_review_meeting"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_review_vote_registration_id_registration"), ondelete="CASCADE"),
        *_keys("review_vote"),
        sa.UniqueConstraint("meeting_id", "registration_id", name=op.f("uq_review_vote_meeting_id_registration_id")),
    )
    op.create_index(op.f("ix_review_vote_meeting_id"), "review_vote", ["meeting_id"])
    op.create_index(op.f("ix_review_vote_registration_id"), "review_vote", ["registration_id"])

    op.create_table(
        "citizen_result",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("form_group", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_citizen_result_person_id_person"), ondelete="RESTRICT"),
        *_keys("citizen_result"),
        sa.UniqueConstraint("person_id", "year", name=op.f("uq_citizen_result_person_id_year")),
    )
    op.create_index(op.f("ix_citizen_result_person_id"), "citizen_result", ["person_id"])
    op.create_index(op.f("ix_citizen_result_year"), "citizen_result", ["year"])

    op.create_table(
        "custom_form",
        sa.Column("form_id", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        *_record_columns(),
        *_keys("custom_form"),
        sa.UniqueConstraint("form_id", name=op.f("uq_custom_form_form_id")),
    )

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        *_record_columns(),
        *_keys("setting"),
        sa.UniqueConstraint("key", name=op.f("uq_setting_key")),
    )


def downgrade() -> None:
    for table in ("setting", "custom_form", "citizen_result", "review_vote", "review_meeting"):
        op.drop_table(table)
    with op.batch_alter_table("decision_entry") as batch:
        batch.drop_column("certificate_number")
    with op.batch_alter_table("evaluation") as batch:
        batch.drop_column("overrides")
        batch.drop_column("computed")
