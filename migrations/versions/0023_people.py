"""people: suspended accounts, and trainer promotions that can be reversed

``users.suspended_at``: an administrator suspends an account (it cannot sign in) and reinstates it.
``trainer_promotions.revoked_at``: reversing "make trainer" keeps the promotion in the family tree, marked
revoked; a person made a trainer again gets a second row, so ``user_id`` is no longer unique (an index stays).
Downgrading drops both columns and makes ``user_id`` unique again: it fails if someone was promoted twice.

Revision ID: 5b8e1f3a9c21
Revises: 5b7e1c9d2a40
Create Date: 2026-12-05 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b8e1f3a9c21'
down_revision = '5b7e1c9d2a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('trainer_promotions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_trainer_promotions_user_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_trainer_promotions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trainer_promotions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainer_promotions_user_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_trainer_promotions_user_id'), ['user_id'])
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
