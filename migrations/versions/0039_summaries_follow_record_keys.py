"""summaries follow record keys: a record key changed marks the summaries whose cell keys it moves

The app never changes a record key, but a write to the database may (an outside tester did): the summaries would
keep the old key sums, and the same records would be rounded two ways (a summary against a figure computed from
the records). The update triggers of enrolments and quiz attempts (migration 0036) now fire on a changed record
key too, and a new trigger on users marks every period the person counts in.

Revision ID: d2f8b6c3e9a7
Revises: c7e1a4d8b2f5
Create Date: 2026-12-06 00:45:00.000000

"""
from alembic import op

revision = 'd2f8b6c3e9a7'
down_revision = 'c7e1a4d8b2f5'
branch_labels = None
depends_on = None

MARK = "UPDATE report_summaries SET changes = changes + 1"
BEGINNING = "'1900-01-01'"


def within(moment: str) -> str:
    return f"(report_summaries.starts_at <= {moment} AND report_summaries.ends_at >= {moment})"


def mark_person(person: str) -> str:
    """Every period in which the person has a record the participation figures count (migration 0036)."""
    return (f"{MARK} WHERE (EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = {person} AND "
            f"({within('e.enrolled_at')} OR {within('e.completed_at')})) "
            f"OR EXISTS (SELECT 1 FROM quiz_attempts q WHERE q.user_id = {person} AND {within('q.submitted_at')}))")


def member_of_a_group_run(person: str) -> str:
    """Every period in which the person is a member of a group run (migration 0038)."""
    return (f"{MARK} WHERE EXISTS (SELECT 1 FROM group_members m JOIN training_groups g ON g.id = m.group_id "
            f"WHERE m.user_id = {person} AND m.joined_at <= report_summaries.ends_at "
            "AND g.starts_on <= report_summaries.ends_on AND g.ends_on >= report_summaries.starts_on "
            "AND g.created_at <= report_summaries.ends_at)")


def enrolment_update(ne: str, keys: bool) -> tuple[str, str, str, list[str]]:
    begun_moved = (f"(OLD.enrolled_at {ne} NEW.enrolled_at OR OLD.user_id <> NEW.user_id "
                   "OR OLD.course_id <> NEW.course_id" + (" OR OLD.record_key <> NEW.record_key)" if keys else ")"))
    return ("rs_enrolment_update", "enrolments", f"{begun_moved} OR OLD.completed_at {ne} NEW.completed_at",
            [f"{MARK} WHERE {within('OLD.completed_at')} OR {within('NEW.completed_at')} OR "
             f"(({within('OLD.enrolled_at')} OR {within('NEW.enrolled_at')}) AND ({begun_moved} "
             "OR OLD.completed_at IS NOT NULL OR report_summaries.completions_cutoff IS NULL "
             "OR NEW.completed_at < report_summaries.completions_cutoff))"])


def attempt_update(ne: str, keys: bool) -> tuple[str, str, str, list[str]]:
    old_person = (f"{MARK} WHERE report_summaries.ends_on >= {BEGINNING} AND "
                  + mark_person("OLD.user_id").removeprefix(f"{MARK} WHERE "))
    new_person = (f"{MARK} WHERE report_summaries.ends_on >= {BEGINNING} AND "
                  + mark_person("NEW.user_id").removeprefix(f"{MARK} WHERE "))
    return ("rs_attempt_update", "quiz_attempts",
            f"OLD.score <> NEW.score OR OLD.submitted_at {ne} NEW.submitted_at OR OLD.before_lessons <> "
            "NEW.before_lessons OR OLD.user_id <> NEW.user_id OR OLD.module_id <> NEW.module_id"
            + (" OR OLD.record_key <> NEW.record_key" if keys else ""),
            [f"{MARK} WHERE {within('OLD.submitted_at')} OR {within('NEW.submitted_at')}", old_person, new_person])


USER_REKEY = ("rs_user_rekey", "users", "OLD.record_key <> NEW.record_key",
              [mark_person("NEW.id"), member_of_a_group_run("NEW.id")])


def create(name: str, table: str, condition: str, statements: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"{'; '.join(statements)}; RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW WHEN ({condition}) "
                   f"EXECUTE FUNCTION {name}()")
    else:
        body = "".join(f"{statement}; " for statement in statements)
        op.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW WHEN {condition} BEGIN {body}END")


def drop(name: str, table: str, function: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if function:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def ne() -> str:
    return "IS DISTINCT FROM" if op.get_bind().dialect.name == "postgresql" else "IS NOT"


def upgrade():
    for made in (enrolment_update(ne(), keys=True), attempt_update(ne(), keys=True)):
        drop(made[0], made[1], function=False)
        create(*made)
    create(*USER_REKEY)


def downgrade():
    drop(USER_REKEY[0], USER_REKEY[1], function=True)
    for made in (enrolment_update(ne(), keys=False), attempt_update(ne(), keys=False)):
        drop(made[0], made[1], function=False)
        create(*made)
