"""A group's register as a workbook: for whoever manages the group, what its page shows them, typed cells; refused
to everyone else."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import services as learning
from lms.models import AuditEntry
from tests.helpers import BUNDLED_COURSE, sign_in

EVIL = '=HYPERLINK("http://evil.example","x")'


def a_group(create_user):
    """A group in Benin with two members: Ana present at both sessions (one before she joined), Beto at none."""
    trainer = create_user("tina", role="trainer", country="BJ")
    course = learning.find_course(BUNDLED_COURSE)
    today = clock.today()
    group = groups.create_group(trainer=trainer, course=course, name="Cotonou hotels", country="BJ",
                                place="Cotonou", mode="in-person", starts_on=today, ends_on=today + timedelta(days=30))
    ana, beto = create_user("ana", country="BJ", display_name=EVIL), create_user("beto", country="BJ",
                                                                                  display_name="Beto")
    groups.add_member(group, ana)
    groups.add_member(group, beto)
    groups.record_session(group, held_on=today - timedelta(days=1), topic="+Welcome", present=[ana.id])
    groups.record_session(group, held_on=today, topic="Module 1", present=[ana.id],
                          lessons=course.modules[0].lessons[:1])
    db.session.commit()
    return group


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_register_holds_what_the_group_page_shows_its_trainer(app, app_ctx, library, create_user):
    group = a_group(create_user)
    client = app.test_client()
    sign_in(client, "tina")
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f'href="/groups/{group.id}/register.xlsx"' in page
    response = client.get(f"/groups/{group.id}/register.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.sheetnames) == 4 and all(len(name) <= 31 for name in book.sheetnames)
    cover = {row[0]: row[1:] for row in rows(book.worksheets[0]) if row[0]}
    assert book.worksheets[0]["A1"].value == "Register of Cotonou hotels"
    assert cover["Dates"][:2] == [datetime.combine(group.starts_on, datetime.min.time()),
                                  datetime.combine(group.ends_on, datetime.min.time())]
    assert isinstance(cover["Generated (UTC)"][0], datetime)

    members = rows(book.worksheets[1])
    header = members[1]
    table = {row.user.username: row for row in groups.group_table(group)}
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in members[2:]}
    assert set(by_name) == {"ana", "beto"}
    assert by_name["ana"]["Member"] == "'" + EVIL  # a name that would run as a formula is text
    for username, line in by_name.items():
        expected = table[username]
        assert (line["Steps done"], line["Steps in the course"]) == (expected.progress.done, expected.progress.total)
        assert (line["Sessions attended"], line["Sessions since joining"]) == (expected.attended, expected.places)
        assert f"Steps done: {expected.progress.done} of {expected.progress.total}" in page
    assert by_name["ana"]["Sessions attended"] == 2 and by_name["beto"]["Sessions attended"] == 0

    sessions = rows(book.worksheets[2])
    assert [row[:4] for row in sessions[2:]] == [
        [datetime.combine(clock.today() - timedelta(days=1), datetime.min.time()), "'+Welcome", 1, 0],
        [datetime.combine(clock.today(), datetime.min.time()), "Module 1", 1, 1]]
    assert book.worksheets[2]["A3"].number_format == "yyyy-mm-dd"

    attendance = {row[1]: row[2:] for row in rows(book.worksheets[3])[2:]}
    assert attendance == {"ana": ["Present", "Present"], "beto": ["Not yet a member", "Absent"]}
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download group register")).all()
    assert len(logged) == 1


def test_the_register_reads_right_to_left_in_arabic(app, app_ctx, library, create_user):
    group = a_group(create_user)
    client = app.test_client()
    sign_in(client, "tina")
    book = load_workbook(io.BytesIO(client.get(f"/groups/{group.id}/register.xlsx?lang=ar").get_data()))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


def test_only_who_manages_the_group_gets_its_register(app, app_ctx, library, create_user):
    group = a_group(create_user)
    url = f"/groups/{group.id}/register.xlsx"
    create_user("other", role="trainer", country="BJ")
    create_user("coord-bj", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    create_user("coord-pe", role="coordinator", country="PE", coordinated_countries=["PE"])
    create_user("admin", role="admin")
    answers = {}
    for name in ("ana", "other", "coord-pe", "coord-bj", "admin"):
        client = app.test_client()
        sign_in(client, name)
        answers[name] = client.get(url).status_code
    assert answers == {"ana": 403, "other": 403, "coord-pe": 403, "coord-bj": 200, "admin": 200}
    visitor = app.test_client().get(url)
    assert visitor.status_code == 302 and visitor.headers["Location"].startswith("/sign-in")
    member = app.test_client()
    sign_in(member, "ana")
    assert "register.xlsx" not in member.get(f"/groups/{group.id}").get_data(as_text=True)
    trainer = app.test_client()
    sign_in(trainer, "tina")
    assert trainer.get(f"/groups/{group.id + 1}/register.xlsx").status_code == 404
