"""SMS segments counted as the network counts them (3GPP TS 23.038 / 23.040), on known examples."""
from __future__ import annotations

import pytest

from lms.messaging.segments import measure


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
