"""reminders: the short links of survey reminders sent by SMS

``survey_links``: one row per SMS reminder, holding the SHA-256 of the random token of its link (``/s/<token>``),
the invitation it opens, which reminder it was made for (unique with the invitation, so that a retry or a second
scheduler cannot queue a second SMS for the same reminder) and when it stops working. Rows are deleted once the
link is dead. Nothing to fill in: no reminder went by SMS before this revision.

Revision ID: 05dc03cb621b
Revises: 6c1d2e3f4a50
Create Date: 2026-12-05 07:30:07.089453

"""
from alembic import op
import sqlalchemy as sa


revision = '05dc03cb621b'
down_revision = '6c1d2e3f4a50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('reminder', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['survey_invitations.id'], name=op.f('fk_survey_links_invitation_id_survey_invitations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_survey_links')),
    sa.UniqueConstraint('invitation_id', 'reminder', name=op.f('uq_survey_links_invitation_id_reminder'))
    )
    with op.batch_alter_table('survey_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_links_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_links_expires_at'))

    op.drop_table('survey_links')
