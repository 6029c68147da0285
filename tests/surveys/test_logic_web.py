"""A survey with logic answered on the web with JavaScript off, page by page, and the live check the page's script
asks for: real HTTP through the test client, real database."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse, SurveyAnswer, SurveyInvitation, SurveyQuestion
from lms.surveys import building
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in
from tests.surveys.helpers import logic_survey

REST_SHOWN = "children country city joined thanks"


def invited(create_user, locale="en") -> str:
    """A member invited to the logic survey, consent given: the answer page's URL."""
    survey = logic_survey()
    course = learning.find_course(BUNDLED_COURSE)
    building.add_wave(survey, kind="baseline", course=course)
    db.session.commit()
    member = create_user("amina", locale=locale)
    learning.enrol(member.id, course)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
    return f"/surveys/invitations/{invitation.id}"


def start(client, create_user, locale="en") -> tuple[str, str]:
    url = invited(create_user, locale)
    sign_in(client, "amina")
    client.post(url, data={"decision": "agree", "csrf_token": csrf_token(client, url)})
    return f"{url}/answer", csrf_token(client, f"{url}/answer")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(q_\w+)" value="([^"]*)">', page))


def test_no_skips_the_group_and_the_answers_are_stored_without_it(client, library, create_user):
    url, token = start(client, create_user)
    first = text(client.get(url))
    assert "Are you a union member?" in first and "Page 1 of 2" in first
    assert "Years in the union" not in first and "How many children" not in first  # not even hidden
    assert hidden(first) == {"q_country": "pe"}  # the default of a later page travels with the form
    second = client.post(url, data={"csrf_token": token, "page": "0", "shown": "member", "move": "next",
                                    "q_member": "no", "q_country": "pe"})
    page = text(second)
    assert second.status_code == 200 and "How many children" in page and "Page 2 of 2" in page
    assert "Years in the union" not in page and "Twice the children" not in page  # a calculation is never shown
    assert "Thank you. Member: No" in page  # a note quotes the answer, a choice by its label
    assert 'type="date"' in page and 'inputmode="decimal"' in page
    assert hidden(page) == {"q_member": "no"}
    assert "Send my answers" in page and 'value="back"' in page
    sent = client.post(url, data={"csrf_token": token, "page": "2", "shown": REST_SHOWN, "move": "next",
                                  "q_member": "no", "q_years": "12", "q_children": "0", "q_country": "pe",
                                  "q_city": "lima", "q_joined": "2020-05-01"})
    assert sent.status_code == 302
    release_any()
    codes = {q.id: q.code for q in db.session.scalars(select(SurveyQuestion))}
    stored = {codes[a.question_id]: a.value for a in db.session.scalars(select(SurveyAnswer))}
    assert stored == {"member": "no", "children": "0", "country": "pe", "city": "lima", "joined": "2020-05-01"}


def test_a_dont_know_code_is_accepted_and_a_negative_number_refused_in_the_readers_language(client, library,
                                                                                           create_user):
    url, token = start(client, create_user, locale="fr")
    group = text(client.post(url, data={"csrf_token": token, "page": "0", "shown": "member", "q_member": "yes",
                                        "q_country": "pe"}))
    assert "Your union" in group and "Années au syndicat" in group and "Page 2 sur 3" in group
    assert 'inputmode="text"' in group  # a number pad without a minus sign could not type -99
    refused = client.post(url, data={"csrf_token": token, "page": "1", "shown": "years", "q_member": "yes",
                                     "q_years": "-3", "q_country": "pe"})
    assert refused.status_code == 400
    assert "Donnez les années, ou -99 si vous ne savez pas." in text(refused)
    accepted = client.post(url, data={"csrf_token": token, "page": "1", "shown": "years", "q_member": "yes",
                                      "q_years": "-99", "q_country": "pe"})
    assert accepted.status_code == 200 and "Page 3 sur 3" in text(accepted)
    back = text(client.post(url, data={"csrf_token": token, "page": "2", "shown": REST_SHOWN, "move": "back",
                                       "q_member": "yes", "q_years": "-99", "q_children": "4", "q_country": "pe"}))
    assert 'value="-99"' in back and hidden(back)["q_children"] == "4"  # Back keeps every answer


def test_a_question_appearing_on_the_same_page_is_asked_then_required(client, library, create_user):
    url, token = start(client, create_user)
    answers = {"csrf_token": token, "page": "2", "q_member": "no", "q_children": "2", "q_country": "pe"}
    again = client.post(url, data={**answers, "shown": REST_SHOWN})
    page = text(again)
    assert again.status_code == 200 and "Age of the eldest" in page
    assert "Your answer brought up another question on this page" in page
    assert "Please answer this question." not in page
    required = client.post(url, data={**answers, "shown": REST_SHOWN + " ages"})
    assert required.status_code == 400 and "Please answer this question." in text(required)
    assert client.post(url, data={**answers, "shown": REST_SHOWN + " ages", "q_ages": "9"}).status_code == 302


def test_a_cascading_choice_offers_only_the_cities_of_the_country(client, library, create_user):
    url, token = start(client, create_user)
    page = text(client.post(url, data={"csrf_token": token, "page": "0", "shown": "member", "q_member": "no",
                                       "q_country": "pe"}))
    assert "Lima" in page and "Cusco" in page and "Cotonou" not in page
    refused = client.post(url, data={"csrf_token": token, "page": "2", "shown": REST_SHOWN, "q_member": "no",
                                     "q_country": "pe", "q_city": "cotonou"})
    assert refused.status_code == 400 and "not one of the choices offered" in text(refused)


def test_with_javascript_off_a_choice_filtered_by_an_answer_on_the_same_page_is_shown_again(client, library,
                                                                                             create_user):
    """Outside tester: with JavaScript off, a district filtered by the region above it on the same page offered no
    choice, and "Next" went on with it unanswered."""
    url, token = start(client, create_user)
    page = text(client.post(url, data={"csrf_token": token, "page": "0", "shown": "member", "q_member": "no",
                                       "q_country": "pe"}))
    assert 'name="offered" value="city:lima,cusco"' in page
    answer = {"csrf_token": token, "page": "2", "shown": REST_SHOWN, "q_member": "no", "q_children": "0",
              "q_country": "bj"}
    again = client.post(url, data={**answer, "offered": "city:lima,cusco"})
    page = text(again)
    assert again.status_code == 200 and "changed the choices of another question on this page" in page
    assert "Cotonou" in page and "Lima" not in page and "Please answer this question." not in page
    assert 'name="offered" value="city:cotonou"' in page
    sent = client.post(url, data={**answer, "offered": "city:cotonou", "q_city": "cotonou"})
    assert sent.status_code == 302


def test_answers_changed_in_the_hidden_fields_are_refused_and_nothing_is_stored(client, library, create_user):
    url, token = start(client, create_user)
    response = client.post(url, data={"csrf_token": token, "page": "2", "shown": REST_SHOWN, "q_member": "yes",
                                      "q_years": "-3", "q_country": "pe"})
    page = text(response)
    assert response.status_code == 400 and "Years in the union" in page and "Give the years" in page
    assert db.session.scalar(select(db.func.count(PooledResponse.id))) == 0
    db.session.expire_all()
    assert not db.session.scalar(select(SurveyInvitation)).answered


def test_the_live_check_tells_the_page_what_changed_and_stores_nothing(client, library, create_user):
    url, token = start(client, create_user)
    response = client.post(f"{url}/check", data={
        "csrf_token": token, "page": "2", "shown": REST_SHOWN, "touched": "children joined", "q_member": "yes",
        "q_years": "3", "q_children": "2", "q_country": "bj", "q_joined": "2999-01-01", "q_city": "lima"})
    assert response.status_code == 200
    state = response.get_json()
    assert state["page"] == ["children", "ages", "country", "city", "joined", "thanks"]
    assert state["relevant"] == ["children", "ages", "country", "city", "joined", "thanks"]
    assert state["choices"]["city"] == ["cotonou"]
    assert state["errors"] == {"joined": "This answer is not allowed."}  # the city was not touched
    assert state["labels"] == {"thanks": "Thank you. Member: Yes, 2 children."}
    assert set(state["html"]) == {"ages", "city"}  # a question the page lacks, one whose choices depend
    assert 'data-question="ages"' in state["html"]["ages"] and "Cotonou" in state["html"]["city"]
    assert state["last"] is True and state["indicator"] == "Page 3 of 3"
    assert db.session.scalar(select(db.func.count(PooledResponse.id))) == 0
    assert client.post(f"{url}/check", data={"page": "2"}).status_code == 400  # without the CSRF token


def test_live_checks_are_limited_per_account_and_log_no_answer(app, client, library, create_user, monkeypatch,
                                                               caplog):
    monkeypatch.setitem(app.config, "SURVEY_CHECK_LIMIT", "2 per minute")
    url, token = start(client, create_user)
    data = {"csrf_token": token, "page": "2", "q_member": "no", "q_children": "918273", "q_country": "pe"}
    for _ in range(2):
        assert client.post(f"{url}/check", data=data).status_code == 200
    assert client.post(f"{url}/check", data=data).status_code == 429
    assert client.post(url, data={**data, "shown": REST_SHOWN + " ages", "q_ages": "3"}).status_code == 302
    assert "answer/check 200" in caplog.text and "918273" not in caplog.text


def test_a_collector_enters_a_workers_answers_page_by_page(client, create_user):
    create_user("tomas", role="trainer", country="BJ")
    place = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None)
    survey = logic_survey(code="hotel-logic", subject="workplace")
    wave = building.add_wave(survey, kind="baseline", workplace=place, opens_on=clock.today())
    db.session.commit()
    sign_in(client, "tomas")
    url = f"/workplaces/{place.id}/waves/{wave.id}/collect"
    token = csrf_token(client, url)
    gate = client.post(url, data={"csrf_token": token, "page": "0", "shown": "member", "q_member": "yes",
                                  "q_country": "pe"})
    assert gate.status_code == 200 and "Years in the union" in text(gate)
    check = client.post(f"{url}/check", data={"csrf_token": token, "page": "1", "shown": "years",
                                              "touched": "years", "q_member": "yes", "q_years": "-3"})
    assert check.get_json()["errors"] == {"years": "Give the years, or -99 if you do not know."}
    done = client.post(url, data={"csrf_token": token, "page": "2", "shown": REST_SHOWN, "q_member": "yes",
                                  "q_years": "-99", "q_country": "pe"})
    assert done.status_code == 302
    assert db.session.scalar(select(db.func.count(PooledResponse.id))) == 1


def test_the_survey_page_shows_each_question_s_kind_and_logic(client, create_user):
    """Outside tester: the survey page showed an empty kind for dates, notes and calculations, "optional" for a
    conditional requirement, and none of the logic."""
    logic_survey()
    create_user("boss", role="admin")
    sign_in(client, "boss")
    page = re.sub(r"</?code[^>]*>", "", text(client.get("/surveys/manage/logic-form")))
    assert "(joined · Date · optional)" in page and "(double · Calculation (no answer))" in page
    assert "(ages · Number)" in page  # required when there are children: not "optional"
    assert "Required when: ${children} > 0" in page and "Worked out as: ${children} * 2" in page
    assert "Accepted when: . >= 0 or . = -99" in page and "Choices offered when: country = ${country}" in page
    assert "(years · Number · whole numbers · group union)" in page


def test_an_anonymous_survey_asking_for_a_date_warns_its_author(client, create_user):
    """Outside tester: a nickname and a date of birth sat in the answers of an anonymous survey; nothing warned."""
    logic_survey()
    create_user("boss", role="admin")
    sign_in(client, "boss")
    assert "a written answer or a date can still tell who gave it" in text(client.get("/surveys/manage/logic-form"))


def test_a_form_whose_logic_takes_too_long_stops_the_request_and_says_so(app, client, library, create_user,
                                                                         monkeypatch, caplog):
    """Outside tester: thousands of costly expressions held a worker past gunicorn's 30 seconds on every page of a
    survey. The logic has a time of its own (SURVEY_LOGIC_SECONDS): past it, the page says so and stores nothing."""
    url, token = start(client, create_user)
    monkeypatch.setitem(app.config, "SURVEY_LOGIC_SECONDS", -1)
    page = client.get(url)
    assert page.status_code == 503 and "This survey cannot be answered right now" in text(page)
    assert client.post(f"{url}/check", data={"csrf_token": token, "page": "0", "q_member": "no"}).status_code == 503
    assert "survey logic-form: its form's logic took longer" in caplog.text and "amina" not in caplog.text
    assert db.session.scalar(select(PooledResponse.id)) is None


def test_pages_sent_are_limited_per_account(app, client, library, create_user, monkeypatch):
    """Outside tester: four sessions sending the last page in a loop, each worked out through the form's logic, slowed
    the whole portal; only the live check was limited."""
    monkeypatch.setitem(app.config, "SURVEY_PAGE_LIMIT", "2 per minute")
    url, token = start(client, create_user)
    data = {"csrf_token": token, "page": "0", "shown": "member", "move": "next", "q_member": "no"}
    assert [client.post(url, data=data).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(url).status_code == 200  # reading the page is not sending it
