"""Audit entries as a reader sees them: who acted (a person's name, "account N" once erased), what was done (its
translated label) and its details as translated "name: value" pairs, linked to the pages the reader may visit."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import format_date, format_number
from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.audit import DETAIL_LABELS, FIELD_LABELS, VALUE_LABELS, action_label
from lms.extensions import db
from lms.i18n import country_name, current_language
from lms.models import AuditEntry, Organisation, TrainingGroup, User
from lms.permissions import can_see_group, may_visit
from lms.vocabulary import ROLE_LABELS

#: Details that count something: shown as numbers of the reader's language.
COUNTS = frozenset({"accounts", "certificates", "emails", "inactive_days", "members", "present", "rounds",
                    "sessions", "sms", "statements"})

ACCOUNT_ACTOR = re.compile(r"account (\d+)")


@dataclass(frozen=True)
class Shown:
    """A text, and the page it leads to when the reader may visit it."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    actor: Shown
    action: str
    details: list[tuple[str, Shown]]


def _by_id(model, ids: set[int]) -> dict:
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def _ids(entries: list[AuditEntry], key: str) -> set[int]:
    return {entry.details[key] for entry in entries if isinstance(entry.details.get(key), int)}


def rows(entries: Iterable[AuditEntry], reader: User) -> list[Row]:
    """The entries of one page, with the accounts, groups and organisations they name loaded at once."""
    entries = list(entries)
    account_ids = _ids(entries, "account") | {e.user_id for e in entries if e.user_id is not None} | {
        int(m.group(1)) for e in entries if (m := ACCOUNT_ACTOR.fullmatch(e.actor))}
    found = _Found(reader, _by_id(User, account_ids), _by_id(TrainingGroup, _ids(entries, "group_id")),
                   _by_id(Organisation, _ids(entries, "organisation")))
    return [Row(entry, found.actor(entry), action_label(entry.action),
                [(str(DETAIL_LABELS.get(key, key)), found.value(key, value)) for key, value in entry.details.items()])
            for entry in entries]


@dataclass
class _Found:
    reader: User
    users: dict[int, User]
    groups: dict[int, TrainingGroup]
    organisations: dict[int, Organisation]

    def account(self, user_id: int) -> Shown:
        """A person by name, linked to their page; an erased (or unknown) account by its number only."""
        person = self.users.get(user_id)
        if person is None or person.erased_at is not None:
            return Shown(_("account %(number)s", number=user_id))
        url = url_for("admin.show_person", user_id=user_id) if may_visit(self.reader, "admin.show_person") else None
        return Shown(person.display_name, url)

    def actor(self, entry: AuditEntry) -> Shown:
        if entry.user_id is not None:
            return self.account(entry.user_id)
        if entry.actor == "visitor":
            return Shown(_("A visitor"))
        if match := re.fullmatch(r"command line \((.*)\)", entry.actor):
            return Shown(_("Command line (%(user)s)", user=match.group(1)))
        if match := ACCOUNT_ACTOR.fullmatch(entry.actor):
            return self.account(int(match.group(1)))
        return Shown(entry.actor)

    def value(self, key: str, value) -> Shown:
        if isinstance(value, bool) or value is None:
            return Shown(str(value) if value is not None else "–")
        if key == "account" and isinstance(value, int):
            return self.account(value)
        if key == "group_id" and isinstance(value, int):
            group = self.groups.get(value)
            if group is None:
                return Shown(format_number(value))
            return Shown(group.name, url_for("groups.show_group", group_id=value)
                         if can_see_group(self.reader, group) else None)
        if key == "organisation" and isinstance(value, int):
            organisation = self.organisations.get(value)
            if organisation is None:
                return Shown(format_number(value))
            return Shown(organisation.acronym, url_for("admin.edit_organisation", organisation_id=value)
                         if may_visit(self.reader, "admin.edit_organisation") else None)
        if key == "fields" and isinstance(value, list):
            return Shown(", ".join(str(FIELD_LABELS.get(name, name)) for name in value))
        if key in ("old", "new") and value in ROLE_LABELS:
            return Shown(str(ROLE_LABELS[value]))
        if key == "country" and isinstance(value, str):
            return Shown(country_name(value, current_language()))
        if key == "since" and isinstance(value, str):
            return Shown(_since(value))
        if key in COUNTS and isinstance(value, int):
            return Shown(format_number(value))
        if isinstance(value, str) and value in VALUE_LABELS:
            return Shown(str(VALUE_LABELS[value]))
        return Shown(", ".join(map(str, value)) if isinstance(value, list) else str(value))


def _since(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value), "medium")
    except ValueError:
        return value
