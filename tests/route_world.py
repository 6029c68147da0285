"""One of everything the portal's URLs name, in Benin, and the callers who use them: shared by the route policy and
the HTML checker."""
from __future__ import annotations

import re
from datetime import timedelta

from lms import clock
from lms.extensions import db
from tests.helpers import BUNDLED_COURSE, complete_course

#: The callers, least trusted first.
WHO = ("visitor", "member", "other_trainer", "other_coordinator", "trainer", "coordinator", "admin")


def build_world(create_user) -> dict:
    """The callers, and one of everything the URLs name, in Benin, owned by ``trainer``."""
    import io

    from PIL import Image as Picture

    from lms.author import services as authoring
    from lms.groups import services as groups
    from lms.learn.services import find_course
    from lms.models import CourseEditor, GroupMember
    from lms.surveys import building, invitations
    from lms.surveys.building import QuestionSpec

    graduate = create_user("w-graduate", country="BJ")
    people = {
        "member": create_user("w-member", country="BJ"),
        "trainer": create_user("w-trainer", role="trainer", country="BJ"),
        "other_trainer": create_user("w-other-trainer", role="trainer", country="PE"),
        "coordinator": create_user("w-coordinator", role="coordinator", country="BJ", coordinated_countries=["BJ"]),
        "other_coordinator": create_user("w-other-coordinator", role="coordinator", country="PE",
                                         coordinated_countries=["PE"]),
        "admin": create_user("w-admin", role="admin", country="PE"),
    }
    trainer, member = people["trainer"], people["member"]
    course = find_course(BUNDLED_COURSE)
    db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
    lesson = next(lesson for lesson in course.lessons if lesson.slug == "who-takes-part")
    authoring.save_lesson_text(lesson, "en", "Who takes part", "Workers, employers and governments.",
                               base_version=len(authoring.versions(lesson, "en")), author=trainer)
    picture = io.BytesIO()
    Picture.new("RGB", (40, 20), "green").save(picture, format="PNG")
    image = authoring.store_image(course, picture.getvalue(), trainer)
    today = clock.today()
    group = groups.create_group(trainer=trainer, course=course, name="Cotonou hotels", country="BJ",
                                place="Cotonou", mode="in-person", starts_on=today - timedelta(days=7),
                                ends_on=today + timedelta(days=30), trains_trainers=True)
    db.session.add_all([GroupMember(group_id=group.id, user_id=member.id),
                        GroupMember(group_id=group.id, user_id=graduate.id)])
    db.session.commit()
    complete_course(member.id)
    certificate = groups.certificate_for(member.id, course)
    meeting = groups.record_session(group, held_on=today, topic="Module 1", present=[member.id])
    groups.record_paper_scores(group, course.modules[0], {graduate.id: 8}, trainer, 10)
    paper = groups.paper_scores_of(group, course.modules[0])[0]
    survey = building.create_survey(code="workers-voice", title="Workers' voice", description="Why we ask.",
                                    language="en", privacy="identified", subject="participant", creator=trainer)
    building.add_question(survey, QuestionSpec(code="safe", kind="likert", label="I feel safe at work."))
    building.add_question(survey, QuestionSpec(code="hours", kind="number", label="Hours", min_value=0,
                                               max_value=100))
    building.publish(survey)
    building.add_wave(survey, kind="endline", group=group)
    hotel = building.create_survey(code="hotel-voice", title="Hotel workers", description="Anonymous.",
                                   language="en", privacy="anonymous", subject="workplace", creator=trainer)
    building.add_question(hotel, QuestionSpec(code="safe", kind="likert", label="I feel safe at work."))
    building.publish(hotel)
    workplace = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None)
    from lms.admin.services import add_organisation

    organisation = add_organisation(name="Dockers", acronym="DOCK", country="BJ", sector="ports")
    wave = building.add_wave(hotel, kind="baseline", workplace=workplace, opens_on=today)
    db.session.commit()
    invitations.sync_invitations(today, member.id)
    db.session.commit()
    invitation = invitations.invitations_of(member.id)[0]
    from lms.auth.session_store import Limits, open_session
    from lms.clock import utcnow
    from lms.surveys.links import new_link

    token = new_link(invitation, utcnow())  # the short link of a reminder sent to the member

    phone = open_session(member, now=utcnow(), remembered=False, limits=Limits(
        timedelta(hours=2), timedelta(hours=12), timedelta(days=30))).record  # the member's other device
    db.session.commit()
    from lms.groups import messages as group_messages

    draft = group_messages.save_draft(group, trainer, group_messages.Draft("Thursday moves to Friday.", "group"))
    db.session.commit()
    return {"people": people, "group": group.id, "graduate": graduate.id, "course": course.id,
            "code": group.join_code, "certificate": certificate.code, "image": image.name,
            "invitation": invitation.id, "workplace": workplace.id, "wave": wave.id,
            "session": phone.id, "organisation": organisation.id, "group_session": meeting.id, "attempt": paper.id,
            "token": token, "draft": draft.id}


def example_url(rule: str, world: dict) -> str:
    """``rule`` with its parameters filled in from the world."""
    values = {"slug": BUNDLED_COURSE, "lesson": "who-takes-part", "module": "what-and-who", "number": "1",
              "language": "fr", "group_id": world["group"], "user_id": world["graduate"],
              "course_id": world["course"], "code": world["code"], "name": world["image"],
              "invitation_id": world["invitation"], "workplace_id": world["workplace"], "wave_id": world["wave"],
              "extension": "csv",
              "session_id": world["session"], "organisation_id": world["organisation"], "token": world["token"],
              "draft_id": world["draft"]}
    if rule.startswith("/author/") or rule.startswith("/courses/"):
        values["question"] = "definition"
    if rule.startswith("/surveys/manage/"):
        values.update(code="workers-voice", question="safe", indicator="feels_safe")
    if rule.startswith("/surveys/<code>"):
        values["code"] = "workers-voice"
    if rule.startswith("/verify/"):
        values["code"] = world["certificate"]
    if rule.startswith("/reports/"):
        values["extension"] = "zip"
    if rule.startswith("/groups/"):
        values.update(session_id=world["group_session"], attempt_id=world["attempt"])
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)
