"""An in-person training run to its certificates in a real browser, as its trainer: a group with its partner
union, members added in bulk, two sessions covering every lesson with their attendance, quiz marks from paper
(one fails), a member's certificate naming the union, and the sheet of certificates printed one a page. The new
pages pass axe in English, Arabic and Khmer, and editing, archiving and deleting work with JavaScript off."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import Certificate, GroupSession, Organisation, QuizAttempt, TrainingGroup
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE

pytestmark = pytest.mark.browser

TODAY = clock.today().isoformat()
UNION = "Syndicat des travailleurs de l'hôtellerie"


def record_session(page, live_server, group_id: int, topic: str, present: list[str], lessons: list[int]) -> None:
    page.goto(f"{live_server}/groups/{group_id}")
    page.fill("#held_on", TODAY)
    page.fill("#topic", topic)
    for name in present:
        page.check(f'fieldset:has(legend:text-is("Present")) label:text-is("{name}")')
    for lesson_id in lessons:
        page.check(f'input[name="lessons"][value="{lesson_id}"]')
    page.click('form[action$="/sessions"] button[type=submit]')
    assert "The session and its attendance are saved." in page.inner_text("main")


def enter_marks(page, live_server, group_id: int, module: str, marks: dict[int, int]) -> None:
    page.goto(f"{live_server}/groups/{group_id}/paper-scores/{module}")
    page.fill("#out_of", "10")
    for user_id, mark in marks.items():
        page.fill(f"#mark-{user_id}", str(mark))
    page.click("main form button[type=submit]")
    assert "scores saved" in page.inner_text("main")


def test_a_trainer_runs_an_in_person_group_to_its_certificates(browser, page, live_server, library, create_user,
                                                              axe):
    db.session.add(Organisation(name=UNION, acronym="STH", country="BJ", sector="hotels"))
    create_user("tina", role="trainer", country="BJ", display_name="Tina Houngbo")
    db.session.commit()
    sign_in(page, live_server, "tina")

    # A new in-person group, filed under the union of its country.
    page.goto(f"{live_server}/groups/new")
    page.fill("#name", "Cotonou hotel workers")
    page.select_option("#course", BUNDLED_COURSE)
    assert page.input_value("#country") == "BJ"
    page.select_option("#organisation", label=f"STH – {UNION} (BJ)")
    page.check('input[name="mode"][value="in-person"]')
    page.fill("#place", "Cotonou")
    page.fill("#starts_on", TODAY)
    page.fill("#ends_on", TODAY)
    page.click("main form button[type=submit]")
    assert "STH – " + UNION in page.inner_text("main")
    db.session.commit()  # a new transaction: it sees what the server wrote
    group = db.session.scalar(select(TrainingGroup))

    # Members in bulk, with their gender and year of birth.
    page.click(f'a[href="/groups/{group.id}/members/bulk"]')
    page.fill("#members", "Awa Ndiaye, awa.n, woman, 1990\nKofi Mensah, kofi.m, man\nFatou Sow, fatou.s, woman")
    page.click("main form button[type=submit]")
    password = page.inner_text("table.sheet tbody tr:nth-child(1) td:nth-child(3)").strip()
    db.session.commit()
    members = {m.user.display_name: m.user.id for m in db.session.get(TrainingGroup, group.id).members}

    # Two sessions covering every lesson; Fatou misses nothing, but fails the first quiz on paper.
    course = learning.find_course(BUNDLED_COURSE)
    first, second = course.modules[:2], course.modules[2:]
    everyone = list(members)
    record_session(page, live_server, group.id, "Modules 1 and 2", everyone,
                   [lesson.id for module in first for lesson in module.lessons])
    record_session(page, live_server, group.id, "Modules 3 and 4", everyone,
                   [lesson.id for module in second for lesson in module.lessons])
    for number, module in enumerate(course.modules):
        enter_marks(page, live_server, group.id, module.slug, {
            members["Awa Ndiaye"]: 9, members["Kofi Mensah"]: 7,
            members["Fatou Sow"]: 5 if number == 0 else 8})
    page.goto(f"{live_server}/groups/{group.id}")
    assert page.locator("td .failed").count() == 1 and "50% not passed" in page.inner_text("td .failed")
    axe.scan(page)

    # Awa signs in for the first time: her course is complete, and her certificate names the union.
    awa = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(awa, live_server, "awa.n", password)
    awa.fill("#password", "awa's own secret")
    awa.fill("#confirm", "awa's own secret")
    awa.click("main form button[type=submit]")
    if "/privacy/consent" in awa.url:
        awa.check("#agree")
        awa.click("main form button[type=submit]")
    awa.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    awa.click("text=Your certificate")
    assert f"Issued by {UNION}" in awa.inner_text("main")
    axe.scan(awa)
    awa.context.close()

    # The sheet of certificates: Awa's and Kofi's, one a printed page, each with its QR code.
    page.goto(f"{live_server}/groups/{group.id}")
    page.click("text=Print the certificates")
    assert page.locator("article.certificate").count() == 2
    assert page.locator("article.certificate .qr svg").count() == 2
    axe.scan(page)
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 2
    db.session.commit()
    codes = {c.code for c in db.session.scalars(select(Certificate))}
    assert len(codes) == 2 and all(code in page.inner_text("main") for code in codes)
    assert axe.violations == []


def test_new_group_pages_pass_axe_in_english_arabic_and_khmer(browser, live_server, library, create_user, axe):
    from tests.helpers import complete_course

    tina = create_user("tina", role="trainer", country="BJ")
    group = _group_with_records(tina, create_user)
    complete_course(group["member"])
    pages = [f"/groups/{group['id']}/edit", f"/groups/{group['id']}/archive",
             f"/groups/{group['id']}/sessions/{group['session']}",
             f"/groups/{group['id']}/sessions/{group['session']}/delete",
             f"/groups/{group['id']}/paper-scores/what-and-who",
             f"/groups/{group['id']}/paper-scores/what-and-who/{group['attempt']}",
             f"/groups/{group['id']}/paper-scores/what-and-who/{group['attempt']}/delete",
             f"/groups/{group['id']}/certificates", f"/groups/{group['id']}", "/groups", "/groups/archived"]
    for language in ("en", "ar", "km"):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        sign_in(page, live_server, "tina")
        for path in pages:
            page.goto(f"{live_server}{path}?lang={language}")
            assert page.get_attribute("html", "lang") == language
            axe.scan(page)
        context.close()
    assert len(axe.scanned) == 3 * len(pages) and axe.violations == []


def _group_with_records(trainer, create_user) -> dict:
    """A group in Benin with a member, a session and a paper score, made through the services."""
    from lms.groups import services
    from lms.models import Course

    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    group = services.create_group(trainer=trainer, course=course, name="Parakou market", country="BJ",
                                  place="Parakou", mode="in-person", starts_on=clock.today(),
                                  ends_on=clock.today())
    member = create_user("rosa", country="BJ", display_name="Rosa Quispe")
    services.add_member(group, member)
    session = services.record_session(group, held_on=clock.today(), topic="Module 1", present=[member.id])
    module = learning.find_course(BUNDLED_COURSE).modules[0]
    services.record_paper_scores(group, module, {member.id: 6}, trainer, 10)
    db.session.commit()
    attempt = db.session.scalar(select(QuizAttempt.id))
    return {"id": group.id, "session": session.id, "attempt": attempt, "member": member.id}


def test_editing_archiving_and_deleting_work_without_javascript(browser, live_server, library, create_user):
    tina = create_user("tina", role="trainer", country="BJ")
    group = _group_with_records(tina, create_user)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "tina")
    base = f"{live_server}/groups/{group['id']}"

    page.goto(base)
    page.click(f'a[href="/groups/{group["id"]}/edit"]')
    page.fill("#name", "Parakou market women")
    page.click("main form button[type=submit]")
    assert page.inner_text("h1") == "Parakou market women"

    page.goto(f"{base}/paper-scores/what-and-who")
    page.click("text=Correct the score of Rosa Quispe")
    page.fill("#mark", "8")
    page.click("main form button[type=submit]")
    assert "8 out of 10" in page.inner_text("main")
    page.click("text=Delete the score of Rosa Quispe")
    assert "Deleting the score 8 out of 10" in page.inner_text("main")
    page.click("main form button[type=submit]")
    db.session.commit()
    assert db.session.scalar(select(QuizAttempt.id)) is None

    page.goto(base)
    page.click("a:has-text('Delete the session of')")
    assert "1 member marked present" in page.inner_text("main")
    page.click("main form button[type=submit]")
    db.session.commit()
    assert db.session.scalar(select(GroupSession.id)) is None

    page.goto(base)
    page.click("text=Archive the group")
    assert "stops its join code from working" in page.inner_text("main")
    page.click("main form button[type=submit]")
    assert "This group is archived" in page.inner_text("main")
    page.click("text=Take the group out of the archive")
    db.session.commit()
    assert db.session.get(TrainingGroup, group["id"]).archived_at is None
    context.close()
