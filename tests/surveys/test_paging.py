"""The web survey page by page (lms/surveys/paging.py): which page follows an answer, what it checks, what it
keeps and what is stored at the end."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from lms.models import SurveyQuestion
from lms.surveys import paging
from lms.surveys.forms import keyboard
from tests.surveys.helpers import logic_survey

#: The pages of logic_survey: the gate, the group "union", the rest.
GATE, UNION, REST = 0, 1, 2
REST_SHOWN = {"children", "country", "city", "joined", "thanks"}


def version_of(app_ctx):
    return logic_survey().published_version


def test_the_first_page_has_the_defaults_and_counts_the_pages_asked(app_ctx):
    version = version_of(app_ctx)
    step = paging.start(version, "en")
    assert step.index == GATE and step.first and not step.last
    assert step.answers == {"country": "pe"}
    assert [q.code for q in step.shown] == ["member"]
    assert step.visible == [GATE, REST]  # the group waits for a "yes"
    assert step.carried() == [("country", "pe")]  # the default of a later page travels hidden


def test_no_skips_the_group_and_yes_opens_it(app_ctx):
    version = version_of(app_ctx)
    skipped = paging.move(version, {"member": "no"}, "en", index=GATE, back=False, shown={"member"})
    assert skipped.index == REST and skipped.number == 2 and skipped.last
    opened = paging.move(version, {"member": "yes"}, "en", index=GATE, back=False, shown={"member"})
    assert opened.index == UNION and [q.code for q in opened.shown] == ["years"]
    assert len(opened.visible) == 3


def test_next_checks_only_the_page_shown(app_ctx):
    version = version_of(app_ctx)
    step = paging.move(version, {"country": ""}, "en", index=GATE, back=False, shown={"member"})
    assert step.index == GATE and step.errors == {"member": "Please answer this question."}  # not the country's


def test_a_dont_know_code_passes_and_a_negative_number_gets_the_forms_message(app_ctx):
    version = version_of(app_ctx)
    refused = paging.move(version, {"member": "yes", "years": "-3"}, "en", index=UNION, back=False,
                          shown={"years"})
    assert refused.index == UNION
    assert refused.errors == {"years": "Give the years, or -99 if you do not know."}
    assert paging.move(version, {"member": "yes", "years": "-99"}, "en", index=UNION, back=False,
                       shown={"years"}).index == REST


def test_back_keeps_the_answers_and_skips_the_pages_not_asked(app_ctx):
    version = version_of(app_ctx)
    answers = {"member": "no", "children": "abc"}
    step = paging.move(version, answers, "en", index=REST, back=True, shown=REST_SHOWN)
    assert step.index == GATE and step.errors == {} and step.answers == answers
    assert paging.move(version, {"member": "yes"}, "en", index=REST, back=True, shown=REST_SHOWN).index == UNION


def test_a_question_made_relevant_on_the_same_page_is_asked_before_going_on(app_ctx):
    version = version_of(app_ctx)
    answers = {"member": "no", "children": "2", "country": "pe"}
    again = paging.move(version, answers, "en", index=REST, back=False, shown=REST_SHOWN)
    assert again.index == REST and again.appeared and not again.done
    assert "ages" in {q.code for q in again.shown} and again.errors == {}  # asked, not yet refused
    required = paging.move(version, answers, "en", index=REST, back=False, shown=REST_SHOWN | {"ages"})
    assert required.errors == {"ages": "Please answer this question."}
    done = paging.move(version, {**answers, "ages": "7"}, "en", index=REST, back=False, shown=REST_SHOWN | {"ages"})
    assert done.done


def test_the_last_page_refuses_answers_of_other_pages_changed_in_the_hidden_fields(app_ctx):
    version = version_of(app_ctx)
    tampered = {"member": "yes", "years": "-3", "country": "pe"}
    step = paging.move(version, tampered, "en", index=REST, back=False, shown=REST_SHOWN)
    assert not step.done and step.index == UNION
    assert step.errors == {"years": "Give the years, or -99 if you do not know."}


def test_what_is_stored_skips_calculations_notes_and_questions_not_asked(app_ctx):
    version = version_of(app_ctx)
    answers = {"member": "no", "years": "12", "children": "1", "ages": "3", "country": "bj", "city": "cotonou",
               "double": "999", "thanks": "hello"}
    step = paging.move(version, answers, "en", index=REST, back=False, shown=REST_SHOWN | {"ages"})
    assert step.done and step.evaluation.values["double"] == "2"
    stored = {code: answer.value for code, answer in paging.answers_to_store(version, step.evaluation).items()}
    assert stored == {"member": "no", "years": "", "children": "1", "ages": "3", "country": "bj", "city": "cotonou",
                      "joined": ""}


def test_a_note_quotes_the_answers_with_the_labels_of_choices(app_ctx):
    version = version_of(app_ctx)
    note = next(q for q in version.questions if q.code == "thanks")
    values = {"member": "yes", "children": "<b>2</b>"}
    assert paging.label_and_hint(note, version, values, "en") == ("Thank you. Member: Yes, <b>2</b> children.", "")


def test_answers_are_read_from_the_form_as_a_spreadsheet_holds_them(app_ctx):
    version = version_of(app_ctx)
    form = MultiDict([("q_member", "yes"), ("q_children", " 2 "), ("q_double", "5"), ("q_thanks", "x"),
                      ("q_city", "lima"), ("other", "1")])
    assert paging.answers_from(version, form) == {"member": "yes", "children": " 2 ", "city": "lima"}


def test_number_questions_get_the_keyboard_their_answers_need():
    assert keyboard(SurveyQuestion(kind="number", whole=True, constraint_rule="")) == "numeric"
    assert keyboard(SurveyQuestion(kind="number", whole=False, constraint_rule=". > 0")) == "decimal"
    assert keyboard(SurveyQuestion(kind="number", whole=True, constraint_rule=". >= 0 or . = -99")) == "text"
    assert keyboard(SurveyQuestion(kind="number", whole=True, constraint_rule="", min_value=-5)) == "text"
