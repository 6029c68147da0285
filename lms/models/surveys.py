"""Surveys: coded questions with texts per language, versions, waves tied to trainings or
workplaces, and responses that keep no more of a person than the survey's privacy mode allows."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.record_keys import record_key_column
from lms.vocabulary import PRIVACY_MODES, SURVEY_SUBJECTS, WAVE_KINDS

if TYPE_CHECKING:
    from lms.models.courses import Course
    from lms.models.groups import TrainingGroup

SURVEY_QUESTION_KINDS = ("single", "multiple", "likert", "yes_no", "number", "text", "date", "note", "calculate")
#: Kinds that hold no answer of the member's: a note is read, a calculation is worked out from other answers.
UNANSWERED_KINDS = ("note", "calculate")
#: Question kinds whose choices are fixed: codes 1-5 and yes/no, labels from the interface catalogue.
FIXED_CHOICES = {"likert": ("1", "2", "3", "4", "5"), "yes_no": ("yes", "no")}
#: The longest answer a text question takes, in characters: a sealed response's length is computed from it
#: (lms/surveys/pool.py), so that every response to a version seals to one length whatever was written.
MAX_TEXT_CHARS = 2000
#: The longest answer a number question takes, as typed (a number's text is stored as typed, or as a whole
#: number: at most 310 characters for the largest float).
MAX_NUMBER_CHARS = 40
CONSENT_STATES = ("given", "refused", "withdrawn")
INDICATOR_KINDS = ("share", "mean")
DIRECTIONS = ("up", "down")


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code, never translated; the XLSForm form_id.
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    source_language: Mapped[str] = mapped_column(sa.String(12))
    privacy: Mapped[str] = mapped_column(sa.String(12))
    subject: Mapped[str] = mapped_column(sa.String(12), default="participant")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    translations: Mapped[list[SurveyTranslation]] = relationship(cascade="all, delete-orphan")
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyVersion.number")
    waves: Mapped[list[SurveyWave]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyWave.id")
    indicators: Mapped[list[SurveyIndicator]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyIndicator.code")

    __table_args__ = (
        sa.CheckConstraint(sa.column("privacy").in_(PRIVACY_MODES), name="privacy"),
        sa.CheckConstraint(sa.column("subject").in_(SURVEY_SUBJECTS), name="subject"),
    )

    @property
    def names_respondents(self) -> bool:
        """Identified: answers carry the account. The others are asked of courses and workplaces, never of one
        training group, and their figures are read by staff only (docs/privacy.md, "Who decides who answers")."""
        return self.privacy == "identified"

    @property
    def published_version(self) -> SurveyVersion | None:
        return next((v for v in reversed(self.versions) if v.published_at is not None), None)

    def version_in_effect(self, today: date) -> SurveyVersion | None:
        """The version members answer on ``today``: the latest published one that has taken effect."""
        return next((v for v in reversed(self.versions) if v.published_at is not None
                     and v.takes_effect_on is not None and v.takes_effect_on <= today), None)

    @property
    def draft_version(self) -> SurveyVersion | None:
        return next((v for v in self.versions if v.published_at is None), None)

    @property
    def languages(self) -> list[str]:
        return sorted({t.language for t in self.translations}, key=lambda lang: (lang != self.source_language, lang))


class SurveyTranslation(db.Model):
    __tablename__ = "survey_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Shown before the questions: why the survey is asked and what happens with the answers.
    description: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.UniqueConstraint("survey_id", "language"),)


class SurveyVersion(db.Model):
    """The questions as published at one time; answers keep the version they answered."""

    __tablename__ = "survey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: None while the version is a draft being edited; at most one draft per survey.
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The day members start answering it: the next checkpoint after its publication while the survey has an
    #: open wave (so that one checkpoint period's answers are all of one version), else the day it was published.
    takes_effect_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: The names of the form's device metadata (``start_time`` of type start, ``imei`` of type deviceid...): no
    #: question, but a column of every export of its answers, passed over when they are imported.
    metadata_names: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="SurveyQuestion.position")
    groups: Mapped[list[SurveyGroup]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="SurveyGroup.position")

    __table_args__ = (sa.UniqueConstraint("survey_id", "number"),)


class SurveyGroup(db.Model):
    """An XLSForm group (``begin_group`` ... ``end_group``): its questions are shown together, on one page when the
    group is not inside another, and asked only while its ``relevant`` rule holds."""

    __tablename__ = "survey_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id", ondelete="CASCADE"))
    #: The XLSForm ``name``; unique in its version, among groups and questions alike.
    code: Mapped[str] = mapped_column(sa.String(60))
    #: Order among the version's groups, parents before their children.
    position: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_groups.id", ondelete="CASCADE"))
    #: XLSForm ``relevant`` expression, as written (``${name}`` references); empty: always asked.
    relevant: Mapped[str] = mapped_column(sa.Text, default="")

    version: Mapped[SurveyVersion] = relationship(back_populates="groups")
    texts: Mapped[list[SurveyGroupText]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)


class SurveyGroupText(db.Model):
    __tablename__ = "survey_group_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_groups.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("group_id", "language"),)


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id", ondelete="CASCADE"))
    #: Stable code across versions and languages; the XLSForm ``name``.
    code: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    required: Mapped[bool] = mapped_column(default=True)
    #: Allowed range of a number question (either end may be open).
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    #: A number question that takes whole numbers only (XLSForm ``integer``; ``decimal`` otherwise).
    whole: Mapped[bool] = mapped_column(default=False)
    #: The innermost group the question is in; None: at the top of the form.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_groups.id", ondelete="CASCADE"))
    # XLSForm expressions, as written (``${name}`` references, ``.`` for the question itself); empty: none.
    #: Asked only while this holds (``relevant``).
    relevant: Mapped[str] = mapped_column(sa.Text, default="")
    #: An answer must satisfy it (``constraint``); its message per language is in the question's texts.
    constraint_rule: Mapped[str] = mapped_column(sa.Text, default="")
    #: Required while this holds (``required`` written as an expression); ``required`` covers yes and no.
    required_rule: Mapped[str] = mapped_column(sa.Text, default="")
    #: The value of a ``calculate`` question (``calculation``).
    calculation: Mapped[str] = mapped_column(sa.Text, default="")
    #: Which choices are offered (``choice_filter``), read against each choice's ``filters``.
    choice_filter: Mapped[str] = mapped_column(sa.Text, default="")
    #: The answer filled in before the member changes it (``default``).
    default_value: Mapped[str] = mapped_column(sa.String(300), default="")

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")
    group: Mapped[SurveyGroup | None] = relationship()
    texts: Mapped[list[SurveyQuestionText]] = relationship(cascade="all, delete-orphan")
    choices: Mapped[list[SurveyChoice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="SurveyChoice.position")

    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint(sa.column("kind").in_(SURVEY_QUESTION_KINDS), name="kind"),
    )

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return FIXED_CHOICES.get(self.kind) or tuple(c.code for c in self.choices)

    def choice(self, code: str) -> SurveyChoice:
        """The choice with this code, looked up (a list of villages holds thousands, each labelled in turn)."""
        index = self.__dict__.get("_choice_index")
        found = index.get(code) if index is not None and len(index) == len(self.choices) else None
        if found is None or found.code != code:  # first use, or the choices changed since
            index = self.__dict__["_choice_index"] = {c.code: c for c in self.choices}
            found = index[code]
        return found

    @property
    def answered(self) -> bool:
        """Whether the member gives this question an answer (not a note, not a calculation)."""
        return self.kind not in UNANSWERED_KINDS


class SurveyQuestionText(db.Model):
    __tablename__ = "survey_question_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_questions.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str] = mapped_column(sa.Text)
    hint: Mapped[str] = mapped_column(sa.Text, default="")
    #: Checksum of label and hint (see ``lms.content.markdown.checksum``).
    checksum: Mapped[str] = mapped_column(sa.String(16))
    #: For a translation: the checksum of the source text it was made from. None on the source.
    source_checksum: Mapped[str | None] = mapped_column(sa.String(16))
    #: Shown when an answer breaks the question's ``constraint_rule`` (XLSForm ``constraint_message``).
    constraint_message: Mapped[str] = mapped_column(sa.Text, default="")
    #: Shown when a required question is left empty (XLSForm ``required_message``).
    required_message: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.UniqueConstraint("question_id", "language"),)


class SurveyChoice(db.Model):
    __tablename__ = "survey_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_questions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int]
    #: The choices sheet's other columns (``country``, ``region``...) that a ``choice_filter`` reads.
    filters: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    question: Mapped[SurveyQuestion] = relationship(back_populates="choices")
    #: Loaded with the choices (one query for a question's), not one query per choice: lists hold thousands.
    texts: Mapped[list[SurveyChoiceText]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (sa.UniqueConstraint("question_id", "code"),)


class SurveyChoiceText(db.Model):
    __tablename__ = "survey_choice_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    choice_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_choices.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str] = mapped_column(sa.String(300))

    __table_args__ = (sa.UniqueConstraint("choice_id", "language"),)


class Workplace(db.Model):
    """A workplace or supply-chain site whose workers a union surveys."""

    __tablename__ = "workplaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str] = mapped_column(sa.String(80))
    country: Mapped[str] = mapped_column(sa.String(2))
    #: The union organising there; its training groups are shown beside the workplace's results.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)


class SurveyWave(db.Model):
    """One moment a survey is asked, tied to exactly one course, training group or workplace."""

    __tablename__ = "survey_waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: Follow-up waves: days after the member completed the course (or after the group's last day).
    days_after: Mapped[int | None]
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="CASCADE"))
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id", ondelete="CASCADE"))
    #: Workplace rounds: the days answers are collected. Optional closing day for the others.
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: The day the release job last published this wave's waiting answers (its creation until then): the next
    #: release of an open wave waits for the next checkpoint after it (lms/surveys/releases.py, docs/privacy.md).
    released_on: Mapped[date] = mapped_column(default=clock.today)

    survey: Mapped[Survey] = relationship(back_populates="waves")
    course: Mapped[Course | None] = relationship()
    group: Mapped[TrainingGroup | None] = relationship()
    workplace: Mapped[Workplace | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(WAVE_KINDS), name="kind"),
        sa.CheckConstraint(
            "(CASE WHEN course_id IS NULL THEN 0 ELSE 1 END + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN workplace_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_target"),
        sa.CheckConstraint("kind != 'follow_up' OR days_after > 0", name="follow_up_days"),
    )


class SurveyInvitation(db.Model):
    """A wave due for one member: their consent and whether they answered, never what they answered."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    #: None until the member decides; "given", "refused" or "withdrawn".
    consent: Mapped[str | None] = mapped_column(sa.String(10))
    #: Set when the answers are in. Deliberately no time: it must not be matched with a response.
    answered: Mapped[bool] = mapped_column(default=False)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    wave: Mapped[SurveyWave] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("wave_id", "user_id"),
        sa.CheckConstraint(sa.or_(sa.column("consent").is_(None), sa.column("consent").in_(CONSENT_STATES)),
                           name="consent"),
    )


class SurveyResponse(db.Model):
    """One filled-in survey. Only the privacy mode decides what, if anything, points to a person."""

    __tablename__ = "survey_responses"

    #: Random, so that the order of responses says nothing about who answered when.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id", ondelete="RESTRICT"))
    #: Identified surveys only.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Pseudonymous surveys only: a keyed hash of survey and account that pairs a person's waves.
    pseudonym: Mapped[str | None] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(12))
    #: The member's (or the workplace's) country, for reports; counts under 5 are never shown.
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    #: The day only: a time could be matched with sign-in records.
    submitted_on: Mapped[date]
    #: "web", or "import" for answers collected offline with ODK Collect or KoboToolbox.
    source: Mapped[str] = mapped_column(sa.String(8), default="web")
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    wave: Mapped[SurveyWave] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("wave_id", "user_id"),
        sa.UniqueConstraint("wave_id", "pseudonym"),
    )


class PooledResponse(db.Model):
    """A response waiting to be published with the others of its batch (lms/surveys/pool.py).

    Nothing in clear but what names the batch: the answers, and the account or pseudonym where the
    survey's privacy mode keeps one, are sealed with the server's key. No time column at all, a random
    key, and on SQLite no hidden ``rowid``: neither the rows nor their order say who answered when.
    """

    __tablename__ = "survey_response_pool"

    #: Random, never the id the response is published under.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id", ondelete="CASCADE"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    language: Mapped[str] = mapped_column(sa.String(12))
    #: "web" or "import": published in clear, so batches are made per source (a lone web answer among
    #: imported ones would be the one member's whose invitation says "answered").
    source: Mapped[str] = mapped_column(sa.String(8))
    #: The account that entered a worker's answers on a tablet (a union team's): its entries are a batch of their
    #: own, so that another trainer's entries cannot make up the rest of a batch around one worker's (outside
    #: tester F). Not a foreign key: the batch, and what its rows are sealed with, must not change. Never published.
    collector_id: Mapped[int | None]
    #: Nonce and AES-GCM ciphertext of the answers (and account or pseudonym), padded to one length per version.
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = ({"sqlite_with_rowid": False},)


class PendingWithdrawal(db.Model):
    """A member's withdrawal from an identified or pseudonymous survey, waiting for the next checkpoint's release
    to delete her published responses (lms/surveys/withdrawal.py): until then the published figures do not move.

    Like a pool row: a random key, no time column, no rowid on SQLite, and nothing in clear. The survey, the
    account or pseudonym whose responses go, and the checkpoint they go at are sealed, padded to one length.
    """

    __tablename__ = "survey_withdrawals"

    #: Random: says nothing of when the member withdrew.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    #: Nonce and AES-GCM ciphertext of the survey, the account or pseudonym, and the checkpoint; one length for all.
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = ({"sqlite_with_rowid": False},)


class ImportedSubmission(db.Model):
    """A submission imported from ODK or KoboToolbox, known by keyed hashes only, so that importing the same export
    again adds nothing (lms/surveys/submission_keys.py).

    No reference to the response it became, no time column, a random key and on SQLite no hidden ``rowid``: a
    row says that some submission was imported into its wave, never which response it is nor when it came.
    """

    __tablename__ = "survey_imported_submissions"

    #: Random: says nothing of the order submissions were imported in.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    #: The wave it was imported into: deleted with it, so a wave deleted can be imported again.
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    #: HMAC of the survey and the submission's key (``_uuid``, ``meta/instanceID``, ``KEY``): one per survey.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: HMAC of the survey, the key and the answers as imported: a changed submission is told from a known one.
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = ({"sqlite_with_rowid": False},)


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="RESTRICT"), primary_key=True, index=True)
    #: Choice codes (space-separated for several, as XLSForm writes them) or the text written.
    value: Mapped[str] = mapped_column(sa.Text)
    #: The value of a number question, or of a Likert scale (1-5).
    number: Mapped[float | None]


class SurveyIndicator(db.Model):
    """An outcome measured by one question: the share giving some answers, or the mean answer."""

    __tablename__ = "survey_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(60))
    question_code: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(8))
    #: For a share: the choice codes that count.
    choice_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Which way is better: "up" or "down".
    direction: Mapped[str] = mapped_column(sa.String(4), default="up")

    survey: Mapped[Survey] = relationship(back_populates="indicators")
    titles: Mapped[list[IndicatorTitle]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "code"),
        sa.CheckConstraint(sa.column("kind").in_(INDICATOR_KINDS), name="kind"),
        sa.CheckConstraint(sa.column("direction").in_(DIRECTIONS), name="direction"),
    )


class IndicatorTitle(db.Model):
    __tablename__ = "indicator_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_indicators.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(200))

    __table_args__ = (sa.UniqueConstraint("indicator_id", "language"),)


class IndicatorSum(db.Model):
    """One indicator's sums over a wave's published responses from one country, or over the pairs of a wave's and
    its baseline wave's responses of one person, per pair of countries: what ``results.indicator_moments`` adds
    up, kept by the scheduler (lms/surveys/indicator_sums.py) so that reports need not read every answer.

    Never finer than a figure the results publish per wave and country, or the donor's file per year: no response,
    day or order is kept.
    """

    __tablename__ = "survey_indicator_sums"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_indicators.id", ondelete="CASCADE"))
    #: For a pair's sums (each person's change from their baseline answer): the baseline wave; None otherwise.
    base_wave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"))
    #: The responses' country (a pair's later response's).
    country: Mapped[str | None] = mapped_column(sa.String(2))
    #: A pair's baseline response's country.
    base_country: Mapped[str | None] = mapped_column(sa.String(2))
    #: On the rows kept for the donor's yearly file (lms/reports/iati.py): the year the responses were submitted in,
    #: pooled over countries (``country`` None); None on the rows per country.
    year: Mapped[int | None]
    n: Mapped[int]
    total: Mapped[float]
    squares: Mapped[float]
    #: Sums of the record keys of the responses (or pairs) with a value, and of those whose value is 1.
    key_sum: Mapped[int] = mapped_column(sa.BigInteger)
    counted_key_sum: Mapped[int] = mapped_column(sa.BigInteger)


class AnswerCount(db.Model):
    """In one wave and country, kept with ``IndicatorSum`` (lms/surveys/answer_counts.py): the responses (no
    question), those that answered a question (item ""), those whose answer holds one of its choices (item: the
    choice's code, one by one for a multiple choice), or the numbers in one bin of a number question (item: the
    bin), with their sum and sum of squares. Each a count the results publish per wave and country, no finer."""

    __tablename__ = "survey_answer_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_questions.id", ondelete="CASCADE"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    item: Mapped[str] = mapped_column(sa.String(60))
    n: Mapped[int]
    #: The sum of the counted responses' record keys, modulo the key space.
    key_sum: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[float]
    squares: Mapped[float]


class SummedWave(db.Model):
    """A wave whose ``IndicatorSum`` and ``AnswerCount`` rows hold every published response of it, for its survey's
    indicators and published versions as they are: whatever changes those (a release, a withdrawal, an erasure, an
    indicator, a version) deletes this row in its own transaction, and pages read the answers themselves until the
    scheduler has added them up again (lms/surveys/kept_figures.py)."""

    __tablename__ = "survey_summed_waves"

    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"), primary_key=True)
    #: The wave its pairs' sums were added up against (its series' baseline); None: no pairs.
    base_wave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_waves.id", ondelete="CASCADE"))
