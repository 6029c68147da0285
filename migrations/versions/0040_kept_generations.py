"""kept generations: the generation of every promotion made before the current month, kept by the scheduler

Tables kept_generations (one row: through, changes, built_from, built_at) and promotion_generations (promotion_id,
generation); triggers, on SQLite and PostgreSQL alike, that raise kept_generations.changes on a write that may move
a kept generation: a promotion made before ``through`` inserted, changed (its time, person or group) or deleted, or
the trainer of a group with such a promotion changed (lms/reports/summaries/generations.py).

Revision ID: e5a9c1d7f3b2
Revises: d2f8b6c3e9a7
Create Date: 2026-12-06 01:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'e5a9c1d7f3b2'
down_revision = 'd2f8b6c3e9a7'
branch_labels = None
depends_on = None

MARK = "UPDATE kept_generations SET changes = changes + 1"


def kept(moment: str) -> str:
    """SQL: a promotion made at ``moment`` is among those kept."""
    return f"(kept_generations.through IS NOT NULL AND {moment} < kept_generations.through)"


def triggers(ne: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, event, table, condition, statements); ``ne``: the dialect's NULL-safe "differs"."""
    return [
        ("kg_promotion_insert", "INSERT", "trainer_promotions", None, [f"{MARK} WHERE {kept('NEW.promoted_at')}"]),
        ("kg_promotion_update", "UPDATE", "trainer_promotions",
         f"OLD.promoted_at {ne} NEW.promoted_at OR OLD.user_id <> NEW.user_id OR OLD.group_id <> NEW.group_id "
         "OR OLD.id <> NEW.id",
         [f"{MARK} WHERE {kept('OLD.promoted_at')} OR {kept('NEW.promoted_at')}"]),
        ("kg_promotion_delete", "DELETE", "trainer_promotions", None, [f"{MARK} WHERE {kept('OLD.promoted_at')}"]),
        ("kg_group_update", "UPDATE", "training_groups", "OLD.trainer_id <> NEW.trainer_id",
         [f"{MARK} WHERE EXISTS (SELECT 1 FROM trainer_promotions p WHERE p.group_id = NEW.id "
          f"AND {kept('p.promoted_at')})"]),
    ]


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, event, table, condition, statements in triggers("IS DISTINCT FROM"):
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"{'; '.join(statements)}; RETURN NULL; END $$")
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


def upgrade():
    op.create_table(
        'kept_generations', sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changes', sa.Integer(), nullable=False), sa.Column('built_from', sa.Integer(), nullable=True),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_generations')))
    op.create_table(
        'promotion_generations', sa.Column('promotion_id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['promotion_id'], ['trainer_promotions.id'],
                                name=op.f('fk_promotion_generations_promotion_id_trainer_promotions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('promotion_id', name=op.f('pk_promotion_generations')))
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table('promotion_generations')
    op.drop_table('kept_generations')
