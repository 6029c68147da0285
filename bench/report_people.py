"""The people of the reports' benchmark and their training groups: participants with their attribute history and
the days they enrolled, the cascade of trainers (three staff trainers per country train a first generation, which
trains the next, four generations in two years), and the groups the trainers run, with members, sessions and
attendance. Planned in memory first (small: a few tuples per person), then written with ``Bulk``."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

COUNTRIES = ["BJ", "ML", "NE", "SN", "CI", "GN", "TN", "KH", "ID", "VN", "BD", "MM", "BO", "CO", "PE"]
#: How many participants live in each country, relatively (the coordinator's country is among the big ones).
COUNTRY_WEIGHTS = [6, 5, 4, 8, 7, 4, 5, 7, 12, 9, 11, 5, 4, 6, 7]
GENDERS = ["woman", "man", "another", "undisclosed"]
GENDER_WEIGHTS = [45, 40, 3, 12]
MODES = ["online", "in-person", "blended"]
MODE_WEIGHTS = [40, 35, 25]
PASSWORD = "bench password 1"
#: The coordinator's one country.
COORDINATED = "PE"
#: Staff trainers per country (generation 0 of the cascade), and the shares of the trainers in generations 1-3 (the
#: rest are in generation 4).
ROOT_TRAINERS = 3
GENERATION_SHARES = (0.15, 0.25, 0.3)
#: Participants per trainer, per ordinary group, and the share of participants who join a group.
PER_TRAINER, PER_GROUP, IN_GROUPS = 250, 25, 0.5


@dataclass
class People:
    """Participants, index by index (ids, attributes, enrolments), and the staff trainers."""

    ids: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    birth_years: list[int | None] = field(default_factory=list)
    organisations: list[int | None] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    #: Course index -> (enrolled at, complete by: None, or the day they must have completed it).
    enrolments: list[dict[int, tuple[datetime, datetime | None]]] = field(default_factory=list)
    #: Index -> (country, birth year, organisation before, the first day the present values count from).
    history: dict[int, tuple[str, int | None, int | None, date]] = field(default_factory=dict)
    #: Country -> the indexes of its participants.
    by_country: dict[str, list[int]] = field(default_factory=dict)
    #: Country -> the ids of its staff trainers.
    roots: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class Group:
    id: int
    name: str
    course: int
    trainer_id: int
    organisation_id: int | None
    country: str
    mode: str
    starts_on: date
    ends_on: date
    created_at: datetime
    trains_trainers: bool = False
    workplace_id: int | None = None
    #: (user id, day joined).
    members: list[tuple[int, date]] = field(default_factory=list)
    #: (user id, promoted at, revoked at).
    promotions: list[tuple[int, datetime, datetime | None]] = field(default_factory=list)


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint``, five times faster (it is called tens of millions of times)."""
    return low + int(rng.random() * (high - low + 1))


def at(rng: random.Random, day: date) -> datetime:
    """A time of day (UTC, working hours) on ``day``."""
    return datetime.combine(day, time(6), tzinfo=UTC) + timedelta(seconds=between(rng, 0, 14 * 3600 - 1))


def some_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def activity_day(rng: random.Random, today: date) -> date:
    """Most activity in the last two whole years, a little in this one."""
    year = today.year - 1
    chance = rng.random()
    if chance < 0.45:
        return some_day(rng, date(year - 1, 1, 1), date(year - 1, 12, 31))
    if chance < 0.9 or today <= date(today.year, 1, 3):
        return some_day(rng, date(year, 1, 1), date(year, 12, 31))
    return some_day(rng, date(today.year, 1, 1), today - timedelta(days=2))


def plan_people(rng: random.Random, participants: int, setting) -> People:
    """Participants with their attributes (a few changed them once) and the courses they enrolled in, and when."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.models import User

    people = People()
    next_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    for country in COUNTRIES:
        people.roots[country] = list(range(next_id, next_id + ROOT_TRAINERS))
        next_id += ROOT_TRAINERS
        people.by_country[country] = []
    today, year = setting.today, setting.today.year - 1
    latest = today - timedelta(days=2)
    for index in range(participants):
        country = COUNTRIES[index] if index < len(COUNTRIES) else rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        people.ids.append(next_id + index)
        people.countries.append(country)
        people.by_country[country].append(index)
        people.genders.append(rng.choices(GENDERS, GENDER_WEIGHTS)[0])
        people.birth_years.append(None if rng.random() < 0.1 else rng.randint(1960, 2007))
        people.organisations.append(rng.choice(setting.organisations[country]) if rng.random() < 0.7 else None)
        people.roles.append("participant")
        first = activity_day(rng, today)
        courses = [0, 1] if rng.random() < 0.95 else [rng.randrange(2)]
        rng.shuffle(courses)
        days = [first] + [min(latest, first + timedelta(days=rng.randint(0, 150))) for _ in courses[1:]]
        people.enrolments.append({c: (at(rng, d), None) for c, d in zip(courses, days, strict=True)})
        if rng.random() < 0.06:  # changed since: the figures of earlier periods count the old values
            old_country = country if rng.random() < 0.85 else rng.choice(COUNTRIES)
            old_organisation = None if old_country != country or people.organisations[-1] is not None else (
                setting.organisations[country][0])
            old_birth = people.birth_years[-1] if rng.random() < 0.5 else None
            people.history[index] = (old_country, old_birth, old_organisation,
                                     date(rng.choice((year - 1, year)), rng.randint(2, 12), 1))
    return people


def plan_groups(rng: random.Random, people: People, setting) -> list[Group]:
    """Per country: the cascade of trainings of trainers, the ordinary groups its trainers run (a few at
    workplaces) and their members, who are enrolled in the group's course from the day they joined."""
    from bench.report_data import workplace_window

    today, year = setting.today, setting.today.year - 1
    groups: list[Group] = []
    starts = [date(year - 1, 2, 5), date(year - 1, 8, 5), date(year, 2, 5), date(year, 7, 1)]
    for country in COUNTRIES:
        indexes = list(people.by_country[country])
        rng.shuffle(indexes)
        organisations = setting.organisations[country]
        trainers = max(4, len(indexes) // PER_TRAINER)
        sizes = [max(1, round(trainers * share)) for share in GENERATION_SHARES]
        sizes.append(max(1, trainers - sum(sizes)))
        available = {trainer_id: date(year - 2, 6, 1) for trainer_id in people.roots[country]}
        previous, taken = list(people.roots[country]), 0
        for generation, size in enumerate(sizes, start=1):
            chosen = indexes[taken:taken + size + (size + 3) // 4]  # a non-promoted member in each group too
            taken += len(chosen)
            promoted, extra = chosen[:size], chosen[size:]
            new_trainers = []
            for number in range(0, len(promoted), 4):
                first = starts[generation - 1] + timedelta(days=rng.randint(0, 20))
                group = Group(len(groups) + 1, f"Training of trainers {generation}.{number // 4 + 1} {country}", 0,
                              previous[(number // 4) % len(previous)], organisations[0], country, "in-person", first,
                              first + timedelta(days=28), at(rng, first - timedelta(days=21)), trains_trainers=True)
                joining = promoted[number:number + 4] + extra[number // 4:number // 4 + 1]
                for index in joining:
                    joined = first - timedelta(days=14)
                    must = datetime.combine(group.ends_on, time(17), tzinfo=UTC)
                    people.enrolments[index][0] = (at(rng, joined), must if index in promoted else None)
                    group.members.append((people.ids[index], joined))
                for index in promoted[number:number + 4]:
                    promoted_at = at(rng, group.ends_on + timedelta(days=7))
                    revoked = promoted_at + timedelta(days=100) if rng.random() < 0.03 else None
                    if revoked is not None and revoked.date() >= today:
                        revoked = None
                    group.promotions.append((people.ids[index], promoted_at, revoked))
                    if revoked is None:
                        people.roles[index] = "trainer"
                        available[people.ids[index]] = promoted_at.date() + timedelta(days=7)
                    new_trainers.append(people.ids[index])
                groups.append(group)
            previous = new_trainers or previous
        in_tot = set(indexes[:taken])
        country_groups = []
        running = sorted(available)
        for number in range(max(2, int(len(indexes) * IN_GROUPS) // PER_GROUP)):
            trainer_id = running[number % len(running)]
            first_day = max(available[trainer_id], date(year - 1, 1, 10))
            last_day = today - timedelta(days=15)
            starts_on = some_day(rng, min(first_day, last_day - timedelta(days=30)), last_day)
            mode = rng.choices(MODES, MODE_WEIGHTS)[0]
            created = at(rng, max(starts_on - timedelta(days=rng.randint(5, 20)), available[trainer_id]))
            country_groups.append(Group(len(groups) + len(country_groups) + 1, f"Group {number + 1} {country}",
                                        rng.randrange(2), trainer_id, rng.choice(organisations), country, mode,
                                        starts_on, starts_on + timedelta(days=rng.randint(21, 90)), created))
        first, last = workplace_window(today)
        for workplace_id, place_country, organisation_id in setting.workplaces:
            if place_country == country:
                country_groups.append(Group(len(groups) + len(country_groups) + 1, f"At workplace {workplace_id}", 0,
                                            people.roots[country][0], organisation_id, country, "in-person", first,
                                            last, at(rng, first - timedelta(days=20)), workplace_id=workplace_id))
        for index in indexes:
            if index in in_tot or rng.random() >= IN_GROUPS:
                continue
            group = rng.choice(country_groups)
            joined = (group.starts_on - timedelta(days=rng.randint(0, 10)) if rng.random() < 0.9
                      else group.starts_on + timedelta(days=rng.randint(1, 14)))
            joined = min(max(joined, group.created_at.date()), today - timedelta(days=1))
            group.members.append((people.ids[index], joined))
            people.enrolments[index][group.course] = (at(rng, joined), None)
        groups += country_groups
    return groups


def write_people(bulk, people: People, setting) -> None:
    """The participants' and staff trainers' accounts and their attribute history."""
    from lms.auth.services import hash_password
    from lms.models import PersonAttributes, User
    from lms.models.users import BEGINNING

    rng = random.Random(len(people.ids))
    password_hash = hash_password(PASSWORD)
    columns = ("id", "username", "display_name", "country", "gender", "birth_year", "role", "password_hash",
               "must_change_password", "organisation_id", "created_at", "last_active_at", "record_key")
    year = setting.today.year - 1
    staff = [(trainer_id, f"bench-trainer-{trainer_id}", f"Trainer {trainer_id}", country, "undisclosed", None,
              "trainer", password_hash, False, setting.organisations[country][0],
              datetime(year - 2, 6, 1, tzinfo=UTC), setting.now, rng.getrandbits(31))
             for country, ids in people.roots.items() for trainer_id in ids]
    bulk.write(User.__table__, columns, staff)
    attributes = [(row[0], BEGINNING, row[3], row[4], None, row[9]) for row in staff]
    chunk = 50_000
    for start in range(0, len(people.ids), chunk):
        users = []
        for index in range(start, min(start + chunk, len(people.ids))):
            user_id = people.ids[index]
            enrolled = [moment for moment, _must in people.enrolments[index].values()]
            created = min(enrolled) - timedelta(days=rng.randint(0, 3), seconds=rng.randrange(3600))
            last_active = min(setting.now, max(enrolled) + timedelta(days=rng.randint(0, 120)))
            current = (people.countries[index], people.genders[index], people.birth_years[index],
                       people.organisations[index])
            users.append((user_id, f"bench{user_id}", f"Member {user_id}", current[0], current[1], current[2],
                          people.roles[index], password_hash, False, current[3], created, last_active,
                          rng.getrandbits(31)))
            changed = people.history.get(index)
            if changed is None:
                attributes.append((user_id, BEGINNING, *current))
            else:
                old_country, old_birth, old_organisation, since = changed
                attributes.append((user_id, BEGINNING, old_country, current[1], old_birth, old_organisation))
                attributes.append((user_id, since, *current))
        bulk.write(User.__table__, columns, users)
        bulk.write(PersonAttributes.__table__, ("user_id", "counts_from", "country", "gender", "birth_year",
                                                "organisation_id"), attributes)
        attributes = []


def write_groups(bulk, rng: random.Random, groups: list[Group], people: People, setting) -> None:
    """The groups, their members, sessions (several for groups meeting in person, two online) with attendance,
    and the promotions after the trainings of trainers."""
    from lms.models import Attendance, GroupMember, GroupSession, TrainerPromotion, TrainingGroup

    rows, members, sessions, present, promotions = [], [], [], [], []
    session_id = promotion_id = 0
    for group in groups:
        rows.append((group.id, setting.courses[group.course].id, group.trainer_id, group.organisation_id,
                     group.workplace_id, group.name, group.country,
                     None if group.mode == "online" else f"Town {group.id % 97}", group.mode, group.starts_on,
                     group.ends_on, f"B{group.id:09d}", group.trains_trainers, group.created_at))
        members += [(group.id, user_id, datetime.combine(joined, time(0), tzinfo=UTC), rng.getrandbits(31))
                    for user_id, joined in group.members]
        count = 2 if group.mode == "online" else rng.randint(3, 6)
        length = (group.ends_on - group.starts_on).days
        for number in range(count):
            held_on = group.starts_on + timedelta(days=length * number // max(1, count - 1))
            if held_on >= setting.today:
                break
            session_id += 1
            sessions.append((session_id, group.id, held_on, f"Session {number + 1}", rng.getrandbits(31)))
            present += [(session_id, user_id, rng.getrandbits(31)) for user_id, joined in group.members
                        if rng.random() < (0.8 if joined <= held_on else 0.3)]
        for user_id, promoted_at, revoked_at in group.promotions:
            promotion_id += 1
            by = setting.coordinator_id if group.country == COORDINATED else setting.admin_id
            promotions.append((promotion_id, user_id, group.id, by, promoted_at, revoked_at,
                               rng.getrandbits(31)))
    bulk.write(TrainingGroup.__table__, ("id", "course_id", "trainer_id", "organisation_id", "workplace_id", "name",
                                         "country", "place", "mode", "starts_on", "ends_on", "join_code",
                                         "trains_trainers", "created_at"), rows)
    bulk.write(GroupMember.__table__, ("group_id", "user_id", "joined_at", "record_key"), members)
    bulk.write(GroupSession.__table__, ("id", "group_id", "held_on", "topic", "record_key"), sessions)
    bulk.write(Attendance.__table__, ("session_id", "user_id", "record_key"), present)
    bulk.write(TrainerPromotion.__table__, ("id", "user_id", "group_id", "promoted_by_id", "promoted_at",
                                            "revoked_at", "record_key"), promotions)
