"""content version: a stamp drawn anew at every change to course content, for the reading cache

Revision ID: 8d2d76710398
Revises: c8c80f6faa2a
Create Date: 2026-11-28 08:29:54.767937

"""
import uuid

import sqlalchemy as sa
from alembic import op


revision = '8d2d76710398'
down_revision = 'c8c80f6faa2a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.execute(f"INSERT INTO content_version (id, stamp) VALUES (1, '{uuid.uuid4().hex}')")


def downgrade():
    op.drop_table('content_version')
