"""members' rights: consents, last activity, erasure

Existing accounts count as active on the day of the upgrade, so that the retention period
(RETENTION_INACTIVE_DAYS) starts then for them and nobody is erased by the first run of the job.

Revision ID: 373e4a370b93
Revises: 8d2d76710398
Create Date: 2026-11-28 10:37:48.635558

"""
from alembic import op
import sqlalchemy as sa


revision = '373e4a370b93'
down_revision = '8d2d76710398'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('membership')", name=op.f('ck_consents_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_last_active_at'), ['last_active_at'], unique=False)

    users = sa.table('users', sa.column('last_active_at', sa.DateTime(timezone=True)))
    op.execute(users.update().values(last_active_at=sa.func.now()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_last_active_at'))
        batch_op.drop_column('erased_at')
        batch_op.drop_column('last_active_at')

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_user_id'))

    op.drop_table('consents')
