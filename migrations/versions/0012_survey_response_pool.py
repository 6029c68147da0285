"""survey response pool: answers wait sealed and are published in shuffled batches

The pool table has a random key, no time column and, on SQLite, no hidden rowid (WITHOUT ROWID).

The responses already published were stored in the order they were given (SQLite's rowid, PostgreSQL's
physical order, and on PostgreSQL each carried the transaction id of its invitation's claim): the
upgrade writes them again in a random order, in one transaction. Rows deleted by it stay in the
database's free pages until `VACUUM` (SQLite) or `VACUUM FULL survey_responses, survey_answers`
(PostgreSQL) is run once after the upgrade (docs/privacy.md).

Downgrading drops the pool: answers still waiting for their batch are lost, never published.

Revision ID: 8614ba2f8a0e
Revises: a5b0831878e2
Create Date: 2026-12-04 17:05:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '8614ba2f8a0e'
down_revision = 'a5b0831878e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_response_pool',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_response_pool_version_id_survey_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wave_id'], ['survey_waves.id'], name=op.f('fk_survey_response_pool_wave_id_survey_waves'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response_pool')),
    sqlite_with_rowid=False,
    )
    # Not in batch mode: on SQLite a batch that copied the table would lose WITHOUT ROWID.
    op.create_index(op.f('ix_survey_response_pool_wave_id'), 'survey_response_pool', ['wave_id'], unique=False)
    shuffle_published_responses()


def shuffle_published_responses():
    """Every published response and its answers written again in a random order, wave by wave (so that
    memory holds one wave at a time), in this transaction."""
    connection = op.get_bind()
    responses_table = sa.table('survey_responses', *(sa.column(name) for name in (
        'id', 'wave_id', 'version_id', 'user_id', 'pseudonym', 'language', 'country', 'submitted_on', 'source',
        'record_key')))
    answers_table = sa.table('survey_answers', *(sa.column(name) for name in (
        'response_id', 'question_id', 'value', 'number')))
    waves = connection.execute(sa.select(responses_table.c.wave_id).distinct()).scalars().all()
    for wave_id in waves:
        of_wave = sa.select(responses_table.c.id).where(responses_table.c.wave_id == wave_id)
        responses = [dict(row) for row in connection.execute(
            sa.select(responses_table).where(responses_table.c.wave_id == wave_id)).mappings()]
        answers = {}
        for row in connection.execute(sa.select(answers_table).where(
                answers_table.c.response_id.in_(of_wave))).mappings():
            answers.setdefault(row['response_id'], []).append(dict(row))
        secrets.SystemRandom().shuffle(responses)
        connection.execute(answers_table.delete().where(answers_table.c.response_id.in_(of_wave)))
        connection.execute(responses_table.delete().where(responses_table.c.wave_id == wave_id))
        for start in range(0, len(responses), 200):
            connection.execute(responses_table.insert(), responses[start:start + 200])
        ordered = [answer for response in responses for answer in answers.get(response['id'], [])]
        for start in range(0, len(ordered), 500):
            connection.execute(answers_table.insert(), ordered[start:start + 500])


def downgrade():
    op.drop_index(op.f('ix_survey_response_pool_wave_id'), table_name='survey_response_pool')
    op.drop_table('survey_response_pool')
