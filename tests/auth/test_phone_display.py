"""Phone numbers on pages: one left-to-right piece that no line breaks (Arabic, Khmer), and the example a phone
field gives is a number of the reader's own country, not always Peru's."""
from __future__ import annotations

import re

import pytest

from lms.core.phone_display import example_number, shown
from tests.helpers import on_page, sign_in


def test_a_number_shown_stays_left_to_right_and_on_one_line():
    assert shown("+21620123456") == "\u2066+216\u00a020\u00a0123\u00a0456\u2069"
    assert shown("+85591234567") == on_page("+855 91 234 567")
    assert shown("not a number") == on_page("not a number")


@pytest.mark.parametrize(("language", "example"), [
    ("km", "+855 91 234 567"), ("ar", "+216 20 123 456"), ("vi", "+84 912 345 678"), ("bn", "+880 1812-345678"),
    ("es", "+591 71234567"), ("fr", "+229 01 95 12 34 56"), ("en", "+229 01 95 12 34 56"),
])
def test_a_visitor_is_shown_an_example_from_a_country_that_speaks_the_page_language(client, language, example):
    page = client.get(f"/sign-up?lang={language}").get_data(as_text=True)
    assert on_page(example) in page
    assert "+51\u00a0912" not in page


def test_a_visitor_whose_browser_names_a_partner_country_gets_its_example(client):
    page = client.get("/sign-up", headers={"Accept-Language": "fr-SN,fr;q=0.8"}).get_data(as_text=True)
    assert on_page("+221 70 123 45 67") in page


def test_a_member_gets_the_example_of_their_own_country(client, sms_enabled, create_user):
    create_user("amina", country="KH")
    sign_in(client, "amina")
    page = client.get("/profile?lang=fr").get_data(as_text=True)
    assert on_page("+855 91 234 567") in page


def test_phone_fields_are_written_left_to_right_in_arabic(client):
    page = client.get("/sign-up?lang=ar").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    assert 'dir="ltr"' in field and 'inputmode="tel"' in field


def test_an_unknown_country_falls_back_to_a_partner_country():
    assert example_number("AQ") == on_page("+229 01 95 12 34 56")
