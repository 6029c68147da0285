"""Homes for staff: a trainer's day (/today) and a coordinator's overview (/overview), who lands where, who sees
what, and the counts they show as the disclosure rules allow."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.models import Course, Enrolment, GroupMember, GroupSession, Survey, SurveyResponse, SurveyWave
from lms.reports import homes
from tests.helpers import BUNDLED_COURSE, PASSWORD, csrf_token, sign_in
from tests.reports.helpers import count_queries


def course() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))


def days_ago(days: int):
    return clock.today() - timedelta(days=days)


def group(trainer, name: str, country: str = "PE", *, started: int = 20, ends_in: int = 40, mode: str = "in-person"):
    made = groups.create_group(trainer=trainer, course=course(), name=name, country=country, place="Lima", mode=mode,
                               starts_on=days_ago(started), ends_on=clock.today() + timedelta(days=ends_in))
    db.session.commit()
    return made


def join(made, member, days: int = 20) -> None:
    db.session.add(GroupMember(group_id=made.id, user_id=member.id,
                               joined_at=datetime.combine(days_ago(days), time.min, tzinfo=UTC)))
    db.session.commit()


def responses(survey: Survey, wave: SurveyWave, country: str, n: int) -> None:
    for _ in range(n):
        db.session.add(SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                      country=country, submitted_on=clock.today()))
    db.session.commit()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def section(html: str, title: str) -> str:
    """The text of the section whose heading is ``title`` ("" when the page has none)."""
    match = re.search(rf"<h2[^>]*>{re.escape(title)}</h2>(.*?)(</section>|$)", html, re.S)
    return match.group(1) if match else ""


def signed_in(app, username: str):
    client = app.test_client()
    landed = sign_in(client, username)
    return client, landed.headers["Location"]


@pytest.fixture
def staff(app, library, create_user):
    """A trainer in Peru with three groups, another in Benin with one; their members; a coordinator of each."""
    people = {
        "ana": create_user("ana", role="trainer", country="PE"),
        "kofi": create_user("kofi", role="trainer", country="BJ"),
        "carla": create_user("carla", role="coordinator", country="PE", coordinated_countries=["PE"]),
        "bio": create_user("bio", role="coordinator", country="BJ", coordinated_countries=["BJ"]),
        "root": create_user("root", role="admin", country="PE"),
        "member": create_user("member", country="PE"),
    }
    made = {
        # Runs for 20 days, no session, a member who did nothing since joining: a session to record, one stuck.
        "quiet": group(people["ana"], "Quiet hotel workers"),
        # Ends in a week, a session three days ago, a member who read a lesson yesterday: ending soon, nothing else.
        "busy": group(people["ana"], "Busy garment workers", ends_in=7),
        # Online, ended long ago: not on the home at all.
        "old": group(people["ana"], "Old online group", started=200, ends_in=-100, mode="online"),
        "benin": group(people["kofi"], "Cotonou dockers", country="BJ"),
    }
    join(made["quiet"], people["member"])
    active = create_user("active", country="PE")
    join(made["busy"], active)
    db.session.add(Enrolment(user_id=active.id, course_id=course().id,
                             last_activity_at=datetime.combine(days_ago(1), time.min, tzinfo=UTC)))
    db.session.add(GroupSession(group_id=made["busy"].id, held_on=days_ago(3), topic="Rights"))
    for i in range(3):
        join(made["benin"], create_user(f"bj{i}", country="BJ"))
    db.session.commit()
    return people, made


def test_a_trainer_lands_on_her_day_with_what_her_groups_need(app, staff):
    client, landed = signed_in(app, "ana")
    assert landed == "/today"
    html = page(client, "/today")
    assert 'href="/today"' in html  # "My work" in the menu
    sessions = section(html, "Sessions to record")
    assert "Quiet hotel workers" in sessions and "no session recorded yet" in sessions
    assert "Busy garment workers" not in sessions
    stuck = section(html, "Members stuck")
    assert "Quiet hotel workers" in stuck and "1 member has made no progress for 14 days" in stuck
    assert "Busy garment workers" not in stuck
    ending = section(html, "Groups ending soon")
    assert "Busy garment workers" in ending and "Quiet hotel workers" not in ending
    listed = section(html, "Your groups")
    assert "Quiet hotel workers" in listed and "Old online group" not in listed
    assert "Cotonou dockers" not in html  # another trainer's group, in another country


def test_a_group_that_ended_without_a_session_asks_for_one(app, staff):
    people, _ = staff
    group(people["ana"], "Finished market vendors", started=30, ends_in=-2)
    client, _ = signed_in(app, "ana")
    sessions = section(page(client, "/today"), "Sessions to record")
    assert re.search(r"Finished market vendors</bdi></a>:\s*it ended on .* with no session recorded", sessions)


def test_a_coordinator_lands_on_her_overview_and_sees_nothing_of_another_country(app, staff, make_survey):
    people, made = staff
    voice = make_survey(code="voice", privacy="identified", creator=people["ana"], group=made["quiet"],
                        waves=["baseline"], indicators=False)
    make_survey(code="dock", privacy="identified", creator=people["kofi"], group=made["benin"], waves=["baseline"],
                indicators=False)
    client, landed = signed_in(app, "carla")
    assert landed == "/overview"
    html = page(client, "/overview")
    waves = section(html, "Open survey waves")
    assert "Quiet hotel workers" in waves and "Cotonou dockers" not in waves
    assert 'href="/groups"' in html and 'href="/workplaces"' in html and 'href="/reports?year=' in html
    assert "Benin" not in html and "Cotonou" not in html
    assert "1 group is running now" not in html and "2 groups are running now" in html  # quiet and busy
    assert voice.code in page(client, "/surveys/manage")  # results of her country's group, to read
    assert "Nothing matches" in page(client, "/surveys/manage?q=dock")  # Benin's survey is not hers to list


def test_an_admin_lands_on_the_overview_of_every_country(app, staff, make_survey):
    people, made = staff
    make_survey(code="dock", privacy="identified", creator=people["kofi"], group=made["benin"], waves=["baseline"],
                indicators=False)
    client, landed = signed_in(app, "root")
    assert landed == "/overview"
    html = page(client, "/overview")
    assert "Cotonou dockers" in section(html, "Open survey waves")
    assert "3 groups are running now" in html


def test_members_keep_their_home_and_are_refused_the_staff_homes(app, staff):
    client, landed = signed_in(app, "member")
    assert landed == "/"
    assert "My work" not in page(client, "/")
    assert client.get("/today").status_code == 403 and client.get("/overview").status_code == 403
    visitor = app.test_client()
    for path in ("/today", "/overview"):
        assert "/sign-in" in visitor.get(path).headers["Location"]
    trainer, _ = signed_in(app, "ana")
    assert trainer.get("/overview").status_code == 403


def test_a_sign_in_with_a_next_page_still_goes_there(app, staff):
    client = app.test_client()
    response = client.post("/sign-in?next=/groups", data={"identifier": "ana", "password": PASSWORD,
                                                          "csrf_token": csrf_token(client, "/sign-in")})
    assert response.headers["Location"] == "/groups"


def responses_shown(html: str, group_name: str) -> str:
    row = re.search(rf"<tr>.*?{re.escape(group_name)}.*?</tr>", section(html, "Surveys waiting for answers")
                    or section(html, "Open survey waves"), re.S)
    assert row, group_name
    return re.findall(r"<td>([^<]*)</td>", row.group(0))[-1].strip()


@pytest.mark.parametrize("answered", [1, 2, 3, 4])
def test_the_homes_never_show_a_count_of_one_to_four_people(app, staff, make_survey, create_user, answered):
    people, made = staff
    voice = make_survey(code="voice", privacy="identified", creator=people["ana"], group=made["quiet"],
                        waves=["baseline"], indicators=False)
    responses(voice, voice.waves[0], "PE", answered)
    year, quarter, start, _end = homes.last_quarter(clock.today())
    for i in range(answered):  # people trained in the last quarter that ended, who completed the course
        enrolled = datetime.combine(start + timedelta(days=5 + i), time(10), tzinfo=UTC)
        person = create_user(f"trained{i}", country="PE")
        db.session.add(Enrolment(user_id=person.id, course_id=course().id, enrolled_at=enrolled,
                                 last_activity_at=enrolled, completed_at=enrolled))
    db.session.commit()
    for who, path in (("ana", "/today"), ("carla", "/overview")):
        client, _ = signed_in(app, who)
        html = page(client, path)
        assert responses_shown(html, "Quiet hotel workers") in ("0", "5"), who
    figures = section(html, f"Figures for Quarter {quarter} of {year}")
    numbers = {int(n) for n in re.findall(r"<td>(\d+)</td>", figures)}
    assert numbers <= {0, 5} and f"<td>{answered}</td>" not in figures, numbers
    assert "Participants by country and gender" in figures


def test_the_homes_take_the_same_number_of_queries_however_many_groups(app, staff, make_survey, create_user,
                                                                       still_clock):
    people, made = staff
    make_survey(code="voice", privacy="identified", creator=people["ana"], group=made["quiet"], waves=["baseline"],
                indicators=False)
    make_survey(code="wide", privacy="identified", creator=people["kofi"], course=course(), waves=["endline"],
                indicators=False)
    admin = app.test_client()
    sign_in(admin, "root")
    for path in ("/today", "/overview"):
        admin.get(path)  # warm up
    before = {path: count_queries(app, admin, path) for path in ("/today", "/overview")}
    for i in range(6):
        more = group(people["ana"] if i % 2 else people["kofi"], f"More {i}", country="PE" if i % 2 else "BJ")
        join(more, create_user(f"more{i}", country="PE"))
        make_survey(code=f"more{i}", privacy="identified", creator=people["ana"], group=more, waves=["baseline"],
                    indicators=False)
        make_survey(code=f"wide{i}", privacy="identified", creator=people["kofi"], course=course(),
                    waves=["endline"], indicators=False)
    assert {path: count_queries(app, admin, path) for path in before} == before


def test_seen_waves_in_sql_are_the_waves_visible_survey_by_survey(app, staff, make_survey):
    from lms.permissions import seen_waves, visible_waves

    people, made = staff
    make_survey(code="voice", privacy="identified", creator=people["ana"], group=made["quiet"],
                waves=["baseline", "endline"], indicators=False)
    make_survey(code="dock", privacy="identified", creator=people["kofi"], group=made["benin"], waves=["baseline"],
                indicators=False)
    make_survey(code="course-wide", privacy="identified", creator=people["kofi"], course=course(),
                waves=["endline"], indicators=False)
    surveys = list(db.session.scalars(select(Survey)))
    for who, user in people.items():
        expected = {w.id for s in surveys for w in visible_waves(user, s)[0]}
        assert set(db.session.scalars(select(SurveyWave.id).where(seen_waves(user)))) == expected, who


def test_staff_pages_take_a_desktops_width_and_member_pages_keep_their_column(app, staff):
    _, made = staff
    quiet = made["quiet"].id
    trainer, _ = signed_in(app, "ana")
    for path in ("/today", "/groups", f"/groups/{quiet}", "/surveys/manage", "/author/"):
        assert '<body class="wide">' in page(trainer, path), path
    assert '<body class="wide">' not in page(trainer, f"/courses/{BUNDLED_COURSE}")
    member, _ = signed_in(app, "member")
    for path in ("/", "/groups", f"/groups/{quiet}", f"/courses/{BUNDLED_COURSE}", "/my-learning"):
        assert '<body class="wide">' not in page(member, path), path
