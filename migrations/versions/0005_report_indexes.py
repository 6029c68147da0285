"""report indexes: members and survey responses by country, quiz attempts in reading order

Revision ID: 18440a05fec6
Revises: 0ce61aae42e3
Create Date: 2026-11-28 07:32:58.561916

"""
from alembic import op
import sqlalchemy as sa


revision = '18440a05fec6'
down_revision = '0ce61aae42e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempts_user_id'))
        batch_op.create_index('ix_quiz_attempts_member_order', ['user_id', 'module_id', 'before_lessons', 'submitted_at', 'id'], unique=False)

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_country'), ['country'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_country'), ['country'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_country'))

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_country'))

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_member_order')
        batch_op.create_index(batch_op.f('ix_quiz_attempts_user_id'), ['user_id'], unique=False)

