"""Demo accounts, enrolled so that every page has something to show. Never in production."""
from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.auth.services import create_user, hash_password
from lms.extensions import db
from lms.learn import services as learning
from lms.models import CoordinatorCountry, Course, CourseEditor, Organisation, TrainingGroup, User
from lms.privacy.services import give_consent


class DemoRefused(RuntimeError):
    """Demo data must not reach a production database."""


#: username -> (display name, role, country, gender, birth year, countries coordinated)
DEMO_ACCOUNTS = {
    "demo-member": ("Rosa Quispe", "participant", "PE", "woman", 1994, []),
    "demo-trainer": ("Aminata Diallo", "trainer", "SN", "woman", 1985, []),
    "demo-coordinator": ("Carlos Huamán", "coordinator", "PE", "man", 1979, ["PE"]),
    "demo-admin": ("Portal Admin", "admin", "NL", "undisclosed", None, []),
}


def create_demo_accounts(password: str, *, app_env: str) -> list[str]:
    """Create or refresh the demo accounts with ``password``; flushes, the caller commits."""
    if app_env == "production":
        raise DemoRefused("Refusing to create demo accounts: APP_ENV is production.")
    accounts = {}
    for username, (name, role, country, gender, birth_year, scope) in DEMO_ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username=username, password=password, display_name=name, country=country,
                               gender=gender, birth_year=birth_year, role=role, coordinated_countries=scope)
        else:
            user.password_hash = hash_password(password)
            user.role = role
            if sorted(user.country_scope) != sorted(scope):
                user.coordinated_countries = [CoordinatorCountry(country=c) for c in scope]
        give_consent(user, "membership")  # fictional people: the demo shows the pages behind the question
        accounts[username] = user
    union = _demo_union()
    for username in ("demo-member", "demo-trainer"):
        accounts[username].organisation_id = union.id
    db.session.flush()
    from lms.demo.surveys import create_demo_survey, create_demo_workplace

    create_demo_survey(accounts["demo-trainer"])
    create_demo_workplace(accounts["demo-coordinator"], union)
    _give_member_progress(accounts["demo-member"])
    _give_trainer_work(accounts["demo-trainer"], accounts["demo-member"], union)
    return list(accounts)


def _give_trainer_work(trainer: User, member: User, union: Organisation) -> None:
    """The trainer edits the bundled courses and runs a group the member belongs to."""
    from datetime import timedelta

    from lms.groups.services import add_member, create_group

    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    for course in courses:
        if db.session.get(CourseEditor, (course.id, trainer.id)) is None:
            db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="editor"))
    if courses and not db.session.scalar(select(TrainingGroup.id).where(TrainingGroup.trainer_id == trainer.id)):
        group = create_group(trainer=trainer, course=courses[0], name="Lima hotel workers (demo)", country="PE",
                             place="Lima", mode="blended", starts_on=clock.today() - timedelta(days=7),
                             ends_on=clock.today() + timedelta(days=60), organisation_id=union.id)
        add_member(group, member)
    db.session.flush()


def _demo_union() -> Organisation:
    """A made-up partner union, so that forms and groups have one to show."""
    union = db.session.scalar(select(Organisation).where(Organisation.acronym == "DEMO-HOTEL"))
    if union is None:
        union = Organisation(name="Demo union of hotel workers", acronym="DEMO-HOTEL", country="PE", sector="hotels")
        db.session.add(union)
        db.session.flush()
    return union


def _give_member_progress(member: User) -> None:
    """Enrol the member in every published course and mark the first lesson of each done."""
    courses = db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.slug))
    for course in courses:
        course = learning.find_course(course.slug)
        state = learning.progress(member.id, course)
        if state.enrolment is None and course.lessons:
            learning.mark_lesson_done(member.id, course, course.lessons[0])
