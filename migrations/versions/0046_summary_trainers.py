"""summary trainers: the trainers of the groups run in each summary's period, with their record key and their gender
and birth year at its end, and the triggers that mark every summary that keeps a trainer changed when those move

A report's trainers' figures read them instead of looking up each trainer's account and attributes
(lms/reports/summaries/trainers.py). The summaries built before get theirs here, from the records as they are now.

Revision ID: e8b5d2a7f4c1
Revises: d3a8f6c2e9b4
Create Date: 2026-12-06 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'e8b5d2a7f4c1'
down_revision = 'd3a8f6c2e9b4'
branch_labels = None
depends_on = None

MARK = "UPDATE report_summaries SET changes = changes + 1"


def kept_trainer(person: str) -> str:
    """SQL: the summary keeps the person as a trainer. A trainer it does not keep (a group given them since the
    build) is looked up when counted, so their writes need not mark it; one it keeps may be read whether or not
    they still train a group of its period (they may be given one back)."""
    return ("EXISTS (SELECT 1 FROM report_summary_trainers t WHERE t.summary_id = report_summaries.id "
            f"AND t.trainer_id = {person})")


def trainer_traits(person: str, since: str) -> str:
    """Every period ending on or after ``since`` that keeps the person as a trainer."""
    return f"{MARK} WHERE report_summaries.ends_on >= {since} AND {kept_trainer(person)}"


#: (name, event, table, condition, statements)
TRIGGERS = [
    ("rs_trainer_person_insert", "INSERT", "person_attributes", None,
     [trainer_traits("NEW.user_id", "NEW.counts_from")]),
    ("rs_trainer_person_update", "UPDATE", "person_attributes", None,
     [trainer_traits("OLD.user_id", "OLD.counts_from"), trainer_traits("NEW.user_id", "NEW.counts_from")]),
    ("rs_trainer_person_delete", "DELETE", "person_attributes", None,
     [trainer_traits("OLD.user_id", "OLD.counts_from")]),
    ("rs_trainer_rekey", "UPDATE", "users", "OLD.record_key <> NEW.record_key",
     [f"{MARK} WHERE {kept_trainer('NEW.id')}"]),
]

#: The trainers of the summaries built before, from the records as they are now.
BACKFILL = (
    "INSERT INTO report_summary_trainers (summary_id, trainer_id, record_key, gender, birth_year) "
    "SELECT t.summary_id, t.trainer_id, u.record_key, p.gender, p.birth_year FROM ("
    "SELECT DISTINCT report_summaries.id AS summary_id, report_summaries.ends_on AS ends_on, g.trainer_id "
    "FROM report_summaries JOIN training_groups g ON g.starts_on <= report_summaries.ends_on "
    "AND g.ends_on >= report_summaries.starts_on AND g.created_at <= report_summaries.ends_at "
    "WHERE report_summaries.built_from IS NOT NULL AND g.trainer_id IS NOT NULL) t "
    "JOIN users u ON u.id = t.trainer_id "
    "LEFT JOIN person_attributes p ON p.user_id = t.trainer_id AND p.counts_from = ("
    "SELECT max(e.counts_from) FROM person_attributes e WHERE e.user_id = t.trainer_id AND e.counts_from <= t.ends_on) "
    "ORDER BY t.summary_id, t.trainer_id")


def upgrade():
    op.create_table(
        'report_summary_trainers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('record_key', sa.BigInteger(), nullable=False),
        sa.Column('gender', sa.String(length=12), nullable=True),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['summary_id'], ['report_summaries.id'],
                                name=op.f('fk_report_summary_trainers_summary_id_report_summaries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_trainers')))
    op.create_index('ix_report_summary_trainers_summary_id_trainer_id', 'report_summary_trainers',
                    ['summary_id', 'trainer_id'], unique=True)
    op.execute(BACKFILL)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, event, table, condition, statements in TRIGGERS:
        if postgresql:
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"{'; '.join(statements)}; RETURN NULL; END $$")
            when = f" WHEN ({condition})" if condition else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}()")
        else:
            when = f" WHEN {condition}" if condition else ""
            body = "".join(f"{statement}; " for statement in statements)
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body}END")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, _event, table, _condition, _statements in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index('ix_report_summary_trainers_summary_id_trainer_id', table_name='report_summary_trainers')
    op.drop_table('report_summary_trainers')
