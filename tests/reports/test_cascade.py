"""The cascade of training of trainers: generations, their figures under every filter, the trainer family tree.

A cascade of three generations is built with the services, the clock set to days of YEAR: Ana (one of the
organisation's own trainers) runs a training of trainers in Lima, after which a coordinator makes Bea, Carl and Dina
trainers; Bea runs one in Cusco, after which Eva and Fred are made trainers; Eva and Carl run ordinary groups. In
Benin, Kofi trains Yao, who runs a group.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import html
from sqlalchemy import select

from lms import clock
from lms.admin import services as admin
from lms.disclosure import Count
from lms.extensions import db
from lms.groups import services as groups
from lms.learn.services import find_course
from lms.models import TrainerPromotion, TrainingGroup
from lms.permissions import Scope
from lms.reports import cascade, figures
from lms.reports.filters import ReportFilter, parse_age_bands
from tests.helpers import BUNDLED_COURSE, YEAR, complete_course, sign_in
from tests.reports import reading

BANDS = tuple(parse_age_bands("15-24,25-35,36+"))
OTHER_COURSE = "womens-leadership"


def on(month: int, day: int = 10):
    """The clock stopped on a day of YEAR."""
    return clock.freeze(datetime(YEAR, month, day, 10, tzinfo=UTC))


def year(**filters) -> ReportFilter:
    return ReportFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), age_bands=BANDS, **filters)


def quarter(n: int, **filters) -> ReportFilter:
    first = 3 * n - 2
    end = date(YEAR, first + 2, 30 if first + 2 in (6, 9) else 31)
    return ReportFilter(start=date(YEAR, first, 1), end=end, age_bands=BANDS, **filters)


def run_group(trainer, name: str, month: int, *, country: str = "PE", slug: str = BUNDLED_COURSE,
              trains: bool = False, organisation_id: int | None = None, members=()) -> TrainingGroup:
    """A group made on the 1st of ``month``, two months long, its members joining that day."""
    with on(month, 1):
        group = groups.create_group(trainer=trainer, course=find_course(slug), name=name, country=country,
                                    place=name, mode="in-person", starts_on=date(YEAR, month, 1),
                                    ends_on=date(YEAR, month + 1, 28), trains_trainers=trains,
                                    organisation_id=organisation_id)
        for member in members:
            groups.add_member(group, member)
        db.session.commit()
    return group


def promote(group: TrainingGroup, people, coordinator, month: int) -> None:
    """The members complete the group's course, then the coordinator makes them trainers."""
    with on(month):
        for person in people:
            complete_course(person.id, group.course.slug)
            assert groups.promote_to_trainer(group, person, coordinator), person.username
        db.session.commit()


@pytest.fixture
def world(app_ctx, library, create_user):
    people = {
        "ana": create_user("ana", display_name="Ana", role="trainer", gender="woman", birth_year=1970),
        "kofi": create_user("kofi", display_name="Kofi", role="trainer", country="BJ", gender="man"),
        "cora": create_user("cora", role="coordinator", coordinated_countries=["PE"]),
        "kojo": create_user("kojo", role="coordinator", country="BJ", coordinated_countries=["BJ"]),
        "admin": create_user("admin", role="admin"),
    }
    for name, gender, born, country in (("bea", "woman", 1990, "PE"), ("carl", "man", None, "PE"),
                                        ("dina", "woman", 2003, "PE"), ("eva", "woman", 1985, "PE"),
                                        ("fred", "man", 1999, "PE"), ("yao", "man", 1980, "BJ")):
        people[name] = create_user(name, display_name=name.capitalize(), gender=gender, birth_year=born,
                                   country=country)
    reached = {name: create_user(name, gender="woman", country=country)
               for name, country in (("m1", "PE"), ("m2", "PE"), ("m3", "PE"), ("g1", "PE"), ("g2", "PE"),
                                     ("b1", "BJ"), ("b2", "BJ"))}
    people.update(reached)
    union = admin.add_organisation(name="Union of Lima", acronym="UL", country="PE", sector="Hotels")
    db.session.commit()
    lima = run_group(people["ana"], "ToT Lima", 2, trains=True, organisation_id=union.id,
                     members=[people[n] for n in ("bea", "carl", "dina")])
    promote(lima, [people[n] for n in ("bea", "carl", "dina")], people["cora"], 3)
    cotonou = run_group(people["kofi"], "ToT Cotonou", 2, country="BJ", trains=True, members=[people["yao"]])
    promote(cotonou, [people["yao"]], people["kojo"], 3)
    cusco = run_group(people["bea"], "ToT Cusco", 4, trains=True, members=[people["eva"], people["fred"]])
    promote(cusco, [people["eva"], people["fred"]], people["cora"], 5)
    arequipa = run_group(people["eva"], "Arequipa", 6, slug=OTHER_COURSE,
                         members=[people[n] for n in ("m1", "m2", "m3")])
    callao = run_group(people["carl"], "Callao", 6, slug=OTHER_COURSE, members=[people["g1"], people["g2"]])
    porto = run_group(people["yao"], "Porto-Novo", 6, country="BJ", slug=OTHER_COURSE,
                      members=[people["b1"], people["b2"]])
    return {"people": people, "union": union, "lima": lima, "cusco": cusco, "cotonou": cotonou,
            "arequipa": arequipa, "callao": callao, "porto": porto}


def counts(found: dict) -> dict[int, tuple[int, int, int]]:
    """Generation -> true (active, reached, new trainers), rows with all three at 0 left out."""
    return {g: tuple(c.n for c in row) for g, row in found.items() if any(c.n for c in row)}


def test_three_generations_are_counted_each_in_its_own_row(world):
    assert counts(cascade.by_generation(year())) == {0: (2, 4, 0), 1: (3, 6, 4), 2: (1, 3, 2)}
    assert counts(cascade.by_generation(year(countries=("PE",)))) == {0: (1, 3, 0), 1: (2, 4, 3), 2: (1, 3, 2)}
    # In the first quarter only the own trainers ran groups, and made the first generation.
    assert counts(cascade.by_generation(quarter(1))) == {0: (2, 4, 0), 1: (0, 0, 4)}
    assert counts(cascade.by_generation(quarter(2))) == {1: (3, 6, 0), 2: (1, 3, 2)}


def test_the_same_records_give_the_same_figure_as_the_trainers_by_country(world):
    report = year()
    by_country, by_generation = figures.trainers(report), cascade.by_generation(report)
    promotions = sum((row[2] for row in by_country.values()), Count())
    assert promotions == sum((row[2] for row in by_generation.values()), Count())
    assert promotions == Count.of(6, sum(db.session.scalars(select(TrainerPromotion.record_key))))


#: The course, topic, organisation and group are the training of trainers' (it gives the new trainers), the gender
#: and age band each counted person's (for new trainers, the person promoted): filter -> new trainers per generation.
NEW_TRAINERS = [
    ({"course_id": "other"}, {0: 0, 1: 0, 2: 0}),
    ({"topic": "female-leadership"}, {0: 0, 1: 0, 2: 0}),
    ({"topic": "social-dialogue"}, {1: 4, 2: 2}),
    ({"organisation_id": "union"}, {1: 3, 2: 0}),
    ({"group_id": "cusco"}, {1: 0, 2: 2}),
    ({"gender": "woman"}, {1: 2, 2: 1}),
    ({"gender": "man"}, {1: 2, 2: 1}),
    ({"age_band": "15-24"}, {1: 1, 2: 0}),
    ({"age_band": "unknown"}, {1: 1, 2: 0}),
    ({"scope": "BJ"}, {1: 1, 2: 0}),
]


def test_new_trainers_honour_every_filter(world):
    chosen = {"other": find_course(OTHER_COURSE).id, "union": world["union"].id, "cusco": world["cusco"].id,
              "BJ": Scope(countries=frozenset({"BJ"}))}
    for filters, expected in NEW_TRAINERS:
        report = year(**{name: chosen.get(value, value) for name, value in filters.items()})
        # The trainers by country count the same promotions as the generations, whatever the filter.
        assert sum(row[2].n for row in figures.trainers(report).values()) == sum(expected.values()), filters
        found = cascade.by_generation(report)
        assert {g: found.get(g, (Count(),) * 3)[2].n for g in expected} == expected, filters


def test_active_trainers_and_people_reached_follow_gender_and_age_of_each_person_counted(world):
    women = cascade.by_generation(year(gender="woman"))
    # Women trainers: Ana (0), Bea (1), Eva (2); women reached: Bea and Dina by Ana, Eva by Bea, the members.
    assert counts(women) == {0: (1, 2, 0), 1: (1, 5, 2), 2: (1, 3, 1)}
    assert {c: tuple(x.n for x in row) for c, row in figures.trainers(year(gender="woman")).items()} == {
        "BJ": (0, 2, 0), "PE": (3, 8, 3)}
    young = cascade.by_generation(year(age_band="15-24"))
    assert counts(young) == {0: (0, 1, 0), 1: (0, 0, 1)}  # Dina, reached and promoted; Fred (26) is not young


def test_a_revoked_promotion_keeps_its_place_and_moves_no_figure(world):
    dina = world["people"]["dina"]
    before = {r: cascade.by_generation(r) for r in (year(), quarter(1), year(gender="woman"))}
    with on(7):
        admin.place_person(dina, admin.Placement(role="participant", country="PE", organisation_id=None),
                           world["people"]["admin"])
        db.session.commit()
    assert db.session.scalar(select(TrainerPromotion.revoked_at).where(TrainerPromotion.user_id == dina.id))
    assert {r: cascade.by_generation(r) for r in before} == before
    tree = {line.trainer.name: line for line in cascade.family_tree(year())}
    assert tree["Dina"].trainer.revoked and tree["Dina"].trainer.generation == 1 and tree["Dina"].depth == 1


def test_a_person_promoted_twice_keeps_the_smaller_generation_and_each_promotion_counts(world):
    people = world["people"]
    dina = people["dina"]
    with on(7):
        admin.place_person(dina, admin.Placement(role="participant", country="PE", organisation_id=None),
                           people["admin"])
        db.session.commit()
    again = run_group(people["eva"], "ToT Ica", 8, trains=True, members=[dina])  # Eva is generation 2
    promote(again, [dina], people["cora"], 9)
    generation = cascade.trainer_generations(datetime(YEAR, 12, 31, tzinfo=UTC))
    generations = dict(db.session.execute(select(generation.c.user_id, generation.c.generation)).all())
    assert generations[dina.id] == 1
    assert counts(cascade.by_generation(quarter(3))) == {1: (2, 4, 0), 2: (1, 4, 0), 3: (0, 0, 1)}
    found = counts(cascade.by_generation(year()))
    assert found[1][2] == 4 and found[3] == (0, 0, 1)  # her second promotion, generation 3 (after Eva's group)
    tree = cascade.family_tree(year())
    assert [line.trainer.name for line in tree].count("Dina") == 1


def test_a_cycle_of_trainers_ends_and_lists_everyone_once(world):
    """Ana, an own trainer, made a participant and then a trainer again after the group of Fred, whom her own
    trainees trained: a loop of people. Each promotion only looks back at earlier ones."""
    people = world["people"]
    with on(9):
        admin.place_person(people["ana"], admin.Placement(role="participant", country="PE", organisation_id=None),
                           people["admin"])
        db.session.commit()
    puno = run_group(people["fred"], "ToT Puno", 9, trains=True, members=[people["ana"]])
    promote(puno, [people["ana"]], people["cora"], 10)
    # Up to the first quarter Ana was one of the own trainers; by the end of the year she is the third generation.
    assert counts(cascade.by_generation(quarter(1))) == {0: (2, 4, 0), 1: (0, 0, 4)}
    found = counts(cascade.by_generation(year()))
    assert found[0] == (1, 1, 0) and found[3] == (1, 3, 1)  # Kofi alone; Ana's group (Bea, Carl, Dina), her promotion
    tree = cascade.family_tree(year())
    names = [line.trainer.name for line in tree]
    assert sorted(names) == sorted(set(names)) and {"Ana", "Fred", "Bea"} <= set(names)


def test_a_loop_of_promotions_made_at_the_same_moment_ends(app_ctx, library, create_user):
    """Data no service makes (two promotions, each after the other's group, at the same moment): the recursive
    query still ends, ordering them by id."""
    course = find_course(BUNDLED_COURSE)
    first, second = create_user("first", role="trainer"), create_user("second", role="trainer")
    with on(3):
        one = groups.create_group(trainer=first, course=course, name="One", country="PE", place=None,
                                  mode="online", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 3, 9),
                                  trains_trainers=True)
        two = groups.create_group(trainer=second, course=course, name="Two", country="PE", place=None,
                                  mode="online", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 3, 9),
                                  trains_trainers=True)
        moment = clock.utcnow()
        db.session.add_all([TrainerPromotion(user_id=second.id, group_id=one.id, promoted_at=moment),
                            TrainerPromotion(user_id=first.id, group_id=two.id, promoted_at=moment)])
        db.session.commit()
    assert counts(cascade.by_generation(year())) == {1: (1, 0, 1), 2: (1, 0, 1)}
    assert sorted(line.trainer.name for line in cascade.family_tree(year())) == ["Test Member", "Test Member"]


def tree_of(page: str) -> dict[str, list[str]]:
    """Name -> the names of the trainers above them, as the nested lists of the family tree show them."""
    found = {}
    for item in html.fromstring(page).xpath("//ul[@class='family-tree']/li"):
        name = item.xpath("./bdi")[0].text_content()
        found[name] = [above.xpath("./bdi")[0].text_content() for above in item.xpath("ancestor::li")]
    return found


def test_the_family_tree_shows_who_trained_whom_within_the_readers_countries(app, world):
    admin_client, peru, benin = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((admin_client, "admin"), (peru, "cora"), (benin, "kojo")):
        sign_in(client, name)
    everything = tree_of(admin_client.get(f"/reports/family-tree?year={YEAR}").get_data(as_text=True))
    assert everything == {"Ana": [], "Bea": ["Ana"], "Eva": ["Ana", "Bea"], "Fred": ["Ana", "Bea"],
                          "Carl": ["Ana"], "Dina": ["Ana"], "Kofi": [], "Yao": ["Kofi"]}
    page = peru.get(f"/reports/family-tree?year={YEAR}").get_data(as_text=True)
    assert set(tree_of(page)) == {"Ana", "Bea", "Carl", "Dina", "Eva", "Fred"}
    assert "Kofi" not in page and "Yao" not in page and "Cotonou" not in page
    assert tree_of(benin.get(f"/reports/family-tree?year={YEAR}").get_data(as_text=True)) == {"Kofi": [],
                                                                                              "Yao": ["Kofi"]}
    # Another country's Benin is refused as a filter; a quarter shows the tree as it stood at its end.
    assert peru.get(f"/reports/family-tree?year={YEAR}&country=BJ").status_code == 400
    assert set(tree_of(peru.get(f"/reports/family-tree?year={YEAR}&quarter=1").get_data(as_text=True))) == {
        "Ana", "Bea", "Carl", "Dina"}


def test_each_trainer_shows_their_groups_and_published_reach(app, world):
    client = app.test_client()
    sign_in(client, "admin")
    page = client.get(f"/reports/family-tree?year={YEAR}").get_data(as_text=True)
    lines = {line.trainer.name: line.trainer for line in cascade.family_tree(year())}
    assert (lines["Eva"].groups, lines["Eva"].reached.n, lines["Ana"].reached.n) == (1, 3, 3)
    for name, trainer in lines.items():
        item = html.fromstring(page).xpath(f"//li[bdi='{name}']/span")[0].text_content()
        assert f"people reached: {trainer.reached.published}" in item and trainer.reached.published % 5 == 0
    women = cascade.family_tree(year(gender="woman"))
    assert {line.trainer.name: line.trainer.reached.n for line in women}["Ana"] == 2  # Bea and Dina


def test_the_family_tree_is_for_coordinators_and_admins(app, world, create_user):
    create_user("tina", role="trainer")
    for name in ("tina", "m1"):
        client = app.test_client()
        sign_in(client, name)
        assert client.get(f"/reports/family-tree?year={YEAR}").status_code == 403
    visitor = app.test_client().get(f"/reports/family-tree?year={YEAR}")
    assert visitor.status_code == 302 and "/sign-in" in visitor.headers["Location"]
    nobody = create_user("lone", role="coordinator", country="KH", coordinated_countries=["KH"])
    client = app.test_client()
    sign_in(client, nobody.username)
    page = client.get(f"/reports/family-tree?year={YEAR}").get_data(as_text=True)
    assert "No trainer in this period." in page
    assert not any(name in page for name in ("Ana", "Bea", "Kofi", "Yao", "Lima", "Cotonou"))


def test_the_dashboard_shows_the_cascade_as_published_counts(app, world):
    client = app.test_client()
    sign_in(client, "admin")
    cells = reading.report_tables(client.get(f"/reports?year={YEAR}").get_data(as_text=True))
    found = cascade.by_generation(year())
    labels = {0: "Our own trainers (generation 0)", 1: "Generation 1", 2: "Generation 2"}
    for generation, label in labels.items():
        for column, count in zip(("Active trainers", "People reached", "New trainers"), found[generation],
                                 strict=True):
            assert reading.number(cells.get(("cascade", label, column), "0")) == count.published
    # The new trainers of all generations are the promotions of all countries: one figure.
    # Nor does it count twice a person reached by trainers of two generations: the totals are the table by country's.
    for column in ("Active trainers", "People reached", "New trainers"):
        assert cells[("cascade", "Total", column)] == cells[("trainers", "Total", column)]
    for extension, read_tables in (("zip", reading.zip_tables), ("xlsx", reading.workbook_tables)):
        tables = read_tables(client.get(f"/reports/report.{extension}?year={YEAR}").get_data())
        download = reading.download_table(tables["Trainers and their reach by generation"], "Generation")
        assert all(download[(row, column)] == value.replace(",", "") for (table, row, column), value in cells.items()
                   if table == "cascade"), extension


def test_the_queries_do_not_grow_with_the_trainers(world, create_user):
    from sqlalchemy import event

    def queries(run) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            run()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = (queries(lambda: cascade.by_generation(year())), queries(lambda: cascade.family_tree(year())))
    people = world["people"]
    more = [create_user(f"extra{i}", gender="man") for i in range(4)]
    tot = run_group(people["fred"], "ToT Tacna", 7, trains=True, members=more)
    promote(tot, more, people["cora"], 8)
    for i, trainer in enumerate(more):
        run_group(trainer, f"Group {i}", 9, slug=OTHER_COURSE, members=[people["m1"]])
    assert (queries(lambda: cascade.by_generation(year())), queries(lambda: cascade.family_tree(year()))) == before
    assert counts(cascade.by_generation(year()))[3] == (4, 1, 4)


def test_the_iati_file_carries_the_cascade_by_generation(app, world):
    from lxml import etree

    from lms.reports import iati
    from tests.reports import iati_rules

    document = etree.fromstring(iati.activity_file("XI-EXAMPLE-ORG-FAIRWORK", YEAR))
    assert iati_rules.broken_rules(document) == [] and iati_rules.codes_off_their_lists(document) == []
    found = cascade.by_generation(year())
    results = {r.find("title/narrative").text: r for r in document.iter("result")}
    title = "Union members trained as trainers, by generation of the cascade"
    if not any(counts[2].published for counts in found.values()):  # a few promotions may all be published as 0
        assert title not in results
        return
    trained = results[title]
    reach = results["People reached by the trainers of each generation of the cascade"]
    assert (trained.get("aggregation-status"), reach.get("aggregation-status")) == ("1", "0")
    for result, index in ((trained, 2), (reach, 1)):
        actuals = {a.find("dimension").get("value"): int(a.get("value")) for a in result.iter("actual")
                   if a.find("dimension") is not None}
        assert actuals == {str(g): counts[index].published for g, counts in found.items()}
    total = [int(a.get("value")) for a in trained.iter("actual") if a.find("dimension") is None]
    assert total == [sum((counts[2] for counts in found.values()), Count()).published]
    assert [a for a in reach.iter("actual") if a.find("dimension") is None] == []  # people: no total across
