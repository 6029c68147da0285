"""Administrators manage the partner organisations in the browser."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Organisation
from tests.helpers import csrf_token, sign_in


def test_admin_adds_an_organisation_and_refuses_a_duplicate(client, app_ctx, create_user):
    create_user("ada", role="admin")
    sign_in(client, "ada")
    url = "/admin/organisations"
    data = {"name": "Hotel workers' union", "acronym": "HWU", "country": "PE", "sector": "hotels"}
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "HWU" in page and "Peru" in page
    again = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    assert again.status_code == 400
    assert "already exists in this country" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 1
    member_form = client.get("/profile").get_data(as_text=True)
    assert "HWU – Hotel workers&#39; union (PE)" in member_form
