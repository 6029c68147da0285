"""summary cell totals: the cells of a summary added up over organisations, for the participation cube of a report
that filters on no organisation (lms/reports/summaries/reading.py)

The totals of the summaries built before are added up from their cells here.

Revision ID: c9f4e1b7a2d5
Revises: b7e2c4a9d1f3
Create Date: 2026-12-06 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'c9f4e1b7a2d5'
down_revision = 'b7e2c4a9d1f3'
branch_labels = None
depends_on = None

MEASURES = ('participants', 'enrolments', 'completed_since', 'completions')
SUMS = ', '.join(f'sum({name}), sum({name}_key)' for name in MEASURES)
NAMES = ', '.join(f'{name}, {name}_key' for name in MEASURES)


def upgrade():
    op.create_table(
        'report_summary_cell_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=48), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('gender', sa.String(length=12), nullable=True),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        *[column for name in MEASURES for column in (sa.Column(name, sa.Integer(), nullable=False),
                                                     sa.Column(f'{name}_key', sa.BigInteger(), nullable=False))],
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_cell_totals_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_cell_totals')))
    op.create_index('ix_report_summary_cell_totals_summary_id_scope_birth_year', 'report_summary_cell_totals',
                    ['summary_id', 'scope', 'birth_year'])
    op.execute(
        f"INSERT INTO report_summary_cell_totals (summary_id, scope, country, gender, birth_year, {NAMES}) "
        f"SELECT summary_id, scope, country, gender, birth_year, {SUMS} FROM report_summary_cells "
        "GROUP BY summary_id, scope, country, gender, birth_year "
        "ORDER BY summary_id, scope, birth_year")  # a summary's rows together in the table, as a build writes them


def downgrade():
    op.drop_index('ix_report_summary_cell_totals_summary_id_scope_birth_year', table_name='report_summary_cell_totals')
    op.drop_table('report_summary_cell_totals')
