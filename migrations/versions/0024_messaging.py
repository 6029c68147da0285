"""messaging: how members are reached (a channel per topic), and every SMS sent

``contact_preferences``: a member's channel (sms, email, none) per topic. ``text_messages``: each outgoing SMS
and its status. ``users.phone_confirmed_at``: no number is confirmed yet, so no SMS but a confirmation code
goes to numbers given before this revision. ``users.sms_stopped_at``: a member who replied STOP.

Revision ID: 6c1d2e3f4a50
Revises: 5b8e1f3a9c21
Create Date: 2026-12-05 07:24:04.669865

"""
from alembic import op
import sqlalchemy as sa


revision = '6c1d2e3f4a50'
down_revision = '5b8e1f3a9c21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email', 'none')", name=op.f('ck_contact_preferences_channel')),
    sa.CheckConstraint("topic IN ('survey_reminders', 'group_news', 'account_codes')", name=op.f('ck_contact_preferences_topic')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic', name=op.f('pk_contact_preferences'))
    )
    op.create_table('text_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('encoding', sa.String(length=5), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("encoding IN ('gsm7', 'ucs2')", name=op.f('ck_text_messages_encoding')),
    sa.CheckConstraint("kind IN ('survey_reminders', 'group_news', 'account_codes', 'service')", name=op.f('ck_text_messages_kind')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'delivered', 'failed')", name=op.f('ck_text_messages_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_text_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_messages'))
    )
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.create_index('ix_text_messages_due', ['status', 'send_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_text_messages_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sms_stopped_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sms_stopped_at')
        batch_op.drop_column('phone_confirmed_at')

    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_messages_user_id'))
        batch_op.drop_index('ix_text_messages_due')

    op.drop_table('text_messages')
    op.drop_table('contact_preferences')
