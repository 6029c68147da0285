"""synced operations: what members did offline, applied once

Revision ID: c8c80f6faa2a
Revises: 18440a05fec6
Create Date: 2026-11-28 08:08:01.171051

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8c80f6faa2a'
down_revision = '18440a05fec6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('synced_operations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_synced_operations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synced_operations'))
    )
    with op.batch_alter_table('synced_operations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_synced_operations_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('synced_operations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_synced_operations_user_id'))

    op.drop_table('synced_operations')
