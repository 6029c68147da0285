"""Surveys: all their URLs, in one place. The views are in answering, building and workplaces beside it."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from lms.surveys.building import kind_label
from lms.surveys.display import survey_title, wave_name, wave_target
from lms.surveys.forms import choice_label, label_of
from lms.surveys.logic import LogicTooSlow
from lms.surveys.views import answering, building, results
from lms.surveys.views import workplaces as workplace

bp = Blueprint("surveys", __name__)


@bp.app_context_processor
def survey_helpers():
    return {"survey_title": survey_title, "question_label": label_of, "choice_label": choice_label,
            "wave_target": wave_target, "wave_name": wave_name, "kind_label": kind_label}


@bp.errorhandler(LogicTooSlow)
def logic_too_slow(error: LogicTooSlow):
    """A form whose logic takes longer than SURVEY_LOGIC_SECONDS: the request stops there, and the log says which
    survey (never who was answering)."""
    current_app.logger.warning("survey %s: its form's logic took longer than %s s on one response", error.args[0],
                               current_app.config["SURVEY_LOGIC_SECONDS"])
    return render_template("surveys/too_slow.html"), 503


bp.add_url_rule("/surveys", "my_surveys", answering.my_surveys)
bp.add_url_rule("/s/<token>", "open_link", answering.open_link)
bp.add_url_rule("/surveys/invitations/<int:invitation_id>", "consent", answering.consent, methods=["GET", "POST"])
bp.add_url_rule("/surveys/invitations/<int:invitation_id>/answer", "answer", answering.answer, methods=["GET", "POST"])
bp.add_url_rule("/surveys/invitations/<int:invitation_id>/answer/check", "answer_check", answering.answer_check,
                methods=["POST"])
bp.add_url_rule("/surveys/<code>/withdraw", "withdraw", answering.withdraw, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage", "list_surveys", building.list_surveys)
bp.add_url_rule("/surveys/manage/new", "new_survey", building.new_survey, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage/<code>", "edit_survey", building.edit_survey)
bp.add_url_rule("/surveys/manage/<code>/questions", "add_question", building.add_question, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/questions/<question>", "edit_question",
                building.edit_question, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage/<code>/questions/<question>/delete", "delete_question",
                building.delete_question, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/questions/<question>/move", "move_question",
                building.move_question, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/publish", "publish", building.publish, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/discard", "discard_draft", building.discard_draft, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage/<code>/delete", "delete_survey", building.delete_survey, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage/<code>/responses", "import_responses", building.import_responses, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/waves", "add_wave", building.add_wave, methods=["POST"])
bp.add_url_rule("/groups/<int:group_id>/waves", "attach_to_group", building.attach_to_group, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/indicators", "add_indicator", building.add_indicator, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/indicators/<indicator>/delete", "delete_indicator",
                building.delete_indicator, methods=["POST"])
bp.add_url_rule("/surveys/manage/<code>/texts/<language>", "translate_survey",
                building.translate_survey, methods=["GET", "POST"])
bp.add_url_rule("/surveys/manage/<code>/results", "survey_results", results.survey_results)
bp.add_url_rule("/surveys/manage/<code>/results.csv", "download_results", results.download_results,
                defaults={"extension": "csv"})
bp.add_url_rule("/surveys/manage/<code>/results.xlsx", "download_results", results.download_results,
                defaults={"extension": "xlsx"})
bp.add_url_rule("/surveys/manage/<code>/xlsform.xlsx", "export_xlsform", building.export_xlsform)
bp.add_url_rule("/surveys/manage/import", "import_xlsform", building.import_xlsform, methods=["POST"])
bp.add_url_rule("/workplaces", "workplaces", workplace.workplaces, methods=["GET", "POST"])
bp.add_url_rule("/workplaces/<int:workplace_id>", "show_workplace", workplace.show_workplace)
bp.add_url_rule("/workplaces/<int:workplace_id>/waves/<int:wave_id>/collect", "collect",
                workplace.collect, methods=["GET", "POST"])
bp.add_url_rule("/workplaces/<int:workplace_id>/waves/<int:wave_id>/collect/check", "collect_check",
                workplace.collect_check, methods=["POST"])
bp.add_url_rule("/workplaces/<int:workplace_id>/edit", "edit_workplace", workplace.edit_workplace,
                methods=["GET", "POST"])
bp.add_url_rule("/workplaces/<int:workplace_id>/delete", "delete_workplace", workplace.delete_workplace,
                methods=["GET", "POST"])
