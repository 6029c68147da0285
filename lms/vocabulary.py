"""Translated labels for the fixed vocabularies stored as codes (topics, genders)."""
from flask_babel import lazy_gettext as _l

TOPIC_LABELS = {
    "social-dialogue": _l("Social dialogue"),
    "female-leadership": _l("Female leadership"),
    "freedom-of-association": _l("Freedom of association"),
    "collective-bargaining": _l("Collective bargaining"),
    "health-and-safety": _l("Health and safety"),
    "living-wage": _l("Living wage"),
    "young-workers": _l("Young workers"),
}

GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "another": _l("Another gender"),
    "undisclosed": _l("I prefer not to say"),
}


def topic_label(code: str) -> str:
    return str(TOPIC_LABELS.get(code, code))


def gender_label(code: str) -> str:
    return str(GENDER_LABELS.get(code, code))
