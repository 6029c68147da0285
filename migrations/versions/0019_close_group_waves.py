"""close group waves: anonymous and pseudonymous surveys are no longer asked of one training group

Whoever runs a group decides who is in it, so could tell one member's answers from the rest (docs/privacy.md,
"Who decides who answers"). Every such wave still open closes yesterday: it takes no more answers, its
batches of 5 or more are published at the release job's next run, smaller ones are deleted unpublished after
KEEP_AFTER_CLOSE_DAYS. Published answers stay. Ask the survey of the group's course instead: its members are
asked on their group's dates. Data only; downgrading leaves the waves closed (their old last days are not kept).

Revision ID: 7a1c2e9b5d30
Revises: 4df805d5d023
Create Date: 2026-12-04 23:10:00

"""
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


revision = '7a1c2e9b5d30'
down_revision = '4df805d5d023'
branch_labels = None
depends_on = None


def upgrade():
    yesterday = date.today() - timedelta(days=1)
    op.get_bind().execute(sa.text(
        "UPDATE survey_waves SET closes_on = :yesterday"
        " WHERE group_id IS NOT NULL AND (closes_on IS NULL OR closes_on > :yesterday)"
        " AND survey_id IN (SELECT id FROM surveys WHERE privacy != 'identified')"), {"yesterday": yesterday})


def downgrade():
    pass
