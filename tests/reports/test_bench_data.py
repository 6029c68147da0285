"""The reports' benchmark data set (bench/report_data.py) keeps fitting the app: generated at a tiny size on the
test database, its rows break no reference, and every figure of the dashboard has something to show."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.report_dashboard import figure_parts, report_filter
from bench.report_data import ADMIN, COORDINATOR, PASSWORD, generate
from lms import clock
from lms.extensions import db
from tests.helpers import sign_in

pytestmark = pytest.mark.slow  # the bundled courses are imported by the generator itself


def test_the_generated_data_fills_every_figure_of_the_dashboard(app, app_ctx):
    counts = generate(200, check_references=True)
    assert counts["users"] >= 200 and counts["lesson_completions"] >= 200 * 15
    assert counts["survey_answers"] >= 200 * 4 and counts["trainer_promotions"] > 0
    if db.engine.dialect.name == "sqlite":  # PostgreSQL checked each reference as the rows were written
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    year = clock.today().year - 1
    with app_ctx.test_request_context():
        parts = {name: value for name, _ms, value in figure_parts(report_filter(year))}
    assert parts["knowledge gain"].people.n > 0
    assert [name for name, value in parts.items() if name != "knowledge gain" and not value] == []
    assert len({line.trainer.generation for line in parts["family tree"]}) >= 4
    for username in (ADMIN, COORDINATOR):
        client = app.test_client()
        sign_in(client, username, PASSWORD)
        page = client.get(f"/reports?year={year}")
        assert page.status_code == 200 and "<table" in page.get_data(as_text=True)
