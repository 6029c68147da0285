"""imported submissions: an export from ODK or KoboToolbox imported again adds nothing

One row per submission imported, known by keyed hashes only: of the survey and the submission's key
(``_uuid``, ``meta/instanceID``, ``KEY``), and of its answers. A random key, the wave (deleted with it), no
reference to the response, no time column and, on SQLite, no hidden rowid (WITHOUT ROWID), like the pool.
Submissions imported before this revision have no row: an export imported before is imported again once.
Downgrading drops the table: a later import adds every submission again.

Revision ID: 0c5b7e2f9a41
Revises: 51e1f67ad4e6
Create Date: 2026-12-05 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0c5b7e2f9a41'
down_revision = '51e1f67ad4e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_imported_submissions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['wave_id'], ['survey_waves.id'],
                            name=op.f('fk_survey_imported_submissions_wave_id_survey_waves'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_imported_submissions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_survey_imported_submissions_key_hash')),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_survey_imported_submissions_wave_id'), 'survey_imported_submissions', ['wave_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_survey_imported_submissions_wave_id'), table_name='survey_imported_submissions')
    op.drop_table('survey_imported_submissions')
