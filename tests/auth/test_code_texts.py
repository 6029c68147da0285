"""The code SMS name the portal, say what the code is for, how long it works and never to give it to anyone, in
as few SMS as the language allows (lms/messaging/segments.py)."""
from __future__ import annotations

import pytest

from lms.auth import sms_codes
from lms.i18n import UI_LANGUAGES
from lms.messaging.segments import measure

#: Scripts GSM-7 cannot write: two SMS (70 UCS-2 units each) are the least for these texts.
TWO_SMS = {"ar", "bn", "km", "my", "vi"}


@pytest.mark.parametrize("language", UI_LANGUAGES)
@pytest.mark.parametrize("purpose", ["confirm_phone", "recover", "sign_in"])
def test_a_code_sms_fits_its_budget_in_every_language(app_ctx, language, purpose):
    text = sms_codes.code_text(purpose, "123456", language)
    size = measure(text)
    assert "123456" in text and "10" in text
    assert size.segments <= (2 if language in TWO_SMS else 1), (language, size, text)
    if language in ("en", "fr"):
        assert size.encoding == "gsm7" and size.segments == 1, text


def test_a_code_sms_says_who_sends_it_and_what_it_is_for(app_ctx):
    texts = {purpose: sms_codes.code_text(purpose, "123456", "en") for purpose in ("confirm_phone", "recover",
                                                                                    "sign_in")}
    assert texts["confirm_phone"] == ("Fair Work Learning: 123456 is your code to confirm your phone number. It works "
                                      "10 minutes. Never give it to anyone.")
    assert "choose a new password" in texts["recover"] and "to sign in" in texts["sign_in"]
