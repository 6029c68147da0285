"""summary group totals: the members of a summary's groups added up over genders too, for the reports that filter on
no gender and no age band (lms/reports/summaries/groups.py, trainers.py)

The totals of the summaries built before are added up from their member totals here.

Revision ID: f2a6c8e4b9d1
Revises: e8b5d2a7f4c1
Create Date: 2026-12-07 19:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'f2a6c8e4b9d1'
down_revision = 'e8b5d2a7f4c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_summary_group_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('members_key', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_group_totals_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_group_totals')))
    op.create_index('ix_report_summary_group_totals_summary_id', 'report_summary_group_totals', ['summary_id'])
    op.execute(
        "INSERT INTO report_summary_group_totals (summary_id, group_id, members, members_key) "
        "SELECT summary_id, group_id, sum(members), sum(members_key) FROM report_summary_member_totals "
        "GROUP BY summary_id, group_id")


def downgrade():
    op.drop_index('ix_report_summary_group_totals_summary_id', table_name='report_summary_group_totals')
    op.drop_table('report_summary_group_totals')
