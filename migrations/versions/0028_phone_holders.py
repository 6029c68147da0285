"""phone holders: a number belongs to whoever confirms it

``users.phone`` was unique: anyone could learn whether a number was a member's (sign-up and the profile said
"already used"), and a number typed by someone who does not hold it kept its owner out for good. Now several
accounts may hold one number; among those that confirmed it (``phone_confirmed_at`` set) at most one, by a
partial unique index on both databases. Confirming a number unconfirms it on every other account
(lms/auth/phone.py). A plain index on ``phone`` keeps look-ups by number fast.

Revision ID: 5e1d7c0a9b28
Revises: bb087f5b03e8
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1d7c0a9b28'
down_revision = 'bb087f5b03e8'
branch_labels = None
depends_on = None

CONFIRMED = sa.text("phone_confirmed_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_phone', type_='unique')
        batch_op.create_index(batch_op.f('ix_users_phone'), ['phone'], unique=False)
        batch_op.create_index('ix_users_phone_confirmed', ['phone'], unique=True,
                              sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)


def downgrade():
    # Fails if two accounts hold one number: a unique number each cannot be restored without choosing whose.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_phone_confirmed', sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)
        batch_op.drop_index(batch_op.f('ix_users_phone'))
        batch_op.create_unique_constraint(batch_op.f('uq_users_phone'), ['phone'])
