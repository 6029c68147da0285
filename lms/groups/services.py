"""Training groups: creating them, joining by code, adding members in bulk, attendance and scores."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import clock, signals
from lms.auth.services import USERNAME, create_user, give_one_time_password, normalise_username
from lms.author.services import slugify
from lms.core.codes import READABLE, readable_code
from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    Attendance,
    Certificate,
    Course,
    GroupMember,
    GroupSession,
    Module,
    QuizAttempt,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.surveys.invitations import sync_invitations

#: One-time passwords: lower case is easier to type on a phone.
PASSWORD_ALPHABET = READABLE.lower()


def new_join_code() -> str:
    while True:
        code = readable_code(6)
        if not db.session.scalar(select(func.count(TrainingGroup.id)).where(TrainingGroup.join_code == code)):
            return code


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def create_group(*, trainer: User, course: Course, name: str, country: str, place: str | None, mode: str,
                 starts_on: date, ends_on: date, trains_trainers: bool = False,
                 organisation_id: int | None = None) -> TrainingGroup:
    group = TrainingGroup(trainer_id=trainer.id, course_id=course.id, name=name.strip(), country=country,
                          place=(place or "").strip() or None, mode=mode, starts_on=starts_on, ends_on=ends_on,
                          join_code=new_join_code(), trains_trainers=trains_trainers,
                          organisation_id=organisation_id)
    db.session.add(group)
    db.session.flush()
    return group


def group_by_code(code: str, today: date) -> tuple[TrainingGroup | None, bool]:
    """The group with this join code, and whether the code has expired (the group has ended)."""
    group = db.session.scalar(select(TrainingGroup).where(TrainingGroup.join_code == normalise_code(code)))
    return group, bool(group and group.ends_on < today)


def add_member(group: TrainingGroup, user: User) -> bool:
    """Add ``user`` to the group and enrol them in its course; False if already a member."""
    if db.session.get(GroupMember, (group.id, user.id)) is not None:
        return False
    db.session.add(GroupMember(group_id=group.id, user_id=user.id))
    learning.enrol(user.id, group.course)
    db.session.flush()
    sync_invitations(clock.today(), user.id)
    return True


@dataclass
class BulkLine:
    number: int
    name: str
    username: str


@dataclass
class BulkProblem:
    line: int
    reason: str
    #: The line names a username that is taken (counted: lms/auth/throttle.py BULK_TAKEN).
    taken: bool = False


@dataclass
class NewAccount:
    user: User
    password: str


#: Members one list makes at most: each account's password is hashed (about 0.2 s here), and a list of 140 took
#: longer than the server waits for a request (outside tester E: a bare "Internal Server Error").
MAX_BULK_LINES = 50


def parse_bulk_list(text: str) -> tuple[list[BulkLine], list[BulkProblem]]:
    """One member a line: "Name" or "Name, username". Usernames are made up where missing."""
    lines, problems = [], []
    wanted: dict[str, int] = {}
    filled = sum(1 for raw in (text or "").splitlines() if raw.strip())
    if filled > MAX_BULK_LINES:
        return [], [BulkProblem(0, _("A list makes at most %(n)d accounts, and this one has %(lines)d lines: "
                                     "create them in several lists.", n=MAX_BULK_LINES, lines=filled))]
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        name, _sep, username = (part.strip() for part in raw.partition(","))
        if not name or len(name) > 80:
            problems.append(BulkProblem(number, _("Write a name of 1 to 80 characters.")))
            continue
        username = normalise_username(username)
        if username:
            if not USERNAME.match(username):
                problems.append(BulkProblem(number, _(
                    "Use only letters, digits, \".\", \"-\" and \"_\", without spaces.")))
                continue
            if username in wanted:
                problems.append(BulkProblem(number, _("The username \"%(username)s\" is also on line %(line)d.",
                                                      username=username, line=wanted[username])))
                continue
            wanted[username] = number
        lines.append(BulkLine(number, name, username))
    if not lines and not problems:
        problems.append(BulkProblem(0, _("The list is empty.")))
    taken = set(db.session.scalars(select(User.username).where(User.username.in_(list(wanted)))))
    problems += [BulkProblem(wanted[u], _("The username \"%(username)s\" is taken.", username=u), taken=True)
                 for u in taken]
    return lines, sorted(problems, key=lambda p: p.line)


def bulk_add(group: TrainingGroup, lines: list[BulkLine]) -> list[NewAccount]:
    """Accounts with one-time passwords for members without e-mail; they choose a password at first sign-in."""
    taken = set(db.session.scalars(select(User.username)))
    accounts = []
    for line in lines:
        # A username holds at most 40 characters: a long name gives a shortened one, with room for two digits.
        base = line.username or slugify(line.name, taken, "member").replace("-", ".")[:38]
        username = base
        while username in taken or len(username) < 3:
            username = f"{base}{secrets.randbelow(90) + 10}"
        taken.add(username)
        password = readable_code(8, PASSWORD_ALPHABET)
        user = create_user(username=username, password=password, display_name=line.name, country=group.country,
                           gender="undisclosed")
        give_one_time_password(user)
        user.organisation_id = group.organisation_id
        add_member(group, user)
        accounts.append(NewAccount(user, password))
    db.session.flush()
    return accounts


def record_session(group: TrainingGroup, *, held_on: date, topic: str, present: list[int]) -> GroupSession:
    member_ids = {m.user_id for m in group.members}
    session = GroupSession(group_id=group.id, held_on=held_on, topic=topic.strip())
    db.session.add(session)
    db.session.flush()
    for user_id in sorted(set(present) & member_ids):
        db.session.add(Attendance(session_id=session.id, user_id=user_id))
    db.session.flush()
    return session


def record_paper_scores(group: TrainingGroup, module: Module, scores: dict[int, int], trainer: User) -> int:
    """Quiz results from paper, as attempts entered by the trainer; they count like online ones."""
    member_ids = {m.user_id for m in group.members}
    count = 0
    for user_id, score in scores.items():
        if user_id not in member_ids:
            continue
        passed = score >= (module.pass_mark or 0)
        db.session.add(QuizAttempt(user_id=user_id, module_id=module.id, score=score, passed=passed, answers={},
                                   entered_by_id=trainer.id))
        db.session.flush()
        learning.record_completion_if_done(user_id, group.course)
        count += 1
    return count


@dataclass
class MemberRow:
    user: User
    progress: learning.CourseProgress
    attended: int
    best_scores: dict[int, int] = field(default_factory=dict)


def group_table(group: TrainingGroup) -> list[MemberRow]:
    """Per member: where they are in the course, sessions attended, best quiz score per module."""
    course = learning.find_course(group.course.slug, include_unpublished=True)
    # Erased accounts still count in the reports' totals, but are no longer anyone a trainer can see.
    members = sorted((m for m in group.members if m.user.erased_at is None),
                     key=lambda m: m.user.display_name.casefold())
    user_ids = [m.user_id for m in members]
    states = learning.progress_of_many(user_ids, course)
    attended = dict(db.session.execute(
        select(Attendance.user_id, func.count()).join(GroupSession)
        .where(GroupSession.group_id == group.id, Attendance.user_id.in_(user_ids))
        .group_by(Attendance.user_id)).all())
    best: dict[int, dict[int, int]] = {user_id: {} for user_id in user_ids}
    for user_id, module_id, score in db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.module_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.module_id.in_([m.id for m in course.modules]))
            .group_by(QuizAttempt.user_id, QuizAttempt.module_id)):
        best[user_id][module_id] = score
    return [MemberRow(m.user, states[m.user_id], attended.get(m.user_id, 0), best[m.user_id]) for m in members]


def promote_to_trainer(group: TrainingGroup, user: User, coordinator: User) -> bool:
    """Make a member who completed a training of trainers a trainer; records who trained whom."""
    if not group.trains_trainers or user.role != "participant":
        return False
    state = learning.progress(user.id, learning.find_course(group.course.slug, include_unpublished=True))
    if state.completed_at is None:
        return False
    user.role = "trainer"
    db.session.add(TrainerPromotion(user_id=user.id, group_id=group.id, promoted_by_id=coordinator.id))
    db.session.flush()
    signals.role_changed.send(user, old="participant", new="trainer", by=coordinator)
    return True


def certificate_for(user_id: int, course: Course) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user_id,
                                                       Certificate.course_id == course.id))
