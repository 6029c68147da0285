"""XLSForms read the way pyxform reads them, their logic kept; what the portal cannot ask refused whole, with every
place; the portal's export carrying the logic back to pyxform and ODK Validate."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert
from sqlalchemy import select

from lms.extensions import db
from lms.models import Survey
from lms.surveys import logic
from lms.surveys.xlsform import XLSFormError, export_xlsform, import_xlsform
from tests.helpers import row_counts
from tests.surveys.helpers import book

FORMS = Path(__file__).parent / "forms"


SURVEY_HEADER = ("type", "name", "label::English (en)", "label::Français (fr)", "label::Español (es)",
                 "label::العربية (ar)", "hint::English (en)", "relevant", "constraint",
                 "constraint_message::English (en)", "constraint_message::Français (fr)", "required",
                 "required_message::English (en)", "required_message::Français (fr)", "choice_filter", "default",
                 "calculation", "appearance")
LOGIC_FORM = {
    "survey": [
        SURVEY_HEADER,
        ("start", "start"), ("deviceid", "deviceid"),
        ("select_one yes_no", "member", "Are you a union member?", "Êtes-vous syndiqué·e ?", "¿Está afiliado/a?",
         "هل أنت عضو في نقابة؟", "", "", "", "", "", "yes"),
        ("begin_group", "union", "Your union", "Votre syndicat", "Su sindicato", "نقابتك", "", "${member} = 'yes'",
         "", "", "", "", "", "", "", "", "", "field-list"),
        ("integer", "years", "Years in the union", "Années au syndicat", "Años en el sindicato", "سنوات في النقابة",
         "Whole years", "", ". >= 0 or . = -99", "0 or more, or -99", "0 ou plus, ou -99", "${member} = 'yes'",
         "Please say how long", "Dites depuis combien de temps"),
        ("begin_group", "dues", "Dues", "Cotisations", "Cuotas", "الاشتراكات", "", "${years} > 0"),
        ("decimal", "amount", "Monthly dues", "Cotisation mensuelle", "Cuota mensual", "الاشتراك الشهري", "", "",
         ". >= 0 and . <= 500", "", "", "", "", "", "", "10"),
        ("end_group", ""),
        ("end_group", ""),
        ("select_one country", "country", "Country", "Pays", "País", "البلد"),
        ("select_one city", "city", "City", "Ville", "Ciudad", "المدينة", "", "", "", "", "", "", "", "",
         "country = ${country}"),
        ("date", "joined", "When did you start work?", "Début du travail ?", "¿Cuándo empezó?", "متى بدأت العمل؟",
         "", "", ". <= today()"),
        ("calculate", "double", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "${years} * 2"),
        ("note", "thanks", "Thank you (${double})", "Merci", "Gracias", "شكرا"),
        ("text", "comment", "Anything else?", "Autre chose ?", "¿Algo más?", "شيء آخر؟", "", "",
         "regex(., '^.{0,200}$')"),
    ],
    "choices": [
        ("list_name", "name", "label::English (en)", "label::Français (fr)", "label::Español (es)",
         "label::العربية (ar)", "country"),
        ("yes_no", "yes", "Yes", "Oui", "Sí", "نعم"), ("yes_no", "no", "No", "Non", "No", "لا"),
        ("country", "bj", "Benin", "Bénin", "Benín", "بنين"), ("country", "tg", "Togo", "Togo", "Togo", "توغو"),
        ("city", "cotonou", "Cotonou", "Cotonou", "Cotonú", "كوتونو", "bj"),
        ("city", "lome", "Lomé", "Lomé", "Lomé", "لومي", "tg"),
    ],
    "settings": [("form_id", "form_title", "default_language"), ("union voice", "Union voice", "English (en)")],
}


def shape(survey: Survey) -> dict:
    version = survey.published_version
    groups = {g.id: g for g in version.groups}
    return {
        "groups": [(g.code, groups[g.parent_id].code if g.parent_id else None, g.relevant,
                    sorted((t.language, t.label) for t in g.texts)) for g in version.groups],
        "questions": [(q.code, q.kind, q.whole, q.required, q.min_value, q.max_value,
                       groups[q.group_id].code if q.group_id else None, q.relevant, q.constraint_rule,
                       q.required_rule, q.calculation, q.choice_filter, q.default_value,
                       sorted((t.language, t.label, t.hint, t.constraint_message, t.required_message) for t in q.texts),
                       [(c.code, c.filters, sorted((t.language, t.label) for t in c.texts)) for c in q.choices])
                      for q in version.questions]}


def test_the_logic_of_a_form_is_kept(app_ctx):
    survey = import_xlsform(book(LOGIC_FORM), "union.xlsx", creator=None)
    db.session.commit()
    assert survey.code == "union_voice"  # the form_id "union voice", its space made "_"
    version = survey.published_version
    questions = {q.code: q for q in version.questions}
    assert list(questions) == ["member", "years", "amount", "country", "city", "joined", "double", "thanks",
                               "comment"]  # start and deviceid are device metadata: passed over
    assert [(g.code, g.relevant) for g in version.groups] == [("union", "${member} = 'yes'"),
                                                              ("dues", "${years} > 0")]
    union, dues = version.groups
    assert dues.parent_id == union.id and union.parent_id is None
    assert {t.language: t.label for t in union.texts} == {"en": "Your union", "fr": "Votre syndicat",
                                                          "es": "Su sindicato", "ar": "نقابتك"}
    years = questions["years"]
    assert (years.kind, years.whole, years.min_value, years.max_value) == ("number", True, None, None)
    assert years.constraint_rule == ". >= 0 or . = -99"  # not "at least 0"
    assert (years.required, years.required_rule) == (False, "${member} = 'yes'")
    assert years.group_id == union.id and questions["amount"].group_id == dues.id
    texts = {t.language: t for t in years.texts}
    assert (texts["fr"].constraint_message, texts["fr"].required_message) == ("0 ou plus, ou -99",
                                                                              "Dites depuis combien de temps")
    assert (texts["en"].hint, texts["en"].constraint_message) == ("Whole years", "0 or more, or -99")
    amount = questions["amount"]
    assert (amount.whole, amount.min_value, amount.max_value, amount.constraint_rule) == (False, 0, 500, "")
    assert amount.default_value == "10"
    assert questions["member"].kind == "yes_no" and questions["member"].required
    city = questions["city"]
    assert city.choice_filter == "country = ${country}"
    assert [(c.code, c.filters) for c in city.choices] == [("cotonou", {"country": "bj"}), ("lome", {"country": "tg"})]
    assert {t.language: t.label for t in city.choices[1].texts} == {"en": "Lomé", "ar": "لومي"}  # the same: no
    assert questions["joined"].kind == "date" and questions["joined"].constraint_rule == ". <= today()"
    assert (questions["double"].kind, questions["double"].calculation) == ("calculate", "${years} * 2")
    assert questions["thanks"].kind == "note" and not questions["thanks"].required
    assert questions["comment"].constraint_rule == "regex(., '^.{0,200}$')"
    # The engine reads what was imported.
    evaluation = logic.evaluate(version, {"member": "no", "country": "tg", "city": "lome"}, "en")
    assert "union" not in evaluation.relevant and "years" not in evaluation.relevant
    assert evaluation.choices["city"] == ["lome"]


def test_header_sheet_and_type_spellings_read_as_pyxform_reads_them(app_ctx):
    form = book({
        "SURVEY": [("Type", "Name", "label:English", "Label:Français", "Hint"),
                   ("int", "age", "Your age", "Votre âge", "In years"),
                   ("select one colours", "colour", "Favourite colour", "Couleur préférée"),
                   ("select all that apply colours", "colours", "Colours you wear", "Couleurs portées"),
                   ("string", "name_of_union", "Your union's name", "Nom de votre syndicat")],
        "Choices": [("list name", "name", "label:English", "label:Français"),
                    ("colours", "red", "Red", "Rouge"), ("colours", "blue", "Blue", "Bleu")],
    })
    survey = import_xlsform(form, "My form.xlsx", creator=None)
    questions = {q.code: q for q in survey.published_version.questions}
    assert survey.code == "My_form" and survey.source_language == "en"
    assert (questions["age"].kind, questions["age"].whole) == ("number", True)
    assert {t.language: (t.label, t.hint) for t in questions["age"].texts} == {
        "en": ("Your age", "In years"), "fr": ("Votre âge", "")}
    assert questions["colour"].kind == "single" and questions["colours"].kind == "multiple"
    assert [c.code for c in questions["colour"].choices] == ["red", "blue"]
    assert {t.language: t.label for t in questions["colours"].choices[1].texts} == {"en": "Blue", "fr": "Bleu"}
    assert questions["name_of_union"].kind == "text"


def test_or_other_gives_the_other_choice_and_its_question(app_ctx):
    form = book({
        "survey": [("type", "name", "label::English (en)", "label::Español (es)"),
                   ("select_one sector or_other", "sector", "Your sector", "Su sector")],
        "choices": [("list_name", "name", "label::English (en)", "label::Español (es)"),
                    ("sector", "textile", "Textile", "Textil"), ("sector", "mining", "Mining", "Minería")],
    })
    survey = import_xlsform(form, "sector.xlsx", creator=None)
    questions = {q.code: q for q in survey.published_version.questions}
    assert [c.code for c in questions["sector"].choices] == ["textile", "mining", "other"]
    other = questions["sector_other"]
    assert (other.kind, other.relevant, other.required) == ("text", "selected(${sector}, 'other')", False)
    assert {t.language: t.label for t in other.texts}["en"] == "Specify other."
    evaluation = logic.evaluate(survey.published_version, {"sector": "other", "sector_other": "Fishing"}, "en")
    assert "sector_other" in evaluation.relevant


def test_what_the_portal_cannot_ask_is_refused_with_every_place_and_nothing_is_written(app_ctx):
    form = book({
        "survey": [("type", "name", "label", "relevant", "appearance", "parameters"),
                   ("text", "name_given", "Name"),
                   ("begin_repeat", "children", "Children"),
                   ("text", "child", "Child's name"),
                   ("end_repeat", ""),
                   ("geopoint", "where", "Where?"),
                   ("image", "photo", "A photo"),
                   ("select_one_from_file places.csv", "place", "Place"),
                   ("rank colours", "ranking", "Rank"),
                   ("text", "lookup", "Looked up", "pulldata('x', 'y', 'z', ${name_given}) = 'a'"),
                   ("select_one colours", "coloured", "Colour", "", "minimal"),
                   ("range", "slider", "How much?", "", "", "start=0 end=10 step=2"),
                   ("acknowledge", "ok", "OK?")],
        "choices": [("list_name", "name", "label"), ("colours", "red", "Red"), ("colours", "blue", "Blue")],
    })
    before = row_counts()
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(form, "field.xlsx", creator=None)
    problems = refused.value.problems
    places = [p.split(": ", 1)[0] for p in problems]
    assert places == [f"field.xlsx, sheet survey, row {row}, column {column}" for row, column in (
        (3, "type"), (6, "type"), (7, "type"), (8, "type"), (9, "type"), (12, "parameters"), (13, "type"),
        (10, "relevant"))], problems
    assert "repeated groups" in problems[0] and "“geopoint” is not supported" in problems[1]
    assert "select_one_from_file" in problems[3] and "pulldata" in problems[-1]
    db.session.rollback()
    assert row_counts() == before


def test_pyxform_s_own_problem_comes_with_every_unsupported_row(app_ctx):
    form = book({"survey": [("type", "name", "label"), ("text", "a", "A"), ("text", "a", "Again"),
                            ("geopoint", "where", "Where?"), ("begin repeat", "r", "R"), ("text", "b", "B"),
                            ("end repeat", "")]})
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(form, "twice.xlsx", creator=None)
    problems = refused.value.problems
    assert problems[0].startswith("twice.xlsx, sheet survey, row 3: pyxform refuses the form:"), problems
    assert [p.split(": ", 1)[0] for p in problems[1:]] == ["twice.xlsx, sheet survey, row 4, column type",
                                                           "twice.xlsx, sheet survey, row 5, column type"]


def test_every_problem_of_the_portal_s_own_is_reported_at_once(app_ctx):
    form = book({
        "survey": [("type", "name", "label::English (en)", "constraint", "relevant", "label::Français (fr)"),
                   ("integer", "age", "Age", ". >= 90 and . <= 15"),
                   ("text", "x" * 70, "Long name"),
                   ("select_one few", "few", "Few"),
                   ("text", "later", "Later", "", "${age} >"),
                   ("decimal", "rate", "", "", "", "Taux")],
        "choices": [("list_name", "name", "label::English (en)"), ("few", "only", "Only one"), ("few", "a'b", "A B")],
    })
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(form, "mixed.xlsx", creator=None)
    places = [p.split(": ", 1)[0] for p in refused.value.problems]
    assert places == ["mixed.xlsx, sheet survey, row 2, column constraint",
                      "mixed.xlsx, sheet survey, row 3, column name",
                      "mixed.xlsx, sheet choices, row 2, column name",
                      "mixed.xlsx, sheet survey, row 6, column label::English (en)",
                      "mixed.xlsx, sheet survey, row 5, column relevant"], refused.value.problems


def test_an_unknown_language_is_refused_at_its_column(app_ctx):
    form = book({"survey": [("type", "name", "label::English (en)", "label::Elvish"), ("text", "a", "A", "Á")]})
    with pytest.raises(XLSFormError, match=r"sheet survey, row 1, column label::Elvish: give the language"):
        import_xlsform(form, "elvish.xlsx", creator=None)


@pytest.mark.parametrize(("name", "expected"), [
    ("pyxform__specify_other.xls", {"sex": "single", "sex_other": "text"}),
    ("pyxform__spaces_in_choices_header.xls", {"my_select_all": "multiple", "my_select": "single"}),
    ("pyxform__or_other.xlsx", None),
    ("pyxform__yes_or_no_question.xlsx", None),
    ("ona__multi_lingual_form.xlsx", None),
    ("kobocat__battery_life.xls", None),
    ("pyxform__cascading_select_test_equivalent.xls", None),
])
def test_real_forms_import(app_ctx, name, expected):
    survey = import_xlsform(io.BytesIO((FORMS / name).read_bytes()), name, creator=None)
    kinds = {q.code: q.kind for q in survey.published_version.questions}
    if expected:
        assert kinds == expected
    assert kinds


def test_real_forms_keep_what_they_say(app_ctx):
    survey = import_xlsform(io.BytesIO((FORMS / "pyxform__spaces_in_choices_header.xls").read_bytes()),
                            "spaces.xls", creator=None)
    question = survey.published_version.questions[0]
    assert question.constraint_rule == "not(selected(., 'c') and selected(., 'd'))"
    assert {t.language: t.constraint_message for t in question.texts} == {
        "en": "option c and d cannot be selected together"}
    assert (question.default_value, question.choice_filter) == ("a c", "true()")
    survey = import_xlsform(io.BytesIO((FORMS / "ona__multi_lingual_form.xlsx").read_bytes()), "multi.xlsx",
                            creator=None)
    age = next(q for q in survey.published_version.questions if q.code == "age")
    assert {t.language: t.label for t in age.texts} == {"en": "Age", "sw": "Umri", "fr": "L'age"}
    assert survey.published_version.groups[0].code == "group1"


def test_a_widget_sampler_is_refused_for_each_widget_the_portal_lacks(app_ctx):
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(io.BytesIO((FORMS / "pyxform__widgets.xls").read_bytes()), "widgets.xls", creator=None)
    text = str(refused.value)
    for kind in ("time", "geopoint", "barcode", "photo", "audio", "video"):
        assert f"“{kind}” is not supported" in text, kind
    assert "widgets.xls, sheet survey, row 6, column type" in text


def test_a_broken_xls_file_is_refused(app_ctx):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(XLSFormError, match=r"broken.xls is not an XLSForm spreadsheet \(.xlsx or .xls\)"):
        import_xlsform(io.BytesIO(data), "broken.xls", creator=None)


def test_the_export_carries_the_logic_and_round_trips(app_ctx):
    original = import_xlsform(book(LOGIC_FORM), "union.xlsx", creator=None)
    db.session.commit()
    data = export_xlsform(original).getvalue()
    sheet = load_workbook(io.BytesIO(data))["survey"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [r[0] for r in rows if r[0] in ("begin_group", "end_group")] == [
        "begin_group", "begin_group", "end_group", "end_group"]
    xform = convert(xlsform=io.BytesIO(data), warnings=[], file_type=".xlsx").xform
    assert "relevant=\" /data/member  = 'yes'\"" in xform and "nodeset=\"/data/union/dues\"" in xform
    assert "constraint=\". &gt;= 0 or . = -99\"" in xform and "0 ou plus, ou -99" in xform
    book_ = load_workbook(io.BytesIO(data))
    book_["settings"]["A2"] = "union_voice_copy"
    changed = io.BytesIO()
    book_.save(changed)
    changed.seek(0)
    copy = import_xlsform(changed, "copy.xlsx", creator=None)
    assert shape(copy) == shape(original)


@pytest.mark.java
def test_the_export_with_logic_passes_odk_validate(app_ctx):
    survey = import_xlsform(book(LOGIC_FORM), "union.xlsx", creator=None)
    db.session.commit()
    data = export_xlsform(survey).getvalue()
    result = convert(xlsform=io.BytesIO(data), validate=True, warnings=[], file_type=".xlsx")  # runs ODK Validate
    assert "jr:constraintMsg" in result.xform and "calculate=" in result.xform


def test_a_new_version_from_a_form_keeps_the_survey_and_its_logic(app_ctx):
    survey = import_xlsform(book(LOGIC_FORM), "union.xlsx", creator=None)
    db.session.commit()
    import_xlsform(book(LOGIC_FORM), "union-2.xlsx", creator=None)
    db.session.commit()
    db.session.expire_all()
    survey = db.session.scalar(select(Survey).where(Survey.code == "union_voice"))
    assert [v.number for v in survey.versions] == [1, 2]
    assert [g.code for g in survey.published_version.groups] == ["union", "dues"]


def test_editing_an_imported_survey_keeps_its_groups_and_logic(app_ctx):
    from lms.surveys import building

    survey = import_xlsform(book(LOGIC_FORM), "union.xlsx", creator=None)
    db.session.commit()
    draft = building.editable_version(survey)
    db.session.commit()
    published = survey.published_version
    assert draft is not published
    groups = {g.id: g.code for g in draft.groups}
    assert [(g.code, groups.get(g.parent_id), g.relevant) for g in draft.groups] == [
        ("union", None, "${member} = 'yes'"), ("dues", "union", "${years} > 0")]
    before = [(q.code, q.relevant, q.constraint_rule, q.required_rule, q.calculation, q.choice_filter,
               q.default_value, q.whole, [c.filters for c in q.choices],
               sorted((t.language, t.constraint_message, t.required_message) for t in q.texts))
              for q in published.questions]
    after = [(q.code, q.relevant, q.constraint_rule, q.required_rule, q.calculation, q.choice_filter,
              q.default_value, q.whole, [c.filters for c in q.choices],
              sorted((t.language, t.constraint_message, t.required_message) for t in q.texts))
             for q in draft.questions]
    assert after == before
    assert [groups.get(q.group_id) for q in draft.questions][:3] == [None, "union", "dues"]


def test_a_form_in_a_language_without_locale_data_imports_and_exports(app_ctx):
    """Outside tester: a form with label::Tetun (tet) imported, then its export failed (no CLDR locale for tet)."""
    form = book({"survey": [("type", "name", "label::English (en)", "label::Tetun (tet)"),
                            ("text", "name_of_site", "Name of the site", "Naran fatin")],
                 "settings": [("form_id", "default_language"), ("tetun_form", "English (en)")]})
    survey = import_xlsform(form, "tetun.xlsx", creator=None)
    exported = export_xlsform(survey)
    header = [cell.value for cell in load_workbook(exported).worksheets[0][1]]
    assert "label::Tetum (tet)" in header
    convert(xlsform=exported.getvalue(), warnings=[], file_type=".xlsx")


def test_a_long_village_list_offered_by_cascading_selects_imports_and_each_question_offers_its_own(app_ctx):
    """Outside tester: a choices sheet of thousands took minutes to import (each choice's row was searched for),
    then every page of the survey timed out; a form offering more than 20,000 choices in all is refused."""
    villages = [("village", f"v{n}", f"Village {n}", f"d{n % 50}") for n in range(1000)]
    districts = [("district", f"d{n}", f"District {n}", "") for n in range(50)]
    survey_rows = [("type", "name", "label", "choice_filter"), ("select_one district", "district", "District"),
                   *[("select_one village", f"village{k}", f"Village {k}", "district = ${district}")
                     for k in range(3)]]
    choices = [("list_name", "name", "label", "district"), *districts, *villages]
    survey = import_xlsform(book({"survey": survey_rows, "choices": choices}), "villages.xlsx", creator=None)
    found = logic.evaluate(survey.published_version, {"district": "d7"}, "en")
    assert found.choices["village0"] == [f"v{n}" for n in range(7, 1000, 50)]
    too_many = [("type", "name", "label"), *[("select_one village", f"q{k}", f"Q {k}") for k in range(21)]]
    with pytest.raises(XLSFormError, match="offer 21,000 choices in all"):
        import_xlsform(book({"survey": too_many, "choices": choices}), "more.xlsx", creator=None)


def test_a_single_choice_named_with_spaces_is_taken_whole(app_ctx):
    """Outside tester: Ghana's regions as Kobo forms name them ("brong ahafo") were refused; pyxform and ODK Collect
    take spaces in a select_one's choice names (never in a select_multiple's, whose answer is a list)."""
    choices = [("list_name", "name", "label"), ("region", "brong ahafo", "Brong-Ahafo"), ("region", "volta", "Volta")]
    survey = import_xlsform(book({"survey": [("type", "name", "label"), ("select_one region", "region", "Region")],
                                  "choices": choices}), "ghana.xlsx", creator=None)
    version = survey.published_version
    assert logic.evaluate(version, {"region": "brong ahafo"}, "en").errors == {}
    assert logic.evaluate(version, {"region": "brong"}, "en").errors
    with pytest.raises(XLSFormError, match="brong ahafo"):
        import_xlsform(book({"survey": [("type", "name", "label"), ("select_multiple region", "regions", "Regions")],
                             "choices": choices}), "ghana2.xlsx", creator=None)


def test_a_form_whose_logic_takes_too_long_on_one_response_is_refused(app_ctx, data_app, monkeypatch):
    """Outside tester: 200 calculations each building a megabyte of text held every member's page past gunicorn's
    timeout. The import works the logic out as a page would, on the longest answers, within SURVEY_LOGIC_SECONDS."""
    monkeypatch.setitem(data_app.config, "SURVEY_LOGIC_SECONDS", -1)
    form = book({"survey": [("type", "name", "label", "calculation"), ("text", "t", "Say something"),
                            ("calculate", "c", "", "string-length(concat(${t}, ${t}))")]})
    with pytest.raises(XLSFormError, match="takes longer than the portal allows"):
        import_xlsform(form, "heavy.xlsx", creator=None)
    db.session.rollback()  # as the view and the command do
    assert db.session.scalar(select(Survey).where(Survey.code == "heavy")) is None


def test_choices_worded_in_many_languages_are_bounded_in_all(app_ctx, monkeypatch):
    """Outside tester: 10,000 choices in 12 languages took longer than gunicorn's timeout to import and export."""
    monkeypatch.setattr("lms.surveys.xlsform.importing.MAX_CHOICE_WORDINGS", 5)
    form = book({"survey": [("type", "name", "label::English (en)", "label::Français (fr)"),
                            ("select_one c", "c", "C", "C")],
                 "choices": [("list_name", "name", "label::English (en)", "label::Français (fr)"),
                             ("c", "a", "A", "A fr"), ("c", "b", "B", "B fr"), ("c", "d", "D", "D fr")]})
    with pytest.raises(XLSFormError, match="6 wordings in all"):
        import_xlsform(form, "worded.xlsx", creator=None)
