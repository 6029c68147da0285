""""Download my data" lists everything held about the member: checked against every table that refers to an account.

The tables and columns come from the schema itself (every foreign key to ``users.id``), so a new table that
holds something about a member fails this test until the download lists it. A staff member who has a row in
every one of them downloads their data; each row must be there, as many entries as rows.
"""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from lms import clock
from lms.auth import channel_choices, sms_codes
from lms.author import services as authoring
from lms.clock import utcnow
from lms.core import audit
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import offline
from lms.learn import services as learning
from lms.messaging.outbox import queue_sms
from lms.models import (
    CoordinatorOrganisation,
    CourseEditor,
    GroupMessage,
    GroupMessageDraft,
    GroupMessageRecipient,
    Organisation,
    User,
)
from lms.surveys import answering, building, invitations
from lms.surveys.answering import Answer
from lms.surveys.building import QuestionSpec
from tests.helpers import BUNDLED_COURSE, complete_course, release_any, sign_in

TODAY = clock.today()


def group_sessions(data):
    return [s for g in data.get("groups", []) for s in g.get("sessions_attended", [])]


def texts_of(name: str, key: str):
    """The translations in the download's ``name`` section that are of one kind: a lesson, a module, a course page."""
    return lambda data: [t for t in data.get(name, []) if key in t]


def section(*path):
    """The entries at ``path`` in the download (none if it is not there)."""
    def entries(data):
        for key in path:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        return data or []
    return entries


def identified_answers(data):
    return [r for r in data.get("survey_responses", []) if r["privacy"] == "identified"]


#: (table, column referring to the account) -> the entries of the download that show those rows.
SECTIONS = {
    ("attendance", "user_id"): group_sessions,
    ("audit_entries", "user_id"): lambda data: [e for e in data["audit_log_entries"] if e["by"] == "you"],
    ("certificates", "user_id"): section("certificates"),
    ("consents", "user_id"): section("consents"),
    ("contact_preferences", "user_id"): section("account", "reached_by"),
    ("sms_codes", "user_id"): section("account", "codes_by_sms"),
    ("coordinator_countries", "user_id"): section("account", "coordinated_countries"),
    ("coordinator_organisations", "user_id"): section("account", "coordinated_organisations"),
    ("course_editors", "user_id"): section("courses_edited"),
    ("enrolments", "user_id"): section("enrolments"),
    ("group_members", "user_id"): section("groups"),
    ("group_messages", "sender_id"): section("group_messages_sent"),
    ("group_message_drafts", "sender_id"): section("group_message_drafts"),
    ("group_message_recipients", "user_id"): section("group_messages_received"),
    ("images", "uploaded_by_id"): section("images_uploaded"),
    ("lesson_completions", "user_id"): section("lessons_done"),
    **{(f"{kind}_translations", f"{column}_by_id"): texts_of(f"translations_{done}", key)
       for kind, key in (("lesson", "lesson"), ("module", "module"), ("course", "course_page"))
       for column, done in (("edited", "written"), ("reviewed", "reviewed"))},
    ("lesson_versions", "author_id"): section("lesson_versions_written"),
    ("person_attributes", "user_id"): section("account", "counted_as"),
    ("quiz_attempts", "user_id"): section("quiz_attempts"),
    ("quiz_attempts", "entered_by_id"): section("paper_scores_entered"),
    ("survey_invitations", "user_id"): section("survey_invitations"),
    ("survey_responses", "user_id"): identified_answers,
    ("surveys", "created_by_id"): section("surveys_created"),
    ("synced_operations", "user_id"): section("offline_sync"),
    ("text_messages", "user_id"): section("text_messages"),
    ("trainer_promotions", "user_id"): section("promotions_received"),
    ("trainer_promotions", "promoted_by_id"): section("promotions_given"),
    ("training_groups", "trainer_id"): section("groups_trained"),
    ("user_sessions", "user_id"): section("account", "sessions"),
}


def references_to_users() -> set[tuple[str, str]]:
    return {(table.name, fk.parent.name) for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == "users"}


def a_row_everywhere(create_user) -> User:
    """Maria: a coordinator who trained, learned, translated, surveyed and promoted; a row in every table."""
    maria = create_user("maria", role="coordinator", coordinated_countries=["PE"], display_name="Maria Flores")
    other = create_user("juan", display_name="Juan Mamani")
    union = Organisation(name="Union of hotel workers", acronym="UHW", country="PE", sector="hotels")
    db.session.add(union)
    db.session.flush()
    db.session.add(CoordinatorOrganisation(user_id=maria.id, organisation_id=union.id))
    course = learning.find_course(BUNDLED_COURSE)
    db.session.add(CourseEditor(course_id=course.id, user_id=maria.id, role="editor"))
    lesson = course.lessons[0]
    authoring.save_lesson_text(lesson, "en", "Title", "Her text.", base_version=len(authoring.versions(lesson, "en")),
                               author=maria)
    row = authoring.save_lesson_text(lesson, "pt", "Título", "O texto dela.",
                                     base_version=len(authoring.versions(lesson, "pt")), author=maria,
                                     source_checksum="x")
    authoring.mark_reviewed(course, row, maria)
    for texts in (course.modules[0].translations, course.translations):  # a module's quiz texts, the course page
        spanish = next(t for t in texts if t.language == "es")
        spanish.edited_by_id = spanish.reviewed_by_id = maria.id
    import io

    from PIL import Image as Picture
    picture = io.BytesIO()
    Picture.new("RGB", (20, 10), "red").save(picture, format="PNG")
    authoring.store_image(course, picture.getvalue(), maria)
    survey = building.create_survey(code="voice", title="Voice", description="", language="en",
                                    privacy="identified", subject="participant", creator=maria)
    building.add_question(survey, QuestionSpec(code="safe", kind="likert", label="I feel safe."))
    building.publish(survey)
    building.add_wave(survey, kind="baseline", course=course)
    learning.enrol(maria.id, course)
    invitations.sync_invitations(TODAY, maria.id)
    invitation = invitations.invitations_of(maria.id)[0]
    answering.submit_response(wave=invitation.wave, version=survey.published_version, answers={
        "safe": Answer("4", 4.0)}, user=maria, invitation=invitation)
    release_any()
    offline.apply_operations(maria.id, offline.parse_operations({"operations": [{
        "id": "8d1f8f5e-5d2a-4a53-9d49-2f4a7f1b9c01", "kind": "lesson-done", "course": BUNDLED_COURSE,
        "lesson": course.lessons[1].slug, "at": utcnow().isoformat(), "owner": offline.owner_token(maria.id)}]}),
        utcnow())
    complete_course(maria.id)
    complete_course(other.id)
    trained = groups.create_group(trainer=maria, course=course, name="Her own group", country="PE", place="Cusco",
                                  mode="in-person", starts_on=TODAY, ends_on=TODAY + timedelta(days=3),
                                  trains_trainers=True)
    groups.add_member(trained, other)
    module = next(m for m in course.modules if m.has_quiz)
    groups.record_paper_scores(trained, module, {other.id: 80}, maria)
    groups.promote_to_trainer(trained, other, maria)
    tina = create_user("tina", role="trainer")
    taught = groups.create_group(trainer=tina, course=course, name="Training of trainers", country="PE",
                                 place="Lima", mode="in-person", starts_on=TODAY, ends_on=TODAY + timedelta(days=3),
                                 trains_trainers=True)
    groups.add_member(taught, maria)
    groups.record_session(taught, held_on=TODAY, topic="Bargaining", present=[maria.id])
    groups.record_paper_scores(taught, module, {maria.id: 90}, tina)
    maria.role = "participant"  # only a participant can be promoted: she was one before
    groups.promote_to_trainer(taught, maria, create_user("boss", role="admin"))
    maria.role = "coordinator"
    audit.record("view group members", {"group_id": trained.id, "members": 1}, user=maria)
    maria.phone = "+51987654321"
    sms_codes.issue("confirm_phone", sms_codes.account_subject(maria), maria)
    maria.phone_confirmed_at = utcnow()
    channel_choices.save(maria, {"group_news": "sms"})
    queue_sms(maria.phone, "Thursday's session starts at 10.", "group_news", user=maria)
    db.session.add(GroupMessage(group_id=trained.id, sender_id=maria.id, text="Thursday moves to Friday.",
                                audience="group", preview_id="maria-preview"))
    db.session.add(GroupMessageDraft(id="d" * 32, group_id=trained.id, sender_id=maria.id, text="Not sent yet.",
                                     audience="group"))
    to_her = GroupMessage(group_id=taught.id, sender_id=tina.id, text="Bring your notes.", audience="group",
                          preview_id="tina-preview")
    db.session.add(to_her)
    db.session.flush()
    db.session.add(GroupMessageRecipient(group_message_id=to_her.id, user_id=maria.id, channel="none"))
    db.session.commit()
    return maria


def test_the_download_lists_every_table_that_refers_to_the_member(client, library, create_user):
    maria = a_row_everywhere(create_user)
    references = references_to_users()
    assert references == set(SECTIONS), (
        "tables that refer to an account but are not in the download (add them to export_data and SECTIONS): "
        f"{sorted(references - set(SECTIONS))}; no longer in the schema: {sorted(set(SECTIONS) - references)}")
    sign_in(client, "maria")
    response = client.get("/my-data/export.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    missing = []
    with db.engine.connect() as conn:
        for (table, column), entries in sorted(SECTIONS.items()):
            held = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {column} = :id"),
                                {"id": maria.id}).scalar()
            assert held >= 1, f"the test's member has no row in {table}.{column}: give her one"
            if len(entries(data)) != held:
                missing.append(f"{table}.{column}: {held} rows, {len(entries(data))} in the download")
    assert missing == []
    # Others named in her data are named by their role only.
    text = json.dumps(data)
    for other in ("juan", "Juan Mamani", "tina", "boss"):
        assert other not in text, other
    assert [p["promoted_by"] for p in data["promotions_received"]] == ["admin"]
    assert {a["entered_by"] for a in data["quiz_attempts"] if a["entered_from_paper"]} == {"trainer"}
    assert data["promotions_given"] == [{"group": "Her own group", "course": BUNDLED_COURSE,
                                         "promoted_at": data["promotions_given"][0]["promoted_at"]}]
    assert data["offline_sync"][0]["kind"] == "lesson-done"
    assert [(m["group"], m["text"], m["channel"], m["sent_by"]) for m in data["group_messages_received"]] == [
        ("Training of trainers", "Bring your notes.", "none", "trainer")]
    assert data["account"]["coordinated_organisations"] == [{"name": "Union of hotel workers", "acronym": "UHW"}]


def test_the_download_lists_the_audit_entries_about_the_account_written_by_others(client, create_user):
    """Failed sign-ins on her account and what staff did to it name her account in their details only."""
    from lms import signals

    amina = create_user("amina")
    sign_in(client, "amina", "a wrong password")
    signals.role_changed.send(amina, old="participant", new="trainer", by=create_user("boss", role="admin"))
    db.session.commit()
    sign_in(client, "amina")
    data = json.loads(client.get("/my-data/export.json").get_data(as_text=True))
    actions = [entry["action"] for entry in data["audit_log_entries"]]
    assert {"sign in failed", "change role", "sign in"} <= set(actions)
    assert {entry["by"] for entry in data["audit_log_entries"]} == {"you", "admin", None}
    assert "boss" not in json.dumps(data["audit_log_entries"])
