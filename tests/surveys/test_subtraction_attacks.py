"""Survey results read over HTTP for all countries and for one: their difference must not be one person.

The outside tester's finding: 10 answers in Peru and 1 in Benin; "All countries" minus "Peru" gave the one
Benin worker's answers (11 responses against 10, and the means times the counts). The test reads the pages
as any reader does, so it runs against old pages as well as new.
"""
from __future__ import annotations

from lms.extensions import db
from lms.learn import services as learning
from tests.helpers import BUNDLED_COURSE, sign_in
from tests.reports import reading
from tests.surveys.helpers import answer


def test_all_countries_minus_one_does_not_give_one_workers_answers(client, library, create_user, make_survey):
    author = create_user("author", role="trainer")
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"], privacy="anonymous",
                         creator=author)
    for i in range(10):
        answer(survey, survey.waves[0], "PE", 2 + i % 3, 40.0 + i)
    answer(survey, survey.waves[0], "BJ", 5, 72.0)  # the one worker in Benin
    db.session.commit()
    sign_in(client, "author")
    url = f"/surveys/manage/{survey.code}/results"
    everyone, peru = (client.get(f"{url}{query}").get_data(as_text=True) for query in ("", "?country=PE"))
    counts = [{**reading.response_counts(page), **reading.indicator_counts(page)} for page in (everyone, peru)]
    assert counts[0] and counts[0].keys() == counts[1].keys()
    for place in counts[0]:
        assert not 1 <= abs(counts[0][place] - counts[1][place]) <= 4, (place, counts[0][place], counts[1][place])
