"""A survey with skip logic in a real browser: with JavaScript on, an answer shows or hides a group's question on
the same page without a reload (survey-logic.js and the live check); with JavaScript off, "Next" asks it on the
server. The axe scan looks at the page with the question the script brought in."""
from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse, SurveyGroup, SurveyGroupText, SurveyInvitation
from lms.surveys import building
from lms.surveys.building import QuestionSpec
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE


def family_survey(create_user) -> str:
    """One page, the group "family": "Do you have children?" and, in the group "kids" asked after a yes, "How
    many?". A member invited, consent given: the answer page's path."""
    survey = building.create_survey(code="family", title="Family", description="", language="en",
                                    privacy="anonymous", subject="participant", creator=None)
    building.add_question(survey, QuestionSpec(code="has_children", kind="yes_no", label="Do you have children?"))
    building.add_question(survey, QuestionSpec(code="how_many", kind="number", label="How many children?"))
    version = building.editable_version(survey)
    family = SurveyGroup(version=version, code="family", position=0,
                         texts=[SurveyGroupText(language="en", label="Your family")])
    db.session.add(family)
    db.session.flush()
    kids = SurveyGroup(version=version, code="kids", position=1, parent_id=family.id,
                       relevant="${has_children} = 'yes'", texts=[SurveyGroupText(language="en", label="Children")])
    db.session.add(kids)
    db.session.flush()
    questions = {q.code: q for q in version.questions}
    questions["has_children"].group_id = family.id
    questions["how_many"].group_id = kids.id
    questions["how_many"].whole = True
    building.publish(survey)
    course = learning.find_course(BUNDLED_COURSE)
    building.add_wave(survey, kind="baseline", course=course)
    member = create_user("amina")
    learning.enrol(member.id, course)
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
    invitation.consent = "given"
    db.session.commit()
    return f"/surveys/invitations/{invitation.id}/answer"


def test_an_answer_hides_and_shows_a_groups_question_without_a_reload(page, live_server, library, create_user, axe):
    path = family_survey(create_user)
    sign_in(page, live_server, "amina", wait_for_home=True)
    page.goto(f"{live_server}{path}")
    assert page.locator("#q_how_many").count() == 0  # not asked before the answer, not even hidden
    page.evaluate("() => { window.notReloaded = true; }")
    page.check("input[name=q_has_children][value=yes]")
    page.locator("#q_how_many").wait_for(state="visible")
    assert page.text_content("[data-announce]") == "Another question was added on this page."  # read out
    assert page.get_attribute("#q_how_many", "inputmode") == "numeric"
    axe.scan(page)
    page.check("input[name=q_has_children][value=no]")
    page.locator("#q_how_many").wait_for(state="hidden")
    page.check("input[name=q_has_children][value=yes]")
    page.locator("#q_how_many").wait_for(state="visible")
    page.fill("#q_how_many", "2.5")
    page.locator("#q_how_many-error").wait_for(state="visible")  # checked live once changed
    assert "not a whole number" in page.inner_text("#q_how_many-error")
    assert page.evaluate("() => window.notReloaded === true")
    page.fill("#q_how_many", "2")
    page.locator("#q_how_many-error").wait_for(state="detached")
    page.click("main button[value=next]")
    assert "Thank you! Your answers are saved." in page.inner_text("main")
    assert db.session.scalar(select(db.func.count(PooledResponse.id))) == 1
    assert axe.violations == []


def test_without_javascript_next_asks_the_question_an_answer_brought_up(browser, live_server, library,
                                                                        create_user):
    path = family_survey(create_user)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844},
                                  locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "amina")
    page.goto(f"{live_server}{path}")
    assert page.locator("#q_how_many").count() == 0
    page.check("input[name=q_has_children][value=yes]")
    page.click("main button[value=next]")
    assert "Your answer brought up another question on this page" in page.inner_text("main")
    page.fill("#q_how_many", "3")
    page.click("main button[value=next]")
    assert "Thank you! Your answers are saved." in page.inner_text("main")
    context.close()
