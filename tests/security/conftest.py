"""Signed-in clients for the security tests (the payloads and the scan of pages are in helpers.py)."""
from __future__ import annotations

import pytest

from tests.helpers import sign_in
from tests.security.helpers import Browser, give_every_consent


@pytest.fixture
def browser_as(app, create_user):
    """Factory: ``browser_as("trainer")`` signs in a new account of that role."""
    counter = iter(range(1, 1000))

    def make(role: str = "participant", **fields) -> Browser:
        username = f"{role[:5]}{next(counter)}"
        give_every_consent(create_user(username, role=role, **fields))
        client = app.test_client()
        sign_in(client, username)
        return Browser(client)

    return make


@pytest.fixture
def anonymous(app):
    return Browser(app.test_client(), "/sign-in")
