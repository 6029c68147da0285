"""Administrators manage the partner organisations in the browser."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEntry, Organisation
from tests.helpers import csrf_token, post_form, sign_in


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


def organisation(**fields) -> Organisation:
    from lms.admin.services import add_organisation

    made = add_organisation(**{"name": "Hotel workers' union", "acronym": "HWU", "country": "PE", "sector": "hotels",
                               **fields})
    db.session.commit()
    return made


def test_admin_edits_an_organisation_and_the_change_is_in_the_audit_log(client, app_ctx, create_user):
    create_user("ada", role="admin")
    sign_in(client, "ada")
    union = organisation()
    organisation(acronym="DOCK", name="Dockers")
    url = f"/admin/organisations/{union.id}"
    assert 'value="HWU"' in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"name": "Hotel and catering workers", "acronym": "HCW", "country": "BO",
                                       "sector": "hotels"})
    assert response.status_code == 302
    db.session.refresh(union)
    assert (union.name, union.acronym, union.country) == ("Hotel and catering workers", "HCW", "BO")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit organisation"))
    assert entry.actor == "ada" and entry.details == {"organisation": union.id,
                                                      "fields": ["name", "acronym", "country"]}
    assert "HCW" in client.get("/admin/organisations").get_data(as_text=True)


def test_editing_an_organisation_refuses_bad_input_and_changes_nothing(client, app_ctx, create_user):
    create_user("ada", role="admin")
    sign_in(client, "ada")
    union = organisation()
    organisation(acronym="DOCK", name="Dockers")
    url = f"/admin/organisations/{union.id}"
    taken = post_form(client, url, {"name": "Hotel", "acronym": "DOCK", "country": "PE", "sector": "hotels"})
    assert taken.status_code == 400
    assert "already exists in this country" in taken.get_data(as_text=True)
    empty = post_form(client, url, {"name": "", "acronym": "HWU", "country": "PE", "sector": "hotels"})
    assert empty.status_code == 400 and "Please write a name." in empty.get_data(as_text=True)
    db.session.refresh(union)
    assert (union.name, union.acronym) == ("Hotel workers' union", "HWU")
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "edit organisation")) == 0
    assert client.get("/admin/organisations/99999").status_code == 404


def test_an_organisation_nothing_refers_to_is_deleted_after_confirmation(client, app_ctx, create_user):
    create_user("ada", role="admin")
    sign_in(client, "ada")
    union_id = organisation().id
    url = f"/admin/organisations/{union_id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "Delete HWU?" in page and "nothing else goes with it" in page
    assert db.session.get(Organisation, union_id) is not None  # asking changes nothing
    assert post_form(client, url, {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, union_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete organisation"))
    assert entry.details["acronym"] == "HWU" and entry.actor == "ada"


def test_an_organisation_still_referred_to_is_kept_and_the_page_says_by_what(client, app_ctx, create_user):
    from lms.models import CoordinatorOrganisation
    from lms.surveys.building import create_workplace

    create_user("ada", role="admin")
    sign_in(client, "ada")
    union = organisation()
    create_user("rosa", organisation_id=union.id)
    create_user("luz", organisation_id=union.id)
    coordinator = create_user("carla", role="coordinator")
    db.session.add(CoordinatorOrganisation(user_id=coordinator.id, organisation_id=union.id))
    create_workplace(name="Hotel Lima", sector="hotels", country="PE", organisation_id=union.id)
    db.session.commit()
    url = f"/admin/organisations/{union.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "cannot be deleted" in page and "Delete the organisation" not in page
    for line in ("2 people belong to it", "1 workplace belongs to it", "1 coordinator looks after it"):
        assert line in page
    assert "Keep the organisation" in page
    assert post_form(client, url, {}, page=f"/admin/organisations/{union.id}").status_code == 409
    db.session.expire_all()
    assert db.session.get(Organisation, union.id) is not None
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "delete organisation")) == 0


def test_a_member_who_left_an_organisation_still_keeps_it(client, app_ctx, create_user):
    """The reports count a person in the organisation they belonged to at the time: it cannot go."""
    from lms.admin.services import references_to

    union = organisation()
    member = create_user("rosa", organisation_id=union.id)
    member.organisation_id = None
    db.session.commit()
    references = references_to(union)
    assert references.people == 0 and references.past_people == 1 and references.any


def test_the_organisation_list_is_searched_sorted_and_paged(client, app_ctx, create_user):
    create_user("ada", role="admin")
    sign_in(client, "ada")
    for i in range(55):
        organisation(acronym=f"U{i:02d}", name=f"Union {i:02d}", sector="garment" if i % 2 else "hotels")
    first = client.get("/admin/organisations").get_data(as_text=True)
    assert "U00" in first and "U54" not in first and "Showing 1–50 of 55" in first
    assert "U54" in client.get("/admin/organisations?page=2").get_data(as_text=True)
    backwards = client.get("/admin/organisations?sort=-acronym").get_data(as_text=True)
    assert backwards.index("U54") < backwards.index("U53")
    found = client.get("/admin/organisations?q=union+07").get_data(as_text=True)
    assert "U07" in found and "U08" not in found and "Showing 1–1 of 1" in found
