"""wave released on: survey answers are published at fixed checkpoints, not as soon as a batch is full

Each wave remembers the day the release job last published its waiting answers; an open wave's next
release waits for the next checkpoint (every RELEASE_EVERY_DAYS days). Waves already there count as
released on the day of the upgrade: their waiting answers are published at the first checkpoint after it.

Revision ID: 3c1f0e7d9a42
Revises: 3e9d2c71b5a4
Create Date: 2026-12-05 09:00:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '3c1f0e7d9a42'
down_revision = '3e9d2c71b5a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_waves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_on', sa.Date(), nullable=True))
    waves = sa.table('survey_waves', sa.column('released_on', sa.Date()))
    op.execute(waves.update().values(released_on=date.today()))
    with op.batch_alter_table('survey_waves', schema=None) as batch_op:
        batch_op.alter_column('released_on', existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table('survey_waves', schema=None) as batch_op:
        batch_op.drop_column('released_on')
