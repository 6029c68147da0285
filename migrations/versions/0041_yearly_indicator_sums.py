"""yearly indicator sums: survey_indicator_sums.year, for the rows kept per wave and year of submission, pooled over
countries, that the donor's yearly file reads instead of every answer (lms/surveys/indicator_sums.py)

Every survey is marked to be added up again (its summed waves deleted), so that the scheduler writes those rows.

Revision ID: f1c7b3e8a4d6
Revises: e5a9c1d7f3b2
Create Date: 2026-12-06 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'f1c7b3e8a4d6'
down_revision = 'e5a9c1d7f3b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_indicator_sums', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
    op.execute("DELETE FROM survey_summed_waves")


def downgrade():
    op.execute("DELETE FROM survey_indicator_sums WHERE year IS NOT NULL")
    with op.batch_alter_table('survey_indicator_sums', schema=None) as batch_op:
        batch_op.drop_column('year')
