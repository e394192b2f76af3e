"""registry tables

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clan',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('head_person_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['head_person_id'], ['person.id'], name=op.f('fk_clan_head_person_id_person'), ondelete='SET NULL', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clan')),
    sa.UniqueConstraint('uid', name=op.f('uq_clan_uid'))
    )
    with op.batch_alter_table('clan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clan_head_person_id'), ['head_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clan_sort_key'), ['sort_key'], unique=False)

    op.create_table('commune_profile',
    sa.Column('province_code', sa.Integer(), nullable=True),
    sa.Column('province_name', sa.String(length=120), nullable=False),
    sa.Column('commune_code', sa.Integer(), nullable=True),
    sa.Column('commune_name', sa.String(length=120), nullable=False),
    sa.Column('association_name', sa.String(length=200), nullable=False),
    sa.Column('parent_body', sa.String(length=200), nullable=False),
    sa.Column('report_to', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_profile')),
    sa.UniqueConstraint('uid', name=op.f('uq_commune_profile_uid'))
    )
    op.create_table('hamlet',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('former_commune', sa.String(length=120), nullable=False),
    sa.Column('former_hamlet', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hamlet')),
    sa.UniqueConstraint('uid', name=op.f('uq_hamlet_uid'))
    )
    with op.batch_alter_table('hamlet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hamlet_sort_key'), ['sort_key'], unique=False)

    op.create_table('clan_hamlet',
    sa.Column('clan_id', sa.Integer(), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clan_id'], ['clan.id'], name=op.f('fk_clan_hamlet_clan_id_clan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hamlet_id'], ['hamlet.id'], name=op.f('fk_clan_hamlet_hamlet_id_hamlet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clan_id', 'hamlet_id', name=op.f('pk_clan_hamlet'))
    )
    op.create_table('household',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=False),
    sa.Column('clan_id', sa.Integer(), nullable=True),
    sa.Column('head_person_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('poverty', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clan_id'], ['clan.id'], name=op.f('fk_household_clan_id_clan'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hamlet_id'], ['hamlet.id'], name=op.f('fk_household_hamlet_id_hamlet'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['head_person_id'], ['person.id'], name=op.f('fk_household_head_person_id_person'), ondelete='SET NULL', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('uid', name=op.f('uq_household_uid'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_clan_id'), ['clan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_hamlet_id'), ['hamlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_head_person_id'), ['head_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_sort_key'), ['sort_key'], unique=False)

    op.create_table('officer',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['commune_profile.id'], name=op.f('fk_officer_profile_id_commune_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer')),
    sa.UniqueConstraint('uid', name=op.f('uq_officer_uid'))
    )
    op.create_table('organisation',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=True),
    sa.Column('head_name', sa.String(length=120), nullable=False),
    sa.Column('head_title', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hamlet_id'], ['hamlet.id'], name=op.f('fk_organisation_hamlet_id_hamlet'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('uid', name=op.f('uq_organisation_uid'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_hamlet_id'), ['hamlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_sort_key'), ['sort_key'], unique=False)

    op.create_table('branch',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('clan_id', sa.Integer(), nullable=True),
    sa.Column('head_name', sa.String(length=120), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clan_id'], ['clan.id'], name=op.f('fk_branch_clan_id_clan'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hamlet_id'], ['hamlet.id'], name=op.f('fk_branch_hamlet_id_hamlet'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_branch_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch')),
    sa.UniqueConstraint('uid', name=op.f('uq_branch_uid'))
    )
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_clan_id'), ['clan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_hamlet_id'), ['hamlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_sort_key'), ['sort_key'], unique=False)

    op.create_table('person',
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('family_name', sa.String(length=60), nullable=False),
    sa.Column('middle_name', sa.String(length=80), nullable=False),
    sa.Column('given_name', sa.String(length=60), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('cccd', sa.String(length=12), nullable=True),
    sa.Column('relation', sa.String(length=12), nullable=False),
    sa.Column('education', sa.String(length=20), nullable=False),
    sa.Column('occupation', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_person_household_id_household'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('cccd', name=op.f('uq_person_cccd')),
    sa.UniqueConstraint('uid', name=op.f('uq_person_uid'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_birth_year'), ['birth_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_sort_key'), ['sort_key'], unique=False)

    op.create_table('member',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('card_number', sa.String(length=30), nullable=True),
    sa.Column('join_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('leave_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_member_branch_id_branch'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_member_person_id_person'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('card_number', name=op.f('uq_member_card_number')),
    sa.UniqueConstraint('person_id', name=op.f('uq_member_person_id')),
    sa.UniqueConstraint('uid', name=op.f('uq_member_uid'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_sort_key'), ['sort_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_status'), ['status'], unique=False)

    op.create_table('dues_payment',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_dues_payment_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payment')),
    sa.UniqueConstraint('member_id', 'period', name=op.f('uq_dues_payment_member_id_period')),
    sa.UniqueConstraint('uid', name=op.f('uq_dues_payment_uid'))
    )
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_payment_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_payment_member_id'))

    op.drop_table('dues_payment')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_status'))
        batch_op.drop_index(batch_op.f('ix_member_sort_key'))
        batch_op.drop_index(batch_op.f('ix_member_branch_id'))

    op.drop_table('member')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_sort_key'))
        batch_op.drop_index(batch_op.f('ix_person_household_id'))
        batch_op.drop_index(batch_op.f('ix_person_birth_year'))

    op.drop_table('person')
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_sort_key'))
        batch_op.drop_index(batch_op.f('ix_branch_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_branch_hamlet_id'))
        batch_op.drop_index(batch_op.f('ix_branch_clan_id'))

    op.drop_table('branch')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_sort_key'))
        batch_op.drop_index(batch_op.f('ix_organisation_hamlet_id'))

    op.drop_table('organisation')
    op.drop_table('officer')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_sort_key'))
        batch_op.drop_index(batch_op.f('ix_household_head_person_id'))
        batch_op.drop_index(batch_op.f('ix_household_hamlet_id'))
        batch_op.drop_index(batch_op.f('ix_household_clan_id'))

    op.drop_table('household')
    op.drop_table('clan_hamlet')
    with op.batch_alter_table('hamlet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hamlet_sort_key'))

    op.drop_table('hamlet')
    op.drop_table('commune_profile')
    with op.batch_alter_table('clan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clan_sort_key'))
        batch_op.drop_index(batch_op.f('ix_clan_head_person_id'))

    op.drop_table('clan')
