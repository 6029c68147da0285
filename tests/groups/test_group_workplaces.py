"""A training group may be held at or for a workplace its creator may see, of the group's own country."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.models import Course, Organisation, TrainingGroup, Workplace
from lms.surveys import building
from tests.helpers import BUNDLED_COURSE, post_form, sign_in

TODAY = clock.today()
ANOTHER_COUNTRY = "This workplace is in another country than the group"
NOT_OFFERED = "Choose one of the workplaces offered"


def places() -> dict[str, Workplace]:
    """Two Benin hotels (one of a Benin union), a Peruvian hotel and a Togolese one of the same union."""
    union = Organisation(name="Hotel workers", acronym="HW", country="BJ", sector="hotels")
    db.session.add(union)
    db.session.flush()
    found = {
        "lac": building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None),
        "port": building.create_workplace(name="Hotel du Port", sector="hotels", country="BJ",
                                          organisation_id=union.id),
        "lima": building.create_workplace(name="Hotel Lima", sector="hotels", country="PE", organisation_id=None),
        "lome": building.create_workplace(name="Hotel Lomé", sector="hotels", country="TG", organisation_id=union.id),
    }
    db.session.commit()
    return found


def new_group(client, **changes):
    data = {"name": "Cotonou hotels", "course": BUNDLED_COURSE, "country": "BJ", "mode": "in-person",
            "place": "Cotonou", "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat()}
    data.update(changes)
    return post_form(client, "/groups/new", data)


def offered(page: str) -> set[str]:
    select_box = re.search(r'<select[^>]*name="workplace".*?</select>', page, re.S).group(0)
    return set(re.findall(r'value="(\d+)"', select_box))


def groups() -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingGroup))


def test_a_trainer_holds_a_group_at_a_workplace_of_its_country_and_its_page_says_so(client, library, create_user):
    found = places()
    create_user("benin", role="trainer", country="BJ")
    sign_in(client, "benin")
    page = client.get("/groups/new").get_data(as_text=True)
    # Their country's workplaces; not Peru's, nor the union's in Togo (a trainer sees their own union's only).
    assert offered(page) == {str(found["lac"].id), str(found["port"].id)}
    assert new_group(client, workplace=str(found["lac"].id)).status_code == 302
    group = db.session.scalar(select(TrainingGroup))
    assert group.workplace_id == found["lac"].id
    shown = html.unescape(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert f'<a href="/workplaces/{found["lac"].id}">Workplace: Hotel du Lac</a>' in shown


def test_a_workplace_the_creator_may_not_see_is_refused_and_nothing_is_created(client, library, create_user):
    found = places()
    create_user("benin", role="trainer", country="BJ")
    sign_in(client, "benin")
    for place in ("lima", "lome"):  # a tampered form: neither is offered to a trainer of Benin
        response = new_group(client, workplace=str(found[place].id))
        assert response.status_code == 400 and NOT_OFFERED in html.unescape(response.get_data(as_text=True)), place
    response = new_group(client, workplace="999999")
    assert response.status_code == 400 and NOT_OFFERED in html.unescape(response.get_data(as_text=True))
    assert groups() == 0


def test_a_workplace_of_another_country_than_the_group_is_refused(client, library, create_user):
    found = places()
    create_user("benin", role="trainer", country="BJ", organisation_id=found["port"].organisation_id)
    sign_in(client, "benin")
    # Their union's hotel in Togo is theirs to see, but a group in Benin is not held there.
    assert offered(client.get("/groups/new").get_data(as_text=True)) == {
        str(found[name].id) for name in ("lac", "port", "lome")}
    response = new_group(client, workplace=str(found["lome"].id))
    assert response.status_code == 400 and ANOTHER_COUNTRY in html.unescape(response.get_data(as_text=True))
    assert groups() == 0
    assert new_group(client, workplace=str(found["lac"].id)).status_code == 302
    group = db.session.scalar(select(TrainingGroup))
    # Editing: the group's country stays, so only its country's workplaces are offered, and another is refused.
    url = f"/groups/{group.id}/edit"
    assert offered(client.get(url).get_data(as_text=True)) == {str(found["lac"].id), str(found["port"].id)}
    edit = {"name": "Cotonou hotels", "course": BUNDLED_COURSE, "mode": "in-person", "place": "Cotonou",
            "starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()}
    response = post_form(client, url, {**edit, "name": "Renamed", "workplace": str(found["lome"].id)})
    assert response.status_code == 400 and NOT_OFFERED in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert (group.name, group.workplace_id) == ("Cotonou hotels", found["lac"].id)
    assert post_form(client, url, {**edit, "workplace": str(found["port"].id)}).status_code == 302
    db.session.expire_all()
    assert group.workplace_id == found["port"].id
    assert post_form(client, url, {**edit, "workplace": ""}).status_code == 302
    db.session.expire_all()
    assert group.workplace_id is None


def test_a_trainer_saving_a_group_keeps_a_workplace_a_coordinator_tied_it_to(app, client, library, create_user):
    """A Peruvian trainer runs a group in Togo: she may not see the union's hotel there, but saving her group must
    not untie it."""
    found = places()
    trainer = create_user("togo", role="trainer", country="PE")
    course_id = db.session.scalar(select(Course.id).where(Course.slug == BUNDLED_COURSE))
    group = TrainingGroup(course_id=course_id, trainer_id=trainer.id, name="Lomé hotels", country="TG",
                          mode="in-person", place="Lomé", starts_on=TODAY, ends_on=TODAY, join_code="LOME01",
                          workplace_id=found["lome"].id)
    db.session.add(group)
    db.session.commit()
    sign_in(client, "togo")
    url = f"/groups/{group.id}/edit"
    assert offered(client.get(url).get_data(as_text=True)) == {str(found["lome"].id)}
    shown = html.unescape(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert "Workplace: Hotel Lomé" in shown and f'href="/workplaces/{found["lome"].id}"' not in shown
    assert post_form(client, url, {"name": "Lomé hotel workers", "course": BUNDLED_COURSE, "mode": "in-person",
                                   "place": "Lomé", "starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat(),
                                   "workplace": str(found["lome"].id)}).status_code == 302
    db.session.expire_all()
    assert (group.name, group.workplace_id) == ("Lomé hotel workers", found["lome"].id)


def test_deleting_a_workplace_keeps_its_groups(client, library, create_user):
    found = places()
    create_user("benin", role="trainer", country="BJ")
    sign_in(client, "benin")
    assert new_group(client, workplace=str(found["lac"].id)).status_code == 302
    group_id = db.session.scalar(select(TrainingGroup.id))
    assert post_form(client, f"/workplaces/{found['lac'].id}/delete", {}).status_code == 302
    db.session.expire_all()
    group = db.session.get(TrainingGroup, group_id)
    assert group is not None and group.workplace_id is None
    assert client.get(f"/groups/{group_id}").status_code == 200
