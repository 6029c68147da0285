"""translation review: a module's texts (title and quiz) and the course page are translated and reviewed as lessons are

Each module translation gets the checksums, review status and translator and reviewer that lessons have, and its
title may be left out (quiz texts first). The course page gets its translator and reviewer. Existing module texts
get their checksums; their translations count as made from the current source, and as drafts.

Revision ID: f4b2d8a61c37
Revises: e7a1c3b95d20
Create Date: 2026-12-06 10:12:00.000000

"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = 'f4b2d8a61c37'
down_revision = 'e7a1c3b95d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_course_translations_edited_by_id_users'), 'users', ['edited_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_course_translations_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('module_translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checksum', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source_checksum', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('review_status', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.alter_column('title', existing_type=sa.String(length=200), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_module_translations_edited_by_id_users'), 'users', ['edited_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_module_translations_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')

    _stamp_module_texts(op.get_bind())

    with op.batch_alter_table('module_translations', schema=None) as batch_op:
        batch_op.alter_column('checksum', server_default=None)


def _stamp_module_texts(conn):
    """Each module text's checksum, as ``lms.content.bundle.module_checksum`` computes it today (written out here,
    so that this step stays what it was whatever that function becomes); translations made from the current source."""
    rows = conn.execute(sa.text(
        "SELECT mt.id, mt.module_id, mt.language, mt.title, c.source_language FROM module_translations mt "
        "JOIN modules m ON m.id = mt.module_id JOIN courses c ON c.id = m.course_id")).all()
    questions = conn.execute(sa.text("SELECT id, module_id, slug FROM questions")).all()
    prompts = {(r.question_id, r.language): r.prompt for r in conn.execute(sa.text(
        "SELECT question_id, language, prompt FROM question_translations"))}
    choices = conn.execute(sa.text("SELECT id, question_id, slug FROM choices")).all()
    texts = {(r.choice_id, r.language): (r.text, r.feedback) for r in conn.execute(sa.text(
        "SELECT choice_id, language, text, feedback FROM choice_translations"))}
    checksums = {}
    for row in rows:
        parts = [row.title or ""]
        for question in sorted((q for q in questions if q.module_id == row.module_id), key=lambda q: q.slug):
            parts += [question.slug, prompts.get((question.id, row.language)) or ""]
            for choice in sorted((c for c in choices if c.question_id == question.id), key=lambda c: c.slug):
                text, feedback = texts.get((choice.id, row.language), ("", ""))
                parts += [choice.slug, text or "", feedback or ""]
        checksums[row.module_id, row.language] = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    table = sa.table('module_translations', sa.column('id', sa.Integer), sa.column('checksum', sa.String),
                     sa.column('source_checksum', sa.String), sa.column('review_status', sa.String))
    for row in rows:
        source = checksums.get((row.module_id, row.source_language))
        is_translation = row.language != row.source_language
        conn.execute(table.update().where(table.c.id == row.id).values(
            checksum=checksums[row.module_id, row.language],
            source_checksum=source if is_translation else None,
            review_status="draft" if is_translation else None))


def downgrade():
    op.execute("DELETE FROM module_translations WHERE title IS NULL")
    with op.batch_alter_table('module_translations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_module_translations_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_module_translations_edited_by_id_users'), type_='foreignkey')
        batch_op.alter_column('title', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('edited_by_id')
        batch_op.drop_column('review_status')
        batch_op.drop_column('source_checksum')
        batch_op.drop_column('checksum')

    with op.batch_alter_table('course_translations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_course_translations_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_course_translations_edited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('edited_by_id')
