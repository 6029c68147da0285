"""group summaries: attendance per group and the members of the groups run, per ended period, and the triggers
that mark a period's summary changed when a session, an attendance, a membership, a group's dates or a member's
attributes move its figures; indexes for the figures of groups, trainers and the cascade

Summaries built before have no group figures: they are marked not current, to be built again by the scheduler.

Revision ID: c7e1a4d8b2f5
Revises: b3d9f7a2c1e4
Create Date: 2026-12-05 22:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'c7e1a4d8b2f5'
down_revision = 'b3d9f7a2c1e4'
branch_labels = None
depends_on = None

MARK = "UPDATE report_summaries SET changes = changes + 1"


def held(day: str) -> str:
    """SQL: the summary's period holds the day ``day``."""
    return f"(report_summaries.starts_on <= {day} AND report_summaries.ends_on >= {day})"


def runs(starts: str, ends: str, created: str) -> str:
    """SQL: a group of these dates and creation is run in the summary's period (figures.groups_run)."""
    return (f"({starts} <= report_summaries.ends_on AND {ends} >= report_summaries.starts_on "
            f"AND {created} <= report_summaries.ends_at)")


def session_held(session: str) -> str:
    return f"EXISTS (SELECT 1 FROM group_sessions s WHERE s.id = {session} AND {held('s.held_on')})"


def membership(row: str) -> str:
    """Every period whose places, presences or people reached the membership ``row`` (OLD or NEW) may count in."""
    group, user = f"{row}.group_id", f"{row}.user_id"
    return (f"{MARK} WHERE (report_summaries.ends_at >= {row}.joined_at AND ("
            f"EXISTS (SELECT 1 FROM training_groups g WHERE g.id = {group} AND "
            f"{runs('g.starts_on', 'g.ends_on', 'g.created_at')}) "
            f"OR EXISTS (SELECT 1 FROM group_sessions s WHERE s.group_id = {group} AND {held('s.held_on')}))) "
            f"OR EXISTS (SELECT 1 FROM attendance a JOIN group_sessions s ON s.id = a.session_id "
            f"WHERE s.group_id = {group} AND a.user_id = {user} AND {held('s.held_on')})")


def member_traits(person: str, since: str) -> str:
    """Every period ending on or after ``since`` in which the person is a member of a group run."""
    return (f"{MARK} WHERE report_summaries.ends_on >= {since} AND EXISTS (SELECT 1 FROM group_members m "
            f"JOIN training_groups g ON g.id = m.group_id WHERE m.user_id = {person} "
            f"AND m.joined_at <= report_summaries.ends_at AND {runs('g.starts_on', 'g.ends_on', 'g.created_at')})")


def triggers(ne: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, event, table, condition, statements); ``ne``: the dialect's NULL-safe "differs"."""
    run_moved = (f"OLD.starts_on {ne} NEW.starts_on OR OLD.ends_on {ne} NEW.ends_on "
                 f"OR OLD.created_at {ne} NEW.created_at")
    return [
        ("rs_session_insert", "INSERT", "group_sessions", None, [f"{MARK} WHERE {held('NEW.held_on')}"]),
        ("rs_session_update", "UPDATE", "group_sessions",
         f"OLD.held_on {ne} NEW.held_on OR OLD.group_id <> NEW.group_id OR OLD.record_key <> NEW.record_key",
         [f"{MARK} WHERE {held('OLD.held_on')} OR {held('NEW.held_on')}"]),
        ("rs_session_delete", "DELETE", "group_sessions", None, [f"{MARK} WHERE {held('OLD.held_on')}"]),
        ("rs_attendance_insert", "INSERT", "attendance", None, [f"{MARK} WHERE {session_held('NEW.session_id')}"]),
        ("rs_attendance_update", "UPDATE", "attendance", None,
         [f"{MARK} WHERE {session_held('OLD.session_id')} OR {session_held('NEW.session_id')}"]),
        ("rs_attendance_delete", "DELETE", "attendance", None, [f"{MARK} WHERE {session_held('OLD.session_id')}"]),
        ("rs_member_insert", "INSERT", "group_members", None, [membership("NEW")]),
        ("rs_member_update", "UPDATE", "group_members", None, [membership("OLD"), membership("NEW")]),
        ("rs_member_delete", "DELETE", "group_members", None, [membership("OLD")]),
        ("rs_group_update", "UPDATE", "training_groups", run_moved,
         [f"{MARK} WHERE ({runs('OLD.starts_on', 'OLD.ends_on', 'OLD.created_at')} OR "
          f"{runs('NEW.starts_on', 'NEW.ends_on', 'NEW.created_at')}) "
          "AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = NEW.id)"]),
        ("rs_member_person_insert", "INSERT", "person_attributes", None,
         [member_traits("NEW.user_id", "NEW.counts_from")]),
        ("rs_member_person_update", "UPDATE", "person_attributes", None,
         [member_traits("OLD.user_id", "OLD.counts_from"), member_traits("NEW.user_id", "NEW.counts_from")]),
        ("rs_member_person_delete", "DELETE", "person_attributes", None,
         [member_traits("OLD.user_id", "OLD.counts_from")]),
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


def counts(*names: str) -> list[sa.Column]:
    return [column for name in names for column in (sa.Column(name, sa.Integer(), nullable=False),
                                                    sa.Column(f'{name}_key', sa.BigInteger(), nullable=False))]


def per_group_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name, sa.Column('id', sa.Integer(), nullable=False), sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False), *columns,
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f(f'fk_{name}_summary_id_report_summaries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')))
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f'ix_{name}_summary_id', ['summary_id'], unique=False)


def traits() -> list[sa.Column]:
    return [sa.Column('gender', sa.String(length=12), nullable=True),
            sa.Column('birth_year', sa.Integer(), nullable=True)]


INDEXES = [
    ('group_sessions', 'ix_group_sessions_held_on', ['held_on']),
    ('group_sessions', 'ix_group_sessions_group_id_held_on', ['group_id', 'held_on']),
    ('group_members', 'ix_group_members_user_id', ['user_id']),
    ('trainer_promotions', 'ix_trainer_promotions_group_id', ['group_id']),
    ('trainer_promotions', 'ix_trainer_promotions_promoted_at', ['promoted_at']),
    ('training_groups', 'ix_training_groups_trainer_id', ['trainer_id']),
]


def upgrade():
    per_group_table('report_summary_attendance', *counts('places', 'presences'))
    per_group_table('report_summary_members', *traits(), *counts('members'))
    per_group_table('report_summary_overlaps', sa.Column('user_id', sa.Integer(), nullable=False), *traits(),
                    sa.Column('person_key', sa.BigInteger(), nullable=False))
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    create_triggers()
    op.execute("UPDATE report_summaries SET built_from = NULL")


def downgrade():
    drop_triggers()
    for table, name, _columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    for name in ('report_summary_overlaps', 'report_summary_members', 'report_summary_attendance'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_summary_id')
        op.drop_table(name)
