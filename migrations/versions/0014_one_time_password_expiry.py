"""one-time password expiry: a one-time password given by staff stops working after ONE_TIME_PASSWORD_DAYS

One-time passwords given before this revision had no end: they get one, seven days after the upgrade
(the default lifetime), so that a member who has not signed in yet still can this week.

Revision ID: 3e9d2c71b5a4
Revises: 242329e8066d
Create Date: 2026-12-04 20:40:00.000000

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '3e9d2c71b5a4'
down_revision = '242329e8066d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('one_time_password_expires_at', sa.DateTime(timezone=True), nullable=True))
    users = sa.table('users', sa.column('must_change_password', sa.Boolean),
                     sa.column('one_time_password_expires_at', sa.DateTime(timezone=True)))
    op.execute(users.update().where(users.c.must_change_password.is_(True))
               .values(one_time_password_expires_at=datetime.now(UTC) + timedelta(days=7)))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('one_time_password_expires_at')
