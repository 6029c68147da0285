"""Admin › People: the list of accounts, a person's page, role and scope, suspension, erasure, the audit trail."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.admin import services as admin
from lms.extensions import db
from lms.models import AuditEntry, CoordinatorOrganisation, Organisation, TrainerPromotion, User, UserSession
from lms.permissions import can_manage_group
from tests.helpers import BUNDLED_COURSE, PASSWORD, complete_course, csrf_token, dialect, on_page, post_form, sign_in


@pytest.fixture
def ada(client, create_user):
    """An administrator, signed in on ``client``."""
    user = create_user("ada", role="admin", display_name="Ada Admin")
    assert sign_in(client, "ada").status_code == 302
    return user


def names_listed(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/people/\d+">([^<]+)</a>', page)


def test_the_list_finds_people_by_name_username_phone_and_email(client, ada, create_user):
    create_user("rosa", display_name="Rosa Quispe", phone="987 654 321", country="PE")
    create_user("juan", display_name="Juan Mamani", email="juan@example.org")
    create_user("koffi", display_name="Koffi Agbo", country="BJ")
    assert names_listed(client.get("/admin/people?q=quispe").get_data(as_text=True)) == ["Rosa Quispe"]
    assert names_listed(client.get("/admin/people?q=KOFFI").get_data(as_text=True)) == ["Koffi Agbo"]
    assert names_listed(client.get("/admin/people?q=987654").get_data(as_text=True)) == ["Rosa Quispe"]
    assert names_listed(client.get("/admin/people?q=juan%40example").get_data(as_text=True)) == ["Juan Mamani"]
    nothing = client.get("/admin/people?q=nobody").get_data(as_text=True)
    assert names_listed(nothing) == [] and "Nothing matches" in nothing


def test_the_list_sorts_filters_and_pages(client, ada, create_user):
    union = Organisation(name="Hotel workers", acronym="HWU", country="PE", sector="hotels")
    db.session.add(union)
    db.session.commit()
    create_user("zoe", display_name="Zoe", country="PE", organisation_id=union.id)
    create_user("bea", display_name="Bea", country="BJ", role="trainer")
    assert names_listed(client.get("/admin/people?sort=name").get_data(as_text=True)) == ["Ada Admin", "Bea", "Zoe"]
    assert names_listed(client.get("/admin/people?sort=-name").get_data(as_text=True)) == ["Zoe", "Bea", "Ada Admin"]
    # People without an organisation sort before those with one, on SQLite and PostgreSQL alike.
    assert names_listed(client.get("/admin/people?sort=-organisation").get_data(as_text=True))[0] == "Zoe"
    assert names_listed(client.get("/admin/people?sort=organisation").get_data(as_text=True))[-1] == "Zoe"
    assert names_listed(client.get("/admin/people?role=trainer").get_data(as_text=True)) == ["Bea"]
    assert names_listed(client.get("/admin/people?country=PE&sort=name").get_data(
        as_text=True)) == ["Ada Admin", "Zoe"]
    # Unknown values are ignored, never an error.
    assert client.get("/admin/people?role=king&country=XX&sort=height&page=zz").status_code == 200
    for number in range(55):
        create_user(f"m{number:02}", display_name=f"Member {number:02}")
    first = client.get("/admin/people?sort=username").get_data(as_text=True)
    assert "Page 1 of 2" in first and len(names_listed(first)) == 50
    second = client.get("/admin/people?sort=username&page=2").get_data(as_text=True)
    assert len(names_listed(second)) == 8 and not set(names_listed(first)) & set(names_listed(second))


def test_erased_accounts_are_not_listed_and_have_no_page(client, ada, create_user):
    from lms.privacy.services import erase_account

    gone = create_user("gone", display_name="Gone Person")
    erase_account(gone)
    db.session.commit()
    page = client.get("/admin/people").get_data(as_text=True)
    assert "erased-" not in page and names_listed(page) == ["Ada Admin"]
    assert client.get(f"/admin/people/{gone.id}").status_code == 404


def coordinator_of_benin(create_user, client):
    """Cora coordinates Benin and the Peruvian hotel workers' union; signed in on ``client``. Returns the union."""
    union = Organisation(name="Hotel workers", acronym="HWU", country="PE", sector="hotels")
    db.session.add(union)
    db.session.commit()
    cora = create_user("cora", role="coordinator", coordinated_countries=["BJ"], display_name="Cora")
    cora.coordinated_organisations.append(CoordinatorOrganisation(organisation_id=union.id))
    db.session.commit()
    assert sign_in(client, "cora").status_code == 302
    return union


def test_a_coordinator_lists_the_participants_and_trainers_of_their_countries_and_organisations_only(
        client, create_user):
    union = coordinator_of_benin(create_user, client)
    koffi = create_user("koffi", display_name="Koffi Agbo", country="BJ")
    create_user("bea", display_name="Bea Trainer", country="BJ", role="trainer")
    create_user("rosa", display_name="Rosa Quispe", country="PE", phone="987 654 321")
    create_user("hugo", display_name="Hugo Union", country="PE", organisation_id=union.id)
    create_user("ada", display_name="Ada Admin", country="BJ", role="admin")
    create_user("cyril", display_name="Cyril Coordinator", country="BJ", role="coordinator",
                coordinated_countries=["BJ"])
    page = client.get("/admin/people?sort=name").get_data(as_text=True)
    listed = re.findall(r"<tr>\s*<td>([^<]+)</td>", page)
    assert listed == ["Bea Trainer", "Hugo Union", "Koffi Agbo"]
    assert "Rosa" not in page and "Ada Admin" not in page and "Cyril" not in page and "Cora" not in page.split(
        "<table")[1]
    # A new password for each; no person page, role, suspension or erasure for a coordinator.
    assert f'href="/people/{koffi.id}/password"' in page and page.count("/password\"") == 3
    assert "/admin/people/" not in page
    # The search, the role filter and the menu stay within the same people.
    assert "Rosa" not in client.get("/admin/people?q=987654").get_data(as_text=True)
    assert "Ada Admin" not in client.get("/admin/people?q=ada").get_data(as_text=True)
    admins = client.get("/admin/people?role=admin").get_data(as_text=True)
    assert "Ada Admin" not in admins and 'value="admin"' not in admins and "Koffi Agbo" in admins
    assert 'href="/admin/people"' in client.get("/profile").get_data(as_text=True)
    assert client.get(f"/admin/people/{koffi.id}").status_code == 403
    assert client.get(f"/admin/people/{koffi.id}/suspension").status_code == 403


def test_a_coordinator_without_countries_or_organisations_lists_nobody(client, create_user):
    create_user("cora", role="coordinator", coordinated_countries=[])
    create_user("koffi", display_name="Koffi Agbo", country="BJ")
    sign_in(client, "cora")
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Koffi" not in page and "Nobody matches" in page


def test_only_coordinators_and_admins_reach_the_people_list_and_only_admins_a_persons_page(client, create_user):
    create_user("tom", role="trainer", country="BJ")
    create_user("cora", role="coordinator", coordinated_countries=["PE"])
    rosa = create_user("rosa")
    sign_in(client, "tom")
    assert client.get("/admin/people").status_code == 403
    assert "/admin/people" not in client.get("/profile").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "cora")
    assert client.get("/admin/people").status_code == 200
    assert client.get(f"/admin/people/{rosa.id}").status_code == 403


def test_the_admins_list_marks_suspended_accounts(client, ada, create_user):
    rosa = create_user("rosa", display_name="Rosa Quispe")
    create_user("juan", display_name="Juan Mamani")
    admin.suspend(rosa, ada)
    db.session.commit()
    rows = {name: row for name, row in re.findall(r'>([^<]+)</a>(.*?)</td>', client.get(
        "/admin/people").get_data(as_text=True), re.S)}
    assert "Suspended" in rows["Rosa Quispe"] and "Suspended" not in rows["Juan Mamani"]


def test_names_sort_as_readers_expect_on_postgresql(client, ada, create_user):
    for name in ("Zoe", "Élodie", "Diane", "Fatou", "éric"):
        create_user(display_name=name)
    listed = [n for n in names_listed(client.get("/admin/people?sort=name").get_data(as_text=True)) if n != "Ada Admin"]
    if dialect() != "postgresql":
        pytest.skip("SQLite compares names byte by byte")
    assert listed == ["Diane", "Élodie", "éric", "Fatou", "Zoe"]


def test_the_person_page_shows_details_and_the_link_in_the_menu(client, ada, create_user):
    rosa = create_user("rosa", display_name="Rosa Quispe", email="rosa@example.org", phone="987 654 321")
    page = client.get(f"/admin/people/{rosa.id}").get_data(as_text=True)
    assert "Rosa Quispe" in page and "rosa@example.org" in page and on_page("+51 987 654 321") in page
    assert 'href="/admin/people"' in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view account")).details == {
        "account": rosa.id}


def placement(client, person, **data):
    form = {"account_role": "participant", "country": "PE", "organisation": "", **data}
    return post_form(client, f"/admin/people/{person.id}/placement", form, page=f"/admin/people/{person.id}")


def test_an_admin_makes_someone_a_coordinator_of_countries_and_organisations(client, ada, create_user):
    union = Organisation(name="Hotel workers", acronym="HWU", country="SN", sector="hotels")
    db.session.add(union)
    db.session.commit()
    rosa = create_user("rosa")
    other = client.application.test_client()
    sign_in(other, "rosa")
    response = placement(client, rosa, account_role="coordinator", coordinated_countries=["PE", "BJ"],
                         coordinated_organisations=[str(union.id)], organisation=str(union.id))
    assert response.status_code == 302
    db.session.expire_all()
    rosa = db.session.get(User, rosa.id)
    assert rosa.role == "coordinator" and sorted(rosa.country_scope) == ["BJ", "PE"]
    assert [c.organisation_id for c in rosa.coordinated_organisations] == [union.id]
    assert rosa.organisation_id == union.id
    # Her sessions ended (role_changed), and the audit log has the role and the scope.
    assert db.session.scalar(select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == rosa.id)) == 0
    actions = {e.action: e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor == "ada"))}
    assert actions["change role"].details == {"account": rosa.id, "old": "participant", "new": "coordinator"}
    assert set(actions["change scope"].details["fields"]) == {
        "organisation", "coordinated countries", "coordinated organisations"}
    # One country less, then back to participant: what she coordinated goes.
    assert placement(client, rosa, account_role="coordinator", coordinated_countries=["PE"]).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rosa.id).country_scope == ["PE"]
    assert placement(client, rosa, account_role="participant", coordinated_countries=["PE"]).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rosa.id).country_scope == []


def test_a_coordinator_without_a_country_or_bad_input_is_refused_and_nothing_changes(client, ada, create_user):
    rosa = create_user("rosa")
    response = placement(client, rosa, account_role="coordinator")
    assert response.status_code == 400
    assert "at least one country or organisation" in response.get_data(as_text=True)
    assert placement(client, rosa, account_role="king").status_code == 400
    assert placement(client, rosa, country="XX").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, rosa.id).role == "participant"


def test_every_change_asks_for_the_admins_password_again_after_a_while(client, ada, create_user):
    rosa = create_user("rosa")
    token = csrf_token(client, f"/admin/people/{rosa.id}")
    minutes = client.application.config["REAUTH_MINUTES"] + 1
    with client.session_transaction() as session:
        session["password_at"] = int(clock.timestamp()) - minutes * 60  # signed in a while ago
    for url, data in ((f"/admin/people/{rosa.id}/placement", {"account_role": "trainer", "country": "PE"}),
                      (f"/admin/people/{rosa.id}/suspension", {"action": "suspend"}),
                      (f"/admin/people/{rosa.id}/erase", {"confirm": "y"}),
                      (f"/people/{rosa.id}/password", {})):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/confirm-password"), url
    db.session.expire_all()
    rosa = db.session.get(User, rosa.id)
    assert rosa.role == "participant" and rosa.suspended_at is None and rosa.erased_at is None
    assert not rosa.must_change_password


def test_an_admin_changes_nothing_of_their_own_account_here(client, ada):
    assert placement(client, ada, account_role="participant").status_code == 403
    assert client.get(f"/admin/people/{ada.id}/suspension").status_code == 403
    assert client.get(f"/admin/people/{ada.id}/erase").status_code == 403
    page = client.get(f"/admin/people/{ada.id}").get_data(as_text=True)
    assert "Save role and scope" not in page and "changed in your profile" in page


def promoted_graduate(create_user, library):
    """Rosa, made a trainer by a coordinator after a training of trainers."""
    from lms.groups import services as groups
    from lms.learn.services import find_course

    trainer = create_user("tina", role="trainer")
    cora = create_user("cora", role="coordinator", coordinated_countries=["PE"])
    rosa = create_user("rosa", display_name="Rosa Quispe")
    group = groups.create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="ToT Lima", country="PE",
                                place="Lima", mode="in-person", starts_on=clock.today(), ends_on=clock.today(),
                                trains_trainers=True)
    groups.add_member(group, rosa)
    db.session.commit()
    complete_course(rosa.id)
    assert groups.promote_to_trainer(group, rosa, cora)
    db.session.commit()
    return rosa, group, cora


def test_reversing_make_trainer_keeps_the_promotion_marked_revoked_and_allows_it_again(
        client, ada, create_user, library):
    from lms.groups import services as groups

    rosa, group, cora = promoted_graduate(create_user, library)
    assert placement(client, rosa, account_role="participant").status_code == 302
    db.session.expire_all()
    rosa = db.session.get(User, rosa.id)
    promotion = db.session.scalar(select(TrainerPromotion).where(TrainerPromotion.user_id == rosa.id))
    assert rosa.role == "participant" and promotion.revoked_at is not None
    assert "reversed on" in client.get(f"/admin/people/{rosa.id}").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "change role", AuditEntry.actor == "ada"))
    assert entry.details == {"account": rosa.id, "old": "trainer", "new": "participant"}
    # The coordinator can make her a trainer again: a second row in the family tree.
    assert groups.promote_to_trainer(group, rosa, cora)
    db.session.commit()
    rows = db.session.scalars(select(TrainerPromotion).where(TrainerPromotion.user_id == rosa.id)
                              .order_by(TrainerPromotion.id)).all()
    assert [row.revoked_at is None for row in rows] == [False, True]


def test_figures_keep_counting_a_reversed_promotion(client, ada, create_user, library):
    from lms.reports.figures import trainers
    from lms.reports.filters import ReportFilter

    rosa, group, _cora = promoted_graduate(create_user, library)
    report = ReportFilter(start=clock.today().replace(day=1), end=clock.today())
    before = trainers(report)["PE"][2]
    placement(client, rosa, account_role="participant")
    assert trainers(report)["PE"][2] == before and before.n == 1


def test_a_trainer_made_participant_no_longer_manages_their_groups(client, ada, create_user, library):
    from lms.groups import services as groups
    from lms.learn.services import find_course

    tina = create_user("tina", role="trainer")
    group = groups.create_group(trainer=tina, course=find_course(BUNDLED_COURSE), name="Lima", country="PE",
                                place="Lima", mode="in-person", starts_on=clock.today(), ends_on=clock.today())
    db.session.commit()
    assert can_manage_group(tina, group)
    placement(client, tina, account_role="participant")
    db.session.expire_all()
    tina = db.session.get(User, tina.id)
    assert not can_manage_group(tina, group)
    from lms.models import TrainingGroup
    from lms.permissions import managed_groups
    assert db.session.scalar(select(sa.func.count()).select_from(TrainingGroup).where(managed_groups(tina))) == 0


def test_suspension_ends_sessions_refuses_sign_in_and_reinstatement_restores(client, ada, create_user):
    rosa = create_user("rosa")
    phone = client.application.test_client()
    sign_in(phone, "rosa")
    page = client.get(f"/admin/people/{rosa.id}/suspension").get_data(as_text=True)
    assert "signed out on every device" in page
    assert post_form(client, f"/admin/people/{rosa.id}/suspension", {"action": "suspend"}).status_code == 302
    assert phone.get("/my-learning").headers["Location"].startswith("/sign-in")
    refused = sign_in(phone, "rosa")
    assert refused.status_code == 200 and "This account is suspended" in refused.get_data(as_text=True)
    wrong = sign_in(phone, "rosa", "not her password")
    assert "suspended" not in wrong.get_data(as_text=True) and "username or password is wrong" in wrong.get_data(
        as_text=True)
    assert "Suspended" in client.get("/admin/people").get_data(as_text=True)
    assert post_form(client, f"/admin/people/{rosa.id}/suspension", {"action": "reinstate"}).status_code == 302
    assert sign_in(phone, "rosa").status_code == 302
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor == "ada")
                                                    .order_by(AuditEntry.id))]
    assert "suspend account" in actions and "reinstate account" in actions
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.details["reason"].as_string() == "suspended"))


def test_a_bare_or_unknown_suspension_request_changes_nothing(client, ada, create_user):
    rosa = create_user("rosa")
    assert post_form(client, f"/admin/people/{rosa.id}/suspension", {},
                     page=f"/admin/people/{rosa.id}/suspension").status_code == 400
    assert post_form(client, f"/admin/people/{rosa.id}/suspension", {"action": "delete"},
                     page=f"/admin/people/{rosa.id}/suspension").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, rosa.id).suspended_at is None


def test_no_session_of_a_suspended_account_lets_it_in_even_one_that_outlived_the_suspension(client, ada,
                                                                                             create_user):
    """Suspending ends the sessions; a session opened at that very moment (or any left over) still opens nothing:
    neither a page, nor the offline sync's token, nor a kept ("remember me") session."""
    rosa = create_user("rosa")
    phone = client.application.test_client()
    phone.post("/sign-in", data={"identifier": "rosa", "password": PASSWORD, "remember": "y",
                                 "csrf_token": csrf_token(phone, "/sign-in")})
    assert phone.get("/my-learning").status_code == 200
    cookie = phone.get_cookie(client.application.config["REMEMBER_COOKIE_NAME"])
    db.session.execute(sa.update(User).where(User.id == rosa.id).values(suspended_at=clock.utcnow()))
    db.session.commit()  # suspended, the sessions left as they were
    assert phone.get("/my-learning").headers["Location"].startswith("/sign-in")
    assert phone.get("/sync/token").status_code in (302, 401)
    kept = client.application.test_client()
    kept.set_cookie(cookie.key, cookie.value)
    assert kept.get("/my-learning").headers["Location"].startswith("/sign-in")


def test_a_suspended_account_is_tried_and_paused_like_any_other(client, ada, create_user):
    """Wrong passwords count towards the pause whether or not the account is suspended, so that the pause does not
    tell a suspended account apart."""
    from lms.auth import services as auth

    rosa = create_user("rosa")
    admin.suspend(db.session.get(User, rosa.id), ada)
    db.session.commit()
    tried = []
    with client.application.test_request_context():
        auth.authenticate("rosa", "wrong", may_try=lambda user: tried.append(user.id) or True)
    assert tried == [rosa.id]


def test_an_admin_erases_an_account_after_confirming(client, ada, create_user):
    rosa = create_user("rosa", display_name="Rosa Quispe")
    page = client.get(f"/admin/people/{rosa.id}/erase")
    assert "This cannot be undone" in page.get_data(as_text=True)
    assert post_form(client, f"/admin/people/{rosa.id}/erase", {}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, rosa.id).erased_at is None
    assert post_form(client, f"/admin/people/{rosa.id}/erase", {"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rosa.id).erased_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase account")).actor == "ada"


def test_the_audit_trail_lists_entries_about_and_by_the_person_a_page_at_a_time(client, ada, create_user):
    from lms.core import audit

    rosa = create_user("rosa")
    for number in range(60):
        audit.record("view paper scores", {"group_id": number}, user=rosa)
    audit.record("end sessions", {"account": rosa.id})
    audit.record("end sessions", {"account": ada.id})
    db.session.commit()
    page = client.get(f"/admin/people/{rosa.id}").get_data(as_text=True)
    assert "Page 1 of 2" in page and page.count("Paper scores viewed") == 49
    # The newest first: about her, by the command line.
    assert "Sessions ended" in page and f'Account: <a href="/admin/people/{rosa.id}">' in page
    last = client.get(f"/admin/people/{rosa.id}?page=2").get_data(as_text=True)
    # The first visit is in her trail now ("view account"), so one more entry moved to page 2.
    assert last.count("Paper scores viewed") == 12 and f'Account: <a href="/admin/people/{ada.id}">' not in last


def test_the_audit_log_is_a_paginated_listing(client, ada):
    from lms.core import audit

    for number in range(120):
        audit.record("export xapi", {"records": number}, user=ada)
    db.session.commit()
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 3" in first and "records: 119" in first and "records: 69" not in first
    third = client.get("/admin/audit?page=3&action=export+xapi").get_data(as_text=True)
    assert "records: 0" in third
    oldest = client.get("/admin/audit?sort=at").get_data(as_text=True)
    assert "records: 0" in oldest


def test_erasing_a_suspended_reversed_trainer_keeps_no_time_of_day_nor_the_suspension(client, ada, create_user,
                                                                                     library):
    from lms.privacy import services as privacy

    rosa, _group, _cora = promoted_graduate(create_user, library)
    placement(client, rosa, account_role="participant")
    admin.suspend(db.session.get(User, rosa.id), ada)
    db.session.commit()
    privacy.erase_account(db.session.get(User, rosa.id), by=ada)
    db.session.commit()
    tombstone = db.session.get(User, rosa.id)
    revoked = privacy.as_utc(db.session.scalar(select(TrainerPromotion.revoked_at)))
    assert tombstone.suspended_at is None and (revoked.hour, revoked.minute, revoked.second) == (0, 0, 0)
