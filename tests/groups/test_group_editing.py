"""Nothing staff make in a group is a dead end: groups are edited and archived, sessions and paper scores edited
and deleted after a confirmation that says what goes with them; the list of groups is paged, searched, sorted."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.groups import services
from lms.learn import services as learning
from lms.models import (
    Attendance,
    AuditEntry,
    Course,
    GroupMember,
    GroupSession,
    LessonCompletion,
    QuizAttempt,
    TrainingGroup,
    User,
)
from tests.helpers import BUNDLED_COURSE, post_form, sign_in

TODAY = clock.today()


@pytest.fixture
def trainer(client, create_user, library):
    user = create_user("tina", role="trainer", country="BJ")
    sign_in(client, "tina")
    return user


def new_group(trainer, name: str = "Cotonou hotels", **changes) -> TrainingGroup:
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    fields = {"name": name, "country": "BJ", "place": "Cotonou", "mode": "in-person", "starts_on": TODAY,
              "ends_on": TODAY + timedelta(days=30)}
    group = services.create_group(trainer=trainer, course=course, **{**fields, **changes})
    db.session.commit()
    return group


def join(group, user) -> None:
    services.add_member(group, user)
    db.session.commit()


EDIT = {"name": "Porto-Novo hotels", "mode": "blended", "place": "Porto-Novo", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=60)).isoformat(), "trains_trainers": "y", "organisation": "",
        "course": BUNDLED_COURSE}


def test_a_trainer_edits_the_group(client, app_ctx, trainer):
    group = new_group(trainer)
    response = post_form(client, f"/groups/{group.id}/edit", EDIT)
    assert response.status_code == 302
    db.session.refresh(group)
    assert (group.name, group.mode, group.place, group.trains_trainers, group.country) == (
        "Porto-Novo hotels", "blended", "Porto-Novo", True, "BJ")
    assert group.ends_on == TODAY + timedelta(days=60)


def test_a_bad_edit_changes_nothing(client, app_ctx, trainer):
    group = new_group(trainer)
    response = post_form(client, f"/groups/{group.id}/edit", {**EDIT, "ends_on": (TODAY - timedelta(1)).isoformat()})
    assert response.status_code == 400 and "The last day comes before the first day." in response.get_data(True)
    db.session.refresh(group)
    assert group.name == "Cotonou hotels"


def test_the_course_changes_only_while_no_member_has_progress(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa = create_user("rosa", country="BJ")
    join(group, rosa)
    post_form(client, f"/groups/{group.id}/edit", {**EDIT, "course": "womens-leadership"})
    db.session.refresh(group)
    assert group.course.slug == "womens-leadership"
    course = learning.find_course("womens-leadership")
    learning.mark_lesson_done(rosa.id, course, course.lessons[0])
    db.session.commit()
    page = client.get(f"/groups/{group.id}/edit").get_data(True)
    assert "Members have begun the course, so the group's course stays." in page and 'id="course"' not in page
    post_form(client, f"/groups/{group.id}/edit", {**EDIT, "course": BUNDLED_COURSE})
    db.session.refresh(group)
    assert group.course.slug == "womens-leadership"


def test_archiving_asks_first_then_hides_the_group_and_stops_its_code(client, app, app_ctx, trainer, create_user):
    group = new_group(trainer)
    join(group, create_user("rosa", country="BJ"))
    confirm = client.get(f"/groups/{group.id}/archive").get_data(True)
    assert "stops its join code from working" in confirm and "keeps its 1 member" in confirm
    assert post_form(client, f"/groups/{group.id}/archive").status_code == 302
    db.session.refresh(group)
    assert group.archived_at is not None
    assert "Cotonou hotels" not in client.get("/groups").get_data(True)
    assert "Cotonou hotels" in client.get("/groups/archived").get_data(True)
    create_user("newcomer", country="BJ")
    newcomer = app.test_client()
    sign_in(newcomer, "newcomer")
    refused = post_form(newcomer, "/join", {"code": group.join_code})
    assert refused.status_code == 400 and "This group is archived" in refused.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 1  # its members stay
    post_form(client, f"/groups/{group.id}/archive", page=f"/groups/{group.id}")  # out of the archive
    db.session.refresh(group)
    assert group.archived_at is None
    assert post_form(newcomer, "/join", {"code": group.join_code}).status_code == 302


def test_a_session_is_edited_and_its_attendance_changed(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa, ana = create_user("rosa", country="BJ", display_name="Rosa"), create_user("ana", country="BJ")
    join(group, rosa)
    join(group, ana)
    session = services.record_session(group, held_on=TODAY, topic="First", present=[rosa.id])
    db.session.commit()
    lesson = learning.find_course(BUNDLED_COURSE).lessons[0]
    url = f"/groups/{group.id}/sessions/{session.id}"
    assert "Rosa" in client.get(url).get_data(True)
    response = post_form(client, url, {"held_on": TODAY.isoformat(), "topic": "The first one",
                                       "present": [str(ana.id)], "lessons": [str(lesson.id)]})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.topic == "The first one" and [a.user_id for a in session.attendance] == [ana.id]
    assert db.session.get(LessonCompletion, (ana.id, lesson.id)) is not None
    assert db.session.get(LessonCompletion, (rosa.id, lesson.id)) is None


def test_deleting_a_session_asks_first_and_keeps_the_lessons_done(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa = create_user("rosa", country="BJ")
    join(group, rosa)
    lesson = learning.find_course(BUNDLED_COURSE).lessons[0]
    session = services.record_session(group, held_on=TODAY, topic="First", present=[rosa.id],
                                      lessons=[lesson])
    db.session.commit()
    url = f"/groups/{group.id}/sessions/{session.id}/delete"
    confirm = client.get(url).get_data(True)
    assert "also deletes its attendance: 1 member marked present" in confirm
    assert "The lessons it marked done stay done" in confirm
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 1  # asking deletes nothing
    assert post_form(client, url).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert db.session.get(LessonCompletion, (rosa.id, lesson.id)) is not None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "delete group session"))


def test_a_session_of_a_published_month_is_neither_changed_nor_deleted(client, app_ctx, trainer, create_user):
    group = new_group(trainer, starts_on=TODAY - timedelta(days=70))
    rosa = create_user("rosa", country="BJ")
    join(group, rosa)
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    session = GroupSession(group_id=group.id, held_on=last_month, topic="Old")
    db.session.add(session)
    db.session.commit()
    edit = post_form(client, f"/groups/{group.id}/sessions/{session.id}",
                     {"held_on": TODAY.isoformat(), "topic": "New"}, page=f"/groups/{group.id}")
    assert edit.status_code == 400 and "can no longer be changed" in edit.get_data(True)
    delete = post_form(client, f"/groups/{group.id}/sessions/{session.id}/delete", page=f"/groups/{group.id}")
    assert delete.status_code == 400 and "cannot be deleted" in delete.get_data(True)
    db.session.refresh(session)
    assert session.topic == "Old"


def test_a_session_of_another_group_is_not_found(client, app_ctx, trainer):
    group, other = new_group(trainer), new_group(trainer, name="Other")
    session = services.record_session(other, held_on=TODAY, topic="Theirs", present=[])
    db.session.commit()
    assert client.get(f"/groups/{group.id}/sessions/{session.id}").status_code == 404
    assert client.get(f"/groups/{group.id}/sessions/{session.id}/delete").status_code == 404


def paper_score(group, trainer, user, mark: int, out_of: int = 10) -> QuizAttempt:
    module = learning.find_course(BUNDLED_COURSE).modules[0]
    services.record_paper_scores(group, module, {user.id: mark}, trainer, out_of)
    db.session.commit()
    return db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))


def test_a_paper_score_is_corrected(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa = create_user("rosa", country="BJ", display_name="Rosa")
    join(group, rosa)
    attempt = paper_score(group, trainer, rosa, 9)
    url = f"/groups/{group.id}/paper-scores/what-and-who/{attempt.id}"
    assert client.get(url).status_code == 200
    too_high = post_form(client, url, {"mark": "11", "out_of": "10"})
    assert too_high.status_code == 400 and "The mark is more than the maximum." in too_high.get_data(True)
    assert post_form(client, url, {"mark": "5", "out_of": "10"}).status_code == 302
    db.session.refresh(attempt)
    assert (attempt.mark, attempt.out_of, attempt.score, attempt.passed) == (5, 10, 50, False)


def test_deleting_a_paper_score_asks_first(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa = create_user("rosa", country="BJ", display_name="Rosa")
    join(group, rosa)
    attempt = paper_score(group, trainer, rosa, 6)
    url = f"/groups/{group.id}/paper-scores/what-and-who/{attempt.id}/delete"
    confirm = client.get(url).get_data(True)
    assert "Deleting the score 6 out of 10 (60%)" in confirm
    assert post_form(client, url).status_code == 302
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_an_online_attempt_is_not_a_paper_score_to_edit(client, app_ctx, trainer, create_user):
    group = new_group(trainer)
    rosa = create_user("rosa", country="BJ")
    join(group, rosa)
    course = learning.find_course(BUNDLED_COURSE)
    attempt = learning.submit_quiz(rosa.id, course, course.modules[0], {})
    db.session.commit()
    assert client.get(f"/groups/{group.id}/paper-scores/what-and-who/{attempt.id}").status_code == 404
    assert client.get(f"/groups/{group.id}/paper-scores/what-and-who/{attempt.id}/delete").status_code == 404


def test_a_paper_score_another_group_entered_is_neither_listed_nor_changed_by_a_later_groups_trainer(
        client, app_ctx, trainer, create_user):
    """A member's score from an earlier group (another trainer's, another country's) stays that group's."""
    peru = create_user("pablo", role="trainer", country="PE")
    earlier = new_group(peru, name="Lima hotels", country="PE")
    rosa = create_user("rosa", country="PE", display_name="Rosa")
    join(earlier, rosa)
    attempt = paper_score(earlier, peru, rosa, 9)
    later = new_group(trainer)
    join(later, rosa)
    assert "9 out of 10" not in client.get(f"/groups/{later.id}/paper-scores/what-and-who").get_data(True)
    url = f"/groups/{later.id}/paper-scores/what-and-who/{attempt.id}"
    assert client.get(url).status_code == 404
    assert post_form(client, url, {"mark": "0", "out_of": "10"}).status_code == 404
    assert post_form(client, f"{url}/delete").status_code == 404
    db.session.refresh(attempt)
    assert (attempt.mark, attempt.group_id) == (9, earlier.id)


def test_the_list_of_groups_is_paged_searched_and_sorted(client, app_ctx, trainer):
    for number in range(55):
        new_group(trainer, name=f"Group {number:02d}", place="Parakou" if number == 7 else "Cotonou")
    first = client.get("/groups?sort=name").get_data(True)
    assert "Showing 1–50 of 55" in first and "Group 00" in first and "Group 54" not in first
    assert "Group 54" in client.get("/groups?sort=name&page=2").get_data(True)
    assert "Group 54" in client.get("/groups?sort=-name").get_data(True)
    found = client.get("/groups?q=parakou").get_data(True)
    assert "Showing 1–1 of 1" in found and "Group 07" in found


def test_members_see_their_group_but_not_its_tools(client, app, app_ctx, trainer, create_user):
    group = new_group(trainer)
    join(group, create_user("rosa", country="BJ"))
    reader = app.test_client()
    sign_in(reader, "rosa")
    for path in ("edit", "archive", "certificates"):
        assert reader.get(f"/groups/{group.id}/{path}").status_code == 403, path
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_an_archived_course_is_not_offered_for_a_new_group_but_stays_on_a_group_that_has_it(client, app_ctx,
                                                                                           trainer):
    group = new_group(trainer)
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    course.archived_at = clock.utcnow()
    db.session.commit()
    assert f'value="{BUNDLED_COURSE}"' not in client.get("/groups/new").get_data(True)
    assert f'value="{BUNDLED_COURSE}"' in client.get(f"/groups/{group.id}/edit").get_data(True)


def test_a_group_of_more_than_fifty_members_is_paged_searched_and_sorted(client, app_ctx, trainer, create_user):
    """Outside tester: a group of 55 showed every member on one page, with no search and no sorting."""
    group = new_group(trainer)
    for number in range(55):
        join(group, create_user(f"m{number:02d}", country="BJ", display_name=f"Member {number:02d}"))
    join(group, create_user("elodie", country="BJ", display_name="Élodie Zinsou"))

    def members_table(query: str = "") -> str:
        page = client.get(f"/groups/{group.id}{query}").get_data(as_text=True)
        return page[page.index("<table"):page.index("</table>")] + page[page.index("</table>"):][:600]

    first = members_table()
    # Élodie sorts under E, as readers expect, before the 49 members first on the page.
    assert "Élodie Zinsou" in first and "Member 48" in first and "Member 49" not in first
    assert 'rel="next"' in first and "Showing 1–50 of 56" in client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Member 49" in members_table("?page=2")
    found = members_table("?q=elodie")  # accents and case aside
    assert "Élodie Zinsou" in found and "Member 01" not in found
    backwards = members_table("?sort=-name")
    assert "Élodie Zinsou" not in backwards and backwards.index("Member 54") < backwards.index("Member 20")
