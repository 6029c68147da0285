"""remember grace: the validator a remember cookie's last use replaced, and until when it is still taken

A page and its scripts sent at once with the old cookie, just after one of them had it replaced, were taken
for a stolen copy and signed the member out everywhere.

Revision ID: 5b8e1f2c4d67
Revises: 3c1f0e7d9a42
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '5b8e1f2c4d67'
down_revision = '3c1f0e7d9a42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_remember_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_remember_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('previous_remember_until')
        batch_op.drop_column('previous_remember_hash')
