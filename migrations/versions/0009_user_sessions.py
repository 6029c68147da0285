"""user sessions on the server; usernames, e-mail addresses and phone numbers in their new normal form

A row per signed-in session (lms/models/sessions.py). Sessions signed in before the upgrade have no row:
everyone signs in again once.

Usernames are now compared after Unicode NFKC case folding, e-mail addresses after NFKC and lower-casing,
and phone numbers in E.164 as the phonenumbers library writes them (lms/auth/identifiers.py). Stored values
written by the old rules (plain case folding, lower-casing, "+" and digits of any script) are rewritten in
the new form. If two accounts would then have the same username, e-mail address or phone number, the upgrade
stops before changing anything and names the accounts by id only: give one of them another value, then run
the upgrade again. The downgrade keeps the rewritten values (they are valid under the old rules too).

Revision ID: c00c36b6ae08
Revises: 373e4a370b93
Create Date: 2026-12-04 16:55:25.936984

"""
import unicodedata
from collections import defaultdict

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision = 'c00c36b6ae08'
down_revision = '373e4a370b93'
branch_labels = None
depends_on = None

#: Column widths of users.username and users.email.
WIDTHS = {"username": 40, "email": 254, "phone": 16}


def nfkc(text):
    return unicodedata.normalize("NFKC", text)


def username_form(value):
    return nfkc(nfkc(value.strip()).casefold()).strip()


def email_form(value):
    return nfkc(value).strip().lower() or None


def phone_form(value):
    """E.164 as phonenumbers writes it; a stored value it cannot read is kept as it is."""
    try:
        number = phonenumbers.parse(nfkc(value), None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


FORMS = {"username": username_form, "email": email_form, "phone": phone_form}


class NormalFormConflict(RuntimeError):
    """Existing accounts cannot all take the new normal form."""


def normalise_sign_in_names(connection):
    rows = connection.execute(sa.text("SELECT id, username, email, phone FROM users ORDER BY id")).mappings().all()
    holders = {column: defaultdict(list) for column in FORMS}
    changes, problems = {}, []
    for row in rows:
        new = {}
        for column, form in FORMS.items():
            value = row[column]
            normal = form(value) if value is not None else None
            if normal is not None:
                holders[column][normal].append(row["id"])
                if len(normal) > WIDTHS[column]:
                    problems.append(f"account {row['id']}: its {column} would be longer than {WIDTHS[column]} "
                                    "characters")
            if normal != value:
                new[column] = normal
        if new:
            changes[row["id"]] = new
    for column, values in holders.items():
        for ids in values.values():
            if len(ids) > 1:
                problems.append(f"accounts {', '.join(map(str, ids))} would have the same {column}")
    if problems:
        raise NormalFormConflict(
            "The upgrade stopped before changing anything: usernames, e-mail addresses and phone numbers are now "
            "compared in a normal form (Unicode NFKC, E.164), and " + "; ".join(problems) + ". Give one account "
            "of each another value (or shorten it), then run the upgrade again.")
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("email", sa.String), sa.column("phone", sa.String))
    for user_id, values in changes.items():
        connection.execute(users.update().where(users.c.id == user_id).values(**values))


def upgrade():
    normalise_sign_in_names(op.get_bind())
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('browser', sa.String(length=40), nullable=True),
    sa.Column('system', sa.String(length=40), nullable=True),
    sa.Column('remembered', sa.Boolean(), nullable=False),
    sa.Column('remember_selector', sa.String(length=32), nullable=True),
    sa.Column('remember_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('remember_selector', name=op.f('uq_user_sessions_remember_selector')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_expires_at'))

    op.drop_table('user_sessions')
