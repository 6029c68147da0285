"""group workplaces: a training group may be held at or for one workplace

A training held for one hotel or one factory says so, and that workplace's survey rounds are read before and after
it (the workplace page's timeline, the report's workplace indicators). Optional; deleting the workplace leaves the
group, untied. Existing groups have none.

Revision ID: e7a1c3b95d20
Revises: d6edb8d4c7c0
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7a1c3b95d20'
down_revision = 'd6edb8d4c7c0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workplace_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_training_groups_workplace_id'), ['workplace_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_training_groups_workplace_id_workplaces'), 'workplaces',
                                    ['workplace_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('training_groups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_training_groups_workplace_id_workplaces'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_training_groups_workplace_id'))
        batch_op.drop_column('workplace_id')
