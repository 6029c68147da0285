"""The fixed vocabularies stored as codes that several features share, with their translated labels.

A code is stored in the database (the models' check constraints read these tuples): never change one. A label
is a msgid: changing its text loses its translations. This module imports no model, so models can import it.
Lists only one feature uses stay with it (question kinds in lms/surveys/building.py, consent purposes in
lms/models/privacy.py...).
"""
from flask_babel import lazy_gettext as _l

#: What an account may do (lms/permissions.py).
ROLES = ("participant", "trainer", "coordinator", "admin")
ROLE_LABELS = {
    "participant": _l("Participant"),
    "trainer": _l("Trainer"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}


def role_label_of(user) -> str:
    """The label of ``user``'s role, for pages (which never read a role themselves)."""
    return str(ROLE_LABELS[user.role])


GENDERS = ("woman", "man", "another", "undisclosed")
GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "another": _l("Another gender"),
    "undisclosed": _l("I prefer not to say"),
}

#: The topics a course is filed under (course.toml's ``topics``).
TOPICS = (
    "social-dialogue",
    "female-leadership",
    "freedom-of-association",
    "collective-bargaining",
    "health-and-safety",
    "living-wage",
    "young-workers",
)
TOPIC_LABELS = {
    "social-dialogue": _l("Social dialogue"),
    "female-leadership": _l("Female leadership"),
    "freedom-of-association": _l("Freedom of association"),
    "collective-bargaining": _l("Collective bargaining"),
    "health-and-safety": _l("Health and safety"),
    "living-wage": _l("Living wage"),
    "young-workers": _l("Young workers"),
}

#: How a training group meets.
GROUP_MODES = ("online", "in-person", "blended")
GROUP_MODE_LABELS = {"online": _l("Online"), "in-person": _l("In person"), "blended": _l("Blended")}

#: A survey's privacy. identified: answers carry the account; pseudonymous: a per-survey pseudonym that pairs a
#: person's waves; anonymous: nothing that leads back to a person, and the day only.
PRIVACY_MODES = ("identified", "pseudonymous", "anonymous")
PRIVACY_LABELS = {
    "anonymous": _l("Anonymous: nothing in the answers leads back to a person"),
    "pseudonymous": _l("Pseudonymous: a person's answers in different waves can be compared, never named"),
    "identified": _l("Identified: the trainer sees who answered what"),
}

#: Whom a survey asks about: the participant themself, or their workplace (worker surveys).
SURVEY_SUBJECTS = ("participant", "workplace")
SUBJECT_LABELS = {
    "participant": _l("Participants, about themselves, in their trainings"),
    "workplace": _l("Workers at a workplace, collected by the union"),
}

#: When a wave of a survey is asked: before a training, at its end, or some time after.
WAVE_KINDS = ("baseline", "endline", "follow_up")
WAVE_LABELS = {"baseline": _l("Baseline"), "endline": _l("Endline"), "follow_up": _l("Follow-up")}
#: The same, as members read them: when they are asked.
WAVE_LABELS_FOR_MEMBERS = {"baseline": _l("Before the training"), "endline": _l("At the end of the training"),
                           "follow_up": _l("Some time after the training")}


def topic_label(code: str) -> str:
    return str(TOPIC_LABELS.get(code, code))


def gender_label(code: str) -> str:
    return str(GENDER_LABELS.get(code, code))

#: What the portal sends a member about; a member chooses a channel for each (lms/messaging/channels.py).
MESSAGE_TOPICS = ("survey_reminders", "group_news", "account_codes")
MESSAGE_TOPIC_LABELS = {
    "survey_reminders": _l("Reminders of surveys waiting for you"),
    "group_news": _l("News from your training groups"),
    "account_codes": _l("Codes to sign in or choose a new password"),
}
#: How a member is reached about a topic: "none" is "not at all".
CHANNELS = ("sms", "email", "none")
CHANNEL_LABELS = {"sms": _l("By SMS"), "email": _l("By e-mail"), "none": _l("Not at all")}
#: What an outgoing SMS is: one of the topics, "service" (a phone's first code, "your number is confirmed") or
#: "reply" (the portal's automatic answer to a text: STOP, START, HELP, or one it cannot read).
SMS_KINDS = (*MESSAGE_TOPICS, "service", "reply")
#: Where an outgoing SMS is: queued (waiting for its time or a retry), sending (handed to the gateway by one
#: runner), sent (the gateway took it), delivered (the phone got it, by the gateway's report), failed (for good).
SMS_STATUSES = ("queued", "sending", "sent", "delivered", "failed")
SMS_STATUS_LABELS = {"queued": _l("Waiting"), "sending": _l("Sending"), "sent": _l("Sent"),
                     "delivered": _l("Delivered"), "failed": _l("Failed")}
#: The kinds of SMS as the administrators' volumes name them.
SMS_KIND_LABELS = {"survey_reminders": _l("Survey reminders"), "group_news": _l("Group news"),
                   "account_codes": _l("Account codes"), "service": _l("Service messages (first code of a number)"),
                   "reply": _l("Answers to texts (STOP, START, HELP)")}
#: Whom a trainer's message to a group goes to: every member, or those absent from one of its sessions.
MESSAGE_AUDIENCES = ("group", "absent")
MESSAGE_AUDIENCE_LABELS = {"group": _l("The whole group"),
                           "absent": _l("Those absent from a session")}
