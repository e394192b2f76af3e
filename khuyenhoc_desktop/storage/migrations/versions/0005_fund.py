"""the study-promotion fund: vouchers, payout decisions and their lists, period locks

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _record(table: str) -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("uid", name=op.f(f"uq_{table}_uid")),
    ]


def upgrade() -> None:
    op.create_table(
        "payout_decision",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("payout_kind", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        *_record("payout_decision"),
        sa.UniqueConstraint("year", "number", name=op.f("uq_payout_decision_year_number")),
    )
    op.create_index(op.f("ix_payout_decision_year"), "payout_decision", ["year"])

    op.create_table(
        "voucher",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("voucher_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("in_kind", sa.Text(), nullable=False),
        sa.Column("party_kind", sa.String(length=12), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("party_address", sa.String(length=300), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("payout_kind", sa.String(length=12), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("handled_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("prints", sa.Integer(), nullable=False),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("cancelled_by", sa.String(length=120), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        *_record("voucher"),
        sa.ForeignKeyConstraint(["hamlet_id"], ["hamlet.id"], name=op.f("fk_voucher_hamlet_id_hamlet"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decision_id"], ["payout_decision.id"],
                                name=op.f("fk_voucher_decision_id_payout_decision"), ondelete="RESTRICT"),
        sa.UniqueConstraint("kind", "fiscal_year", "seq", name=op.f("uq_voucher_kind_fiscal_year_seq")),
        sa.UniqueConstraint("number", name=op.f("uq_voucher_number")),
    )
    op.create_index(op.f("ix_voucher_voucher_date"), "voucher", ["voucher_date"])
    op.create_index(op.f("ix_voucher_hamlet_id"), "voucher", ["hamlet_id"])
    op.create_index(op.f("ix_voucher_decision_id"), "voucher", ["decision_id"])

    op.create_table(
        "payout_line",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("class_name", sa.String(length=40), nullable=False),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=10), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        *_record("payout_line"),
        sa.ForeignKeyConstraint(["decision_id"], ["payout_decision.id"],
                                name=op.f("fk_payout_line_decision_id_payout_decision"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_payout_line_person_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["hamlet_id"], ["hamlet.id"], name=op.f("fk_payout_line_hamlet_id_hamlet"),
                                ondelete="SET NULL"),
    )
    op.create_index(op.f("ix_payout_line_decision_id"), "payout_line", ["decision_id"])
    op.create_index(op.f("ix_payout_line_person_id"), "payout_line", ["person_id"])
    op.create_index(op.f("ix_payout_line_hamlet_id"), "payout_line", ["hamlet_id"])

    op.create_table(
        "fund_lock",
        sa.Column("locked_until", sa.Date(), nullable=False),
        sa.Column("locked_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_record("fund_lock"),
    )


def downgrade() -> None:
    for table in ("fund_lock", "payout_line", "voucher", "payout_decision"):
        op.drop_table(table)
