"""A lesson page comes from a page kept per lesson, language and kind of reader, with the reader's own parts filled
in: it is the page drawn whole, byte for byte, for every kind of reader and state of progress."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.learn import lesson_page, reading
from lms.models import LessonTranslation
from tests.helpers import BUNDLED_COURSE, csrf_token, sign_in

LESSON = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
TOKEN = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+"')


def drawn(client, path: str, monkeypatch, whole: bool) -> str:
    with monkeypatch.context() as patch:
        if whole:
            patch.setattr(lesson_page, "keeps", lambda: False)
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def same_page(client, path: str, monkeypatch) -> str:
    """The kept page (drawn twice, so that the second comes from what was kept) against the page drawn whole; the
    CSRF tokens (signed with the time) left out; returns the kept page."""
    drawn(client, path, monkeypatch, whole=False)
    kept = drawn(client, path, monkeypatch, whole=False)
    assert TOKEN.sub(r"\1", kept) == TOKEN.sub(r"\1", drawn(client, path, monkeypatch, whole=True))
    assert lesson_page._TOKEN not in kept
    return kept


def test_a_member_sees_her_own_progress_token_and_owner_on_the_kept_page(client, app_ctx, library, create_user,
                                                                         monkeypatch):
    create_user("reader")
    sign_in(client, "reader")
    before = same_page(client, LESSON, monkeypatch)
    assert "Mark as done and continue" in before and 'value="0"' in before
    owner = re.search(r'<meta name="offline-owner" content="([^"]+)">', before).group(1)
    assert client.get(LESSON).headers["Offline-Owner"] == owner

    # The token filled in is this session's: the form it is in works.
    assert client.post(f"{LESSON}/done", data={"csrf_token": csrf_token(client, LESSON)}).status_code == 302
    done = same_page(client, LESSON, monkeypatch)
    assert "You have done this lesson." in done and "Mark as done" not in done
    steps = re.search(r"Steps done: (\d+) of (\d+)", done)
    assert steps.group(1) == "1" and 'value="1"' in done

    # Another member reading the same lesson: her own progress and owner, not the first reader's.
    other = client.application.test_client()
    create_user("second")
    sign_in(other, "second")
    hers = same_page(other, LESSON, monkeypatch)
    assert "Mark as done and continue" in hers and "Steps done: 0 of" in hers
    assert re.search(r'<meta name="offline-owner" content="([^"]+)">', hers).group(1) != owner


@pytest.mark.parametrize("language", ["fr", "ar", "my"])
def test_kept_pages_in_other_languages_are_the_pages_drawn_whole(client, app_ctx, library, create_user, monkeypatch,
                                                                  language):
    create_user("reader", locale=language)
    sign_in(client, "reader")
    client.post(f"{LESSON}/done", data={"csrf_token": csrf_token(client, LESSON)})
    page = same_page(client, LESSON, monkeypatch)
    assert f'<html lang="{language}"' in page


def test_visitors_and_staff_have_pages_of_their_own(client, app_ctx, library, create_user, monkeypatch):
    visitor = same_page(client, LESSON, monkeypatch)
    assert "offline-owner" not in visitor and "Sign in to save your progress" in visitor
    create_user("reader")
    sign_in(client, "reader")
    member = same_page(client, LESSON, monkeypatch)
    for role, menu in (("coordinator", "Reports"), ("trainer", "Write courses")):
        create_user(role, role=role, coordinated_countries=["PE"] if role == "coordinator" else [])
        staff = client.application.test_client()
        sign_in(staff, role)
        assert menu in same_page(staff, LESSON, monkeypatch) and menu not in member


def test_a_flashed_message_and_a_query_string_are_drawn_whole(client, app_ctx, library, create_user, monkeypatch):
    create_user("reader")
    sign_in(client, "reader")
    same_page(client, LESSON, monkeypatch)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this reader")]
    assert "A message for this reader" in client.get(LESSON).get_data(as_text=True)
    assert "A message for this reader" not in client.get(LESSON).get_data(as_text=True)
    page = client.get(f"{LESSON}?lang=es").get_data(as_text=True)
    assert '<html lang="es"' in page and f"{LESSON}?lang=fr" in page


def test_a_content_change_drops_the_kept_page(client, app_ctx, library, create_user, monkeypatch):
    create_user("reader")
    sign_in(client, "reader")
    assert "What is social dialogue?" in same_page(client, LESSON, monkeypatch)
    row = db.session.scalar(select(LessonTranslation).where(LessonTranslation.language == "en",
                                                            LessonTranslation.title == "What is social dialogue?"))
    row.title = "Social dialogue, explained"
    db.session.commit()
    page = client.get(LESSON).get_data(as_text=True)
    assert "Social dialogue, explained" in page and "What is social dialogue?" not in page


def test_no_more_pages_are_kept_than_the_limit(client, app_ctx, library, create_user, monkeypatch):
    monkeypatch.setattr(reading, "MAX_KEPT_PAGES", 2)
    create_user("reader")
    sign_in(client, "reader")
    for language in ("en", "fr", "es"):
        client.get(f"{LESSON}?lang={language}")  # the language is kept in the session
        same_page(client, LESSON, monkeypatch)
    assert len(reading._pages) == 2
