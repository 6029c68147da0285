"""version takes effect: the day members start answering a published survey version

A version published while its survey has an open wave takes effect at the next release checkpoint, so that
every answer of one checkpoint period is of one version (docs/privacy.md). Versions published before this
revision took effect when they were published: they keep that day.

Revision ID: 3c9d7e4a1b20
Revises: 5b8e1f2c4d67
Create Date: 2026-12-05 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


revision = '3c9d7e4a1b20'
down_revision = '5b8e1f2c4d67'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('takes_effect_on', sa.Date(), nullable=True))
    # date() is a function on SQLite (of its text form) and a cast on PostgreSQL alike.
    op.execute("UPDATE survey_versions SET takes_effect_on = date(published_at) WHERE published_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_column('takes_effect_on')
