"""person attributes: the country, gender, birth year and organisation figures count each person under, by day

Published figures count each person with the attributes they had at the end of the period (lms/models/users.py,
``PersonAttributes``), so that editing a profile cannot move records between the cells of a period that has
ended. One row per existing person, counting from the start (1900-01-01), with their attributes as they are now:
the history before this upgrade is not known.

Revision ID: 242329e8066d
Revises: 8614ba2f8a0e
Create Date: 2026-12-04 18:00:00.000000

"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '242329e8066d'
down_revision = '8614ba2f8a0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_attributes',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('counts_from', sa.Date(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('gender', sa.String(length=12), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_person_attributes_organisation_id_organisations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_attributes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'counts_from', name=op.f('pk_person_attributes')),
    )
    op.execute(sa.text("INSERT INTO person_attributes (user_id, counts_from, country, gender, birth_year, "
                       "organisation_id) SELECT id, :start, country, gender, birth_year, organisation_id FROM users")
               .bindparams(sa.bindparam("start", date(1900, 1, 1), type_=sa.Date())))


def downgrade():
    op.drop_table('person_attributes')
