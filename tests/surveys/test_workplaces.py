"""Workplaces are corrected and deleted by the staff who see them; one where workers answered is kept; its page
puts its survey rounds and the trainings held there in one timeline."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from flask_babel import format_date
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.models import AuditEntry, Course, Organisation, PooledResponse, SurveyWave, TrainingGroup, Workplace
from lms.surveys import building
from tests.helpers import BUNDLED_COURSE, GOOD_ANSWERS, post_form, sign_in

TODAY = clock.today()


def hotel(make_survey, create_user, rounds: int = 1) -> Workplace:
    admin = create_user("admin", role="admin", country="BJ")
    place = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None)
    survey = make_survey(code="hotel-voice", subject="workplace", creator=admin)
    for kind in ("baseline", "endline")[:rounds]:
        building.add_wave(survey, kind=kind, workplace=place, opens_on=TODAY)
    db.session.commit()
    return place


def test_a_trainer_corrects_a_workplace_of_their_country_but_cannot_move_it_out_of_sight(app, client, create_user,
                                                                                         make_survey):
    place = hotel(make_survey, create_user)
    create_user("benin", role="trainer", country="BJ")
    sign_in(client, "benin")
    url = f"/workplaces/{place.id}/edit"
    assert 'value="Hotel du Lac"' in client.get(url).get_data(as_text=True)
    saved = post_form(client, url, {"name": "Hotel du Lac Ahémé", "sector": "hotels and catering", "country": "BJ"})
    assert saved.status_code == 302
    db.session.refresh(place)
    assert (place.name, place.sector) == ("Hotel du Lac Ahémé", "hotels and catering")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit workplace"))
    assert entry.details == {"workplace": place.id, "fields": ["name", "sector"]}
    moved = post_form(client, url, {"name": "Hotel Lima", "sector": "hotels", "country": "PE"})
    assert moved.status_code == 400 and '<option value="PE"' not in moved.get_data(as_text=True)
    empty = post_form(client, url, {"name": "", "sector": "hotels", "country": "BJ"})
    assert empty.status_code == 400
    db.session.refresh(place)
    assert (place.name, place.country) == ("Hotel du Lac Ahémé", "BJ")
    create_user("peru", role="trainer", country="PE")
    other = app.test_client()
    sign_in(other, "peru")
    assert other.get(url).status_code == 403
    assert post_form(other, url, {"name": "X", "sector": "x", "country": "PE"}, page="/workplaces").status_code == 403


def test_a_workplace_where_nobody_answered_is_deleted_with_its_rounds_after_confirmation(client, create_user,
                                                                                         make_survey):
    place = hotel(make_survey, create_user, rounds=2)
    place_id = place.id
    create_user("benin", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    sign_in(client, "benin")
    url = f"/workplaces/{place_id}/delete"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Delete Hotel du Lac?" in page and "Its 2 survey rounds go with it" in page
    assert db.session.get(Workplace, place_id) is not None
    assert post_form(client, url, {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Workplace, place_id) is None
    assert db.session.scalar(select(func.count()).select_from(SurveyWave)) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete workplace"))
    assert entry.details == {"workplace": place_id, "name": "Hotel du Lac", "rounds": 2}
    assert "Hotel du Lac" not in client.get("/workplaces").get_data(as_text=True)


def test_a_workplace_where_workers_answered_is_kept_and_the_page_says_why(client, create_user, make_survey):
    place = hotel(make_survey, create_user)
    wave = db.session.scalar(select(SurveyWave))
    create_user("benin", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    sign_in(client, "benin")
    assert post_form(client, f"/workplaces/{place.id}/waves/{wave.id}/collect", GOOD_ANSWERS).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PooledResponse)) == 1  # waiting for its batch
    url = f"/workplaces/{place.id}/delete"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "it is kept, with their answers" in page and "1 answer was collected here." in page
    assert "Delete the workplace" not in page
    assert post_form(client, url, {}, page=f"/workplaces/{place.id}").status_code == 409
    db.session.expire_all()
    assert db.session.get(Workplace, place.id) is not None and db.session.scalar(
        select(func.count()).select_from(SurveyWave)) == 1


def test_the_workplace_list_is_searched_sorted_and_paged(client, create_user):
    create_user("admin", role="admin")
    for i in range(52):
        building.create_workplace(name=f"Factory {i:02d}", sector="garment" if i % 2 else "hotels", country="KH",
                                  organisation_id=None)
    db.session.commit()
    sign_in(client, "admin")
    first = client.get("/workplaces").get_data(as_text=True)
    assert "Factory 00" in first and "Factory 51" not in first and "Showing 1–50 of 52" in first
    assert "Factory 51" in client.get("/workplaces?page=2").get_data(as_text=True)
    backwards = client.get("/workplaces?sort=-name").get_data(as_text=True)
    assert backwards.index("Factory 51") < backwards.index("Factory 50")
    found = client.get("/workplaces?q=factory+07").get_data(as_text=True)
    assert "Factory 07" in found and "Factory 08" not in found


def test_the_country_list_offers_only_the_countries_a_workplace_may_be_added_in(client, create_user):
    create_user("benin", role="coordinator", country="BJ", coordinated_countries=["BJ", "TG"])
    sign_in(client, "benin")
    page = client.get("/workplaces").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([A-Z]{2})"', page))
    assert offered == {"BJ", "TG"}


def test_the_workplace_page_shows_its_rounds_and_the_trainings_held_there_in_one_timeline(client, library, create_user,
                                                                                          make_survey):
    """Rounds and trainings by first day (a round opening on a training's first day before it); the union's other
    trainings apart, below; a group another trainer runs is not named to a trainer."""
    admin = create_user("admin", role="admin", country="BJ")
    union = Organisation(name="Hotel workers", acronym="HW", country="BJ", sector="hotels")
    db.session.add(union)
    db.session.flush()
    place = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=union.id)
    survey = make_survey(code="hotel-voice", subject="workplace", creator=admin)
    day = TODAY - timedelta(days=100)
    building.add_wave(survey, kind="endline", workplace=place, opens_on=day + timedelta(days=60),
                      closes_on=day + timedelta(days=70))
    building.add_wave(survey, kind="baseline", workplace=place, opens_on=day, closes_on=day + timedelta(days=10))
    trainer = create_user("benin", role="trainer", country="BJ")
    other = create_user("other", role="trainer", country="BJ")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))

    def group(name, starts, runner=trainer, workplace=place):
        db.session.add(TrainingGroup(
            course_id=course.id, trainer_id=runner.id, name=name, country="BJ", mode="in-person", place="Cotonou",
            starts_on=day + timedelta(days=starts), ends_on=day + timedelta(days=starts + 2),
            join_code=name[:6].upper(), organisation_id=union.id, workplace_id=workplace and workplace.id))

    group("Second training", 60)
    group("First training", 20)
    group("Shop stewards", 30, workplace=None)
    group("Another trainer's", 40, runner=other)
    db.session.commit()
    sign_in(client, "benin")
    page = html.unescape(client.get(f"/workplaces/{place.id}").get_data(as_text=True))
    timeline = page[page.index("Survey rounds and trainings held here"):page.index("Indicators over time")]
    order = [timeline.index(text) for text in (format_date(day, "medium"), "First training",
                                               format_date(day + timedelta(days=60), "medium"), "Second training")]
    assert order == sorted(order), timeline
    assert "Social dialogue at work" in timeline and "In person" in timeline and "0 responses" in timeline
    assert "Shop stewards" not in timeline and "Another trainer's" not in page
    union_part = page[page.index("Other trainings of this workplace's union"):]
    assert "Shop stewards" in union_part and "First training" not in union_part
