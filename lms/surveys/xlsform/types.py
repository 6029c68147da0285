"""What each XLSForm type becomes here: a kind of question, a group, nothing (device metadata), or a refusal."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from pyxform.aliases import _type_alias_map, select
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

#: pyxform's type names (as its tree of the form gives them) -> (kind, whole number).
KINDS = {
    **dict.fromkeys(("int", "integer", "add integer prompt", "q int"), ("number", True)),
    **dict.fromkeys(("decimal", "add decimal prompt", "q decimal"), ("number", False)),
    **dict.fromkeys(("text", "string", "add text prompt", "q string"), ("text", False)),
    **dict.fromkeys(("date", "add date prompt", "q date"), ("date", False)),
    **dict.fromkeys(("note", "add note prompt", "q note"), ("note", False)),
    **dict.fromkeys(("calculate", "add calculate prompt", "q calculate"), ("calculate", False)),
    "select one": ("single", False),
    "select all that apply": ("multiple", False),
    "range": ("number", True),
}
#: Device metadata: what the phone records about the interview, never an answer of the respondent. The portal
#: records none of it, and passes these rows over (docs/surveys.md).
METADATA = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
    "device id", "get device id", "imei", "uri:deviceid", "subscriber id", "get subscriber id", "uri:subscriberid",
    "sim id", "get sim id", "uri:simserial", "phone number", "get phone number", "uri:phonenumber", "uri:username",
    "uri:email", "start time", "get start time", "end time", "get end time", "get today"})
GROUPS = ("group",)
REPEATS = ("repeat", "loop")
#: Files a select's choices may come from instead of the choices sheet.
CHOICE_FILES = (".csv", ".xml", ".geojson")
BEGIN_END = re.compile(r"^(begin|end)[ _](group|repeat|loop)$")
SELECT_ALIASES = sorted(select, key=len, reverse=True)


def refusal(kind: str) -> str:
    """Why a type (as pyxform names it) is not imported."""
    if kind in REPEATS:
        return _("repeated groups (%(type)s) are not supported: each question is asked once.", type=kind)
    if kind in ("select one from file", "select all that apply from file"):
        return _("choices from a file (%(type)s) are not supported: write them in the choices sheet.",
                 type=kind.replace("select all that apply", "select_multiple").replace(" ", "_"))
    return _("the question type “%(type)s” is not supported.", type=kind)


def written_type(raw: str) -> str:
    """A type as the survey sheet writes it, named as pyxform names it (``select_one x or_other`` -> select one;
    ``begin repeat`` -> repeat; ``image`` -> photo): for the rows of a form pyxform refused."""
    text = " ".join(raw.split())
    lowered = text.lower()
    begin_end = BEGIN_END.match(lowered)
    if begin_end:
        return begin_end.group(2) if begin_end.group(1) == "begin" else "end"
    for alias in SELECT_ALIASES:
        if lowered.startswith(alias + " ") or lowered == alias:
            if "from_file" in alias or "from file" in alias:
                return "select one from file" if "one" in alias else "select all that apply from file"
            return str(select[alias])
    return _type_alias_map.get(text, text)


def is_known(kind: str) -> bool:
    return kind in QUESTION_TYPE_DICT or kind in KINDS or kind in GROUPS or kind in REPEATS
