"""pool collector: answers entered on a tablet are batched per account that entered them

Another trainer's entries could make up a batch around one worker's answer (outside tester F). A plain integer,
not a foreign key: a pool row's batch, which it is sealed with, must not change. Rows already waiting have
none and keep their batch. Downgrading drops the column: waiting tablet entries then join one batch again.

Revision ID: 9d4e6b2a7c15
Revises: 7a1c2e9b5d30
Create Date: 2026-12-05 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9d4e6b2a7c15'
down_revision = '7a1c2e9b5d30'
branch_labels = None
depends_on = None


def upgrade():
    # In place (ALTER TABLE), not by copying the table: on SQLite a copy would lose WITHOUT ROWID.
    op.add_column('survey_response_pool', sa.Column('collector_id', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('survey_response_pool', 'collector_id')
