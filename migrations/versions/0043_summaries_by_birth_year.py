"""summaries by birth year: the cells, months and group members of a summary indexed by the birth year after the
summary (and the scope), so that a dashboard of one age band reads the rows of its range of years of birth only;
the group members' index also holds what the people reached add up (lms/reports/summaries/trainers.py)

Revision ID: b7e2c4a9d1f3
Revises: a3d5f7b9c2e1
Create Date: 2026-12-06 17:45:00.000000

"""
from alembic import op

revision = 'b7e2c4a9d1f3'
down_revision = 'a3d5f7b9c2e1'
branch_labels = None
depends_on = None

#: table -> the columns of its index before, and after (by birth year)
INDEXES = {'report_summary_cells': (['summary_id', 'scope'], ['summary_id', 'scope', 'birth_year']),
           'report_summary_months': (['summary_id', 'scope'], ['summary_id', 'scope', 'birth_year'])}


def name(table, columns):
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade():
    for table, (before, after) in INDEXES.items():
        op.drop_index(name(table, before), table_name=table)
        op.create_index(name(table, after), table, after)
    op.drop_index('ix_report_summary_members_summary_id', table_name='report_summary_members')
    op.create_index('ix_report_summary_members_summary_id_birth_year', 'report_summary_members',
                    ['summary_id', 'birth_year'], postgresql_include=['group_id', 'gender', 'members', 'members_key'])


def downgrade():
    op.drop_index('ix_report_summary_members_summary_id_birth_year', table_name='report_summary_members')
    op.create_index('ix_report_summary_members_summary_id', 'report_summary_members', ['summary_id'])
    for table, (before, after) in INDEXES.items():
        op.drop_index(name(table, after), table_name=table)
        op.create_index(name(table, before), table, before)
