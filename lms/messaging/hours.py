"""When an SMS that can wait (a reminder, a group's news) may reach a member: within SMS_SENDING_HOURS of their time.

The member's time zones come from their number (libphonenumber knows the zones of many numbering ranges), else
from their country (CLDR's zones of the territory). A country with several zones (Indonesia) is sent to only
while it is within the hours in all of them; if no such time exists, in its first zone.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.core import get_global
from flask import current_app
from phonenumbers import timezone as phone_zones

UNKNOWN_ZONE = "Etc/Unknown"


def sending_hours() -> tuple[int, int]:
    """SMS_SENDING_HOURS ("8-20") as (8, 20): from 8:00 until 20:00; "0-24" is any time."""
    start, end = (int(part) for part in current_app.config["SMS_SENDING_HOURS"].split("-"))
    return start, end


def zone_names(phone: str | None, country: str | None) -> list[str]:
    """The time zones of a number, else of a country; empty if neither is known."""
    names: tuple[str, ...] = ()
    if phone:
        try:
            names = phone_zones.time_zones_for_number(phonenumbers.parse(phone, None))
        except phonenumbers.NumberParseException:
            names = ()
    names = tuple(name for name in names if name != UNKNOWN_ZONE)
    if not names and country:
        names = tuple(get_global("territory_zones").get(country.upper(), ()))
    return list(names)


def zones(phone: str | None, country: str | None) -> list[ZoneInfo]:
    found = []
    for name in zone_names(phone, country):
        try:
            found.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return found


def within(moment: datetime, zone: ZoneInfo, hours: tuple[int, int]) -> bool:
    local = moment.astimezone(zone)
    start, end = hours
    return start <= local.hour + local.minute / 60 < end


def next_start(moment: datetime, zone: ZoneInfo, start: int) -> datetime:
    """The first time at or after ``moment`` when the clock in ``zone`` shows ``start`` o'clock."""
    local = moment.astimezone(zone)
    for days in range(3):
        day = local.date() + timedelta(days=days)
        candidate = datetime.combine(day, time(start % 24), tzinfo=zone)
        if candidate >= local:
            return candidate.astimezone(moment.tzinfo)
    return moment


def sending_time(now: datetime, phone: str | None, country: str | None) -> datetime:
    """``now`` if it is within the sending hours wherever the member may be, else the first time it is."""
    hours = sending_hours()
    if hours[1] - hours[0] >= 24:
        return now
    member_zones = zones(phone, country)
    if not member_zones:
        return now
    for group in (member_zones, member_zones[:1]):
        candidates = sorted({now, *(next_start(now, zone, hours[0]) for zone in group)})
        for candidate in candidates:
            if all(within(candidate, zone, hours) for zone in group):
                return candidate
    return now
