"""What SMS say around their message (who sends, how to stop), and every kind of SMS text in every language
measured against its budget of segments. Codes are measured in tests/auth, the answers to STOP and START in
tests/messaging/test_keywords.py."""
from __future__ import annotations

import pytest

from lms.auth.phone import confirmed_text
from lms.i18n import UI_LANGUAGES
from lms.messaging import texts
from lms.messaging.keywords import keyword
from lms.messaging.segments import PART, SINGLE, measure
from lms.surveys.texting import reminder_text

#: A long public address and an 11-character token: the longest link a deployment is likely to give.
LONG_LINK = "https://learning.fair-work-example.org/s/" + "x" * 11


def test_an_sms_names_the_portal_first_and_the_way_to_stop_last(app_ctx):
    assert texts.framed("Thursday moves to Friday.", "en") == (
        "Fair Work Learning: Thursday moves to Friday.\nReply STOP to stop.")


def test_what_goes_is_plain(app_ctx):
    assert texts.framed("Les “Hôtels”: c’est jeudi…", "en") == (
        'Fair Work Learning: Les "Hôtels": c\'est jeudi...\nReply STOP to stop.')


def test_a_frame_is_what_comes_before_and_after_the_message(app_ctx):
    frame = texts.frame("en")
    assert (frame.before, frame.after) == ("Fair Work Learning: ", "\nReply STOP to stop.")
    assert frame.around("Hi") == texts.framed("Hi", "en")


def test_the_longest_sms_of_a_text_counts(app_ctx):
    short, long = texts.Frame("en", "G: ", ""), texts.Frame("xx", "G: ", "\nក")
    assert texts.longest("a" * 150, [short]).encoding == "gsm7"
    size = texts.longest("a" * 150, [short, long])  # the Khmer letter sends the whole SMS as UCS-2
    assert (size.encoding, size.segments) == ("ucs2", 3)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_language_says_stop_with_the_keyword_itself(app_ctx, language):
    line = texts.stop_line(language)
    assert "STOP" in line and keyword("STOP") == "stop"
    framed = texts.framed("Jeudi", language)
    assert "Jeudi" in framed and framed.endswith("\n" + line)


def budget(size, gsm7: int, ucs2: int) -> bool:
    return size.segments <= (gsm7 if size.encoding == "gsm7" else ucs2)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_kind_of_sms_fits_its_budget_in_every_language(app_ctx, language):
    """A reminder: one SMS in GSM-7, two in UCS-2. A group message's frame takes at most one part
    of the SMS_MAX_SEGMENTS a message may take, leaving the rest to the trainer. "Your number is confirmed": one."""
    reminder = measure(reminder_text(language, LONG_LINK))
    assert budget(reminder, 1, 2), (language, reminder)
    frame = texts.frame(language)
    size = measure(frame.before + frame.after)
    assert size.units <= PART[size.encoding], (language, size)
    confirmed = measure(confirmed_text(language))
    assert confirmed.units <= SINGLE["ucs2"], (language, confirmed)
