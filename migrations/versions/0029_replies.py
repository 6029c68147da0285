"""replies: numbers that asked for no SMS, the texts the portal could not read, and its answers as a kind

``sms_numbers``: one row per number that texted the portal (STOP, START, HELP, anything), keyed by an HMAC of the
number (a key derived from SECRET_KEY), never the number: whether it replied STOP, with or without an account
(a mistyped number's holder must be able to stop the codes meant for someone else), and how many automatic
answers it got today (at most SMS_ANSWERS_PER_DAY). ``sms_unread_texts``: how many texts were neither a keyword
nor a code, per day, for the administrators' SMS page. ``text_messages.kind`` gains "reply", the portal's
automatic answers, which alone may go to a number that replied STOP.

Revision ID: 97db346e3cc7
Revises: 5e1d7c0a9b28
Create Date: 2026-12-05 10:25:33.798597

"""
from alembic import op
import sqlalchemy as sa


revision = '97db346e3cc7'
down_revision = '5e1d7c0a9b28'
branch_labels = None
depends_on = None

KINDS = "'survey_reminders', 'group_news', 'account_codes', 'service'"


def upgrade():
    op.create_table('sms_numbers',
    sa.Column('number_hash', sa.String(length=64), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('number_hash', name=op.f('pk_sms_numbers'))
    )
    op.create_table('sms_unread_texts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('texts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_sms_unread_texts'))
    )
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_text_messages_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_text_messages_kind'), f"kind IN ({KINDS}, 'reply')")


def downgrade():
    op.execute("UPDATE text_messages SET kind = 'service' WHERE kind = 'reply'")
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_text_messages_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_text_messages_kind'), f"kind IN ({KINDS})")
    op.drop_table('sms_unread_texts')
    op.drop_table('sms_numbers')
