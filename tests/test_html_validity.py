"""Every page the portal serves is valid HTML, as the W3C's Nu HTML Checker (vnu) reads it.

Every GET route of the URL map is opened by every kind of caller (``tests/route_world.py``); each HTML page
answered with 200, and the pages of errors and refusals, are checked in one run of the checker.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.helpers import ROOT, sign_in
from tests.route_world import WHO, build_world, example_url

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: Pages in the languages whose layout differs: right to left, and a script of its own.
LANGUAGES = ("ar", "my")


def get_routes(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if rule.endpoint != "static" and "GET" in rule.methods})


def vnu_errors(pages: dict[str, str], folder) -> list[str]:
    """The checker's errors, as "page: line: message"; the pages are written to ``folder`` first."""
    names = {}
    for number, (label, html) in enumerate(sorted(pages.items())):
        path = folder / f"page-{number}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--stdout", "--errors-only",
                          *(str(folder / name) for name in names)], capture_output=True, text=True, timeout=600)
    found = json.loads(run.stdout)["messages"]
    return sorted(f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: {m.get('lastLine')}: "
                  f"{m['message']}" for m in found if m["type"] == "error")


@pytest.mark.java
@pytest.mark.slow
def test_every_page_is_valid_html(app, create_user, library, sms_enabled, tmp_path):
    assert VNU.exists() and shutil.which("java"), "make test installs vnu-jar (npm) and Java"
    world = build_world(create_user)
    pages: dict[str, str] = {}
    for who in WHO:
        client = app.test_client()
        if who != "visitor":
            assert sign_in(client, "w-" + who.replace("_", "-")).status_code == 302, who
        urls = [example_url(rule, world) for rule in get_routes(app)]
        urls += ["/no-such-page", *[f"/courses/social-dialogue-at-work?lang={code}" for code in LANGUAGES]]
        for url in urls:
            response = client.get(url)
            if response.mimetype == "text/html" and response.status_code in (200, 400, 403, 404):
                pages.setdefault(f"{url} as {who}", response.get_data(as_text=True))
    assert len(pages) > 100
    errors = vnu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


@pytest.mark.java
def test_the_checker_finds_an_error(tmp_path):
    """The check above can fail: a required select whose first option is a real value is an error."""
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>'
            '<form><select name="x" required><option value="a">A</option></select></form></body></html>')
    assert len(vnu_errors({"bad": page}, tmp_path)) == 1
