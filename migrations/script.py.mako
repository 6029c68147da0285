"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
<%
    def body(commands):
        lines = [line for line in (commands or "").splitlines() if not line.lstrip().startswith("# ###")]
        return "\n".join(lines).strip() or "pass"
%>
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${body(upgrades)}


def downgrade():
    ${body(downgrades)}
