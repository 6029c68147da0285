"""The survey journey in a real browser with the axe scan: a trainer builds a pseudonymous survey, an
administrator asks it of her group's course, a member of the group answers the baseline, takes the course and
answers the endline; the trainer sees how many answered, and the country's coordinator sees the change."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups.services import add_member, create_group
from lms.models import Course, SurveyInvitation
from lms.surveys import answering
from lms.surveys.releases import release_answers
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE, complete_course


def answer_as(user, survey, kind: str, safe: int) -> None:
    """Another group member answers, as they would on their own phone."""
    invitation = next(i for i in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
                      if i.wave.kind == kind)
    answering.submit_response(wave=invitation.wave, version=survey.published_version,
                              user=user, invitation=invitation,
                              answers={"safe": answering.Answer(str(safe), float(safe)),
                                       "meeting": answering.Answer("yes")})


def test_baseline_course_endline_and_the_coordinator_sees_the_change(browser, page, live_server, library,
                                                                     create_user, axe):
    trainer = create_user("tina", role="trainer")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    group = create_group(trainer=trainer, course=course, name="Lima hotel workers", country="PE", place="Lima",
                         mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=30))
    db.session.commit()

    # The trainer builds the survey in the browser (a pseudonymous survey is not asked of one group, nor of a
    # course by a trainer: she decides who is in her group).
    sign_in(page, live_server, "tina")
    page.goto(f"{live_server}/surveys/manage/new")
    axe.scan(page)
    page.fill("#title", "Safety at work")
    page.fill("#code", "safety")
    page.check("input[name=privacy][value=pseudonymous]")
    page.click("main form button[type=submit]")
    page.click("text=Add a question")
    page.fill("#question-label", "I feel safe at work.")
    page.fill("#question-code", "safe")
    page.select_option("#question-kind", "likert")
    page.click("text=Add the question")
    page.click("text=Add a question")
    page.fill("#question-label", "Did you take part in a safety meeting?")
    page.fill("#question-code", "meeting")
    page.select_option("#question-kind", "yes_no")
    page.click("text=Add the question")
    page.click("text=Publish version 1")
    assert "Version 1 is published." in page.inner_text("main")
    page.click("text=Add a wave")  # nothing to choose: neither her group nor, for such a survey, a course
    assert page.locator(f"#wave-target option[value='group:{group.id}']").count() == 0
    assert page.locator(f"#wave-target option[value='course:{course.id}']").count() == 0
    assert "asked of a course by an administrator" in page.inner_text("main")
    page.click("text=Add an indicator")
    page.fill("#indicator-title", "Members who feel safe")
    page.fill("#indicator-code", "feel_safe")
    page.select_option("#indicator-question", "safe")
    page.fill("#indicator-choice_codes", "4 5")
    page.click("text=Add the indicator")
    assert "Members who feel safe" in page.inner_text("main")
    axe.scan(page)

    # An administrator asks it of the course, before and at the end: the group's members on the group's dates.
    create_user("ada", role="admin")
    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "ada")
    admin.goto(f"{live_server}/surveys/manage/safety")
    for kind in ("baseline", "endline"):
        admin.click("text=Add a wave")
        admin.select_option("#wave-kind", kind)
        admin.select_option("#wave-target", f"course:{course.id}")
        admin.click("text=Add the wave")
        assert "The wave is added." in admin.inner_text("main")
    admin.context.close()

    # Nine other members answer before and after on their own phones (ten pairs: changes show from ten on).
    others = [create_user(f"member{i}") for i in range(9)]
    for other in others:
        add_member(group, other)
    db.session.commit()
    from lms.models import Survey

    survey = db.session.scalar(select(Survey).where(Survey.code == "safety"))
    for other, before in zip(others, (1, 2, 2, 3, 1, 2, 3, 2, 1), strict=True):
        answer_as(other, survey, "baseline", before)

    # The member joins, finds the baseline on the home page, agrees and answers.
    rosa = create_user("rosa", display_name="Rosa Quispe")
    add_member(group, rosa)
    db.session.commit()
    member = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(member, live_server, "rosa")
    member.goto(f"{live_server}/")
    assert "A survey is waiting for you" in member.inner_text("main")
    member.click("text=Safety at work")
    assert "Pseudonymous." in member.inner_text("main")
    axe.scan(member)
    member.click("text=Yes, I agree: start")
    axe.scan(member)
    member.click("main button[type=submit]")  # nothing ticked: a message, nothing saved
    assert "Please answer this question." in member.inner_text("main")
    member.check("input[name=q_safe][value='2']")
    member.check("input[name=q_meeting][value=no]")
    member.click("main button[type=submit]")
    assert "Your answers are saved." in member.inner_text("main")

    # The course, then the endline.
    complete_course(rosa.id)
    for other, after in zip(others, (4, 4, 3, 5, 4, 5, 4, 4, 3), strict=True):
        complete_course(other.id)
        answer_as(other, survey, "endline", after)
    db.session.commit()
    member.goto(f"{live_server}/surveys")
    axe.scan(member)
    member.click("main .cards >> text=Safety at work")
    member.click("text=Yes, I agree: start")
    member.check("input[name=q_safe][value='5']")
    member.check("input[name=q_meeting][value=yes]")
    member.click("main button[type=submit]")
    assert "Your answers are saved." in member.inner_text("main")
    member.context.close()

    # The scheduler publishes the answers: ten to each wave, each wave a batch (five at least).
    assert release_answers() == 20

    # The trainer sees how many answered, and no figure: nine of ten could be accounts she made.
    page.goto(f"{live_server}/surveys/manage/safety/results")
    text = page.inner_text("main")
    assert "10 responses" in text and "Members who feel safe" not in text
    assert "shown to coordinators and administrators only" in text
    axe.scan(page)

    # The coordinator of Peru sees the change, paired on each member's own answers.
    create_user("carla", role="coordinator", coordinated_countries=["PE"])
    page.context.clear_cookies()
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server}/surveys/manage/safety/results")
    text = page.inner_text("main")
    assert "Members who feel safe" in text and "(10 pairs)" in text  # 10 pairs are published as 10
    # 0 of 10 felt safe before, 8 of 10 after: +80 points, published with noise of at most 2 on the sum of the
    # ten changes (each between -1 and +1), so between +60 and +100.
    change = int(re.search(r"\+(\d+) points", text).group(1))
    assert 60 <= change <= 100
    axe.scan(page)
    assert axe.violations == []
