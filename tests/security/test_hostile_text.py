"""Script, link and template payloads typed into every text field a user can fill come back inert.

Each payload is sent through the real form, as the person allowed to use it, and every page that
shows the value is scanned for executable markup (see conftest.assert_inert).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import Course, Survey, SurveyWave, TrainingGroup, User, Workplace
from tests.helpers import BUNDLED_COURSE
from tests.security.helpers import XSS_PAYLOADS, assert_inert

TODAY = clock.today()
COURSE = f"/courses/{BUNDLED_COURSE}"
AUTHOR = f"/author/courses/{BUNDLED_COURSE}"
MODULE = "what-and-who"
LESSON = "who-takes-part"


def render(browser, payload, *urls):
    for url in urls:
        assert_inert(browser.get(url), payload)


def group_form(**changes):
    data = {"name": "Hotels", "course": BUNDLED_COURSE, "country": "PE", "mode": "in-person", "place": "Lima",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat()}
    return {**data, **changes}


def sign_up_form(**changes):
    data = {"username": "newmember", "display_name": "New Member", "country": "PE", "gender": "woman",
            "password": "a long enough sentence", "confirm": "a long enough sentence", "consent": "y"}
    return {**data, **changes}


def test_sign_up_fields_are_escaped(app, app_ctx, anonymous):
    for payload in XSS_PAYLOADS:
        for field in ("username", "display_name", "phone", "email", "birth_year", "country", "organisation"):
            assert_inert(anonymous.post("/sign-up", sign_up_form(**{field: payload})), payload)
    for number, payload in enumerate(XSS_PAYLOADS):
        client = app.test_client()
        from tests.security.helpers import Browser
        browser = Browser(client, "/sign-up")
        response = browser.post("/sign-up", sign_up_form(username=f"new{number}", display_name=payload[:80]),
                                follow_redirects=True)
        assert_inert(response, payload)
        render(browser, payload, "/", "/profile", "/my-learning")


def test_sign_in_identifier_and_next_are_escaped(anonymous):
    for payload in XSS_PAYLOADS:
        assert_inert(anonymous.post("/sign-in", {"identifier": payload, "password": payload}), payload)
        assert_inert(anonymous.get("/sign-in", query_string={"next": payload}), payload)


def test_profile_display_name_is_escaped_wherever_shown(app_ctx, browser_as, library):
    trainer = browser_as("trainer")
    assert trainer.post("/groups/new", group_form()).status_code == 302
    group = db.session.scalar(select(TrainingGroup))
    member = browser_as("participant")
    member.post("/join", {"code": group.join_code})
    for payload in XSS_PAYLOADS:
        response = member.post("/profile", {"display_name": payload, "country": "PE", "gender": "woman",
                                            "locale": "en"}, follow_redirects=True)
        assert_inert(response, payload)
        render(member, payload, "/profile", "/", f"/groups/{group.id}")
        render(trainer, payload, f"/groups/{group.id}", f"/groups/{group.id}/paper-scores/{MODULE}")


def test_group_texts_join_codes_and_bulk_names_are_escaped(app_ctx, browser_as, library):
    trainer = browser_as("trainer")
    member = browser_as("participant")
    for payload in XSS_PAYLOADS:
        response = trainer.post("/groups/new", group_form(name=payload, place=payload))
        assert response.status_code == 302, payload
        group_url = response.headers["Location"]
        trainer.post(f"{group_url}/sessions", {"held_on": TODAY.isoformat(), "topic": payload})
        sheet = trainer.post(f"{group_url}/members/bulk", {"members": f"{payload[:80]}\nRosa, rosa{len(payload)}"})
        assert_inert(sheet, payload)
        render(trainer, payload, group_url, f"{group_url}/code", f"{group_url}/paper-scores/{MODULE}",
               f"{group_url}/edit", f"{group_url}/archive", f"{group_url}/certificates")
        assert_inert(member.post("/join", {"code": payload}), payload)
        assert_inert(member.get(f"/join/{payload.replace('/', '')}"), payload)
        assert_inert(trainer.post(f"{group_url}/members/bulk", {"members": payload + ", " + payload}), payload)
        assert_inert(trainer.post(f"{group_url}/paper-scores/{MODULE}",
                                  {"out_of": payload, **{f"mark-{u}": payload for u in range(1, 40)}}), payload)
    render(trainer, XSS_PAYLOADS, "/groups", "/reports", "/surveys/manage")


def test_organisation_names_are_escaped_wherever_shown(app_ctx, browser_as, anonymous, library):
    admin = browser_as("admin")
    for number, payload in enumerate(XSS_PAYLOADS):
        data = {"name": payload, "acronym": f"A{number}{payload}"[:40], "country": "PE", "sector": payload}
        assert admin.post("/admin/organisations", data).status_code == 302, payload
        assert_inert(admin.post("/admin/organisations", {**data, "acronym": payload * 3}), payload)
    render(admin, XSS_PAYLOADS, "/admin/organisations", "/groups/new", "/reports", "/workplaces", "/profile")
    render(anonymous, XSS_PAYLOADS, "/sign-up")


def new_course(trainer, payload, number):
    response = trainer.post("/author/courses/new", {"title": f"C{number} {payload}", "summary": payload,
                                                     "intro": payload, "language": "en", "topics": ["social-dialogue"]})
    assert response.status_code == 302, payload
    return response.headers["Location"].rsplit("/", 1)[1]


def test_course_texts_modules_and_lessons_are_escaped_or_sanitised(app_ctx, browser_as):
    trainer = browser_as("trainer")
    for number, payload in enumerate(XSS_PAYLOADS):
        slug = new_course(trainer, payload, number)
        base = f"/author/courses/{slug}"
        trainer.post(f"{base}/texts/en", {"title": payload, "summary": payload, "intro": payload})
        trainer.post(f"{base}/texts/fr", {"title": payload, "summary": payload, "intro": payload})
        assert trainer.post(f"{base}/modules", {"module-title": f"M {payload}"}).status_code == 302
        module = db.session.scalar(select(Course).where(Course.slug == slug)).modules[0].slug
        trainer.post(f"{base}/modules/{module}/title", {f"rename-{module}-title": payload})
        response = trainer.post(f"{base}/modules/{module}/lessons", {"lesson-title": f"L {payload}"})
        lesson = response.headers["Location"].rsplit("/", 1)[1]
        edit = f"{base}/lessons/{lesson}"
        assert_inert(trainer.post(edit, {"title": payload, "body": payload, "version": "1", "preview": "1"}), payload)
        assert_inert(trainer.post(f"{base}/preview", {"body": payload}), payload)
        trainer.post(edit, {"title": payload, "body": payload, "version": "1", "save": "1"})
        trainer.post(edit, {"title": payload, "body": payload + "\n\nmore", "version": "2", "save": "1"})
        trainer.post(f"{base}/publish", {"published": "1"})
        assert_inert(trainer.post(f"{base}/editors", {"username": payload}, follow_redirects=True), payload)
        render(trainer, payload, base, f"{base}/texts/en", f"{base}/texts/fr", edit, f"{edit}/history?a=1&b=3",
               f"{base}/translate/fr", f"/courses/{slug}/print", f"/courses/{slug}/lessons/{lesson}")
    render(trainer, XSS_PAYLOADS, "/author/", "/courses", "/")


def quiz_question(payload, kind="single"):
    data = {"prompt": payload, "kind": kind}
    for index in range(5):
        data[f"choices-{index}-text"] = f"{index} {payload}"
        data[f"choices-{index}-feedback"] = payload
    data["choices-0-correct"] = "y"
    return data


def test_quiz_questions_answers_and_feedback_are_escaped(app_ctx, browser_as, library):
    admin = browser_as("admin")
    member = browser_as("participant")
    url = f"{AUTHOR}/modules/{MODULE}/questions/new"
    for payload in XSS_PAYLOADS:
        assert_inert(admin.post(url, {**quiz_question(payload), "choices-1-correct": "y"}), payload)
        assert admin.post(url, quiz_question(payload)).status_code == 302, payload
    render(admin, XSS_PAYLOADS, f"{AUTHOR}/modules/{MODULE}/quiz", f"{COURSE}/print",
           f"{AUTHOR}/translate/fr/modules/{MODULE}")
    member.post(f"{COURSE}/start")
    quiz = f"{COURSE}/modules/{MODULE}/quiz"
    render(member, XSS_PAYLOADS, quiz)
    assert_inert(member.post(quiz, {}), XSS_PAYLOADS)
    module = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE)).modules[0]
    answers = {f"q_{q.slug}": q.choices[0].slug for q in module.questions}
    db.session.remove()
    assert member.post(quiz, answers).status_code == 302
    render(member, XSS_PAYLOADS, f"{quiz}/result")


def test_lesson_and_module_translations_are_escaped_or_sanitised(app_ctx, browser_as, library):
    admin = browser_as("admin")
    module = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE)).modules[0]
    question_fields = {f"q-{q.slug}": "" for q in module.questions}
    choice_fields = {f"c-{q.slug}-{c.slug}-{part}": "" for q in module.questions for c in q.choices
                     for part in ("text", "feedback")}
    db.session.remove()
    reader = browser_as("participant", locale="pt")
    for payload in XSS_PAYLOADS:
        lesson_url = f"{AUTHOR}/translate/pt/lessons/{LESSON}"
        page = admin.get(lesson_url).get_data(as_text=True)
        version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
        admin.post(lesson_url, {"title": payload, "body": payload, "version": version, "save": "1"})
        module_url = f"{AUTHOR}/translate/pt/modules/{MODULE}"
        response = admin.post(module_url, {"title": payload, **{k: payload for k in question_fields},
                                           **{k: payload for k in choice_fields}})
        assert_inert(response, payload)
        render(admin, payload, lesson_url, module_url, f"{AUTHOR}/translate/pt")
        render(reader, payload, f"{COURSE}/lessons/{LESSON}", COURSE, f"{COURSE}/print",
               f"{COURSE}/modules/{MODULE}/quiz")


def new_survey(staff, code, payload, subject="participant"):
    response = staff.post("/surveys/manage/new", {"title": payload, "code": code, "description": payload,
                                                  "language": "en", "privacy": "anonymous", "subject": subject})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return f"/surveys/manage/{code}"


@pytest.mark.slow
def test_survey_texts_questions_indicators_and_workplaces_are_escaped(app_ctx, browser_as, library):
    staff = browser_as("trainer")
    for number, payload in enumerate(XSS_PAYLOADS):
        assert_inert(staff.post("/surveys/manage/new", {"title": payload, "code": payload, "language": "en",
                                                         "privacy": "anonymous", "subject": "workplace"}), payload)
        response = staff.post("/workplaces", {"name": payload, "sector": payload, "country": "PE"})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        db.session.remove()
        workplace = db.session.scalars(select(Workplace).order_by(Workplace.id.desc())).first()
        base = new_survey(staff, f"w{number}", payload, subject="workplace")
        for code, kind in (("pick", "single"), ("free", "text"), ("many", "multiple")):
            response = staff.post(f"{base}/questions", {
                "question-label": payload, "question-hint": payload[:300], "question-code": code,
                "question-kind": kind, "question-choices": f"a {payload}\nb {payload}", "question-required": "y"})
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert_inert(staff.post(f"{base}/questions", {"question-label": payload, "question-code": payload,
                                                      "question-kind": "single", "question-choices": payload}),
                     payload)
        assert_inert(staff.post(f"{base}/indicators", {
            "indicator-title": payload, "indicator-code": payload, "indicator-question": "pick",
            "indicator-kind": "share", "indicator-choice_codes": payload, "indicator-direction": "up"}), payload)
        staff.post(f"{base}/indicators", {
            "indicator-title": payload, "indicator-code": "share_a", "indicator-question": "pick",
            "indicator-kind": "share", "indicator-choice_codes": "a", "indicator-direction": "up"})
        assert staff.post(f"{base}/publish", {}).status_code == 302
        response = staff.post(f"{base}/waves", {"wave-kind": "baseline", "wave-target": f"workplace:{workplace.id}",
                                                "wave-opens_on": TODAY.isoformat()})
        assert response.status_code == 302, response.get_data(as_text=True)
        texts = {"title": payload, "description": payload, "label-pick": payload, "hint-pick": payload,
                 "choice-pick-a": payload, "label-free": payload, "indicator-share_a": payload}
        assert_inert(staff.post(f"{base}/texts/fr", texts, follow_redirects=True), payload)
        db.session.remove()
        wave = db.session.scalar(select(SurveyWave).where(SurveyWave.workplace_id == workplace.id))
        collect = f"/workplaces/{workplace.id}/waves/{wave.id}/collect"
        assert_inert(staff.post(collect, {"q_pick": payload, "q_free": payload, "q_many": payload}), payload)
        assert staff.post(collect, {"q_pick": "a", "q_free": payload, "q_many": ["a", "b"]}).status_code == 302
        db.session.remove()
        render(staff, payload, base, f"{base}/questions/pick", f"{base}/texts/fr", f"{base}/results",
               "/surveys/manage", "/workplaces", f"/workplaces/{workplace.id}", collect, f"{collect}?lang=fr")


def test_survey_answering_pages_are_escaped(app_ctx, browser_as, library):
    staff = browser_as("trainer")
    admin = browser_as("admin")  # an anonymous survey is asked of a course by an administrator
    member = browser_as("participant")
    for number, payload in enumerate(XSS_PAYLOADS):
        base = new_survey(staff, f"p{number}", payload)
        staff.post(f"{base}/questions", {"question-label": payload, "question-hint": payload[:300],
                                         "question-code": "free", "question-kind": "text", "question-required": "y"})
        staff.post(f"{base}/publish", {})
        course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
        wave = {"wave-kind": "baseline", "wave-target": f"course:{course.id}"}
        assert admin.post(f"{base}/waves", wave).status_code == 302
        db.session.remove()
        member.post(f"{COURSE}/start")
        render(member, payload, "/surveys", "/")
        survey = db.session.scalar(select(Survey).where(Survey.code == f"p{number}"))
        invitation = next((i for w in survey.waves for i in w.invitations), None) if hasattr(
            SurveyWave, "invitations") else None
        db.session.remove()
        if invitation is None:
            from lms.models import SurveyInvitation
            invitation = db.session.scalar(select(SurveyInvitation).join(SurveyWave).where(
                SurveyWave.survey_id == survey.id))
        assert invitation is not None
        url = f"/surveys/invitations/{invitation.id}"
        render(member, payload, url)
        member.post(url, {"decision": "agree"})
        assert_inert(member.post(f"{url}/answer", {"q_free": ""}), payload)
        assert member.post(f"{url}/answer", {"q_free": payload}).status_code == 302
        render(member, payload, "/surveys", f"{base}/results")
        render(staff, payload, f"{base}/results")


@pytest.mark.parametrize("url", ["/reports", "/reports/report.zip", "/reports/report.xlsx"])
def test_report_filters_reflect_no_markup(browser_as, url):
    admin = browser_as("admin")
    for payload in XSS_PAYLOADS:
        params = {name: payload for name in ("year", "quarter", "start", "end", "country", "organisation", "course",
                                             "topic", "group", "gender", "age_band", "extra")}
        assert_inert(admin.get(url, query_string=params), payload)


def test_catalogue_language_switch_and_public_urls_reflect_no_markup(anonymous, library):
    for payload in XSS_PAYLOADS:
        assert_inert(anonymous.get("/courses", query_string={"topic": payload, "language": payload}), payload)
        assert_inert(anonymous.get("/", query_string={"lang": payload}), payload)
        safe = payload.replace("/", "")
        for url in (f"/verify/{safe}", f"/courses/{safe}", f"/courses/{BUNDLED_COURSE}/lessons/{safe}",
                    f"/media/{safe}"):
            assert_inert(anonymous.get(url), payload)


def test_created_users_keep_payloads_verbatim(app_ctx, anonymous):
    """Escaping happens on output: the stored text is exactly what was typed."""
    payload = XSS_PAYLOADS[1]
    assert anonymous.post("/sign-up", sign_up_form(display_name=payload)).status_code == 302
    assert db.session.scalar(select(User.display_name).where(User.username == "newmember")) == payload


def test_awkward_text_in_the_survey_builder_is_kept_verbatim_or_refused_cleanly(app_ctx, browser_as):
    """SQL metacharacters, right-to-left marks, emoji and 5,000 characters in every field of the builder: each
    is stored exactly as typed, or refused with a message and nothing written (never a 500, on either
    database: the columns have sizes that PostgreSQL enforces)."""
    from tests.helpers import row_counts
    from tests.security.helpers import AWKWARD_TEXT

    staff = browser_as("trainer")
    base = new_survey(staff, "awkward", "Awkward")
    for number, payload in enumerate(AWKWARD_TEXT):
        before = row_counts()
        response = staff.post("/surveys/manage/new", {"title": payload, "code": f"a{number}", "language": "en",
                                                      "privacy": "anonymous", "subject": "participant"})
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert row_counts() == before
        question = {"question-label": payload, "question-hint": payload[:300], "question-code": f"q{number}",
                    "question-kind": "single", "question-choices": f"a {payload}\nb {payload[:300]}"}
        before = row_counts()
        response = staff.post(f"{base}/questions", question)
        assert response.status_code in (302, 400), response.status_code
        stored = db.session.scalar(select(Survey).where(Survey.code == "awkward"))
        labels = [t.label for v in stored.versions for q in v.questions if q.code == f"q{number}" for t in q.texts]
        db.session.remove()
        if response.status_code == 400:
            assert row_counts() == before and len(payload) > 300
            assert "at most 300" in response.get_data(as_text=True)
        else:
            assert labels == [payload.strip()]
        translation = {"title": payload, "description": payload, f"label-q{number}": payload,
                       f"choice-q{number}-a": payload}
        before = row_counts()
        response = staff.post(f"{base}/texts/ar", translation)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert row_counts() == before


def test_an_xlsform_with_oversized_texts_is_refused_with_its_place(app_ctx, browser_as):
    """The XLSForm import writes what the form says: texts longer than their columns, or a language code
    longer than a language, are refused with sheet, row and column (PostgreSQL would refuse them with a 500)."""
    import io

    from openpyxl import Workbook

    from tests.helpers import row_counts

    def form(title="Voice", label="Often", language="English (en)") -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = "survey"
        sheet.append(["type", "name", f"label::{language}"])
        sheet.append(["select_one often", "heard", "Are you heard?"])
        choices = book.create_sheet("choices")
        choices.append(["list_name", "name", f"label::{language}"])
        choices.append(["often", "often", label])
        choices.append(["often", "never", "Never"])
        settings = book.create_sheet("settings")
        settings.append(["form_id", "form_title"])
        settings.append(["voice", title])
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()

    staff = browser_as("trainer")
    for name, data, place in (
            ("long-title.xlsx", form(title="T" * 5000), "sheet settings, row 2, column form_title"),
            ("long-choice.xlsx", form(label="C" * 400), "sheet choices, row 2, column name"),
            ("long-language.xlsx", form(language="Klingon (en-aaaaaaaaaaaaaaaaaaaa)"), "row 1, column label::")):
        before = row_counts()
        response = staff.post("/surveys/manage/import", {"file": (io.BytesIO(data), name)},
                              content_type="multipart/form-data", follow_redirects=True)
        assert response.status_code == 200, (name, response.status_code)
        assert place in response.get_data(as_text=True), (name, response.get_data(as_text=True)[-3000:])
        assert row_counts() == before, name
