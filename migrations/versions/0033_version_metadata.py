"""version metadata: the names of a form's device metadata (start, end, deviceid... under the form's own names)

Each version keeps them, so that the columns they give every export of its answers are passed over on import,
whatever the form called them (``start_time``, ``imei``). Existing versions have none.

Revision ID: d6edb8d4c7c0
Revises: 0c5b7e2f9a41
Create Date: 2026-12-05 14:28:00.965702

"""
from alembic import op
import sqlalchemy as sa


revision = 'd6edb8d4c7c0'
down_revision = '0c5b7e2f9a41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metadata_names', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.alter_column('metadata_names', server_default=None)


def downgrade():
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_column('metadata_names')
