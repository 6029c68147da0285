"""How many SMS a text takes (3GPP TS 23.038 and 23.040).

A text that uses only the GSM 7-bit alphabet travels in 7-bit units: 160 in one SMS, 153 in each part of a longer
one (the rest carries the header that joins the parts); the characters of the alphabet's extension table (``€``,
``[``, ``{``...) take two units each, and never straddle two parts. Any other character (Khmer, Burmese, Bengali,
Arabic, most Vietnamese letters, "ç" in upper case...) sends the whole text as UCS-2: 70 UTF-16 units in one SMS,
67 in each part, a character outside the Basic Multilingual Plane (an emoji) taking two, never split.
"""
from __future__ import annotations

from dataclasses import dataclass

#: The GSM 03.38 default alphabet, without the escape to the extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà")
#: Its extension table: each character costs two units (the escape, then itself).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True)
class Measure:
    """``encoding`` ("gsm7" or "ucs2"), ``units`` (7-bit units or UTF-16 units) and ``segments`` (SMS)."""

    encoding: str
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def unit_sizes(text: str, encoding: str) -> list[int]:
    """What each character costs in the encoding."""
    if encoding == "gsm7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def measure(text: str) -> Measure:
    """The encoding, units and number of SMS of ``text`` (an empty text is one SMS)."""
    encoding = "gsm7" if is_gsm7(text) else "ucs2"
    sizes = unit_sizes(text, encoding)
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return Measure(encoding, units, 1)
    segments, room = 1, PART[encoding]
    for size in sizes:  # a character that does not fit whole starts the next part
        if size > room:
            segments, room = segments + 1, PART[encoding]
        room -= size
    return Measure(encoding, units, segments)
