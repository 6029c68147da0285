"""Training groups: creating them, joining by code, adding members in bulk, attendance and scores."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import clock, signals
from lms.auth.forms import OLDEST_BIRTH_YEAR, YOUNGEST_AGE
from lms.auth.services import USERNAME, create_user, give_one_time_password, normalise_username
from lms.author.services import slugify
from lms.core.codes import READABLE, readable_code
from lms.core.identifiers import normalise_phone, suggested_phone
from lms.core.phone_display import renumbered_message
from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    Attendance,
    Certificate,
    Course,
    GroupMember,
    GroupSession,
    Lesson,
    LessonCompletion,
    Module,
    Organisation,
    QuizAttempt,
    TrainerPromotion,
    TrainingGroup,
    User,
    Workplace,
)
from lms.permissions import can_be_made_trainer, visible_workplaces
from lms.vocabulary import GENDER_LABELS, GENDERS

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
                 organisation_id: int | None = None, workplace_id: int | None = None) -> TrainingGroup:
    group = TrainingGroup(trainer_id=trainer.id, course_id=course.id, name=name.strip(), country=country,
                          place=(place or "").strip() or None, mode=mode, starts_on=starts_on, ends_on=ends_on,
                          join_code=new_join_code(), trains_trainers=trains_trainers,
                          organisation_id=organisation_id, workplace_id=workplace_id)
    db.session.add(group)
    db.session.flush()
    return group


def group_by_code(code: str, today: date) -> tuple[TrainingGroup | None, str | None]:
    """The group with this join code, and why the code no longer works ("ended", "archived"), if it does not."""
    group = db.session.scalar(select(TrainingGroup).where(TrainingGroup.join_code == normalise_code(code)))
    if group is not None and group.archived_at is not None:
        return group, "archived"
    return group, "ended" if group and group.ends_on < today else None


def has_progress(group: TrainingGroup) -> bool:
    """Whether a member of the group has done a lesson or taken a quiz of its course."""
    member_ids = select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    lessons = select(Lesson.id).join(Module).where(Module.course_id == group.course_id)
    modules = select(Module.id).where(Module.course_id == group.course_id)
    return bool(db.session.scalar(select(LessonCompletion.user_id).where(
        LessonCompletion.user_id.in_(member_ids), LessonCompletion.lesson_id.in_(lessons)).limit(1))
        or db.session.scalar(select(QuizAttempt.id).where(
            QuizAttempt.user_id.in_(member_ids), QuizAttempt.module_id.in_(modules)).limit(1)))


def update_group(group: TrainingGroup, *, name: str, place: str | None, mode: str, starts_on: date, ends_on: date,
                 trains_trainers: bool, organisation_id: int | None, workplace_id: int | None = None,
                 course: Course | None = None) -> None:
    """Change what a group is; its course only while no member has progress in it (members are enrolled in the
    new one)."""
    group.name, group.place, group.mode = name.strip(), (place or "").strip() or None, mode
    group.starts_on, group.ends_on, group.trains_trainers = starts_on, ends_on, trains_trainers
    group.organisation_id, group.workplace_id = organisation_id, workplace_id
    if course is not None and course.id != group.course_id:
        if has_progress(group):
            raise ValueError("the course of a group with progress cannot change")
        group.course_id, group.course = course.id, course
        for member in group.members:
            learning.enrol(member.user_id, course)
    db.session.flush()


def organisation_fits(organisation_id: int | None, country: str) -> bool:
    """A group's partner organisation works in the group's country (or there is none)."""
    if organisation_id is None:
        return True
    organisation = db.session.get(Organisation, organisation_id)
    return organisation is not None and organisation.country == country


def offered_workplaces(user: User, country: str | None = None, keep: int | None = None) -> list[Workplace]:
    """The workplaces ``user`` may hold a group at: those they may see (of ``country``, if given), by name, and the
    group's own (``keep``) even if not: a trainer saving a group a coordinator tied to a workplace keeps it."""
    condition = visible_workplaces(user) if country is None else sa.and_(visible_workplaces(user),
                                                                           Workplace.country == country)
    if keep is not None:
        condition = sa.or_(condition, Workplace.id == keep)
    return list(db.session.scalars(select(Workplace).where(condition).order_by(func.lower(Workplace.name),
                                                                              Workplace.id)))


def archive_group(group: TrainingGroup) -> None:
    group.archived_at = clock.utcnow()
    db.session.flush()


def unarchive_group(group: TrainingGroup) -> None:
    group.archived_at = None
    db.session.flush()


def add_member(group: TrainingGroup, user: User) -> bool:
    """Add ``user`` to the group and enrol them in its course; False if already a member."""
    if db.session.get(GroupMember, (group.id, user.id)) is not None:
        return False
    db.session.add(GroupMember(group_id=group.id, user_id=user.id))
    learning.enrol(user.id, group.course)
    db.session.flush()
    signals.joined_group.send(user.id, group=group)  # surveys: the group's waves
    return True


@dataclass
class BulkLine:
    number: int
    name: str
    username: str
    gender: str = "undisclosed"
    birth_year: int | None = None
    #: E.164, read in the group's country; stored unconfirmed (no SMS goes to it until its member confirms it).
    phone: str | None = None


@dataclass
class BulkProblem:
    line: int
    reason: str
    #: The line names a username that is taken (counted: lms/auth/throttle.py BULK_TAKEN).
    taken: bool = False
    #: The column the problem is in, in the reader's words ("phone number"); empty for the whole line or list.
    column: str = ""


def bulk_columns() -> list[str]:
    """The columns of a bulk list, in order, in the reader's language."""
    return [_("name"), _("username"), _("gender"), _("year of birth"), _("phone number")]


@dataclass
class NewAccount:
    user: User
    password: str


#: Members one list makes at most: each account's password is hashed (about 0.2 s here), and a list of 140 took
#: longer than the server waits for a request (outside tester E: a bare "Internal Server Error").
MAX_BULK_LINES = 50


def gender_words() -> dict[str, str]:
    """What a bulk list may write for a gender: the codes, and the labels in the reader's language."""
    words = {code: code for code in GENDERS}
    words.update({str(label).casefold(): code for code, label in GENDER_LABELS.items()})
    return words


def _parse_line(number: int, raw: str, genders: dict[str, str],
                country: str | None) -> tuple[BulkLine | None, list[tuple[str, str]]]:
    """One line of a bulk list: "Name", "Name, username", "Name, username, gender, birth year", and a phone number
    after them; its problems as (column, reason)."""
    parts = [part.strip() for part in raw.split(",")]
    name, username, gender, year, phone = (parts + ["", "", "", ""])[:5]
    columns = bulk_columns()
    reasons = []
    if len(parts) > 5:
        reasons.append(("", _("Write at most five values, separated by commas: name, username, gender, year of "
                              "birth, phone number.")))
    if not name or len(name) > 80:
        reasons.append((columns[0], _("Write a name of 1 to 80 characters.")))
    username = normalise_username(username)
    if username and not USERNAME.match(username):
        reasons.append((columns[1], _("Use only letters, digits, \".\", \"-\" and \"_\", without spaces.")))
    code = genders.get(gender.casefold(), None) if gender else "undisclosed"
    if code is None:
        reasons.append((columns[2], _("\"%(gender)s\" is not a gender this list knows: write %(choices)s, or leave "
                                      "it empty.", gender=gender,
                                      choices=", ".join(f"\"{label}\"" for label in GENDER_LABELS.values()))))
    youngest = clock.today().year - YOUNGEST_AGE
    birth_year = int(year) if year.isdigit() and len(year) == 4 else None
    if year and (birth_year is None or not OLDEST_BIRTH_YEAR <= birth_year <= youngest):
        reasons.append((columns[3], _("Please give a year between %(min)s and %(max)s.", min=OLDEST_BIRTH_YEAR,
                                      max=youngest)))
    number_read = normalise_phone(phone, country) if phone else None
    if phone and number_read is None:
        new = suggested_phone(phone, country)  # an old number of a country that lengthened its numbers
        reasons.append((columns[4], renumbered_message(new) if new else _(
            "\"%(phone)s\" is not a phone number we can read: write it as it is dialled in the group's country, or "
            "with + and the country code.", phone=phone)))
    if reasons:
        return None, reasons
    return BulkLine(number, name, username, code, birth_year, number_read), []


def parse_bulk_list(text: str, country: str | None = None) -> tuple[list[BulkLine], list[BulkProblem]]:
    """One member a line: "Name", "Name, username", "Name, username, gender, year of birth", then a phone number
    read in ``country`` (the group's) unless it starts with + (username, gender, year and phone may be left
    empty). Usernames are made up where missing. Every problem of every line is reported, with its column."""
    lines, problems = [], []
    wanted: dict[str, int] = {}
    filled = sum(1 for raw in (text or "").splitlines() if raw.strip())
    if filled > MAX_BULK_LINES:
        return [], [BulkProblem(0, _("A list makes at most %(n)d accounts, and this one has %(lines)d lines: "
                                     "create them in several lists.", n=MAX_BULK_LINES, lines=filled))]
    genders = gender_words()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        line, reasons = _parse_line(number, raw, genders, country)
        problems += [BulkProblem(number, reason, column=column) for column, reason in reasons]
        if line is None:
            continue
        if line.username:
            if line.username in wanted:
                problems.append(BulkProblem(number, _("The username \"%(username)s\" is also on line %(line)d.",
                                                      username=line.username, line=wanted[line.username]),
                                            column=bulk_columns()[1]))
                continue
            wanted[line.username] = number
        lines.append(line)
    if not lines and not problems:
        problems.append(BulkProblem(0, _("The list is empty.")))
    taken = set(db.session.scalars(select(User.username).where(User.username.in_(list(wanted)))))
    problems += [BulkProblem(wanted[u], _("The username \"%(username)s\" is taken.", username=u), taken=True,
                             column=bulk_columns()[1]) for u in taken]
    return lines, sorted(problems, key=lambda p: p.line)


def bulk_add(group: TrainingGroup, lines: list[BulkLine]) -> list[NewAccount]:
    """Accounts with one-time passwords for members without e-mail; they choose a password at first sign-in. A phone
    number given is stored unconfirmed, whether or not another account holds it too (a family's one phone)."""
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
                           gender=line.gender, birth_year=line.birth_year, phone=line.phone)
        give_one_time_password(user)
        user.organisation_id = group.organisation_id
        add_member(group, user)
        accounts.append(NewAccount(user, password))
    db.session.flush()
    return accounts


def joined_on(member: GroupMember) -> date:
    """The day a member joined (``joined_at`` is midnight UTC; SQLite gives it back without a time zone)."""
    return member.joined_at.date()


def record_session(group: TrainingGroup, *, held_on: date, topic: str, present: list[int],
                   lessons: list[Lesson] = ()) -> GroupSession:
    """A session, its attendance, and the lessons it covered marked done for those present.

    A member who joined after the session's day (accounts made after an in-person training) counts when ticked
    present; unticked, they count neither present nor absent (``group_table``, reports' attendance)."""
    session = GroupSession(group_id=group.id, held_on=held_on, topic=topic.strip())
    db.session.add(session)
    db.session.flush()
    return _fill_session(group, session, present, lessons)


def update_session(group: TrainingGroup, session: GroupSession, *, held_on: date, topic: str, present: list[int],
                   lessons: list[Lesson] = ()) -> GroupSession:
    """Change a session; lessons already marked done stay done (the members did them)."""
    session.held_on, session.topic = held_on, topic.strip()
    session.attendance.clear()
    db.session.flush()
    return _fill_session(group, session, present, lessons)


def _fill_session(group: TrainingGroup, session: GroupSession, present: list[int],
                  lessons: list[Lesson]) -> GroupSession:
    ticked = sorted(set(present) & {m.user_id for m in group.members})
    for user_id in ticked:
        db.session.add(Attendance(session_id=session.id, user_id=user_id))
    course_lessons = {lesson.id for lesson in group.course.lessons}
    session.lessons = [lesson for lesson in lessons if lesson.id in course_lessons]
    db.session.flush()
    for user_id in ticked:
        for lesson in session.lessons:
            learning.mark_lesson_done(user_id, group.course, lesson)  # completes the course as online
    return session


def delete_session(session: GroupSession) -> None:
    """The session and its attendance; lessons marked done at it stay done."""
    db.session.delete(session)
    db.session.flush()


def month_is_published(day: date) -> bool:
    """Whether figures of ``day``'s month are published (the month has ended): its records stay as they are."""
    return day < clock.today().replace(day=1)


def paper_percent(mark: int, out_of: int) -> int:
    """A paper mark as a percentage, rounded down: 69.5% never reads as a pass mark of 70."""
    return 100 * mark // out_of


def paper_passed(module: Module, mark: int, out_of: int) -> bool:
    """The course's pass mark applied to the mark itself, as online (``grade_quiz``)."""
    return 100 * mark >= (module.pass_mark or 0) * out_of


def record_paper_scores(group: TrainingGroup, module: Module, marks: dict[int, int], trainer: User,
                        out_of: int = 100) -> int:
    """Quiz results from paper, each ``mark`` out of ``out_of``, as attempts entered by the trainer; they count like
    online ones."""
    member_ids = {m.user_id for m in group.members}
    count = 0
    for user_id, mark in marks.items():
        if user_id not in member_ids:
            continue
        learning.enrol(user_id, group.course)
        db.session.add(QuizAttempt(user_id=user_id, module_id=module.id, score=paper_percent(mark, out_of),
                                   passed=paper_passed(module, mark, out_of), mark=mark, out_of=out_of,
                                   answers={}, entered_by_id=trainer.id, group_id=group.id,
                                   before_lessons=not learning.lessons_done_in(user_id, module)))
        db.session.flush()
        learning.record_completion_if_done(user_id, group.course)
        count += 1
    return count


def paper_scores_of(group: TrainingGroup, module: Module) -> list[QuizAttempt]:
    """The scores entered from paper for this group in ``module`` (not those another group entered for the same
    member), newest first."""
    member_ids = select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.module_id == module.id, QuizAttempt.entered_by_id.is_not(None),
                                  QuizAttempt.group_id == group.id, QuizAttempt.user_id.in_(member_ids))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())))


def update_paper_score(group: TrainingGroup, attempt: QuizAttempt, mark: int, out_of: int) -> None:
    """Correct a paper score; a course completed with it stays completed."""
    attempt.mark, attempt.out_of = mark, out_of
    attempt.score, attempt.passed = paper_percent(mark, out_of), paper_passed(attempt.module, mark, out_of)
    db.session.flush()
    learning.record_completion_if_done(attempt.user_id, group.course)


def delete_paper_score(attempt: QuizAttempt) -> None:
    """A score entered by mistake; a course completed with it stays completed, and its certificate valid."""
    db.session.delete(attempt)
    db.session.flush()


@dataclass
class Score:
    score: int
    passed: bool


@dataclass
class MemberRow:
    user: User
    progress: learning.CourseProgress
    attended: int
    #: Sessions held since the member joined, and those before at which they were present.
    places: int
    best_scores: dict[int, Score] = field(default_factory=dict)


def group_table(group: TrainingGroup) -> list[MemberRow]:
    """Per member: where they are in the course, sessions attended of those held since they joined, best quiz
    score per module (and whether it passed)."""
    course = learning.find_course(group.course.slug, include_unpublished=True)
    # Erased accounts still count in the reports' totals, but are no longer anyone a trainer can see.
    members = sorted((m for m in group.members if m.user.erased_at is None),
                     key=lambda m: m.user.display_name.casefold())
    user_ids = [m.user_id for m in members]
    states = learning.progress_of_many(user_ids, course)
    present_on: dict[int, list[date]] = {user_id: [] for user_id in user_ids}
    for user_id, held_on in db.session.execute(
            select(Attendance.user_id, GroupSession.held_on).join(GroupSession)
            .where(GroupSession.group_id == group.id, Attendance.user_id.in_(user_ids))):
        present_on[user_id].append(held_on)
    best: dict[int, dict[int, Score]] = {user_id: {} for user_id in user_ids}
    for user_id, module_id, score, passed in db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.module_id, func.max(QuizAttempt.score),
                   func.max(sa.cast(QuizAttempt.passed, sa.Integer)))
            .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.module_id.in_([m.id for m in course.modules]))
            .group_by(QuizAttempt.user_id, QuizAttempt.module_id)):
        best[user_id][module_id] = Score(score, bool(passed))
    return [MemberRow(m.user, states[m.user_id], len(present_on[m.user_id]),
                      sum(1 for s in group.sessions if s.held_on >= joined_on(m))
                      + sum(1 for day in present_on[m.user_id] if day < joined_on(m)), best[m.user_id])
            for m in members]


def promote_to_trainer(group: TrainingGroup, user: User, coordinator: User) -> bool:
    """Make a member who completed a training of trainers a trainer; records who trained whom."""
    if not can_be_made_trainer(user, group):
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


def certificates_of(group: TrainingGroup) -> list[Certificate]:
    """The certificates of the group's course held by its members (not erased), by name."""
    member_ids = [m.user_id for m in group.members if m.user.erased_at is None]
    return list(db.session.scalars(select(Certificate).where(
        Certificate.course_id == group.course_id, Certificate.user_id.in_(member_ids))
        .order_by(func.lower(Certificate.name), Certificate.id)))


def issuer_for(user_id: int, course_id: int) -> str | None:
    """The partner organisation of the member's latest group in this course; None without one."""
    return db.session.scalar(
        select(Organisation.name).select_from(GroupMember)
        .join(TrainingGroup, TrainingGroup.id == GroupMember.group_id)
        .outerjoin(Organisation, Organisation.id == TrainingGroup.organisation_id)
        .where(GroupMember.user_id == user_id, TrainingGroup.course_id == course_id)
        .order_by(GroupMember.joined_at.desc(), TrainingGroup.id.desc()).limit(1))


def name_issuer(user_id: int, course_id: int) -> None:
    """Write on the member's new certificate the organisation that issues it."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user_id,
                                                              Certificate.course_id == course_id))
    if certificate is not None and certificate.issuer is None:
        certificate.issuer = issuer_for(user_id, course_id)
        db.session.flush()
