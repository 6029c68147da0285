"""What an SMS segment costs, by the country of the number it goes to: SMS_PRICES, with SMS_PRICE_PER_SEGMENT as
the price of the countries it does not name.

SMS_PRICES is a list of ``COUNTRY=price`` (ISO 3166-1 alpha-2, as lms/messaging/channels.py ``country_of`` tells
it), separated by spaces or commas, where ``*`` names every other country: ``BJ=0.031 KH=0.018 *=0.05``. A price is
a decimal number of SMS_CURRENCY, 0 or more; 0 is "no price known". The settings are checked when the app starts
(``check``), and each text of them is parsed once.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from flask import current_app

from lms.messaging.channels import country_of

#: The key of the price of every country SMS_PRICES does not name.
OTHERS = "*"


class BadPrices(ValueError):
    """A setting of prices that cannot be read; the message names the bad part."""


def _price(text: str, where: str) -> Decimal:
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise BadPrices(f"{where}: {text!r} is not a price (a number such as 0.05, with a dot, 0 or more)")
    return Decimal(text)


@lru_cache(maxsize=8)
def parse(prices: str, default: str) -> dict[str, Decimal]:
    """``{"BJ": Decimal("0.031"), ..., "*": price of the others}`` from the two settings; BadPrices if one is bad."""
    table = {OTHERS: _price((default or "0").strip(), "SMS_PRICE_PER_SEGMENT")}
    seen = set()
    for part in re.split(r"[\s,]+", prices.strip()):
        if not part:
            continue
        country, sep, value = part.partition("=")
        country = country.strip().upper()
        if not sep or not value.strip():
            raise BadPrices(f"SMS_PRICES: {part!r} is not COUNTRY=price (for example BJ=0.031, or *=0.05 for the "
                            "others)")
        if country != OTHERS and country not in phonenumbers.SUPPORTED_REGIONS:
            raise BadPrices(f"SMS_PRICES: {part!r} names no country (a two-letter ISO 3166 code such as BJ, or *)")
        if country in seen:
            raise BadPrices(f"SMS_PRICES: {part!r}: {country} has a price already")
        seen.add(country)
        table[country] = _price(value.strip(), f"SMS_PRICES: {part!r}")
    return table


def check(config) -> None:
    """Read the price settings of ``config`` once, as the app starts: BadPrices names what is wrong."""
    parse(config.get("SMS_PRICES", ""), str(config.get("SMS_PRICE_PER_SEGMENT", "0")))


def price_table() -> dict[str, Decimal]:
    return parse(current_app.config.get("SMS_PRICES", ""), str(current_app.config.get("SMS_PRICE_PER_SEGMENT", "0")))


def price_in(country: str | None) -> Decimal:
    """A segment's price to a number of ``country`` (None: a country nobody can tell); 0 when none is known."""
    table = price_table()
    return table.get(country or OTHERS, table[OTHERS])


def price_to(phone: str | None) -> Decimal:
    return price_in(country_of(phone) if phone else None)
