"""group operations: archived groups, lessons a session covered, paper marks, the certificate's issuer

A group can be archived (``archived_at``): out of the default lists, its join code refused, its data kept and
counted. A session records the lessons it went through (``group_session_lessons``): the members present have
them marked done. A paper score keeps the mark as written (``mark`` out of ``out_of``) beside its percentage. A
certificate names the partner organisation that ran the member's group (``issuer``), as named when issued.
Downgrading drops them: archived groups are listed again, and scores keep only their percentage.

Revision ID: 3c8f1a6d2e47
Revises: 9d4e6b2a7c15
Create Date: 2026-12-05 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c8f1a6d2e47'
down_revision = '9d4e6b2a7c15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'group_session_lessons',
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'],
                                name=op.f('fk_group_session_lessons_lesson_id_lessons'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'],
                                name=op.f('fk_group_session_lessons_session_id_group_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('session_id', 'lesson_id', name=op.f('pk_group_session_lessons')),
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mark', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('out_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_quiz_attempts_group_id_training_groups'), 'training_groups',
                                    ['group_id'], ['id'], ondelete='SET NULL')
    # A paper score entered before now belongs to the group of its member, on its course, that the trainer who
    # entered it runs (the lowest id if there were several); one with no such group stays as it counts, with none.
    op.execute("""
        UPDATE quiz_attempts SET group_id = (
            SELECT MIN(g.id) FROM training_groups g
            JOIN group_members m ON m.group_id = g.id
            JOIN modules mo ON mo.course_id = g.course_id
            WHERE m.user_id = quiz_attempts.user_id AND mo.id = quiz_attempts.module_id
              AND g.trainer_id = quiz_attempts.entered_by_id)
        WHERE entered_by_id IS NOT NULL""")
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer', sa.String(length=250), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('issuer')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_quiz_attempts_group_id_training_groups'), type_='foreignkey')
        batch_op.drop_column('group_id')
        batch_op.drop_column('out_of')
        batch_op.drop_column('mark')
    op.drop_table('group_session_lessons')
    with op.batch_alter_table('training_groups', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
