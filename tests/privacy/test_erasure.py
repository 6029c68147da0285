"""After erasure nothing kept leads back to the person: each test plays one way of finding them again.

Rosa took a training of trainers, was made a trainer, answered identified, pseudonymous and anonymous
surveys (with words of her own), looked at a group's members as a trainer, and appears in xAPI exports.
Then she erased her account. What stays counts in the statistics; none of it may be joined to her again
by her account id, a key the server holds, a time of day, a role history, an audit line or her own words.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.core import audit
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import services as learning
from lms.models import (
    AuditEntry,
    Enrolment,
    GroupMember,
    LessonCompletion,
    QuizAttempt,
    SurveyResponse,
    TrainerPromotion,
    User,
)
from lms.privacy import services as privacy
from lms.reports import xapi
from lms.surveys import answering, building, results
from lms.surveys.answering import Answer
from lms.surveys.building import QuestionSpec
from tests.helpers import BUNDLED_COURSE, complete_course, release_any, sign_in

TODAY = clock.today()
#: What only Rosa typed or is called: none of it may remain anywhere in the database.
MARKERS = ("rosaq7", "Rosa Quispe Mamani", "rosa.q7@example.org", "+51912345670", "zebra-7731")


def survey_of(mode: str, course):
    survey = building.create_survey(code=f"s-{mode}", title=mode, description="", language="en", privacy=mode,
                                    subject="participant", creator=None)
    building.add_question(survey, QuestionSpec(code="safe", kind="likert", label="I feel safe."))
    building.add_question(survey, QuestionSpec(code="comment", kind="text", label="Anything else?", required=False))
    building.publish(survey)
    building.add_indicator(survey, code="safe_share", question_code="safe", kind="share", choice_codes=["4", "5"],
                           direction="up", title="Feel safe", language="en")
    for kind in ("baseline", "endline"):
        building.add_wave(survey, kind=kind, course=course)
    return survey


def answer(survey, user, kind: str, safe: int, comment: str = ""):
    wave = next(w for w in survey.waves if w.kind == kind)
    answers = {"safe": Answer(str(safe), float(safe))}
    if comment:
        answers["comment"] = Answer(comment)
    answering.submit_response(wave=wave, version=survey.published_version, answers=answers,
                              user=user)


@pytest.fixture
def rosa_erased(app_ctx, library, create_user):
    """Rosa's whole story, the xAPI export before her erasure, and what remains after it."""
    trainer = create_user("tina", role="trainer")
    coordinator = create_user("cora", role="coordinator", coordinated_countries=["PE"])
    rosa = create_user("rosaq7", display_name="Rosa Quispe Mamani", email="rosa.q7@example.org",
                       phone="+51912345670", birth_year=1990)
    others = [create_user(f"worker{i}") for i in range(5)]
    course = learning.find_course(BUNDLED_COURSE)
    surveys = {mode: survey_of(mode, course) for mode in ("identified", "pseudonymous", "anonymous")}
    group = groups.create_group(trainer=trainer, course=course, name="Training of trainers", country="PE",
                                place="Lima", mode="in-person", starts_on=TODAY, ends_on=TODAY + timedelta(days=9),
                                trains_trainers=True)
    for number, person in enumerate([rosa, *others]):
        groups.add_member(group, person)
        for survey in surveys.values():
            answer(survey, person, "baseline", 2 + number % 3, f"zebra-7731 {person.username}" if person is rosa
                   else "fine")
    groups.record_session(group, held_on=TODAY, topic="Bargaining", present=[rosa.id, others[0].id])
    release_any()  # the baselines are published; the endlines will still wait in the pool at her erasure
    for number, person in enumerate([rosa, *others]):
        complete_course(person.id)
        for survey in surveys.values():
            answer(survey, person, "endline", 3 + number % 3, "zebra-7731 again" if person is rosa else "")
    assert groups.promote_to_trainer(group, rosa, coordinator)
    db.session.commit()
    audit.record("view group members", {"group_id": group.id, "members": 6}, user=rosa)
    db.session.commit()
    before = {
        "statements": xapi.statements(),
        "actor": xapi.account_name(rosa.id),
        # Six people answered both waves of each survey: pairs where the mode keeps a person, none otherwise.
        "paired": {"identified": 6, "pseudonymous": 6, "anonymous": 0},
    }
    rosa_id = rosa.id
    tombstone = privacy.erase_account(rosa)
    db.session.commit()
    release_any()  # her endlines, made nobody's in their seal, join the published ones
    db.session.commit()
    return {"id": rosa_id, "tombstone": tombstone, "surveys": surveys, "before": before, "group": group.id,
            "coordinator": coordinator.id}


def paired_n(survey) -> int:
    endline = results.indicator_estimates(survey, survey.waves)[0].series[0][1]  # exact figures, not published
    return endline.change.n if endline.paired else 0


def test_no_pseudonym_or_account_id_leads_to_her_survey_answers(rosa_erased):
    rosa_id = rosa_erased["id"]
    for mode, survey in rosa_erased["surveys"].items():
        rows = db.session.execute(select(SurveyResponse.user_id, SurveyResponse.pseudonym)).all()
        assert rosa_id not in {user_id for user_id, _p in rows}, mode
        assert answering.pseudonym_for(survey, rosa_id) not in {p for _u, p in rows}, \
            f"{mode}: her pseudonym can be computed again from her account id"
    # Her answers went with the release after her erasure, as a withdrawal's: one pair fewer where she was known.
    for mode, survey in rosa_erased["surveys"].items():
        assert paired_n(survey) == rosa_erased["before"]["paired"][mode] - (mode != "anonymous"), mode
    assert rosa_erased["before"]["paired"]["identified"] == 6 and rosa_erased["before"]["paired"]["anonymous"] == 0


def test_no_xapi_actor_or_statement_id_leads_to_her(rosa_erased):
    rosa_id = rosa_erased["id"]
    after = xapi.statements()
    actors = {s["actor"]["account"]["name"] for s in after}
    assert xapi.account_name(rosa_id) not in actors, "her actor can be computed again from her account id"
    assert rosa_erased["before"]["actor"] not in actors
    before_ids = {s["id"] for s in rosa_erased["before"]["statements"]
                  if s["actor"]["account"]["name"] == rosa_erased["before"]["actor"]}
    assert before_ids and not before_ids & {s["id"] for s in after}, "an earlier export's statement ids match"
    registrations = {s["context"]["registration"] for s in rosa_erased["before"]["statements"]
                     if s["actor"]["account"]["name"] == rosa_erased["before"]["actor"]}
    assert registrations and not registrations & {s["context"].get("registration") for s in after}, \
        "an earlier export's registration matches"
    assert len(after) == len(rosa_erased["before"]["statements"])  # every record still counts
    assert xapi.statements() == after  # and exporting twice gives the same statements


def midnight(moment) -> bool:
    return moment is None or privacy.as_utc(moment).timetz().replace(tzinfo=None) == time.min


def test_no_time_of_day_of_hers_is_kept(rosa_erased):
    rosa_id = rosa_erased["id"]
    joined = db.session.scalars(select(GroupMember.joined_at).where(GroupMember.user_id == rosa_id)).all()
    assert joined and all(midnight(t) for t in joined), joined
    for column, whose in ((Enrolment.enrolled_at, Enrolment.user_id), (Enrolment.completed_at, Enrolment.user_id),
                          (LessonCompletion.completed_at, LessonCompletion.user_id),
                          (QuizAttempt.submitted_at, QuizAttempt.user_id),
                          (TrainerPromotion.promoted_at, TrainerPromotion.user_id)):
        found = db.session.scalars(select(column).where(whose == rosa_id)).all()
        assert found and all(midnight(t) for t in found), column
    tombstone = db.session.get(User, rosa_id)
    assert midnight(tombstone.created_at) and midnight(tombstone.erased_at)


def test_nobody_joins_a_group_at_a_time_of_day(app_ctx, library, create_user):
    """Nothing needs more than the day someone joined a group: nobody's join keeps a time."""
    trainer = create_user("tina", role="trainer")
    group = groups.create_group(trainer=trainer, course=learning.find_course(BUNDLED_COURSE), name="Lima",
                                country="PE", place="Lima", mode="in-person", starts_on=TODAY, ends_on=TODAY)
    groups.add_member(group, create_user("ana"))
    db.session.commit()
    db.session.expire_all()
    joined = db.session.scalar(select(GroupMember.joined_at))
    assert midnight(joined) and privacy.as_utc(joined).date() == clock.today()


def test_no_promotion_names_her_or_who_made_her_a_trainer(rosa_erased, create_user):
    rosa_id = rosa_erased["id"]
    promotion = db.session.scalar(select(TrainerPromotion).where(TrainerPromotion.user_id == rosa_id))
    assert promotion is not None, "the promotion still counts a new trainer in the reports"
    assert promotion.promoted_by_id is None and midnight(promotion.promoted_at)
    # A coordinator who erases their account leaves no name in the promotions they made either.
    coordinator = db.session.get(User, rosa_erased["coordinator"])
    privacy.erase_account(coordinator)
    db.session.commit()
    assert db.session.scalar(select(sa.func.count()).select_from(TrainerPromotion)
                             .where(TrainerPromotion.promoted_by_id == rosa_erased["coordinator"])) == 0


def test_nothing_she_typed_or_was_called_remains_anywhere(rosa_erased):
    """Every column of every table, read raw: no name, contact or words of hers (anonymous answers excepted:
    nothing leads to them, so they cannot be found; they are not in this survey's data)."""
    anonymous = rosa_erased["surveys"]["anonymous"].waves
    anonymous_responses = {str(r) for r in db.session.scalars(select(SurveyResponse.id).where(
        SurveyResponse.wave_id.in_([w.id for w in anonymous])))}
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                if table.name == "survey_answers" and str(row["response_id"]).replace("-", "") in {
                        r.replace("-", "") for r in anonymous_responses}:
                    continue
                text = json.dumps({k: v for k, v in row.items() if not isinstance(v, bytes)}, default=str)
                found += [(table.name, marker) for marker in MARKERS if marker.casefold() in text.casefold()]
    assert found == []


def test_the_audit_log_keeps_her_actions_under_the_tombstone_name(rosa_erased):
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.user_id == rosa_erased["id"])).all()
    assert [e.action for e in entries] == ["view group members"]
    assert {e.actor for e in entries} == {rosa_erased["tombstone"]}
    assert "rosaq7" not in {e.actor for e in db.session.scalars(select(AuditEntry))}


def test_the_upgrade_cuts_the_join_times_already_kept_to_the_day(tmp_path):

    from lms.database.migrations import upgrade
    from tests.helpers import ROOT, app_on_new_database

    joined = datetime(2026, 3, 5, 17, 42, 13, 123456, tzinfo=UTC)
    with app_on_new_database(tmp_path):
        upgrade(directory=str(ROOT / "migrations"), revision="373e4a370b93")
        # The tables as they were then (today's models have columns added since).
        then = sa.MetaData()
        then.reflect(bind=db.engine, only=["users", "courses", "training_groups", "group_members"])
        tables = then.tables
        db.session.execute(tables["users"].insert().values(
            id=1, username="ana", display_name="Ana", country="PE", gender="woman", role="trainer",
            password_hash="x", must_change_password=False, created_at=joined))
        db.session.execute(tables["courses"].insert().values(
            id=1, slug="c", source_language="en", published=True, require_independent_review=False,
            created_at=joined))
        db.session.execute(tables["training_groups"].insert().values(
            id=1, course_id=1, trainer_id=1, name="G", country="PE", mode="online", starts_on=joined.date(),
            ends_on=joined.date(), join_code="ABC123", trains_trainers=False, created_at=joined))
        db.session.execute(tables["group_members"].insert().values(group_id=1, user_id=1, joined_at=joined))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        kept = privacy.as_utc(db.session.scalar(select(GroupMember.joined_at)))
        assert kept == datetime(2026, 3, 5, tzinfo=UTC)
        assert privacy.as_utc(db.session.scalar(select(User.created_at))) == joined  # nothing else changes
        db.session.remove()


def test_after_erasure_no_audit_entry_tells_when_the_account_was_used(client, app_ctx, create_user):
    """Sign-in times are activity data: they protected the account while it existed, and go with it."""
    create_user("amina")
    sign_in(client, "amina", "a wrong password")
    sign_in(client, "amina")
    user = db.session.scalar(sa.select(User).where(User.username == "amina"))
    uid = user.id
    privacy.erase_account(user)
    db.session.commit()
    left = [(e.action, e.details) for e in db.session.scalars(sa.select(AuditEntry))]
    assert [action for action, _details in left] == ["erase account"]
    assert not any(action in privacy.OWN_ACCOUNT_EVENTS and (d or {}).get("account") == uid for action, d in left)


def test_after_erasure_no_staff_entry_names_the_account_or_its_time(client, app_ctx, create_user):
    """A coordinator's "change role" entry kept the account id, the coordinator's name and the second it happened:
    whoever changed her role could find her kept statistics under that id."""
    from lms import signals

    admin = create_user("boss", role="admin")
    amina = create_user("amina")
    amina.role = "trainer"
    signals.role_changed.send(amina, old="participant", new="trainer", by=admin)
    db.session.commit()
    uid = amina.id
    privacy.erase_account(amina, by=admin)
    db.session.commit()
    entries = list(db.session.scalars(sa.select(AuditEntry)))
    assert {e.action for e in entries} >= {"change role", "erase account"}
    assert not [e for e in entries if (e.details or {}).get("account") == uid]
    assert all(privacy.as_utc(e.at).time() == time(0) for e in entries if e.action in ("change role", "erase account"))


@pytest.mark.parametrize("mode", ["identified", "pseudonymous"])
def test_after_the_release_no_answer_of_hers_is_left_to_match_to_her_tombstone(app_ctx, library, create_user,
                                                                             make_survey, mode):
    """Tester C: kept as nobody's, her identified answer was the one response of its wave without an account, and
    her pseudonymous one the one without the free text the others wrote: either matched the tombstone."""
    from lms.models import SurveyAnswer
    from tests.surveys.helpers import members_answer

    course = learning.find_course(BUNDLED_COURSE)
    made = make_survey(code=f"kept-{mode}", course=course, waves=["baseline"], privacy=mode)
    members = [create_user(f"member{i}") for i in range(6)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    members_answer(made, members, lambda member: f"words of {member.username}")
    release_any()
    privacy.erase_account(members[0])
    db.session.commit()
    release_any()  # the next checkpoint's release
    db.session.expire_all()
    kept = db.session.scalars(select(SurveyResponse).where(SurveyResponse.wave_id == made.waves[0].id)).all()
    assert len(kept) == 5
    if mode == "identified":
        assert None not in {response.user_id for response in kept}
    written = select(SurveyAnswer.response_id).where(SurveyAnswer.value.like("words of%"))
    texts = set(db.session.scalars(written))
    assert texts == {response.id for response in kept}, "a response without the free text the others wrote"
