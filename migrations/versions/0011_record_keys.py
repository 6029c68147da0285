"""record keys: a permanent random key on every record that published figures count

Every published count is rounded at random to a multiple of 5, the rounding drawn from the sum of
the record keys of the records counted (lms/disclosure.py). Existing rows get a random key here,
drawn by the database: random() on PostgreSQL, SQLite's random() on SQLite.

Revision ID: a5b0831878e2
Revises: fc8176a3897f
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'a5b0831878e2'
down_revision = 'fc8176a3897f'
branch_labels = None
depends_on = None

#: The tables whose rows are counted in published figures (places are members x sessions).
TABLES = ('users', 'enrolments', 'quiz_attempts', 'group_members', 'group_sessions', 'attendance',
          'trainer_promotions', 'survey_responses')
KEY_SPACE = 2**31


def random_key():
    """A random integer in [0, 2^31), drawn anew for each row."""
    if op.get_bind().dialect.name == 'postgresql':
        return sa.text(f'floor(random() * {KEY_SPACE})::integer')
    return sa.text(f'abs(random() % {KEY_SPACE})')


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('record_key', sa.Integer(), nullable=True))
        table = sa.table(name, sa.column('record_key', sa.Integer()))
        op.execute(table.update().values(record_key=random_key()))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('record_key', existing_type=sa.Integer(), nullable=False)


def downgrade():
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('record_key')
