"""Static files are fingerprinted and kept a year, text is compressed, unchanged pages answer 304."""
from __future__ import annotations

import gzip
import re
import time
from datetime import UTC, datetime, timedelta

from tests.helpers import BUNDLED_COURSE, sign_in


def stylesheet_url(page: str) -> str:
    return re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page).group(1)


def test_static_files_carry_their_fingerprint_and_are_kept_a_year(client):
    url = stylesheet_url(client.get("/sign-in").get_data(as_text=True))
    kept = client.get(url)
    assert kept.status_code == 200
    assert "immutable" in kept.headers["Cache-Control"] and "max-age=31536000" in kept.headers["Cache-Control"]
    assert "no-cache" not in kept.headers["Cache-Control"]
    # Without the fingerprint, or with an old one, the browser must ask again.
    for stale in ("/static/site.css", "/static/site.css?v=000000000000"):
        assert "no-cache" in client.get(stale).headers["Cache-Control"]


def test_text_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/sign-in")
    zipped = client.get("/sign-in", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 2
    assert gzip.decompress(zipped.data).decode().count("<form") == plain.get_data(as_text=True).count("<form")
    css = client.get(stylesheet_url(plain.get_data(as_text=True)), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and b"body" in gzip.decompress(css.data)


def test_a_lesson_read_again_costs_a_304_and_its_form_still_works(client, library, create_user, frozen_clock):
    create_user("reader")
    sign_in(client, "reader")
    path = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    # The portal's clock stands still: both requests fall in the same half-day (the ETag changes at noon).
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"] and "no-cache" in first.headers["Cache-Control"]
    time.sleep(1.1)  # the CSRF tokens in the page are signed with Flask-WTF's own clock: they change, the ETag does not
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The page the browser kept still marks the lesson done: its token is still good.
    kept = first.get_data(as_text=True)
    token = (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', kept)
             or re.search(r'name="csrf_token" value="([^"]+)"', kept)).group(1)
    done = client.post(f"{path}/done", data={"csrf_token": token})
    assert done.status_code == 302
    # Marking it done changed the page: a new ETag, a full answer.
    after = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]


def test_a_kept_page_is_sent_again_at_noon_and_midnight_so_its_tokens_never_expire(client, library, create_user,
                                                                                     frozen_clock):
    """The ETag holds the half of the CSRF time limit (a day) it was made in: from 12:00 and 00:00 UTC the
    browser's copy, whose tokens could outlive the limit, is replaced."""
    create_user("reader")
    path = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    for boundary in (datetime(2026, 3, 4, 12, 0, tzinfo=UTC), datetime(2026, 3, 5, 0, 0, tzinfo=UTC)):
        frozen_clock(boundary - timedelta(seconds=1))
        sign_in(client, "reader")  # idle sessions end: signed in a moment before
        kept = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": kept}).status_code == 304
        frozen_clock(boundary)
        again = client.get(path, headers={"If-None-Match": kept})
        assert again.status_code == 200 and again.headers["ETag"] != kept, boundary


def test_pages_for_signed_in_people_are_never_kept_by_the_browser(client, library, create_user):
    create_user("reader")
    sign_in(client, "reader")
    for path in ("/my-learning", "/profile", "/surveys", "/sync/token"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
        assert "ETag" not in response.headers, path
    lesson = client.get(f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue")
    assert "no-store" not in lesson.headers["Cache-Control"] and lesson.headers["ETag"]


def test_production_sends_hsts_and_host_only_secure_cookies(tmp_path):
    from lms import create_app
    from lms.config import Config

    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = "x" * 64
        PSEUDONYM_KEY = "y" * 64
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        PUBLIC_URL = "https://portal.example.org"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/production.sqlite"

    app = create_app(Production)
    response = app.test_client().get("/sign-in", base_url="https://portal.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
