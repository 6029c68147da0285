"""The list of surveys staff manage (/surveys/manage): a page at a time, searched by code and title, sorted by code,
title, status and last update, and only the surveys the reader edits or reads the results of."""
from __future__ import annotations

import re

from lms.extensions import db
from lms.surveys import building
from tests.helpers import QUESTIONS, sign_in


def codes(client, query: str = "") -> list[str]:
    response = client.get(f"/surveys/manage{query}")
    assert response.status_code == 200
    return re.findall(r'<td class="code">([^<]+)</td>', response.get_data(as_text=True))


def survey(code: str, title: str, creator, publish: bool = False):
    made = building.create_survey(code=code, title=title, description="", language="en", privacy="anonymous",
                                  subject="participant", creator=creator)
    if publish:
        building.add_question(made, QUESTIONS[0])
        building.publish(made)
    return made


def test_the_list_pages_searches_and_sorts_the_surveys_of_its_reader(app, create_user):
    ana = create_user("ana", role="trainer")
    other = create_user("other", role="trainer")
    for number in range(53):
        survey(f"s{number:02d}", f"Wages round {number}", ana)
    survey("zz-safety", "Safety at sea", ana, publish=True)
    survey("theirs", "Not hers", other)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "ana")
    first = codes(client)
    assert len(first) == 50 and first[:2] == ["s00", "s01"]
    assert codes(client, "?page=2") == ["s50", "s51", "s52", "zz-safety"]
    assert "Showing 51–54 of 54" in client.get("/surveys/manage?page=2").get_data(as_text=True)
    assert codes(client, "?q=SAFETY") == ["zz-safety"]  # the title, in any case
    assert codes(client, "?q=s4") == [f"s4{n}" for n in range(10)]  # the code
    assert codes(client, "?q=theirs") == []  # another trainer's survey is not listed
    assert codes(client, "?sort=-code")[0] == "zz-safety"
    assert codes(client, "?sort=-status")[0] == "zz-safety"  # published before drafts
    assert codes(client, "?sort=title")[0] == "zz-safety"  # "Safety at sea" before "Wages round 0"
    assert codes(client, "?sort=-updated")[0] == "zz-safety"  # published last
    assert codes(client, "?sort=password")[:2] == ["s00", "s01"]  # an unknown sort falls back to the code
