"""Choosing the interface language, and catalogues that are complete."""
from __future__ import annotations

import html

import pytest
from babel.messages.pofile import read_po

from lms.extensions import db
from lms.i18n import language_name, text_direction
from tests.helpers import ROOT, csrf_token, html_lang, sign_in


def test_default_is_english(client):
    assert html_lang(client.get("/")) == "en"


def test_browser_language_is_used_when_supported(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "es-PE,es;q=0.9"})) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"})) == "en"


def test_switch_is_remembered_in_the_session(client):
    assert html_lang(client.get("/courses?lang=fr", headers={"Accept-Language": "es"})) == "fr"
    assert html_lang(client.get("/", headers={"Accept-Language": "es"})) == "fr"


def test_the_profile_language_follows_the_member(client, app, create_user, app_ctx):
    user = create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    client.get("/?lang=es")
    db.session.refresh(user)
    assert user.locale is None  # a switch lasts for the session; the profile form stores a language
    from tests.helpers import save_profile

    assert save_profile(client, display_name="Amina", locale="es").status_code == 302
    db.session.refresh(user)
    assert user.locale == "es"
    other_device = app.test_client()
    sign_in(other_device, "amina")
    assert html_lang(other_device.get("/", headers={"Accept-Language": "fr"})) == "es"


def test_every_page_offers_every_language_in_its_own_name(client):
    page = client.get("/sign-in?next=/courses").get_data(as_text=True)
    for code, name in (("en", "English"), ("fr", "Français"), ("es", "Español")):
        assert f'lang="{code}" hreflang="{code}"' in page
        assert f">{name}</a>" in page
    assert "/sign-in?next=%2Fcourses&amp;lang=fr" in page


def test_unsupported_language_switch_is_a_translated_404(client):
    client.get("/?lang=fr")
    response = client.get("/?lang=tlh")
    assert response.status_code == 404
    assert html_lang(response) == "fr"


def test_template_has_every_string_of_the_code(tmp_path):
    """translations/messages.pot is up to date: `flask catalogues update` was run after the last change."""
    from babel.messages.frontend import CommandLineInterface

    fresh = tmp_path / "fresh.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "N_plural:1,2", "--no-location", "-o", str(fresh), str(ROOT / "lms")])
    with open(fresh, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        have = {m.id for m in read_po(f) if m.id}
    assert wanted - have == set()


def test_language_names_and_direction():
    assert language_name("km") == "ខ្មែរ"
    assert language_name("fr", "en") == "French"
    assert text_direction("ar") == "rtl" and text_direction("fr") == "ltr"


def test_pages_are_translated(client):
    page = client.get("/sign-up?lang=es").get_data(as_text=True)
    assert "Crear mi cuenta" in page or "Registrarse" in page
    page = client.get("/sign-up?lang=fr").get_data(as_text=True)
    assert "S’inscrire" in page or "S'inscrire" in page


def test_language_chosen_before_signing_in_lasts_the_session_without_changing_the_profile(client, create_user,
                                                                                         app_ctx):
    user = create_user("amina")
    client.get("/sign-in?lang=ar")
    sign_in(client, "amina")
    db.session.refresh(user)
    assert user.locale is None  # a GET changes the page, not the profile (tests/auth/test_language_switch.py)
    assert html_lang(client.get("/")) == "ar"


def test_profile_language_wins_over_a_language_inherited_from_a_previous_visitor(app, create_user, app_ctx):
    user = create_user("amina", locale="fr")
    shared_phone = app.test_client()
    shared_phone.get("/?lang=es")
    create_user("bob", locale="sw")
    sign_in(shared_phone, "bob")
    shared_phone.post("/sign-out", data={"csrf_token": csrf_token(shared_phone, "/")})
    sign_in(shared_phone, "amina")
    db.session.refresh(user)
    assert user.locale == "fr"
    assert html_lang(shared_phone.get("/")) == "fr"


@pytest.mark.parametrize("language", ["vi", "km", "my", "bn", "id", "sw", "ar", "fr"])
def test_a_refused_field_says_why_in_the_members_language(app, library, create_user, language):
    """Outside tester E: WTForms has no catalogue for six of our languages, whose members read its refusals
    ("Not a valid date value.", "Field cannot be longer than 120 characters.") in English."""
    from flask_babel import force_locale, gettext, ngettext

    create_user("tina", role="trainer", locale=language)
    client = app.test_client()
    sign_in(client, "tina")
    page = client.post("/groups/new", data={
        "name": "x" * 121, "course": "social-dialogue-at-work", "country": "BJ", "mode": "online",
        "starts_on": "someday", "ends_on": "2026-12-31", "csrf_token": csrf_token(client, "/groups/new")})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert "Not a valid date value." not in text and "Field cannot be longer" not in text
    with app.test_request_context(), force_locale(language):
        assert gettext("Not a valid date value.") in text
        assert ngettext("Field cannot be longer than %(max)d character.",
                        "Field cannot be longer than %(max)d characters.", 120, max=120) in text


def test_country_lists_sort_accented_names_among_the_others_as_french_readers_expect(client):
    page = client.get("/sign-up?lang=fr").get_data(as_text=True)
    assert "Égypte" in page and "Zambie" in page
    assert page.index("Égypte") < page.index("Espagne") < page.index("Zambie")
    assert page.index("Émirats arabes unis") < page.index("Équateur") < page.index("États-Unis")


def test_organisations_are_offered_in_the_readers_alphabetical_order(app_ctx):
    from lms.admin.services import add_organisation
    from lms.core.fields import organisation_choices

    for acronym in ("ZETA", "ÉLAN", "ABC", "eau"):
        add_organisation(name="Union", acronym=acronym, country="PE", sector="hotels")
    labels = [choice.label.split(" – ")[0] for choice in organisation_choices("None")[1:]]
    assert labels == ["ABC", "eau", "ÉLAN", "ZETA"]


def test_words_and_numbers_follow_every_change_of_locale_within_a_request(app):
    """The catalogue and the locale's code are kept on the request (lms/i18n/per_request.py): they must follow
    ``force_locale`` in, nested, and out again, as Flask-Babel's own lookups do."""
    from babel.numbers import format_decimal
    from babel.support import Translations
    from flask_babel import force_locale, gettext

    from lms.core.templating import format_decimal_value
    from lms.i18n import current_language

    translations_dir = ROOT / "translations"

    def own(language: str, text: str) -> str:
        return Translations.load(str(translations_dir), [language]).ugettext(text)

    render = app.jinja_env.from_string("{{ _('Report') }}|{{ format_decimal_value(1234.5) }}")

    def step(language: str) -> tuple[str, str, str]:
        # The template first: its own path must find the catalogue of this locale, not the one kept before.
        drawn = render.render(format_decimal_value=format_decimal_value)
        return language, gettext("Report"), drawn

    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        steps = [step("es")]
        with force_locale("fr"):
            steps.append(step("fr"))
            with force_locale("ar"):
                steps.append(step("ar"))
            steps.append(step("fr"))
        steps.append(step("es"))
        languages = [current_language()]
    assert languages == ["es"]
    for language, said, drawn in steps:
        assert said == own(language, "Report"), language
        assert drawn.split("|") == [own(language, "Report"), format_decimal(1234.5, "#,##0.0", locale=language)]
    assert len({said for _language, said, _drawn in steps}) == 3  # three catalogues, each a word of its own
