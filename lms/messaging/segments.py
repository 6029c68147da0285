"""How many SMS a text takes (3GPP TS 23.038 and 23.040).

A text that uses only the GSM 7-bit alphabet travels in 7-bit units: 160 in one SMS, 153 in each part of a longer
one (the rest carries the header that joins the parts); the characters of the alphabet's extension table (``€``,
``[``, ``{``...) take two units each, and never straddle two parts. Any other character (Khmer, Burmese, Bengali,
Arabic, most Vietnamese letters, "ç" in upper case...) sends the whole text as UCS-2: 70 UTF-16 units in one SMS,
67 in each part, a character outside the Basic Multilingual Plane (an emoji) taking two, never split.

A phone's keyboard or a word processor puts typographic characters in a text (’ “ ” – … and non-breaking spaces)
that GSM-7 lacks: one of them alone would send the whole text as UCS-2, at twice the price. ``plain`` gives them
their GSM-7 equivalents before a text is measured, shown and sent; ``costly_characters`` names those that still
force UCS-2 in a Latin text where writing them otherwise would save it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: The GSM 03.38 default alphabet, without the escape to the extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà")
#: Its extension table: each character costs two units (the escape, then itself).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

#: Typographic characters and their GSM-7 equivalents (quotes, dashes, the ellipsis, spaces of other widths);
#: invisible ones that only hint a line break or a byte order are dropped. Not the joiners (ZWJ, ZWNJ) or the
#: zero-width space: Khmer, Burmese, Bengali and Arabic need them.
TYPOGRAPHIC = str.maketrans({
    **dict.fromkeys("‘’‚‛′‵ʹ", "'"),
    **dict.fromkeys("“”„‟″‶«»", '"'),
    **dict.fromkeys("‹›", "'"),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
                    " "),
    **dict.fromkeys("\u00ad\ufeff\u2060", ""),
    "\u2028": "\n", "\u2029": "\n",
})
#: Letters that only Vietnamese uses (with ơ, ư, ă, đ): a text that has them takes UCS-2 anyway.
VIETNAMESE = frozenset("ơƠưƯăĂđĐ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
#: The most characters ``costly_characters`` names: beyond, it is not one or two letters that do it.
MOST_NAMED = 5

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


def plain(text: str) -> str:
    """``text`` composed (NFC: "e" and a combining acute make one "é", which GSM-7 has), with its typographic
    characters replaced by their GSM-7 equivalents (TYPOGRAPHIC)."""
    return unicodedata.normalize("NFC", text).translate(TYPOGRAPHIC)


#: Languages written in Latin letters whose portal-written SMS (codes, answers, reminders) may lose an accent GSM-7
#: lacks ("á" becomes "a", as people write SMS in Spanish or Portuguese) rather than go as UCS-2 at twice the price.
#: Vietnamese is not one: without its marks it is another text. A trainer's own text is never changed (the preview
#: names what costs more).
FOLDED_LANGUAGES = frozenset({"en", "fr", "es", "pt", "nl", "id", "sw"})


def folded_for(text: str, language: str) -> str:
    """``text`` with the accents GSM-7 lacks taken off its letters, if that makes it GSM-7 and it is in one of
    FOLDED_LANGUAGES; else ``text`` as it is."""
    if language not in FOLDED_LANGUAGES or is_gsm7(text):
        return text

    def letter(c: str) -> str:
        if c in GSM7_BASIC or c in GSM7_EXTENSION:
            return c
        base = unicodedata.normalize("NFD", c)[0]
        return base if base in GSM7_BASIC else c
    folded = "".join(letter(c) for c in text)
    return folded if is_gsm7(folded) else text


def costly_characters(text: str) -> list[str]:
    """The characters that make ``text`` UCS-2, in order of first use, when a few Latin ones do it: writing them
    otherwise would make it GSM-7 (160 characters an SMS, not 70). Empty for a GSM-7 text, and for one in a script
    GSM-7 lacks or in Vietnamese (it needs UCS-2 whatever one does), or with more than MOST_NAMED such characters."""
    costly = list(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if not costly or len(costly) > MOST_NAMED:
        return []
    for c in costly:
        if c in VIETNAMESE or (c.isalpha() and not unicodedata.name(c, "").startswith("LATIN ")):
            return []
        if unicodedata.category(c) in ("Mn", "Mc", "Cf"):  # a combining mark or a joiner: part of another script
            return []
    return costly
