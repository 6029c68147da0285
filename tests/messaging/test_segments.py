"""SMS segments counted as the network counts them (3GPP TS 23.038 / 23.040), on known examples."""
from __future__ import annotations

import pytest

from lms.messaging.segments import costly_characters, folded_for, measure, plain


@pytest.mark.parametrize(("text", "encoding", "segments"), [
    ("", "gsm7", 1),
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("Réunion jeudi à 14h, salle du syndicat. Apportez vos questions!", "gsm7", 1),  # é and à are GSM-7
    ("€" * 80, "gsm7", 1),  # an extension character costs two units
    ("€" * 81, "gsm7", 2),
    ("a" * 152 + "€" + "a" * 10, "gsm7", 2),  # the € does not straddle the parts: 152, then 2 + 10
    ("a" * 152 + "€" + "a" * 152, "gsm7", 3),  # 306 units (two parts of 153), but split: 152, 153, 1
    ("Ça va", "gsm7", 1),  # Ç is GSM-7, but "ç" in lower case is not
    ("ça va", "ucs2", 1),
    ("Cuộc họp vào thứ Năm", "ucs2", 1),  # Vietnamese
    ("ក" * 70, "ucs2", 1),  # Khmer
    ("ក" * 71, "ucs2", 2),
    ("ক" * 134, "ucs2", 2),  # Bengali: 67 a part
    ("ক" * 135, "ucs2", 3),
    ("اجتماع" * 12, "ucs2", 2),  # Arabic, 72 characters
    ("😀" * 35, "ucs2", 1),  # outside the BMP: two units each
    ("😀" * 36, "ucs2", 2),
    ("a" * 66 + "😀", "ucs2", 1),  # 68 units: one SMS of 70
    ("a" * 66 + "😀😀", "ucs2", 1),  # 70 units: still one SMS
    ("a" * 66 + "😀" + "a" * 66, "ucs2", 3),  # 134 units (two parts of 67), but a pair never straddles: 66, 67, 1
])
def test_segments_of_known_texts(text, encoding, segments):
    size = measure(text)
    assert (size.encoding, size.segments) == (encoding, segments)


@pytest.mark.parametrize(("typed", "sent"), [
    ("Don’t forget: “Thursday” – 10\u00a0h…", "Don't forget: \"Thursday\" - 10 h..."),
    ("N’oubliez pas «\u202fjeudi\u202f» — salle 2", "N'oubliez pas \" jeudi \" - salle 2"),
    ("‘a’ ‚b‛ 5′ 6″ „c‟", "'a' 'b' 5' 6\" \"c\""),
    ("soft\u00adhyphen\ufeff", "softhyphen"),
    ("Re\u0301union", "Réunion"),  # e and a combining acute: composed, and "é" is GSM-7
    ("ខ្ញុំ\u200bទៅ", "ខ្ញុំ\u200bទៅ"),  # Khmer's zero-width space and joiners are kept
])
def test_typographic_characters_become_their_gsm7_equivalents(typed, sent):
    assert plain(typed) == sent


def test_a_curly_quote_no_longer_doubles_the_price():
    typed = "Don’t forget Thursday’s session. " * 4  # 132 characters
    assert (measure(typed).encoding, measure(typed).segments) == ("ucs2", 2)
    assert (measure(plain(typed)).encoding, measure(plain(typed)).segments) == ("gsm7", 1)


@pytest.mark.parametrize(("text", "named"), [
    ("Thursday at 10", []),  # GSM-7
    ("Reunião na quinta às 14h na sede", ["ã"]),  # Portuguese: à is GSM-7, ã is not
    ("Formação: não se esqueçam, é às 9h, você", ["ç", "ã", "ê"]),
    ("ça va 😀", ["ç", "😀"]),
    ("Cuộc họp vào thứ Năm", []),  # Vietnamese needs UCS-2 whatever one writes
    ("Họp lúc 10 giờ", []),
    ("Hop luc 10 gio, ơ", []),  # one Vietnamese letter is still Vietnamese
    ("សូមអញ្ជើញមកប្រជុំ", []),  # Khmer: a script GSM-7 lacks
    ("اجتماع الخميس", []),
    ("Réunion à Cotonou. ąęłńśźżćõâ", []),  # more than a few: naming them does not help
])
def test_the_characters_that_cost_more_are_named_only_for_latin_texts_where_a_few_do_it(text, named):
    assert costly_characters(text) == named


@pytest.mark.parametrize(("language", "text", "folded"), [
    ("es", "Inicie sesión, no recibirá más SMS", "Inicie sesion, no recibira mas SMS"),
    ("pt", "Você não receberá", "Voce nao recebera"),
    ("fr", "être répondu à côté", "etre répondu à coté"),  # é and à are GSM-7: kept
    ("es", "Mañana, señora", "Mañana, señora"),  # already GSM-7
])
def test_portal_texts_in_latin_languages_lose_the_accents_gsm7_lacks(language, text, folded):
    assert folded_for(text, language) == folded and measure(folded).encoding == "gsm7"


@pytest.mark.parametrize(("language", "text"), [
    ("vi", "Bạn có một khảo sát"),  # Vietnamese without its marks is another text
    ("es", "Sesión 🙏"),  # an emoji stays UCS-2 whatever the accents: the text is left whole
    ("km", "ស្ទង់មតិ"),
])
def test_other_texts_are_left_as_they_are(language, text):
    assert folded_for(text, language) == text
