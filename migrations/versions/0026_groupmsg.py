"""group messages: what trainers send a group by SMS and e-mail, and which SMS carried it

``group_messages``: a trainer's message to a group (or to those absent from one session), its counts of e-mails
and unreached members, and the preview it was confirmed from (unique: one preview sends once).
``text_messages.group_message_id``: the group message an SMS carries, for the counts of waiting, sent, delivered
and failed on the group page; SET NULL if the group goes, so that the SMS volumes stay.

Revision ID: cdb7212b056e
Revises: 05dc03cb621b
Create Date: 2026-12-05 07:30:12.291220

"""
from alembic import op
import sqlalchemy as sa


revision = 'cdb7212b056e'
down_revision = '05dc03cb621b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('emails', sa.Integer(), nullable=False),
    sa.Column('emails_sent', sa.Integer(), nullable=False),
    sa.Column('unreached', sa.Integer(), nullable=False),
    sa.Column('preview_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience IN ('group', 'absent')", name=op.f('ck_group_messages_audience')),
    sa.ForeignKeyConstraint(['group_id'], ['training_groups.id'], name=op.f('fk_group_messages_group_id_training_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_group_messages_sender_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_group_messages_session_id_group_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_messages')),
    sa.UniqueConstraint('preview_id', name=op.f('uq_group_messages_preview_id'))
    )
    with op.batch_alter_table('group_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_messages_group_id'), ['group_id'], unique=False)

    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_text_messages_group_message_id'), ['group_message_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_text_messages_group_message_id_group_messages'), 'group_messages', ['group_message_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_text_messages_group_message_id_group_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_text_messages_group_message_id'))
        batch_op.drop_column('group_message_id')

    with op.batch_alter_table('group_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_messages_group_id'))

    op.drop_table('group_messages')
