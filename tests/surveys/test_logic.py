"""The survey logic engine: XLSForm expressions evaluated with lxml's XPath and the ODK functions."""
from datetime import date

import pytest

from lms.extensions import db
from lms.models import SurveyQuestion
from lms.surveys import building
from lms.surveys.logic import ExpressionError, LogicTooSlow, check_expression, defaults, evaluate, pages
from lms.surveys.logic.expressions import _regex
from tests.surveys.helpers import logic_survey


@pytest.fixture
def version(app_ctx):
    """The draft of tests/surveys/helpers.py's form with logic: a gate guarding a group, a -99 "don't know", a whole
    number, a conditional requirement, a calculation, a cascading choice and a date."""
    return building.editable_version(logic_survey(publish=False))


def test_a_group_is_skipped_with_its_questions_when_its_rule_is_false(version):
    found = evaluate(version, {"member": "no", "years": "4", "country": "pe"}, "en")
    assert "union" not in found.relevant and "years" not in found.relevant
    assert found.values["years"] == ""  # a skipped question's answer does not count
    assert found.errors == {}
    asked = evaluate(version, {"member": "yes", "years": "4", "country": "pe"}, "en")
    assert {"union", "years"} <= asked.relevant and asked.values["years"] == "4"


def test_a_dont_know_code_is_allowed_by_the_constraint_and_anything_else_below_zero_is_not(version):
    assert evaluate(version, {"member": "yes", "years": "-99", "country": "pe"}, "en").errors == {}
    found = evaluate(version, {"member": "yes", "years": "-3", "country": "pe"}, "en")
    assert found.errors == {"years": "Give the years, or -99 if you do not know."}


def test_a_whole_number_question_refuses_a_decimal_and_a_grouped_number(version):
    found = evaluate(version, {"member": "yes", "years": "2.5", "children": "1,000", "country": "pe"}, "en")
    assert "whole number" in found.errors["years"]
    assert "more than one way" in found.errors["children"]


def test_a_requirement_written_as_an_expression_applies_only_when_it_holds(version):
    assert "ages" not in evaluate(version, {"member": "no", "children": "0", "country": "pe"}, "en").required
    found = evaluate(version, {"member": "no", "children": "2", "country": "pe"}, "en")
    assert "ages" in found.required and found.errors == {"ages": "An answer is required."}


def test_a_calculation_follows_the_answers_it_reads(version):
    assert evaluate(version, {"member": "no", "children": "3", "country": "pe"}, "en").values["double"] == "6"
    assert evaluate(version, {"member": "no", "country": "pe"}, "en").values["double"] == ""


def test_a_choice_filter_offers_the_cities_of_the_country_chosen(version):
    found = evaluate(version, {"member": "no", "country": "pe", "city": "cotonou"}, "en")
    assert found.choices["city"] == ["lima", "cusco"]
    assert "not one of the choices offered" in found.errors["city"]
    assert evaluate(version, {"member": "no", "country": "bj", "city": "cotonou"}, "en").errors == {}


def test_dates_compare_as_days(version, monkeypatch):
    monkeypatch.setattr("lms.clock.today", lambda: date(2026, 12, 5))
    assert evaluate(version, {"member": "no", "country": "pe", "joined": "2026-12-05"}, "en").errors == {}
    found = evaluate(version, {"member": "no", "country": "pe", "joined": "2026-12-06"}, "en")
    assert found.errors == {"joined": "This answer is not allowed."}
    assert "not a date" in evaluate(version, {"member": "no", "country": "pe", "joined": "5/12/2026"}, "en") \
        .errors["joined"]


def test_defaults_and_pages(version):
    assert defaults(version) == {"country": "pe"}
    assert [(p.code, p.codes) for p in pages(version)] == [
        (None, ["member"]), ("union", ["years"]), (None, ["children", "ages", "double", "country", "city",
                                                          "joined", "thanks"])]


@pytest.mark.parametrize("expression", [
    "selected(${m}, 'a') and count-selected(${m}) >= 1",
    "if(${n} > 3, 'big', 'small') = 'big'",
    "coalesce(${n}, 0) + int(2.7) = 2",
    "regex(${t}, '^[0-9]{8}$')",
    "round(${n} div 3, 2) > 1",
    "string-length(concat(${t}, 'x')) > 1 and not(contains(${t}, 'y'))",
    "jr:choice-name(${m}, '${m}') != ''",
    "format-date(today(), '%Y') != '' and decimal-date-time(${d}) > 0",
    "${n} > 0 and (${n} < 10 or ${n} = -99)",
])
def test_the_odk_functions_an_xlsform_uses_are_understood(app_ctx, expression):
    check_expression(expression, {"m", "n", "t", "d"})


@pytest.mark.parametrize(("expression", "reason"), [
    ("pulldata('households', 'name', 'id', ${n})", r"pulldata\(\) is not supported"),
    ("position(..) = 1", "not supported"),
    ("/data/n > 1", "not a path"),
    ("${nobody} = 1", "no question named nobody"),
    ("${n} > ", "cannot be read"),
    ("if(${n} > 1, 2)", "wrong number of values"),
])
def test_an_expression_the_portal_cannot_evaluate_is_refused_with_its_reason(app_ctx, expression, reason):
    with pytest.raises(ExpressionError, match=reason):
        check_expression(expression, {"n"})


def test_names_in_any_script_are_read_as_xml_reads_them(app_ctx):
    check_expression("${état_civil} = 'marié' and selected(${père}, 'oui')", {"état_civil", "père"})
    assert building.NAME_PATTERN.match("état_civil") and building.CHOICE_CODE_PATTERN.match("père")
    assert not building.CHOICE_CODE_PATTERN.match("once a week")  # select_multiple answers are lists by spaces
    assert not building.CODE_PATTERN.match("état")  # a survey's code is in URLs and IATI files: ASCII


def test_a_regex_runs_in_linear_time_on_a_long_answer_and_a_pattern_re2_cannot_run_is_refused(version):
    """Python's re took minutes over this pattern and a 2,000-character answer: RE2 answers at once."""
    question = next(q for q in version.questions if q.code == "years")
    question.constraint_rule = "regex(string(.), '^(1+)+$')"
    found = evaluate(version, {"member": "yes", "years": "1" * 38 + "2", "country": "pe"}, "en")
    assert "years" in found.errors  # with Python's re, this call did not return
    with pytest.raises(ExpressionError, match="back-references"):
        check_expression(r"regex(., '(a)\1')", set())


def test_calculations_that_double_their_text_stop_growing(version):
    """Outside tester: 22 calculations each concat(previous, previous) grew one character to megabytes."""
    position = max(q.position for q in version.questions)
    previous = "double"
    for n in range(30):
        doubled = f"concat(${{{previous}}}, ${{{previous}}})"
        version.questions.append(SurveyQuestion(code=f"grow{n}", kind="calculate", position=position + n + 1,
                                                required=False, calculation=doubled))
        previous = f"grow{n}"
    db.session.flush()
    found = evaluate(version, {"member": "no", "children": "1234567", "country": "pe"}, "en")
    assert max(len(value) for value in found.values.values()) <= 4000
    with pytest.raises(ExpressionError, match="at most 2000 characters"):
        check_expression("concat(" + ", ".join(["${n}"] * 500) + ")", {"n"})


def test_numbers_and_days_are_read_as_odk_writes_them_not_as_python_reads_them(version):
    """Outside tester: 1_000 was taken as a number and 19900501 as a date."""
    found = evaluate(version, {"member": "no", "children": "1_000", "country": "pe", "joined": "19900501"}, "en")
    assert "not a number" in found.errors["children"] and "not a date" in found.errors["joined"]


def test_rounding_to_a_hundred_million_places_is_rounding_to_fifteen(version):
    """Outside tester: round(x, 100000000) computed 10 ** 100000000 and held a worker past its timeout."""
    question = next(q for q in version.questions if q.code == "double")
    question.calculation = "round(${children} div 3, 100000000)"
    assert evaluate(version, {"member": "no", "children": "1", "country": "pe"}, "en").values["double"] == \
        "0.333333333333333"


def test_the_logic_stops_past_its_time(data_app, version, monkeypatch):
    monkeypatch.setitem(data_app.config, "SURVEY_LOGIC_SECONDS", -1)
    with pytest.raises(LogicTooSlow):
        evaluate(version, {"member": "no", "country": "pe"}, "en")


def test_text_built_by_an_expression_is_bounded_before_regex_or_translate_read_it(version):
    """Outside tester: regex(concat(${c}, ... 300 times), '.{0,1000}.{0,1000}.{0,1000}z') ran for a minute in one
    call, where the time budget cannot stop it; concat() and join() now build at most 8,000 characters."""
    position = max(q.position for q in version.questions)
    version.questions.append(SurveyQuestion(code="long", kind="calculate", position=position + 1, required=False,
                                            calculation="'" + "y" * 1900 + "'"))
    double = next(q for q in version.questions if q.code == "double")
    db.session.flush()

    def value(expression: str) -> str:
        double.calculation = expression
        return evaluate(version, {"member": "no", "country": "pe"}, "en").values["double"]

    assert value("string-length(concat(${long}, ${long}, ${long}, ${long}))") == "7600"
    assert value("string-length(concat(${long}, ${long}, ${long}, ${long}, ${long}))") == "0"
    assert value("string-length(join(' ', ${long}, ${long}, ${long}, ${long}, ${long}))") == "0"
    assert value("if(regex(concat(${long}, ${long}, ${long}, ${long}), 'y$'), 'yes', 'no')") == "yes"


def test_a_regex_whose_pattern_would_take_too_long_on_a_text_does_not_match(version):
    """Outside tester: (x|xy){0,1000} sixteen times is a linear pattern for RE2, but a program of 96,000 steps: it
    took 9 seconds over 7,920 characters, in one call."""
    heavy = "(x|xy){0,1000}" * 16 + "z"
    assert not _regex(None, "x" * 7920, heavy)
    assert _regex(None, "x" * 20 + "z", heavy)  # a short text is worth the work
    assert _regex(None, "Amina Traoré", r"^\p{L}[\p{L} '-]{0,80}$")
