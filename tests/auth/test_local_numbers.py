"""Numbers written without their country code, and Benin's old 8-digit numbers, at sign-in, code sign-in, recovery,
sign-up and profile; the reading depends only on the text and the configuration."""
from __future__ import annotations

import pytest

from lms.auth import services
from lms.core.identifiers import ambiguous_phone, read_typed_phone, sign_in_identifier
from lms.extensions import db
from tests.auth.sms_helpers import ask_sign_in_code, confirmed_member, page_text, texts
from tests.helpers import PASSWORD, on_page, post_form, sign_up

BENIN = "+2290196554433"


@pytest.fixture
def benin_gateway(app, data_app, sms_enabled, monkeypatch):
    """A gateway for Benin and Peru, in the app under test and the test's own."""
    for each in (app, data_app):
        monkeypatch.setitem(each.config, "SMS_COUNTRIES", "BJ,PE")


@pytest.mark.parametrize("typed", ["01 96 55 44 33", "0196554433", "+229 01 96 55 44 33", "00229 96 55 44 33",
                                   "+229 96 55 44 33", "96 55 44 33"])
def test_a_benin_number_written_locally_or_the_old_way_is_read_as_the_new_one(app_ctx, benin_gateway, typed):
    assert read_typed_phone(typed) == BENIN
    assert sign_in_identifier(typed).kind == "phone"


def test_a_number_valid_in_several_countries_is_not_guessed(app_ctx):
    """Without SMS_COUNTRIES the partner countries count: "01 96 55 44 33" is Benin's and Côte d'Ivoire's."""
    assert read_typed_phone("01 96 55 44 33") is None and ambiguous_phone("01 96 55 44 33")
    assert sign_in_identifier("01 96 55 44 33").kind == "username"


def test_sign_in_with_a_local_number_finds_its_holders_even_stored_the_old_way(app_ctx, benin_gateway, create_user):
    new = create_user("new", phone=BENIN, country="BJ")
    old = create_user("old", country="BJ")
    old.phone = "+22996554433"  # stored before the renumbering
    db.session.commit()
    assert services.authenticate("01 96 55 44 33", PASSWORD).id in {new.id, old.id}
    assert {user.id for user in services.holders(BENIN)} == {new.id, old.id}


def test_a_username_of_digits_still_signs_in(app_ctx, benin_gateway, create_user):
    """Usernames of digits only (made before usernames needed a letter) are tried beside the number they spell."""
    user = create_user("0196554433")
    assert services.authenticate("0196554433", PASSWORD).id == user.id
    create_user("holder", phone=BENIN, country="BJ")
    assert services.authenticate("0196554433", PASSWORD).id in {user.id}


def test_a_failed_sign_in_with_an_ambiguous_number_says_to_add_the_country_code(client):
    page = post_form(client, "/sign-in", {"identifier": "01 96 55 44 33", "password": "whatever it is"})
    assert "write it with its country code" in page.get_data(as_text=True)
    page = post_form(client, "/sign-in", {"identifier": "amina", "password": "whatever it is"})
    assert "write it with its country code" not in page.get_data(as_text=True)


def test_code_sign_in_reads_a_local_number_and_refuses_an_ambiguous_one(client, app, data_app, sms_enabled,
                                                                       create_user, monkeypatch):
    ambiguous = post_form(client, "/sign-in/code", {"identifier": "01 96 55 44 33"})
    assert ambiguous.status_code == 400 and "more than one country" in page_text(ambiguous)
    for each in (app, data_app):
        monkeypatch.setitem(each.config, "SMS_COUNTRIES", "BJ")
    member = confirmed_member(create_user, "amina", phone=BENIN, country="BJ")
    ask_sign_in_code(client, "01 96 55 44 33")
    assert [message.user_id for message in texts()] == [member.id]


def test_sign_up_names_the_new_number_of_an_old_benin_one(client):
    page = sign_up(client, country="BJ", phone="96 55 44 33")
    assert page.status_code == 200
    assert (f"Benin numbers now have 10 digits: did you mean {on_page('+229 01 96 55 44 33')}?"
            in page.get_data(as_text=True))
    assert sign_up(client, country="BJ", phone="01 96 55 44 33").status_code == 302


@pytest.mark.parametrize("typed", [
    "\u2066+229 01 96 55 44 33\u2069",  # copied from a page, with the direction marks around it (outside tester 3)
    "+229 01\u201396\u201355\u201344\u201333", "+229\u200b0196554433", "tel:+2290196554433", "TEL:+229-01-96-55-44-33",
])
def test_a_number_copied_from_a_page_or_a_link_is_read(app_ctx, typed):
    assert read_typed_phone(typed) == BENIN


def test_an_old_ivorian_mobile_is_read_as_the_new_one_and_never_as_a_landline_elsewhere(app, app_ctx):
    """Côte d'Ivoire gave its mobiles their network's two digits in 2021; "07 12 34 56" was read as a landline of
    Myanmar (outside tester 3)."""
    with app.test_request_context(headers={"Accept-Language": "fr-CI"}):
        assert read_typed_phone("07 12 34 56") == "+2250707123456"
        assert read_typed_phone("05 12 34 56") == "+2250505123456"
        assert read_typed_phone("+225 41 12 34 56") == "+2250141123456"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert read_typed_phone("07 12 34 56") == "+2250707123456"  # no other country has it as a mobile


def test_the_readers_own_country_settles_a_number_valid_in_several(app, app_ctx):
    for region, expected in (("fr-BJ", BENIN), ("fr-CI", "+2250196554433")):
        with app.test_request_context(headers={"Accept-Language": region}):
            assert read_typed_phone("01 96 55 44 33") == expected and not ambiguous_phone("01 96 55 44 33")
    with app.test_request_context(headers={"Accept-Language": "fr"}):  # a language is no country
        assert read_typed_phone("01 96 55 44 33") is None
