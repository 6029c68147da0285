"""summary totals: the months of a summary added up over birth years and organisations, and the members of its
groups over birth years, for the reports that filter on neither (lms/reports/summaries/reading.py, groups.py)

The totals of the summaries built before are added up from their months and members here.

Revision ID: a3d5f7b9c2e1
Revises: f1c7b3e8a4d6
Create Date: 2026-12-06 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3d5f7b9c2e1'
down_revision = 'f1c7b3e8a4d6'
branch_labels = None
depends_on = None


def summary_id():
    return sa.Column('summary_id', sa.Integer(), nullable=False)


def counts(*names):
    return [column for name in names for column in (sa.Column(name, sa.Integer(), nullable=False),
                                                    sa.Column(f'{name}_key', sa.BigInteger(), nullable=False))]


def upgrade():
    op.create_table(
        'report_summary_month_totals',
        sa.Column('id', sa.Integer(), nullable=False), summary_id(),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('scope', sa.String(length=48), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('gender', sa.String(length=12), nullable=True),
        *counts('enrolments', 'completions'),
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_month_totals_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_month_totals')))
    op.create_index('ix_report_summary_month_totals_summary_id_scope', 'report_summary_month_totals',
                    ['summary_id', 'scope'])
    op.create_table(
        'report_summary_member_totals',
        sa.Column('id', sa.Integer(), nullable=False), summary_id(),
        sa.Column('group_id', sa.Integer(), nullable=False), sa.Column('gender', sa.String(length=12), nullable=True),
        *counts('members'),
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_member_totals_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_member_totals')))
    op.create_index('ix_report_summary_member_totals_summary_id', 'report_summary_member_totals', ['summary_id'])
    op.execute(
        "INSERT INTO report_summary_month_totals (summary_id, month, scope, country, gender, enrolments, "
        "enrolments_key, completions, completions_key) "
        "SELECT summary_id, month, scope, country, gender, sum(enrolments), sum(enrolments_key), sum(completions), "
        "sum(completions_key) FROM report_summary_months GROUP BY summary_id, month, scope, country, gender")
    op.execute(
        "INSERT INTO report_summary_member_totals (summary_id, group_id, gender, members, members_key) "
        "SELECT summary_id, group_id, gender, sum(members), sum(members_key) FROM report_summary_members "
        "GROUP BY summary_id, group_id, gender")


def downgrade():
    op.drop_index('ix_report_summary_member_totals_summary_id', table_name='report_summary_member_totals')
    op.drop_table('report_summary_member_totals')
    op.drop_index('ix_report_summary_month_totals_summary_id_scope', table_name='report_summary_month_totals')
    op.drop_table('report_summary_month_totals')
