"""retired content: deleted lessons and modules are retired, not removed, and courses can be archived

A lesson or module an author deletes keeps its row (and so members' lessons done, quiz attempts and the
lesson's versions), hidden from the course. An archived course leaves the catalogue and the choice of new
groups; members who started it keep what they did. Downgrading drops the columns: retired lessons and modules
are then shown again, archived courses listed again.

Revision ID: 5b7e1c9d2a40
Revises: 3c8f1a6d2e47
Create Date: 2026-12-05 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e1c9d2a40'
down_revision = '3c8f1a6d2e47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses') as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('modules') as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('lessons') as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('lessons') as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('modules') as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('courses') as batch_op:
        batch_op.drop_column('archived_at')
