"""members: codes sent by SMS, kept only as HMACs

``sms_codes``: the latest code of each purpose (a phone's confirmation, a new password, a sign-in) for each
subject (an account, or an identifier as typed: one that names no account gets a row too, so that the pages
cannot tell which do), with its expiry, the tries made and when it was used. No code is stored, only an HMAC
of it with SECRET_KEY; a new code replaces the row's.

Revision ID: bb087f5b03e8
Revises: cdb7212b056e
Create Date: 2026-12-05 07:32:40.887324

"""
from alembic import op
import sqlalchemy as sa


revision = 'bb087f5b03e8'
down_revision = 'cdb7212b056e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('confirm_phone', 'recover', 'sign_in')", name=op.f('ck_sms_codes_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sms_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_codes')),
    sa.UniqueConstraint('purpose', 'subject', name=op.f('uq_sms_codes_purpose_subject'))
    )
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_codes_user_id'))

    op.drop_table('sms_codes')
