"""message recipients: whom each group message was for, and drafts waiting for their preview

``group_message_recipients``: each member a group message was for and the channel it went by (sms, email, or
none), written at sending, so that every member reads on their group's page the messages meant for them, however
(or whether) they were reached; deleted with an erased account.
``group_message_drafts``: a message as written, until its trainer checks the preview and sends it (Post/Redirect/
Get: the preview is a page of its own, at an address naming the draft, never its text); its id becomes the sent
message's preview_id, so one draft sends once.

Revision ID: 68fe8cbf1723
Revises: 97db346e3cc7
Create Date: 2026-12-05 10:25:22.236840

"""
from alembic import op
import sqlalchemy as sa


revision = '68fe8cbf1723'
down_revision = '97db346e3cc7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_message_drafts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience IN ('group', 'absent')", name=op.f('ck_group_message_drafts_audience')),
    sa.ForeignKeyConstraint(['group_id'], ['training_groups.id'], name=op.f('fk_group_message_drafts_group_id_training_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_group_message_drafts_sender_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_group_message_drafts_session_id_group_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_message_drafts'))
    )
    with op.batch_alter_table('group_message_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_message_drafts_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_message_drafts_sender_id'), ['sender_id'], unique=False)

    op.create_table('group_message_recipients',
    sa.Column('group_message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email', 'none')", name=op.f('ck_group_message_recipients_channel')),
    sa.ForeignKeyConstraint(['group_message_id'], ['group_messages.id'], name=op.f('fk_group_message_recipients_group_message_id_group_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_message_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_message_id', 'user_id', name=op.f('pk_group_message_recipients'))
    )
    with op.batch_alter_table('group_message_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_message_recipients_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('group_message_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_message_recipients_user_id'))

    op.drop_table('group_message_recipients')
    with op.batch_alter_table('group_message_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_message_drafts_sender_id'))
        batch_op.drop_index(batch_op.f('ix_group_message_drafts_group_id'))

    op.drop_table('group_message_drafts')
