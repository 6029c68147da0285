"""Templates never name a role: a menu item or a button asks ``lms/permissions.py`` (``may_visit``, ``can_promote``...),
which answers with the rules the views' guards use, so a page offers only what its view would open.

Each template is read with Jinja's own lexer: only what is inside ``{{ }}`` and ``{% %}`` counts, so an HTML
``role="region"`` attribute is no role.
"""
from __future__ import annotations

import pytest

from lms.vocabulary import ROLES


def role_mentions(env, source: str) -> list[tuple[int, str]]:
    """(line, what) for each ``.role`` / ``["role"]`` lookup and each role name written as a value in ``source``."""
    tokens = [(0, "", "")] * 2 + [token for token in env.lex(source) if token[1] != "whitespace"]
    found = []
    for (_, _, before), (_, _, previous), (line, kind, value) in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if kind == "name" and value == "role" and previous == ".":
            found.append((line, ".role"))
        elif kind == "string" and value[1:-1] in (*ROLES, "role"):  # a raw token keeps its quotes
            if not (before == "subject" and previous in ("==", "!=")):  # a survey's subject: "participant"
                found.append((line, repr(value[1:-1])))
    return found


def test_the_scan_finds_role_comparisons_and_nothing_else(app):
    env = app.jinja_env
    assert role_mentions(env, "{% if current_user.role in ('trainer', 'admin') %}x{% endif %}") == [
        (1, ".role"), (1, "'trainer'"), (1, "'admin'")]
    assert role_mentions(env, '{{ row.user["role"] }}\n{% if user.role == "participant" %}{% endif %}') == [
        (1, "'role'"), (2, ".role"), (2, "'participant'")]
    assert role_mentions(env, "{% if survey.subject == 'participant' %}{% endif %}") == []
    assert role_mentions(env, '<div role="region">{{ _("Make %(name)s a trainer", name=n) }}'
                              "{{ url_for('admin.audit_log') }}</div>") == []


def every_template(app):
    return sorted(name for name in app.jinja_env.list_templates() if not name.startswith("."))


@pytest.mark.parametrize("name", ["base.html", "groups/show.html", "groups/list.html", "reports/dashboard.html"])
def test_the_templates_that_named_roles_are_scanned(app, name):
    assert name in every_template(app)


def test_no_template_names_a_role(app):
    env = app.jinja_env
    mentions = {}
    for name in every_template(app):
        source, _, _ = env.loader.get_source(env, name)
        if found := role_mentions(env, source):
            mentions[name] = found
    assert not mentions, f"ask lms/permissions.py (may_visit, can_promote...) instead of naming a role: {mentions}"


def role_reads(source: str) -> list[int]:
    """Lines that read an account's role (``user.role == "admin"``, ``role = current_user.role``,
    ``getattr(user, "role")``): a view asks lms/permissions.py instead."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "role":
            lines.append(node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "role"):
            lines.append(node.lineno)
    return sorted(lines)


def test_views_ask_permissions_instead_of_reading_roles():
    """A view says who may use it in its decorator, and asks lms/permissions.py for anything finer."""
    from tests.helpers import ROOT

    views = [*ROOT.glob("lms/*/views.py"), *ROOT.glob("lms/*/views/*.py")]
    assert len(views) > 10
    found = {str(path.relative_to(ROOT)): lines for path in views if (lines := role_reads(path.read_text()))}
    assert found == {}
    source = ('if current_user.role in ("trainer", "admin"):\n    pass\nrole = user.role\n'
              'match getattr(current_user, "role"):\n    case _:\n        pass')
    assert role_reads(source) == [1, 3, 4]
