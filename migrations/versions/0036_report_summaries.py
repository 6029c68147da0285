"""report summaries: the participation figures of ended periods, per cell, and the triggers that mark them changed

Tables report_summaries (one row per period), report_summary_cells, report_summary_months and
report_summary_gains (lms/models/report_summaries.py); indexes on enrolments' enrolled_at and completed_at,
an index on quiz_attempts' submitted_at; and
triggers, on SQLite and PostgreSQL alike, that raise report_summaries.changes for every period whose figures a
write may move (lms/reports/summaries/__init__.py says which).

Revision ID: a8c4e2f19b63
Revises: f4b2d8a61c37
Create Date: 2026-12-05 21:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'a8c4e2f19b63'
down_revision = 'f4b2d8a61c37'
branch_labels = None
depends_on = None

MARK = "UPDATE report_summaries SET changes = changes + 1"


def within(moment: str) -> str:
    """SQL: the summary's period holds ``moment`` (false for NULL)."""
    return f"(report_summaries.starts_at <= {moment} AND report_summaries.ends_at >= {moment})"


def mark_person(person: str, since: str) -> str:
    """Every period ending on or after ``since`` in which the person has a record the figures count."""
    return (f"{MARK} WHERE report_summaries.ends_on >= {since} AND ("
            f"EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = {person} AND ({within('e.enrolled_at')} "
            f"OR {within('e.completed_at')})) "
            f"OR EXISTS (SELECT 1 FROM quiz_attempts q WHERE q.user_id = {person} AND {within('q.submitted_at')}))")


def triggers(ne: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, event, table, condition, statements); ``ne``: the dialect's NULL-safe "differs"."""
    begun_moved = (f"(OLD.enrolled_at {ne} NEW.enrolled_at OR OLD.user_id <> NEW.user_id "
                   "OR OLD.course_id <> NEW.course_id)")
    beginning = "'1900-01-01'"
    return [
        ("rs_enrolment_insert", "INSERT", "enrolments", None,
         [f"{MARK} WHERE {within('NEW.enrolled_at')} OR {within('NEW.completed_at')}"]),
        ("rs_enrolment_delete", "DELETE", "enrolments", None,
         [f"{MARK} WHERE {within('OLD.enrolled_at')} OR {within('OLD.completed_at')}"]),
        # A completion recorded after the summary's cutoff leaves the period of its beginning as it is: "of
        # these, completed" adds such completions when read.
        ("rs_enrolment_update", "UPDATE", "enrolments",
         f"{begun_moved} OR OLD.completed_at {ne} NEW.completed_at",
         [f"{MARK} WHERE {within('OLD.completed_at')} OR {within('NEW.completed_at')} OR "
          f"(({within('OLD.enrolled_at')} OR {within('NEW.enrolled_at')}) AND ({begun_moved} "
          "OR OLD.completed_at IS NOT NULL OR report_summaries.completions_cutoff IS NULL "
          "OR NEW.completed_at < report_summaries.completions_cutoff))"]),
        # A first attempt before the lessons counts in every period where the person has one after them, and so
        # can move a period that ends after it (an attempt made today moves no period that has ended).
        ("rs_attempt_insert", "INSERT", "quiz_attempts", None,
         [f"{MARK} WHERE {within('NEW.submitted_at')}",
          mark_person("NEW.user_id", beginning)
          + " AND NEW.before_lessons AND NEW.submitted_at <= report_summaries.ends_at"]),
        ("rs_attempt_update", "UPDATE", "quiz_attempts",
         f"OLD.score <> NEW.score OR OLD.submitted_at {ne} NEW.submitted_at OR OLD.before_lessons <> "
         "NEW.before_lessons OR OLD.user_id <> NEW.user_id OR OLD.module_id <> NEW.module_id",
         [f"{MARK} WHERE {within('OLD.submitted_at')} OR {within('NEW.submitted_at')}",
          mark_person("OLD.user_id", beginning), mark_person("NEW.user_id", beginning)]),
        ("rs_attempt_delete", "DELETE", "quiz_attempts", None,
         [f"{MARK} WHERE {within('OLD.submitted_at')}", mark_person("OLD.user_id", beginning)]),
        ("rs_person_insert", "INSERT", "person_attributes", None, [mark_person("NEW.user_id", "NEW.counts_from")]),
        ("rs_person_update", "UPDATE", "person_attributes", None,
         [mark_person("OLD.user_id", "OLD.counts_from"), mark_person("NEW.user_id", "NEW.counts_from")]),
        ("rs_person_delete", "DELETE", "person_attributes", None, [mark_person("OLD.user_id", "OLD.counts_from")]),
        ("rs_topic_insert", "INSERT", "course_topics", None, [MARK]),
        ("rs_topic_update", "UPDATE", "course_topics",
         "OLD.topic <> NEW.topic OR OLD.course_id <> NEW.course_id", [MARK]),
        ("rs_topic_delete", "DELETE", "course_topics", None, [MARK]),
        ("rs_module_update", "UPDATE", "modules", "OLD.course_id <> NEW.course_id", [MARK]),
    ]


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, event, table, condition, statements in triggers("IS DISTINCT FROM"):
            body = "; ".join(statements)
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; "
                       "RETURN NULL; END $$")
            when = f" WHEN ({condition})" if condition else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} "
                       f"EXECUTE FUNCTION {name}()")
    else:
        for name, event, table, condition, statements in triggers("IS NOT"):
            when = f" WHEN {condition}" if condition else ""
            body = "".join(f"{statement}; " for statement in statements)
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body}END")


def drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, _event, table, _condition, _statements in triggers(""):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def person_columns() -> list[sa.Column]:
    return [sa.Column('scope', sa.String(length=48), nullable=False),
            sa.Column('country', sa.String(length=2), nullable=True),
            sa.Column('gender', sa.String(length=12), nullable=True),
            sa.Column('birth_year', sa.Integer(), nullable=True),
            sa.Column('organisation_id', sa.Integer(), nullable=True)]


def counts(*names: str) -> list[sa.Column]:
    return [column for name in names for column in (sa.Column(name, sa.Integer(), nullable=False),
                                                    sa.Column(f'{name}_key', sa.BigInteger(), nullable=False))]


def cells_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name, sa.Column('id', sa.Integer(), nullable=False), sa.Column('summary_id', sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f(f'fk_{name}_summary_id_report_summaries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')))
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f'ix_{name}_summary_id_scope', ['summary_id', 'scope'], unique=False)


def upgrade():
    op.create_table(
        'report_summaries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('built_from', sa.Integer(), nullable=True),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completions_cutoff', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summaries')),
        sa.UniqueConstraint('starts_on', 'ends_on', name=op.f('uq_report_summaries_starts_on_ends_on')))
    score_sum = sa.Numeric(asdecimal=False)
    cells_table('report_summary_cells', *person_columns(),
                *counts('participants', 'enrolments', 'completed_since', 'completions'))
    cells_table('report_summary_months', sa.Column('month', sa.String(length=7), nullable=False),
                *person_columns(), *counts('enrolments', 'completions'))
    cells_table('report_summary_gains', *person_columns(), *counts('people'),
                sa.Column('before_sum', score_sum, nullable=False), sa.Column('after_sum', score_sum, nullable=False),
                sa.Column('difference_sum', score_sum, nullable=False),
                sa.Column('squares_sum', score_sum, nullable=False))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_enrolled_at', ['enrolled_at'], unique=False)
        batch_op.create_index('ix_enrolments_completed_at', ['completed_at', 'enrolled_at'], unique=False)
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_submitted_at', ['submitted_at'], unique=False)
    create_triggers()


def downgrade():
    drop_triggers()
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_submitted_at')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolments_completed_at')
        batch_op.drop_index('ix_enrolments_enrolled_at')
    for name in ('report_summary_gains', 'report_summary_months', 'report_summary_cells'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_summary_id_scope')
        op.drop_table(name)
    op.drop_table('report_summaries')
