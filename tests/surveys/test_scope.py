"""Workplaces are seen, and their rounds collected, only by the staff of their country or union.

A workplace survey names no worker, but its results still say how a workplace's workers answered; a union
team collects the answers. A trainer of another country has no business with either.
"""
from __future__ import annotations

import html

from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.models import Course, Organisation, SurveyResponse, TrainingGroup, Workplace
from lms.surveys import building
from tests.helpers import BUNDLED_COURSE, GOOD_ANSWERS, post_form, sign_in

TODAY = clock.today()


def world(create_user, make_survey):
    union = Organisation(name="Hotel workers", acronym="HW", country="BJ", sector="hotels")
    db.session.add(union)
    db.session.commit()
    admin = create_user("admin", role="admin", country="BJ")
    places = {
        "benin": building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None),
        "benin-union": building.create_workplace(name="Hotel du Port", sector="hotels", country="BJ",
                                                 organisation_id=union.id),
        "peru": building.create_workplace(name="Hotel Lima", sector="hotels", country="PE", organisation_id=None),
    }
    survey = make_survey(code="hotel-voice", subject="workplace", creator=admin)
    rounds = {name: building.add_wave(survey, kind="baseline", workplace=place, opens_on=TODAY)
              for name, place in places.items()}
    db.session.commit()
    return union, {name: (place.id, rounds[name].id) for name, place in places.items()}


def test_a_trainer_of_peru_is_refused_a_benin_workplaces_results_and_collection(app, client, create_user,
                                                                               make_survey):
    union, places = world(create_user, make_survey)
    create_user("peru", role="trainer", country="PE")
    sign_in(client, "peru")
    workplace, wave = places["benin"]
    collect = f"/workplaces/{workplace}/waves/{wave}/collect"
    assert client.get(f"/workplaces/{workplace}").status_code == 403, "another country's workplace results"
    assert client.get(collect).status_code == 403
    assert post_form(client, collect, GOOD_ANSWERS, page="/workplaces").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    listed = client.get("/workplaces").get_data(as_text=True)
    assert "Hotel Lima" in listed and "Hotel du Lac" not in listed and "Hotel du Port" not in listed
    workplace, wave = places["peru"]  # their own country's
    assert client.get(f"/workplaces/{workplace}").status_code == 200
    assert post_form(client, f"/workplaces/{workplace}/waves/{wave}/collect", GOOD_ANSWERS,
                page="/workplaces").status_code == 302
    # A workplace of another country cannot be added either (it would be out of their sight at once).
    response = post_form(client, "/workplaces", {"name": "Hotel Cotonou", "sector": "hotels", "country": "BJ"},
                    page="/workplaces")
    assert response.status_code == 400 and '<option value="BJ"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Workplace)) == 3


def test_trainers_and_coordinators_see_the_workplaces_of_their_country_or_union(app, create_user, make_survey):
    union, places = world(create_user, make_survey)
    create_user("benin", role="trainer", country="BJ")
    create_user("member-of-union", role="trainer", country="PE", organisation_id=union.id)
    create_user("coordinator", role="coordinator", country="PE", coordinated_countries=["PE"])
    coordinator_of_union = create_user("union-coordinator", role="coordinator", country="PE",
                                       coordinated_countries=["PE"])
    from lms.models import CoordinatorOrganisation

    db.session.add(CoordinatorOrganisation(user_id=coordinator_of_union.id, organisation_id=union.id))
    db.session.commit()
    sees = {"benin": {"benin", "benin-union"}, "member-of-union": {"benin-union", "peru"},
            "coordinator": {"peru"}, "union-coordinator": {"benin-union", "peru"},
            "admin": {"benin", "benin-union", "peru"}}
    for who, visible in sees.items():
        client = app.test_client()
        sign_in(client, who)
        for name, (workplace, wave) in places.items():
            expected = 200 if name in visible else 403
            assert client.get(f"/workplaces/{workplace}").status_code == expected, (who, name)
            assert client.get(f"/workplaces/{workplace}/waves/{wave}/collect").status_code == expected, (who, name)


def test_a_survey_author_is_offered_only_the_workplaces_they_may_see(client, create_user, make_survey):
    world(create_user, make_survey)
    author = create_user("peru", role="trainer", country="PE")
    make_survey(code="my-hotels", subject="workplace", creator=author)
    sign_in(client, "peru")
    page = client.get("/surveys/manage/my-hotels").get_data(as_text=True)
    assert "Hotel Lima" in page and "Hotel du Lac" not in page and "Hotel du Port" not in page
    benin = db.session.scalar(select(Workplace.id).where(Workplace.name == "Hotel du Lac"))
    response = post_form(client, "/surveys/manage/my-hotels/waves", {
        "wave-kind": "baseline", "wave-target": f"workplace:{benin}", "wave-opens_on": TODAY.isoformat()},
        page="/surveys/manage/my-hotels")
    assert response.status_code == 400


def test_a_coordinator_sees_no_name_of_a_union_group_in_another_country(app, library, create_user, make_survey):
    """A workplace of the coordinator's country listed every group of its union, in any country."""
    union, places = world(create_user, make_survey)
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    trainer = create_user("trainer", role="trainer")
    for country, name in (("PE", "Lima hotel workers"), ("BJ", "Cotonou hotel workers")):
        db.session.add(TrainingGroup(course_id=course.id, trainer_id=trainer.id, name=name, country=country,
                                     organisation_id=union.id, mode="in-person", starts_on=TODAY,
                                     ends_on=TODAY, join_code=f"UNION{country}"))
    lima = building.create_workplace(name="Hotel Miraflores", sector="hotels", country="PE",
                                     organisation_id=union.id)
    db.session.commit()
    create_user("coordinator", role="coordinator", country="PE", coordinated_countries=["PE"])
    client = app.test_client()
    sign_in(client, "coordinator")
    page = html.unescape(client.get(f"/workplaces/{lima.id}").get_data(as_text=True))
    assert "Lima hotel workers" in page
    assert "Cotonou hotel workers" not in page


def test_a_coordinator_who_wrote_a_survey_sees_no_group_of_another_country_that_asks_it(app, library, create_user,
                                                                                       make_survey):
    """Anyone may attach a published survey to their group: a Senegalese group asking a Peruvian coordinator's
    survey showed its name, and its results by ?group=, on the coordinator's survey and results pages."""
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    author = create_user("coordinator", role="coordinator", country="PE", coordinated_countries=["PE"])
    trainer = create_user("dakar", role="trainer", country="SN")
    groups = {country: TrainingGroup(course_id=course.id, trainer_id=trainer.id, name=name, country=country,
                                     mode="in-person", starts_on=TODAY, ends_on=TODAY, join_code=f"ASK{country}")
              for country, name in (("PE", "Lima dockers"), ("SN", "Dakar dockers"))}
    db.session.add_all(groups.values())
    db.session.commit()
    survey = make_survey(code="voice", creator=author, privacy="identified")
    for group in groups.values():
        building.add_wave(survey, kind="baseline", group=group)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "coordinator")
    for page in ("/surveys/manage/voice", "/surveys/manage/voice/results",
                 f"/surveys/manage/voice/results?group={groups['SN'].id}"):
        text = html.unescape(client.get(page).get_data(as_text=True))
        assert "Dakar dockers" not in text, page
    assert "Lima dockers" in html.unescape(client.get("/surveys/manage/voice").get_data(as_text=True))


def test_a_coordinator_of_a_union_reads_its_workplaces_results_and_none_of_another_in_the_same_country(
        app, create_user, make_survey):
    """A coordinator given an organisation and no country saw the workplace but was refused its survey's results."""
    union, places = world(create_user, make_survey)
    from lms.models import CoordinatorOrganisation

    union_coordinator = create_user("union-coordinator", role="coordinator", country="BJ")
    db.session.add(CoordinatorOrganisation(user_id=union_coordinator.id, organisation_id=union.id))
    create_user("benin-coordinator", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    db.session.commit()
    sees = {"union-coordinator": {"Hotel du Port"}, "benin-coordinator": {"Hotel du Lac", "Hotel du Port"}}
    for who, visible in sees.items():
        client = app.test_client()
        sign_in(client, who)
        response = client.get("/surveys/manage/hotel-voice/results")
        assert response.status_code == 200, who
        page = html.unescape(response.get_data(as_text=True))
        for name in ("Hotel du Lac", "Hotel du Port", "Hotel Lima"):
            assert (name in page) == (name in visible), (who, name)
        workplace, _wave = places["benin-union"]
        assert client.get(f"/workplaces/{workplace}").status_code == 200, who
        listed = html.unescape(client.get("/surveys/manage").get_data(as_text=True))
        assert "hotel-voice" in listed or "Workers' voice" in listed, who
