"""Survey pages the journey does not pass, in a real browser with the axe scan: the survey list,
a question's edit page, a translation, the workplaces, entering a worker's answers on a tablet,
and a member answering in Arabic (right to left)."""
from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import Organisation, SurveyInvitation
from lms.surveys import building
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE


def test_survey_building_and_workplace_pages_are_accessible(page, live_server, library, create_user, make_survey,
                                                            axe):
    coordinator = create_user("carla", role="coordinator", coordinated_countries=["KH"])
    union = Organisation(name="Garment workers' union", acronym="GWU", country="KH", sector="Garments")
    db.session.add(union)
    db.session.commit()
    make_survey(code="voice", creator=coordinator)
    sign_in(page, live_server, "carla")
    for path in ("/surveys/manage", "/surveys/manage/voice/questions/voice", "/surveys/manage/voice/texts/km",
                 "/workplaces"):
        page.goto(f"{live_server}{path}")
        axe.scan(page)
    page.fill("#name", "Factory 7")
    page.fill("#sector", "Garments")
    page.select_option("#country", "KH")
    page.select_option("#organisation", str(union.id))
    page.click("text=Add the workplace")
    page.click("text=Factory 7")
    axe.scan(page)
    from lms.models import Workplace

    workplace = db.session.scalar(select(Workplace))
    survey = make_survey(code="factory", subject="workplace", creator=coordinator, indicators=False)
    wave = building.add_wave(survey, kind="baseline", workplace=workplace, opens_on=clock.today())
    db.session.commit()
    page.goto(f"{live_server}/workplaces/{workplace.id}/waves/{wave.id}/collect")
    axe.scan(page)
    page.check("input[name=q_safe][value='3']")
    page.check("input[name=q_union][value=yes]")
    page.check("input[name=q_voice][value=sometimes]")
    page.fill("#q_hours", "52")
    page.click("main button[type=submit]")
    assert "The form is empty again for the next worker." in page.inner_text("main")
    assert axe.violations == []


def test_a_member_answers_in_arabic(browser, live_server, library, create_user, make_survey, axe):
    make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("layla", locale="ar", country="TN")
    learning.enrol(member.id, learning.find_course(BUNDLED_COURSE))
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation))
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, live_server, "layla")
    page.goto(f"{live_server}/surveys/invitations/{invitation.id}")
    assert page.get_attribute("html", "dir") == "rtl"
    axe.scan(page)
    page.click("main button[value=agree]")
    axe.scan(page)
    page.context.close()
    assert axe.violations == []
