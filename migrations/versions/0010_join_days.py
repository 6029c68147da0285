"""join days: when someone joined a training group is kept to the day

A time of day could be matched with a log line or another record (and, after an erasure, lead back
to the person); nothing needs more than the day. New rows get midnight UTC (lms/models/groups.py);
this cuts the rows already there. There is no schema change, and nothing to undo: the downgrade
leaves the days as they are.

Revision ID: fc8176a3897f
Revises: c00c36b6ae08
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op


revision = 'fc8176a3897f'
down_revision = 'c00c36b6ae08'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE group_members SET joined_at = date_trunc('day', joined_at AT TIME ZONE 'UTC') "
                   "AT TIME ZONE 'UTC'")
    else:  # SQLite keeps SQLAlchemy's text form, in UTC: 'YYYY-MM-DD HH:MM:SS.ffffff'
        op.execute("UPDATE group_members SET joined_at = substr(joined_at, 1, 10) || ' 00:00:00.000000'")


def downgrade():
    pass
