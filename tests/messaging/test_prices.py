"""SMS prices by country (SMS_PRICES), SMS_PRICE_PER_SEGMENT for the others; a bad setting stops the start."""
from __future__ import annotations

from decimal import Decimal

import pytest

from lms import UnsafeConfiguration, create_app
from lms.config import TestConfig
from lms.messaging import prices


def test_prices_by_country_and_a_default_for_the_others():
    table = prices.parse("BJ=0.031 KH=0.018, *=0.05", "0.07")
    assert table == {"BJ": Decimal("0.031"), "KH": Decimal("0.018"), "*": Decimal("0.05")}


def test_without_a_star_the_price_per_segment_is_the_others_price():
    assert prices.parse("bj=0.031", "0.07") == {"BJ": Decimal("0.031"), "*": Decimal("0.07")}
    assert prices.parse("", "") == {"*": Decimal(0)}


def test_a_segments_price_follows_the_country_of_the_number(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SMS_PRICES", "BJ=0.031 KH=0.018")
    monkeypatch.setitem(app_ctx.config, "SMS_PRICE_PER_SEGMENT", "0.05")
    assert prices.price_to("+2290197123456") == Decimal("0.031")
    assert prices.price_to("+85512345678") == Decimal("0.018")
    assert prices.price_to("+51912345678") == Decimal("0.05")  # Peru: the others' price
    assert prices.price_in(None) == Decimal("0.05")


@pytest.mark.parametrize(("setting", "default", "named"), [
    ("BJ:0.031", "0", "'BJ:0.031' is not COUNTRY=price"),
    ("BJ=", "0", "'BJ=' is not COUNTRY=price"),
    ("XX=0.03", "0", "'XX=0.03' names no country"),
    ("Benin=0.03", "0", "'Benin=0.03' names no country"),
    ("BJ=0,031", "0", "'031' is not COUNTRY=price"),  # a comma separates parts: "BJ=0", then "031"
    ("BJ=abc", "0", "'abc' is not a price"),
    ("BJ=-1", "0", "'-1' is not a price"),
    ("BJ=0.03 bj=0.04", "0", "BJ has a price already"),
    ("", "cheap", "SMS_PRICE_PER_SEGMENT: 'cheap' is not a price"),
])
def test_a_bad_setting_is_refused_naming_the_bad_part(setting, default, named):
    with pytest.raises(prices.BadPrices, match=named.replace("(", r"\(")):
        prices.parse(setting, default)


def test_the_app_does_not_start_with_bad_prices():
    class BadPrices(TestConfig):
        SMS_PRICES = "BJ=0.031 KH=lots"

    with pytest.raises(UnsafeConfiguration, match="SMS_PRICES: 'KH=lots'"):
        create_app(BadPrices)
