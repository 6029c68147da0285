"""JSON nested deeper than Python's stack: refused with a 400, signed in or not, never a 500 (probe finding 7)."""
from __future__ import annotations

import pytest

from tests.helpers import sign_in

#: As deep as the outside tester's files/deep.json, and just past what json.loads can hold.
DEEP_BODIES = ["[" * 100_000 + "]" * 100_000, '{"a":' * 2_000 + "1" + "}" * 2_000,
               '{"operations": ' + "[" * 900 + "]" * 900 + "}"]


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["list", "object", "under-recursion-limit"])
@pytest.mark.parametrize("url", ["/", "/sign-in", "/sync", "/no-such-page", "/courses"])
def test_deep_json_to_any_url_is_refused_without_signing_in(client, url, body):
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code in (400, 404, 405), response.status_code


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["list", "object", "under-recursion-limit"])
def test_deep_json_to_the_sync_is_refused_with_its_message(app_ctx, client, create_user, body):
    create_user("deepsync")
    sign_in(client, "deepsync")
    token = client.get("/sync/token").get_json()["token"]
    response = client.post("/sync", data=body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.get_json()["error"]
