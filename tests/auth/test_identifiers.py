"""One account however its name is spelled: at sign-up (uniqueness) and in the sign-in limit (one count).

The attacks: a second account with a look-alike of someone's username or phone number (fullwidth letters
and digits, "00" for "+", a national number), and a guesser who gets a fresh allowance of attempts by
spelling the same phone number or username another way, or by sending all attempts at the same moment.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.auth import services
from lms.extensions import db
from lms.models import User
from tests.helpers import PASSWORD, SIGN_UP, Browser, burst, count_password_checks, serve, sign_in, sign_up

PERU = "+51 987654321"
#: The same number as a member of Peru might write it, and as a copy-paste from another script might give it.
SAME_NUMBER = ("0051987654321", "0051 987 654 321", "987 654 321", "(+51) 987-654-321", "＋５１ ９８７ ６５４ ３２１")


def count_users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)))


def test_every_spelling_of_a_phone_number_is_one_number_never_said_taken(client, create_user, app_ctx):
    """A number belongs to whoever confirms it (lms/auth/phone.py): sign-up takes it without a word of others."""
    create_user("rosa", phone=PERU, country="PE")
    assert db.session.scalar(select(User.phone)) == "+51987654321"
    assert {services.normalise_phone(spelling, "PE") for spelling in SAME_NUMBER} == {"+51987654321"}
    response = sign_up(client, username="other", phone=SAME_NUMBER[-1], country="PE")
    assert response.status_code == 302
    assert db.session.scalars(select(User.phone)).all() == ["+51987654321"] * 2


def test_a_national_number_is_read_in_the_country_chosen(client, app_ctx):
    assert sign_up(client, phone="987 654 321", country="PE").status_code == 302
    assert db.session.scalar(select(User.phone)) == "+51987654321"


def test_sign_up_sees_look_alike_usernames_and_addresses_as_taken(client, create_user, app_ctx):
    create_user("amina", email="amina@example.org")
    for username in ("ＡＭＩＮＡ", "Amina", "ａｍｉｎａ"):
        page = sign_up(client, username=username).get_data(as_text=True)
        assert "This username is taken" in page, username
    page = sign_up(client, username="another", email="AMINA@Example.ORG").get_data(as_text=True)
    assert "Another account already uses this e-mail address." in page
    assert count_users() == 1


def test_a_username_needs_a_letter_and_fits_its_column_once_normalised(client, app_ctx):
    page = sign_up(client, username="0051987654321").get_data(as_text=True)
    assert "A username needs at least one letter." in page  # it would read as a phone number
    page = sign_up(client, username="㍿" * 12).get_data(as_text=True)  # 12 characters, 48 once normalised
    assert "Use only letters, digits" in page
    assert count_users() == 0


def test_every_spelling_of_a_phone_number_shares_one_sign_in_count(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    create_user("rosa", phone=PERU, country="PE")
    for spelling in ("+51 987654321", "0051 987654321", "0051987654321"):
        assert sign_in(client, spelling, "not the password").status_code == 200
    for spelling in ("＋５１９８７６５４３２１", "+51 987 654 321", PERU):
        assert sign_in(app.test_client(), spelling).status_code == 429, spelling  # even the right password


def test_every_spelling_of_a_username_shares_one_sign_in_count(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    create_user("amina")
    for spelling in ("amina", "AMINA ", "ａｍｉｎａ"):
        assert sign_in(client, spelling, "not the password").status_code == 200
    for spelling in ("ＡＭＩＮＡ", "Amina", "amina"):
        assert sign_in(app.test_client(), spelling).status_code == 429, spelling


def test_sign_in_finds_the_account_under_every_spelling(app, create_user):
    create_user("amina", phone=PERU, country="PE", email="amina@example.org")
    for spelling in ("ＡＭＩＮＡ", "0051 987 654 321", "＋５１９８７６５４３２１", "ＡＭＩＮＡ＠example.org"):
        assert sign_in(app.test_client(), spelling).status_code == 302, spelling


@pytest.mark.slow
def test_twenty_concurrent_wrong_passwords_get_at_most_the_limits_worth_of_checks(app, create_user, monkeypatch):
    """A live server (real HTTP, one thread per request), 20 attempts sent at the same moment."""
    limit = 10
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", f"{limit} per 15 minutes")
    create_user("amina")
    checks = count_password_checks(monkeypatch)
    with serve(app) as base:
        browser = Browser(base)
        token = browser.token("/sign-in")
        answers = burst(lambda number: browser.post(
            "/sign-in", {"identifier": "amina", "password": f"guess {number}", "csrf_token": token}))
    assert len(checks) <= limit, f"{len(checks)} passwords checked"
    assert sorted(answers) == [200] * len(checks) + [429] * (20 - len(checks))


def test_already_used_answers_at_sign_up_stop_at_the_limit(app, client, create_user, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "3 per hour")
    create_user("amina", phone=PERU, country="PE", email="amina@example.org")
    probes = [{"username": "amina"}, {"username": "xx1", "email": "AMINA@example.org"},
              {"username": "xx2", "email": "amina@example.org"}]
    for probe in probes:
        assert sign_up(client, **probe).status_code == 200
    refused = sign_up(client, username="xx3", email="Amina@Example.org")
    assert refused.status_code == 429 and 3590 <= int(refused.headers["Retry-After"]) <= 3600  # a loaded machine
    assert "Too many attempts." in refused.get_data(as_text=True)
    assert "already uses" not in refused.get_data(as_text=True)
    # From another address signing up goes on; from this one, nothing until the window ends (below).
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_up(other, username="amina").status_code == 200
    assert sign_up(other, **{**SIGN_UP, "username": "newcomer"}).status_code == 302
    assert count_users() == 2


def test_once_the_already_used_answers_are_spent_the_refusal_tells_nothing(app, client, create_user, app_ctx,
                                                                            monkeypatch):
    """The attack (enum_after_limit.py): after the allowance, a 429 only for taken names and a 200 for free
    ones would say "taken" without limit. Every sign-up from the address is refused alike, and nothing is made."""
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "2 per hour")
    create_user("amina", phone=PERU, country="PE", email="amina@example.org")
    for _ in range(2):
        assert "already uses" in sign_up(client, username="xx1", email="amina@example.org").get_data(as_text=True)
    probes = {"taken phone": {"phone": PERU}, "free phone": {"phone": "+51 955 000 777"},
              "taken e-mail": {"email": "amina@example.org"}, "free e-mail": {"email": "nobody@example.org"},
              "taken username": {"username": "amina"}, "free username": {"username": "nobody.here"},
              "a whole good sign-up": {"username": "newcomer"}}
    answers = {name: sign_up(client, **{"username": "free.name", **probe}) for name, probe in probes.items()}
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(probes, 429)
    assert len({answer.get_data(as_text=True) for answer in answers.values()}) == 1
    assert count_users() == 1


def test_once_the_already_used_answers_are_spent_the_profile_refuses_every_contact_change(
        app, client, create_user, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "1 per hour")
    create_user("rosa", phone=PERU, country="PE", email="rosa@example.org")
    create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    from tests.helpers import save_profile

    assert "Another account already uses" in save_profile(client, email="rosa@example.org",
                                                          current_password=PASSWORD).get_data(as_text=True)
    for change in ({"phone": PERU}, {"phone": "+51 955 000 777"}, {"email": "free@example.org"}):
        assert save_profile(client, **change, current_password=PASSWORD).status_code == 429
    assert db.session.scalar(select(User.phone).where(User.username == "amina")) is None


def test_the_refusal_of_more_already_used_answers_is_translated(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "1 per hour")
    create_user("amina")
    client.get("/?lang=fr")
    sign_up(client, username="amina")
    page = sign_up(client, username="amina").get_data(as_text=True)
    assert "Trop de tentatives" in page


def test_the_profile_is_no_way_around_the_limit(app, client, create_user, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "2 per hour")
    create_user("rosa", phone=PERU, country="PE", email="rosa@example.org")
    create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    from tests.helpers import save_profile

    for email in ("rosa@example.org", "ROSA@example.org"):
        page = save_profile(client, email=email, current_password=PASSWORD).get_data(as_text=True)
        assert "Another account already uses" in page
    assert save_profile(client, phone="987 654 321", current_password=PASSWORD).status_code == 429


@pytest.mark.parametrize("same", ["username", "email"])
def test_sign_ups_sent_at_the_same_moment_with_one_name_get_already_used_not_a_500(app, app_ctx, same):
    """The attack (race_signup.py): eight sign-ups with one username (or e-mail address) at one moment; the
    database's unique constraint refused all but one with an error page (500). Each loser gets the form back."""
    with serve(app) as base:
        browsers = [Browser(base) for _ in range(8)]
        forms = [{**SIGN_UP, "username": "racer" if same == "username" else f"racer{number}",
                  "email": "racer@example.org" if same == "email" else "", "csrf_token": browser.token("/sign-up")}
                 for number, browser in enumerate(browsers)]
        answers = burst(lambda number: browsers[number].post("/sign-up", forms[number]), times=len(browsers))
    assert sorted(answers) == [200] * len(browsers), answers  # redirects followed: home, or the form again
    assert count_users() == 1


def test_the_testers_sign_up_probes_get_no_more_answers_than_the_budgets(app, create_user, app_ctx, monkeypatch):
    """The attack (enum_signup.py): 61 sign-ups from one address, each naming a phone number, told "taken" or
    "free" without limit, because only "taken" answers were counted. With a mismatched password confirmation
    they now tell nothing; with a form valid otherwise, each answer is paid for ("already used" or an account
    made), and every answer after the budgets is the same 429."""
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "3 per hour")
    monkeypatch.setitem(app.config, "SIGN_UP_LIMIT", "5 per hour")
    create_user("member", phone="+51 95123 77", country="PE")
    employees = [f"+51 95123 {number:02d}" for number in range(60)]
    employees.insert(37, "+51 95123 77")
    for number, phone in enumerate(employees):
        page = sign_up(app.test_client(), username=f"free{number}x", phone=phone, confirm="does-not-match-1"
                       ).get_data(as_text=True)
        assert "The two passwords are not the same." in page and "already" not in page
    answers = [sign_up(app.test_client(), username=f"free{number}x", phone=phone)
               for number, phone in enumerate(employees)]
    told = [answer for answer in answers if answer.status_code != 429]
    assert len(told) == 5  # the five first numbers are free: five accounts made, then the budget is spent
    refused = answers[len(told):]
    assert {answer.status_code for answer in refused} == {429}
    assert len({answer.get_data(as_text=True) for answer in refused}) == 1
    assert "Create the accounts" in refused[0].get_data(as_text=True)  # the way for a trainer's room
    assert count_users() == 1 + 5


def test_a_form_with_another_mistake_says_nothing_about_a_taken_address(app, client, create_user, app_ctx,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "1 per hour")
    create_user("member", phone=PERU, country="PE", email="member@example.org")
    for _ in range(3):  # nothing counted either
        page = sign_up(client, username="member", phone=PERU, email="member@example.org", confirm="another"
                       ).get_data(as_text=True)
        assert "The two passwords are not the same." in page
        assert "already" not in page and "taken" not in page
    assert "already uses this e-mail address" in sign_up(client, email="member@example.org").get_data(as_text=True)
    assert sign_up(client, username="xx9").status_code == 429


def test_ipv6_addresses_of_one_slash_64_share_the_sign_up_budget(app, create_user, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_UP_TAKEN_LIMIT", "2 per hour")
    create_user("amina")

    def browser(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    for address in ("2001:db8:5:6::1", "2001:db8:5:6:aaaa::2"):
        assert "This username is taken" in sign_up(browser(address), username="amina").get_data(as_text=True)
    assert sign_up(browser("2001:db8:5:6:ffff:ffff:ffff:ffff"), username="amina").status_code == 429
    assert sign_up(browser("2001:db8:5:7::1"), username="amina").status_code == 200
