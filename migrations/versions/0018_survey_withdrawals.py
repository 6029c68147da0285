"""survey withdrawals: a withdrawal's published responses are deleted at the next checkpoint's release

A table of sealed requests: a random key, nothing in clear, no time column and, on SQLite, no hidden rowid
(WITHOUT ROWID), like the pool. Downgrading drops it: pending withdrawals are lost and their responses stay.

Revision ID: 4df805d5d023
Revises: 3c9d7e4a1b20
Create Date: 2026-12-04 20:54:10.499267

"""
from alembic import op
import sqlalchemy as sa


revision = '4df805d5d023'
down_revision = '3c9d7e4a1b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_withdrawals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_withdrawals')),
    sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('survey_withdrawals')
