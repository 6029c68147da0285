"""Static files are fingerprinted and kept a year, text is compressed, unchanged pages answer 304."""
from __future__ import annotations

import gzip
import re
import time
from datetime import UTC, datetime, timedelta

from tests.helpers import BUNDLED_COURSE, PASSWORD, csrf_token, sign_in


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


def test_a_lesson_read_again_costs_a_visitor_a_304(client, library, frozen_clock):
    path = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    # The portal's clock stands still: both requests fall in the same half-day (the ETag changes at noon).
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_kept_sign_in_page_still_signs_in(client, create_user, frozen_clock):
    """The browser's copy of a page has the CSRF token of the moment it was drawn: it still works when a 304 shows
    the copy again, a second later."""
    create_user("reader")
    first = client.get("/sign-in")
    time.sleep(1.1)  # the CSRF tokens in the page are signed with Flask-WTF's own clock: they change, the ETag does not
    assert client.get("/sign-in", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    kept = first.get_data(as_text=True)
    token = (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', kept)
             or re.search(r'name="csrf_token" value="([^"]+)"', kept)).group(1)
    signed_in = client.post("/sign-in", data={"csrf_token": token, "identifier": "reader", "password": PASSWORD})
    assert signed_in.status_code == 302 and client.get("/my-learning").status_code == 200


def test_a_kept_page_is_sent_again_at_noon_and_midnight_so_its_tokens_never_expire(client, frozen_clock):
    """The ETag holds the half of the CSRF time limit (a day) it was made in: from 12:00 and 00:00 UTC the
    browser's copy, whose tokens could outlive the limit, is replaced."""
    for boundary in (datetime(2026, 3, 4, 12, 0, tzinfo=UTC), datetime(2026, 3, 5, 0, 0, tzinfo=UTC)):
        frozen_clock(boundary - timedelta(seconds=1))
        kept = client.get("/sign-in").headers["ETag"]
        assert client.get("/sign-in", headers={"If-None-Match": kept}).status_code == 304
        frozen_clock(boundary)
        again = client.get("/sign-in", headers={"If-None-Match": kept})
        assert again.status_code == 200 and again.headers["ETag"] != kept, boundary


def test_no_page_drawn_for_a_signed_in_reader_is_kept_by_the_browser(client, library, create_user):
    """Outside tester: a public page read signed in shows her name, progress and waiting surveys; kept (no-cache), a
    shared phone's Back button showed it to the next person after she signed out."""
    create_user("reader")
    lesson = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    visitor = client.get(lesson)
    assert "no-store" not in visitor.headers["Cache-Control"] and visitor.headers["ETag"]
    sign_in(client, "reader")
    for path in ("/my-learning", "/profile", "/surveys", "/sync/token", "/", "/courses",
                 f"/courses/{BUNDLED_COURSE}", lesson):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
        assert "ETag" not in response.headers, path
        # A copy the browser kept from before she signed in is not answered with 304 now.
        assert client.get(path, headers={"If-None-Match": visitor.headers["ETag"]}).status_code == 200, path
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/my-learning")})
    assert client.get(lesson).headers["ETag"]  # signed out, the lesson is a visitor's again


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
