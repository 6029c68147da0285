"""kept survey figures: each indicator's sums per wave and country (and per pair of waves and countries), and the
counts of responses, answers and choices per wave, country and question, kept by the scheduler so that reports and
results pages need not read every answer

Empty at first: reports read the answers themselves until the scheduler's job has added each wave up.

Revision ID: b3d9f7a2c1e4
Revises: a8c4e2f19b63
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d9f7a2c1e4'
down_revision = 'a8c4e2f19b63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_indicator_sums',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('wave_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('base_wave_id', sa.Integer(), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('base_country', sa.String(length=2), nullable=True),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('squares', sa.Float(), nullable=False),
        sa.Column('key_sum', sa.BigInteger(), nullable=False),
        sa.Column('counted_key_sum', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['base_wave_id'], ['survey_waves.id'],
                                name=op.f('fk_survey_indicator_sums_base_wave_id_survey_waves'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['indicator_id'], ['survey_indicators.id'],
                                name=op.f('fk_survey_indicator_sums_indicator_id_survey_indicators'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['wave_id'], ['survey_waves.id'],
                                name=op.f('fk_survey_indicator_sums_wave_id_survey_waves'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_indicator_sums')),
    )
    with op.batch_alter_table('survey_indicator_sums', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_indicator_sums_wave_id'), ['wave_id'], unique=False)
    op.create_table(
        'survey_answer_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('wave_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('item', sa.String(length=60), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('key_sum', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('squares', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'],
                                name=op.f('fk_survey_answer_counts_question_id_survey_questions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['wave_id'], ['survey_waves.id'],
                                name=op.f('fk_survey_answer_counts_wave_id_survey_waves'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer_counts')),
    )
    with op.batch_alter_table('survey_answer_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_counts_wave_id'), ['wave_id'], unique=False)
    op.create_table(
        'survey_summed_waves',
        sa.Column('wave_id', sa.Integer(), nullable=False),
        sa.Column('base_wave_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['base_wave_id'], ['survey_waves.id'],
                                name=op.f('fk_survey_summed_waves_base_wave_id_survey_waves'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['wave_id'], ['survey_waves.id'],
                                name=op.f('fk_survey_summed_waves_wave_id_survey_waves'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('wave_id', name=op.f('pk_survey_summed_waves')),
    )


def downgrade():
    op.drop_table('survey_summed_waves')
    with op.batch_alter_table('survey_answer_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_counts_wave_id'))
    op.drop_table('survey_answer_counts')
    with op.batch_alter_table('survey_indicator_sums', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_indicator_sums_wave_id'))
    op.drop_table('survey_indicator_sums')
