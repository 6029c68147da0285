"""In a real browser, with the axe scan in English, Arabic and Khmer, and with JavaScript off: an administrator
corrects an organisation and deletes one nothing refers to; a member declines a survey, then takes it up again."""
from __future__ import annotations

from lms.admin.services import add_organisation
from lms.extensions import db
from lms.learn import services as learning
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE

LANGUAGES = ("en", "ar", "km")


def scan_in_every_language(page, live_server, axe, paths) -> None:
    for language in LANGUAGES:
        for path in paths:
            page.goto(f"{live_server}{path}?lang={language}")
            axe.scan(page)


def test_an_admin_edits_an_organisation_and_deletes_one_nothing_refers_to(browser, page, live_server, create_user,
                                                                          axe):
    create_user("ada", role="admin")
    union = add_organisation(name="Hotel workers", acronym="HWU", country="PE", sector="hotels")
    spare = add_organisation(name="Old union", acronym="OLD", country="PE", sector="ports")
    db.session.commit()
    create_user("rosa", organisation_id=union.id)
    sign_in(page, live_server, "ada")
    scan_in_every_language(page, live_server, axe, [
        "/admin/organisations", f"/admin/organisations/{union.id}", f"/admin/organisations/{union.id}/delete",
        f"/admin/organisations/{spare.id}/delete"])
    assert axe.violations == []

    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    plain = context.new_page()
    sign_in(plain, live_server, "ada")
    plain.goto(f"{live_server}/admin/organisations?lang=en")
    plain.click(f"a[href='/admin/organisations/{union.id}']")
    plain.fill("#name", "Hotel and catering workers")
    plain.click("text=Save")
    assert "The organisation is saved." in plain.inner_text("main")
    assert "Hotel and catering workers" in plain.inner_text("main table")
    plain.click(f"a[href='/admin/organisations/{union.id}/delete']")
    assert "cannot be deleted" in plain.inner_text("main") and "1 person belongs to it" in plain.inner_text("main")
    plain.click("text=Keep the organisation")
    plain.click(f"a[href='/admin/organisations/{spare.id}/delete']")
    plain.click("text=Delete the organisation")
    assert "The organisation is deleted." in plain.inner_text("main")
    assert "OLD" not in plain.inner_text("main table")
    context.close()


def test_a_member_declines_a_survey_and_takes_it_back_up(browser, page, live_server, library, create_user,
                                                         make_survey, axe):
    make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    learning.enrol(member.id, learning.find_course(BUNDLED_COURSE))
    db.session.commit()

    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    plain = context.new_page()
    sign_in(plain, live_server, "amina")
    plain.goto(f"{live_server}/surveys")
    plain.click("main .cards a")
    plain.click("text=No, thank you")
    assert "Take it up again from My surveys" in plain.inner_text("main")
    consent_url = plain.get_attribute("text=Take this survey after all", "href")
    scan_page_urls = ["/surveys", consent_url]
    plain.click("text=Take this survey after all")
    assert "You can still change your mind." in plain.inner_text("main")

    sign_in(page, live_server, "amina")  # the pages as they are while the survey is declined
    scan_in_every_language(page, live_server, axe, scan_page_urls)
    assert axe.violations == []

    plain.click("text=Yes, I agree: start")
    plain.check("input[name=q_safe][value='4']")
    plain.check("input[name=q_union][value='yes']")
    plain.check("input[name=q_voice][value='often']")
    plain.fill("input[name=q_hours]", "48")
    plain.click("text=Send my answers")
    assert "Thank you! Your answers are saved." in plain.inner_text("main")
    plain.goto(f"{live_server}/surveys")
    assert "Answered" in plain.inner_text("main table") and "Take this survey after all" not in plain.inner_text("main")
    context.close()


def test_the_pages_that_correct_and_delete_workplaces_and_drafts_are_accessible(page, live_server, create_user,
                                                                               make_survey, axe):
    from lms import clock
    from lms.surveys import building

    admin = create_user("ada", role="admin", country="BJ")
    place = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None)
    survey = make_survey(code="hotel-voice", subject="workplace", creator=admin)
    building.add_wave(survey, kind="baseline", workplace=place, opens_on=clock.today())
    make_survey(code="draft", creator=admin, publish=False, indicators=False)
    db.session.commit()
    sign_in(page, live_server, "ada")
    scan_in_every_language(page, live_server, axe, [
        "/workplaces", f"/workplaces/{place.id}/edit", f"/workplaces/{place.id}/delete",
        "/surveys/manage/draft/delete", "/surveys/manage/hotel-voice/delete", "/surveys/manage/hotel-voice/discard"])
    assert axe.violations == []
