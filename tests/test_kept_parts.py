"""Parts of every page drawn once per language and role (``kept`` in lms/core/templating.py) show each reader
what is theirs: their role's menu, in their language, with their own CSRF token beside it."""
from __future__ import annotations

import re

from tests.helpers import sign_in

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_each_role_has_its_own_menu(app, create_user):
    create_user("member")
    create_user("writer", role="trainer")
    guest, member, trainer = app.test_client(), app.test_client(), app.test_client()
    sign_in(member, "member")
    sign_in(trainer, "writer")
    for _ in range(2):  # the second time from the kept parts
        guest_page, member_page, trainer_page = (c.get("/courses").get_data(as_text=True)
                                                 for c in (guest, member, trainer))
        assert "Sign in" in guest_page and "My learning" not in guest_page and "Sign out" not in guest_page
        assert "My learning" in member_page and "Sign out" in member_page and "Write courses" not in member_page
        assert "Write courses" in trainer_page and "Sign out" in trainer_page
        assert 'data-sync-url="/sync"' in member_page and "data-sync-url" not in guest_page


def test_the_menu_follows_the_interface_language(app, create_user):
    create_user("member")
    client = app.test_client()
    sign_in(client, "member")
    for _ in range(2):
        english = client.get("/courses?lang=en").get_data(as_text=True)
        assert "My learning" in english and "Mon apprentissage" not in english
        french = client.get("/courses?lang=fr").get_data(as_text=True)
        assert "Mon apprentissage" in french and "My learning" not in french


def test_each_member_gets_their_own_sign_out_token(app, create_user):
    create_user("first")
    create_user("second")
    pages = []
    for name in ("first", "second"):
        client = app.test_client()
        sign_in(client, name)
        pages.append(client.get("/courses").get_data(as_text=True))
    first, second = (set(TOKEN.findall(page)) for page in pages)
    assert first and second and not first & second
