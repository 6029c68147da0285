"""What a survey's results page and its downloads publish per wave and per question: how many were invited and
answered, how the answers to each question are spread, and the free text where the survey's privacy allows it.

Every count goes through lms/disclosure.py, as every other figure of the portal: a true count with the cell key of
its records, published rounded at random to a multiple of 5, the same for the same records in every view.

- *Invited*: the wave's invitations; one per person and wave, so its cell key is the sum of the invited people's
  record keys. Workplace rounds invite nobody (union teams collect the answers): no figure.
- *Answered*: the wave's published responses (``results.response_counts``: the same figure as before). Answers
  waiting in the pool are not counted, so one more answer moves nothing (docs/privacy.md).
- *Response rate*: answered over invited, both as published, at most 100%, shown from a published invited of
  ``MIN_SHOWN`` (``disclosure.rate``).
- Per question and wave: the responses that answered it, then per choice (per bin of a number question) the
  responses that gave it, each a count of responses with its own cell key. Shown only where the question's
  published count of answers is at least ``MIN_SHOWN``, as the shares of indicators are; a share divides two
  published counts.
- A number question with both bounds: the mean as its indicator publishes it (``results.published_estimate``,
  the same noise from the same records, so two readings average nothing away) and ``BINS`` bins of equal width
  between its bounds. Without both bounds, only how many answered: no fixed noise hides one answer of any size.
- Free text: listed only for identified and pseudonymous surveys (``texts_listed``), and only ``p - 5`` of
  them, where p is their published count and at least ``MIN_SHOWN``: the length of the list is a function of a
  published figure and says nothing more (docs/privacy.md, "Results per question").
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import disclosure
from lms.disclosure import BASE, MIN_SHOWN, Count
from lms.extensions import db
from lms.i18n import pick_text
from lms.models import (
    Survey,
    SurveyAnswer,
    SurveyIndicator,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyWave,
    TrainingGroup,
    User,
)
from lms.surveys import answer_counts as counting
from lms.surveys import results
from lms.surveys.building import FIXED_CHOICE_LABELS
from lms.surveys.indicator_sums import Scale
from lms.surveys.scales import scales_of
from lms.surveys.statistics import Estimate

#: Sets the key that orders free-text answers apart from every other use of PSEUDONYM_KEY.
TEXT_ORDER_LABEL = b"lms.surveys.distributions: order of free-text answers, v1"


@dataclass(frozen=True)
class Label:
    """A text from the survey's content, and the language it is in where that is not the reader's (a fallback)."""

    text: str
    language: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class WaveCounts:
    wave: SurveyWave
    #: Published count of invitations; None for a workplace round, which invites nobody.
    invited: int | None
    #: Published count of responses.
    answered: int

    @property
    def rate(self) -> float | None:
        """Answered over invited (0-1), from the published counts; None under MIN_SHOWN invited."""
        return None if self.invited is None else disclosure.rate(self.answered, self.invited)


@dataclass(frozen=True)
class Bar:
    """One choice (or bin) of a question in a wave: its published count of responses."""

    code: str
    label: Label
    count: int


@dataclass
class QuestionWave:
    """One question in one wave, as published."""

    wave: SurveyWave
    #: Published count of the responses that answered the question.
    answered: int
    bars: list[Bar] = field(default_factory=list)
    #: A number question's mean with its 95% interval (value None where not shown), else None.
    mean: Estimate | None = None
    #: Free-text answers listed (None: not listed).
    texts: list[str] | None = None

    @property
    def shown(self) -> bool:
        return self.answered >= MIN_SHOWN

    def share(self, bar: Bar) -> float | None:
        """The bar's share of the question's answers (0-1), from published counts; None where not shown."""
        return disclosure.rate(bar.count, self.answered) if self.shown else None


@dataclass
class QuestionResult:
    code: str
    kind: str
    label: Label
    #: A number question without both bounds: only how many answered.
    bounded: bool = True
    waves: list[QuestionWave] = field(default_factory=list)


@dataclass
class SurveyFigures:
    waves: list[WaveCounts]
    #: None where the reader may not read the survey's figures (permissions.can_read_figures).
    questions: list[QuestionResult] | None
    #: Whether the survey's privacy mode lets its free text be listed.
    texts_listed: bool


def texts_listed(survey: Survey) -> bool:
    """Free text is listed for identified and pseudonymous surveys, never for anonymous ones.

    An anonymous survey tells its members that nobody, the portal's staff included, can tell which answers are
    theirs; a free-text answer can name its writer by what it says (a supervisor, a rare job), to the staff who
    know the workplace. Identified members agreed that their answers carry their name, and pseudonymous members
    that nobody sees their name next to their answers: a text listed alone, with no other column of its response,
    keeps that.
    """
    return survey.privacy != "anonymous"


def survey_figures(survey: Survey, waves: list[SurveyWave], countries: list[str] | None, *, language: str,
                   figures: bool, texts: bool = True) -> SurveyFigures:
    """The published figures of ``waves`` (counting respondents of ``countries`` only, if given): per wave, and,
    with ``figures``, per question, with the free text the survey's privacy lets be listed (none without
    ``texts``). A fixed number of queries, whatever the number of answers."""
    return surveys_figures([(survey, waves, figures)], countries, language=language, texts=texts)[0]


def surveys_figures(chosen: list[tuple[Survey, list[SurveyWave], bool]], countries: list[str] | None, *,
                    language: str, texts: bool = True) -> list[SurveyFigures]:
    """``survey_figures`` of several surveys (each with its waves and whether its questions' figures are read),
    their counts read together: the same statements for any number of surveys where their counts are kept."""
    all_waves = [w for _survey, waves, _figures in chosen for w in waves]
    wave_ids = [w.id for w in all_waves]
    kept = counting.summed(wave_ids)  # once for every read below that takes the kept counts
    answered = results.response_counts(wave_ids, countries, kept=kept)
    invited = invitation_counts([w.id for w in all_waves if w.workplace_id is None], countries)
    asked = {survey.id: (waves, questions_of(survey, language)) for survey, waves, figures in chosen if figures}
    scales = scales_of({survey_id: {q.code for q in questions if q.kind == "number"}
                                for survey_id, (_waves, questions) in asked.items()})
    answers, numbers = question_counts(asked, scales, countries, kept)
    found = []
    for survey, waves, figures in chosen:
        counts = [WaveCounts(w, None if w.workplace_id is not None else invited.get(w.id, 0), answered.get(w.id, 0))
                  for w in waves]
        listed = texts_listed(survey) and texts
        found.append(SurveyFigures(counts, question_results(
            waves, countries, asked[survey.id][1], scales.get(survey.id, {}), answers, numbers, listed)
            if figures else None, listed))
    return found


def question_counts(asked: dict[int, tuple[list[SurveyWave], list[_Question]]], scales: dict[int, dict[str, Scale]],
                    countries: list[str] | None, kept: bool) -> tuple[counting.Counts, counting.Bins]:
    """The answers' counts and the numbers' sums of the surveys ``asked`` (survey id -> its waves and questions).
    Kept counts are per question: one statement each for every survey. From the answers, a survey at a time, as a
    question code's kind, choices and scale are its own survey's."""
    if not asked:
        return {}, {}
    if kept:
        wave_ids = [w.id for waves, _questions in asked.values() for w in waves]
        return (counting.answer_counts(wave_ids, countries, {}, {}, kept),
                counting.number_sums(wave_ids, countries, {}, kept))
    answers: counting.Counts = {}
    numbers: counting.Bins = {}
    for survey_id, (waves, questions) in asked.items():
        wave_ids = [w.id for w in waves]
        answers |= counting.answer_counts(wave_ids, countries, {q.code: q.kind for q in questions},
                                          {q.code: set(q.choices) for q in questions}, kept)
        numbers |= counting.number_sums(wave_ids, countries, scales.get(survey_id, {}), kept)
    return answers, numbers


def invitation_counts(wave_ids: list[int], countries: list[str] | None) -> dict[int, int]:
    """Invitations per wave, as published. An invitation counts for the group's country (a group's wave), else
    its member's, as the response does (answering.response_country)."""
    if not wave_ids:
        return {}
    country = sa.case((SurveyWave.group_id.is_not(None), TrainingGroup.country), else_=User.country)
    query = (select(SurveyInvitation.wave_id, func.count(), func.sum(User.record_key))
             .join(User, User.id == SurveyInvitation.user_id)
             .join(SurveyWave, SurveyWave.id == SurveyInvitation.wave_id)
             .outerjoin(TrainingGroup, TrainingGroup.id == SurveyWave.group_id)
             .where(SurveyInvitation.wave_id.in_(wave_ids)).group_by(SurveyInvitation.wave_id))
    if countries is not None:
        query = query.where(country.in_(countries))
    return {wave_id: Count.of(n, key).published for wave_id, n, key in db.session.execute(query)}


@dataclass
class _Question:
    """A question code over the survey's published versions: its kind, newest wording, choices and bounds."""

    code: str
    kind: str
    label: Label
    choices: dict[str, Label] = field(default_factory=dict)


def questions_of(survey: Survey, language: str) -> list[_Question]:
    """Every question code of the published versions, in the newest version's order (codes only in older
    versions after), worded in ``language`` where translated and current, else in the survey's language."""
    found: dict[str, _Question] = {}
    source = survey.source_language
    for version in sorted((v for v in survey.versions if v.published_at is not None), key=lambda v: -v.number):
        for question in version.questions:
            if not question.answered:  # a note is read, a calculation worked out: neither holds an answer
                continue
            entry = found.get(question.code)
            if entry is None:
                entry = found[question.code] = _Question(question.code, question.kind,
                                                         label_in(question.texts, language, source, "label")
                                                         or Label(question.code))
            for code in question.choice_codes:
                if code not in entry.choices:
                    entry.choices[code] = choice_label(question, code, language, source)
    return list(found.values())


def label_in(rows, language: str, source: str, attribute: str) -> Label | None:
    picked = pick_text(rows, language, source)
    if picked is None:
        return None
    return Label(getattr(picked.row, attribute), picked.language if picked.language != language else None)


def choice_label(question: SurveyQuestion, code: str, language: str, source: str) -> Label:
    if (question.kind, code) in FIXED_CHOICE_LABELS:
        return Label(str(FIXED_CHOICE_LABELS[(question.kind, code)]))
    choice = question.choice(code)
    return label_in(choice.texts, language, source, "label") or Label(code)


def question_results(waves: list[SurveyWave], countries: list[str] | None, questions: list[_Question],
                     scales: dict[str, Scale], answers: counting.Counts, numbers: counting.Bins, listed: bool
                     ) -> list[QuestionResult]:
    """Each question of a survey per wave of it; ``answers`` and ``numbers`` may hold other surveys' waves too."""
    shown_texts = {}
    if listed:
        text_cells = {(w.id, q.code) for w in waves for q in questions if q.kind == "text"}
        wanted = {cell: texts_shown(counts.get(counting.ANSWERED, Count()).published)
                  for cell, counts in answers.items() if cell in text_cells}
        shown_texts = texts_of({cell: n for cell, n in wanted.items() if n}, countries)
    found = []
    for question in questions:
        scale = scales.get(question.code)
        result = QuestionResult(question.code, question.kind, question.label,
                                bounded=question.kind not in ("number", "date") or scale is not None)
        for wave in waves:
            if question.kind == "number":
                result.waves.append(number_figures(wave, question.code, numbers.get((wave.id, question.code), {}),
                                                   scale))
                continue
            counts = answers.get((wave.id, question.code), {})
            figure = QuestionWave(wave, counts.get(counting.ANSWERED, Count()).published)
            if question.kind == "text":
                figure.texts = shown_texts.get((wave.id, question.code), [] if listed else None)
            elif question.kind != "date":  # a day can tell who answered: only how many did
                figure.bars = [Bar(code, label, counts.get(code, Count()).published)
                               for code, label in question.choices.items()]
            result.waves.append(figure)
        found.append(result)
    return found


def number_figures(wave: SurveyWave, code: str, bins: dict[int, results.Sums], scale: results.Scale | None
                   ) -> QuestionWave:
    """A number question in a wave: how many answered; with bounds, the mean as its indicator publishes it (the
    same noise from the same records) and the count per bin."""
    total = sum(bins.values(), results.Sums())
    figure = QuestionWave(wave, total.people.published)
    if scale is None:
        return figure
    as_indicator = SurveyIndicator(code=code, question_code=code, kind="mean")
    figure.mean = results.published_estimate(as_indicator, total, scale)
    edges = counting.bin_edges(scale)
    for index in range(counting.BINS):
        low, high = format_decimal(edges[index]), format_decimal(edges[index + 1])
        label = (_("%(low)s to %(high)s", low=low, high=high) if index == counting.BINS - 1
                 else _("%(low)s to under %(high)s", low=low, high=high))
        figure.bars.append(Bar(str(index + 1), Label(label), bins.get(index, results.Sums()).people.published))
    return figure


def texts_shown(published: int) -> int:
    """How many free-text answers are listed where ``published`` is their published count: none under
    MIN_SHOWN, else 5 fewer. A function of the published figure alone (and at most the true count, which is
    within 4 of it), so the length of the list says nothing the rounded count does not."""
    return published - BASE if published >= MIN_SHOWN else 0


def text_order_key(response_id, question_id: int, secret: bytes | None = None) -> bytes:
    """A keyed hash that orders free-text answers: random to anyone without the key, never the order they are
    stored in, and the same at every reading (so that the texts left out stay the same). ``secret``: the key,
    ``text_order_secret()``, worked out once for many answers."""
    secret = secret or text_order_secret()
    return hmac.new(secret, f"{response_id}:{question_id}".encode(), hashlib.sha256).digest()


def text_order_secret() -> bytes:
    return hmac.new(current_app.config["PSEUDONYM_KEY"].encode(), TEXT_ORDER_LABEL, hashlib.sha256).digest()


def texts_of(wanted: dict[tuple[int, str], int], countries: list[str] | None) -> dict[tuple[int, str], list[str]]:
    """(wave id, question code) -> the first ``wanted[...]`` of its free-text answers by ``text_order_key``: the
    answers alone, with nothing else of their responses."""
    if not wanted:
        return {}
    query = counting.scoped(select(SurveyResponse.wave_id, SurveyQuestion.code, SurveyAnswer.response_id,
                                   SurveyAnswer.question_id, SurveyAnswer.value)
                            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                            .where(SurveyResponse.wave_id.in_({wave_id for wave_id, _code in wanted}),
                                   SurveyQuestion.kind == "text",
                                   SurveyQuestion.code.in_({code for _wave_id, code in wanted})), countries)
    secret = text_order_secret()
    keyed: dict[tuple[int, str], list[tuple[bytes, str]]] = defaultdict(list)
    for wave_id, code, response_id, question_id, value in db.session.execute(query):
        if (wave_id, code) in wanted and value:
            keyed[(wave_id, code)].append((text_order_key(response_id, question_id, secret), value))
    return {cell: [value for _key, value in sorted(keyed[cell])[:count]] for cell, count in wanted.items()}
