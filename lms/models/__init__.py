"""Typed SQLAlchemy models, one module per area."""
from lms.models.audit import AuditEntry
from lms.models.authoring import EDITOR_ROLES, CourseEditor, Image, LessonVersion
from lms.models.courses import (
    REVIEW_STATUSES,
    ContentVersion,
    Course,
    CourseTopic,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Module,
    ModuleTranslation,
)
from lms.models.groups import (
    Attendance,
    Certificate,
    GroupMember,
    GroupSession,
    GroupSessionLesson,
    TrainerPromotion,
    TrainingGroup,
)
from lms.models.messages import (
    ContactPreference,
    GroupMessage,
    GroupMessageDraft,
    GroupMessageRecipient,
    SmsNumber,
    TextMessage,
    UnreadTexts,
)
from lms.models.organisations import CoordinatorOrganisation, Organisation
from lms.models.privacy import CONSENT_PURPOSES, CONSENT_VERSIONS, Consent
from lms.models.progress import Enrolment, LessonCompletion, QuizAttempt, SyncedOperation
from lms.models.quizzes import QUESTION_KINDS, Choice, ChoiceTranslation, Question, QuestionTranslation
from lms.models.report_summaries import KeptGenerations, ReportSummary
from lms.models.sessions import UserSession
from lms.models.sms_codes import SMS_CODE_PURPOSES, SmsCode
from lms.models.survey_links import SurveyLink
from lms.models.surveys import (
    CONSENT_STATES,
    DIRECTIONS,
    FIXED_CHOICES,
    INDICATOR_KINDS,
    SURVEY_QUESTION_KINDS,
    UNANSWERED_KINDS,
    AnswerCount,
    ImportedSubmission,
    IndicatorSum,
    IndicatorTitle,
    PendingWithdrawal,
    PooledResponse,
    SummedWave,
    Survey,
    SurveyAnswer,
    SurveyChoice,
    SurveyChoiceText,
    SurveyGroup,
    SurveyGroupText,
    SurveyIndicator,
    SurveyInvitation,
    SurveyQuestion,
    SurveyQuestionText,
    SurveyResponse,
    SurveyTranslation,
    SurveyVersion,
    SurveyWave,
    Workplace,
)
from lms.models.users import CoordinatorCountry, PersonAttributes, User

__all__ = [
    "AuditEntry", "ReportSummary", "KeptGenerations",
    "ContactPreference", "GroupMessage", "GroupMessageDraft", "GroupMessageRecipient", "SmsNumber", "TextMessage",
    "UnreadTexts",
    "CONSENT_PURPOSES", "CONSENT_VERSIONS", "Consent",
    "EDITOR_ROLES", "Attendance", "Certificate", "CoordinatorOrganisation", "CourseEditor",
    "GroupMember", "GroupSession", "GroupSessionLesson", "Image", "LessonVersion", "Organisation",
    "TrainerPromotion", "TrainingGroup",
    "QUESTION_KINDS", "REVIEW_STATUSES",
    "Choice", "ChoiceTranslation", "ContentVersion", "CoordinatorCountry", "Course", "CourseTopic",
    "CourseTranslation", "Enrolment", "Lesson", "LessonCompletion", "LessonTranslation",
    "Module", "ModuleTranslation", "PersonAttributes", "Question", "QuestionTranslation", "QuizAttempt",
    "SyncedOperation", "User",
    "UserSession",
    "SMS_CODE_PURPOSES", "SmsCode",
    "CONSENT_STATES", "DIRECTIONS", "FIXED_CHOICES", "INDICATOR_KINDS", "SURVEY_QUESTION_KINDS", "UNANSWERED_KINDS",
    "AnswerCount", "ImportedSubmission", "IndicatorSum", "IndicatorTitle", "PendingWithdrawal", "PooledResponse",
    "Survey", "SurveyLink",
    "SurveyAnswer", "SurveyChoice", "SurveyChoiceText", "SurveyGroup", "SurveyGroupText",
    "SurveyIndicator", "SurveyInvitation", "SurveyQuestion", "SurveyQuestionText", "SurveyResponse",
    "SurveyTranslation", "SurveyVersion", "SurveyWave", "SummedWave", "Workplace",
]
