"""summary gain totals: the knowledge gain's sums of a summary added up over organisations, for a report that filters
on no organisation (lms/reports/summaries/reading.py)

The totals of the summaries built before are added up from their gains here.

Revision ID: d3a8f6c2e9b4
Revises: c9f4e1b7a2d5
Create Date: 2026-12-06 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'd3a8f6c2e9b4'
down_revision = 'c9f4e1b7a2d5'
branch_labels = None
depends_on = None

SUMS = ('before_sum', 'after_sum', 'difference_sum', 'squares_sum')
MEASURES = ('people', 'people_key', *SUMS)


def upgrade():
    op.create_table(
        'report_summary_gain_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=48), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('gender', sa.String(length=12), nullable=True),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('people_key', sa.BigInteger(), nullable=False),
        *[sa.Column(name, sa.Numeric(asdecimal=False), nullable=False) for name in SUMS],
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_gain_totals_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_gain_totals')))
    op.create_index('ix_report_summary_gain_totals_summary_id_scope_birth_year', 'report_summary_gain_totals',
                    ['summary_id', 'scope', 'birth_year'])
    op.execute(
        f"INSERT INTO report_summary_gain_totals (summary_id, scope, country, gender, birth_year, "
        f"{', '.join(MEASURES)}) SELECT summary_id, scope, country, gender, birth_year, "
        f"{', '.join(f'sum({name})' for name in MEASURES)} FROM report_summary_gains "
        "GROUP BY summary_id, scope, country, gender, birth_year "
        "ORDER BY summary_id, scope, birth_year")  # a summary's rows together in the table, as a build writes them


def downgrade():
    op.drop_index('ix_report_summary_gain_totals_summary_id_scope_birth_year', table_name='report_summary_gain_totals')
    op.drop_table('report_summary_gain_totals')
