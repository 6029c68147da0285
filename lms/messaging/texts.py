"""What an SMS that is neither a code nor an answer says around its message: who sends it, and how to stop.

A phone shows the start of an SMS on its locked screen and in the list of messages: the text starts with its
sender, the portal's name (never a group's, which could tell whoever holds the phone that its owner is a union
member), so that the member knows at once who writes, and ends with the way to
stop ("Reply STOP to stop.", STOP itself never translated: lms/messaging/keywords.py takes it in every language).
Both are part of the SMS as it goes, so they are measured and priced with it; the whole text is made plain
(lms/messaging/segments.py) so that what is measured is what is sent.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.messaging.segments import Measure, measure, plain

#: Stands for the message inside the frame, to cut it into what comes before and after (no text contains it).
MARK = "\x00"


def stop_line(language: str) -> str:
    """How to stop SMS, in ``language``: one short sentence with the keyword STOP, untranslated."""
    with force_locale(language):
        return _("Reply STOP to stop.")


def with_stop(text: str, language: str) -> str:
    """``text`` (which names its sender) and the way to stop on a line of its own, in ``language``; plain."""
    return plain(f"{text}\n{stop_line(language)}")


def framed(message: str, language: str) -> str:
    """The SMS as it goes to a member reading ``language``: the portal's name, the message, the way to stop; plain."""
    return frame(language).around(message)


@dataclass(frozen=True)
class Frame:
    """The fixed parts of an SMS in one language, around the message: what a counter adds as one types."""

    language: str
    before: str
    after: str

    def around(self, message: str) -> str:
        return f"{self.before}{plain(message)}{self.after}"


def frame(language: str) -> Frame:
    """The parts of an SMS in ``language`` before and after the message."""
    with force_locale(language):
        text = _("%(sender)s: %(message)s", sender=_("Fair Work Learning"), message=MARK)
    before, after = with_stop(text, language).split(MARK)
    return Frame(language, before, after)


def frames(languages) -> list[Frame]:
    """The distinct frames in these languages (one per language), in the order of the languages."""
    return [frame(language) for language in dict.fromkeys(languages)]


def longest(message: str, frames_: list[Frame]) -> Measure:
    """The measure of the longest SMS ``message`` makes in one of these frames (most segments, then units)."""
    return max((measure(f.around(message)) for f in frames_), key=lambda size: (size.segments, size.units))
