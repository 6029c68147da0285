"""One form's whole journey, as a union's M&E officer lives it: an XLSForm written for KoboToolbox uploaded in the
browser, asked of a course and answered page by page by a member with JavaScript off, the answers collected in
the field imported twice from a Kobo export, and the form exported back for pyxform with its logic."""
from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from lms.surveys import building
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in
from tests.surveys.helpers import book

FORM = {
    # Kobo's spellings: "list name" with a space, "label:English" with one colon, an upper-case sheet name.
    "SURVEY": [
        ("type", "name", "label:English", "label:Français", "relevant", "constraint", "constraint_message:English",
         "constraint_message:Français", "calculation", "choice_filter"),
        ("start", "start"),
        ("select one yn", "member", "Are you a union member?", "Êtes-vous syndiqué·e ?"),
        ("begin group", "union", "Your union", "Votre syndicat", "${member} = 'yes'"),
        ("int", "years", "Years in the union", "Années au syndicat", "", ". >= 0 or . = -99",
         "0 or more, or -99", "0 ou plus, ou -99"),
        ("end group", ""),
        ("select one region", "region", "Region", "Région"),
        ("select one town", "town", "Town", "Ville", "", "", "", "", "", "region = ${region}"),
        ("calculate", "months", "", "", "", "", "", "", "${years} * 12"),
        ("note", "bye", "Thank you", "Merci"),
    ],
    "choices": [
        ("list name", "name", "label:English", "label:Français", "region"),
        ("yn", "yes", "Yes", "Oui"), ("yn", "no", "No", "Non"),
        ("region", "north", "North", "Nord"), ("region", "south", "South", "Sud"),
        ("town", "n1", "Northtown", "Villenord", "north"), ("town", "s1", "Southtown", "Villesud", "south"),
    ],
    "settings": [("form_id", "form_title", "default_language"), ("union check", "Union check", "English")],
}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def stored_answers() -> list[dict[str, str]]:
    codes = {q.id: q.code for q in db.session.scalars(select(SurveyQuestion))}
    found: dict = {}
    for answer in db.session.scalars(select(SurveyAnswer)):
        found.setdefault(answer.response_id, {})[codes[answer.question_id]] = answer.value
    return sorted(found.values(), key=lambda a: sorted(a.items()))


def test_a_kobo_form_is_imported_answered_on_pages_imported_from_kobo_twice_and_exported(client, library,
                                                                                           create_user):
    create_user("officer", role="admin")
    sign_in(client, "officer")
    uploaded = client.post("/surveys/manage/import", data={
        "csrf_token": csrf_token(client, "/surveys/manage"),
        "file": (book(FORM), "union check.xlsx")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302, page_text(client.get("/surveys/manage"))
    survey = db.session.scalar(select(Survey).where(Survey.code == "union_check"))
    course = learning.find_course(BUNDLED_COURSE)
    wave = building.add_wave(survey, kind="baseline", course=course)
    member = create_user("awa", locale="fr")
    learning.enrol(member.id, course)
    db.session.commit()
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    # The member answers in French, with JavaScript off: the union's page is skipped when she says no.
    sign_in(client, "awa")
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
    url = f"/surveys/invitations/{invitation.id}"
    client.post(url, data={"decision": "agree", "csrf_token": csrf_token(client, url)})
    first = page_text(client.get(f"{url}/answer"))
    assert "Êtes-vous syndiqué·e ?" in first and "Années au syndicat" not in first
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first).group(1)
    asked = page_text(client.post(f"{url}/answer", data={"csrf_token": token, "page": "0", "shown": "member",
                                                         "move": "next", "q_member": "yes"}))
    assert "Années au syndicat" in asked
    refused = page_text(client.post(f"{url}/answer", data={"csrf_token": token, "page": "1", "shown": "years",
                                                           "move": "next", "q_member": "yes", "q_years": "-3"}))
    assert "0 ou plus, ou -99" in refused
    towns = page_text(client.post(f"{url}/answer", data={"csrf_token": token, "page": "1", "shown": "years",
                                                         "move": "next", "q_member": "yes", "q_years": "-99",
                                                         "q_region": "south"}))
    assert "Villesud" in towns and "Villenord" not in towns  # the choice filter reads the region chosen
    sent = client.post(f"{url}/answer", data={"csrf_token": token, "page": "2", "shown": "region town bye",
                                              "move": "next", "q_member": "yes", "q_years": "-99",
                                              "q_region": "south", "q_town": "s1"})
    assert sent.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    # The field team's Kobo export, "XML values and headers", ';' separated, imported twice.
    export = (b"start;member;union/years;region;town;months;_uuid;_submission_time\n"
              b"2026-11-02T09:00:00;no;;north;n1;;6b1e0c1a-0001;2026-11-02T10:00:00\n"
              b"2026-11-02T09:05:00;yes;4;north;n1;48;6b1e0c1a-0002;2026-11-02T10:05:00\n")
    sign_in(client, "officer")
    manage = f"/surveys/manage/{survey.code}"
    for round_ in (1, 2):
        imported = client.post(f"{manage}/responses", data={
            "csrf_token": csrf_token(client, manage), "wave": str(wave.id),
            "file": (io.BytesIO(export), "union_check_2026.csv")}, content_type="multipart/form-data",
            follow_redirects=True)
        said = page_text(imported)
        assert imported.status_code == 200
        assert ("2 new responses are imported." if round_ == 1 else
                "0 new responses are imported. 2 were already here.") in said
    assert db.session.scalar(select(func.count()).select_from(PooledResponse)) + \
        db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 3
    release_any()
    assert stored_answers() == sorted([
        {"member": "yes", "years": "-99", "region": "south", "town": "s1"},
        {"member": "no", "region": "north", "town": "n1"},
        {"member": "yes", "years": "4", "region": "north", "town": "n1"},
    ], key=lambda a: sorted(a.items()))  # a skipped question and a calculation hold no answer

    # Exported back, the form is still one pyxform reads, with its logic.
    exported = client.get(f"{manage}/xlsform.xlsx")
    assert exported.status_code == 200
    result = convert(xlsform=exported.data, warnings=[], file_type=".xlsx")
    xform = result.xform
    assert re.search(r"relevant=\"\s*/\w+/member\s*=\s*'yes'\"", xform)
    assert "-99" in xform and "region =" in xform.replace("  ", " ") and "* 12" in xform
    sheet = load_workbook(io.BytesIO(exported.data)).worksheets[0]
    types = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert types[0].startswith("select_one ") and types[1:3] == ["begin_group", "integer"]
    assert "calculate" in types and "note" in types
