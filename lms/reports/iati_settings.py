"""The IATI settings (``IATI_*`` in lms/config.py), read and checked against IATI's codelists (iati_codes/).

Every bad value is named at once: the portal refuses to start with them (lms/__init__.py, check_config), and so
does ``flask reports iati``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

CODES = Path(__file__).with_name("iati_codes") / "codes.json"
#: The figures a target may be set for (``IATI_TARGETS``), one a year.
TARGET_MEASURES = ("participants", "completions", "new_trainers")
#: The sector vocabularies whose codes the portal can check, with the codelist of each.
SECTOR_CODELISTS = {"1": "Sector", "2": "SectorCategory"}
TARGET = re.compile(r"\s*([A-Za-z_]+)\s*=\s*([0-9]+)\s*")
SECTOR = re.compile(r"\s*([0-9A-Za-z.]+)\s*(?::\s*([0-9]+)\s*)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@cache
def codelist(name: str) -> frozenset[str]:
    """The active codes of one of IATI's codelists shipped with the portal."""
    return frozenset(json.loads(CODES.read_text(encoding="utf-8"))[name])


@dataclass(frozen=True)
class Sector:
    code: str
    #: Whole percent of the activity; 100 for a single sector.
    percentage: int


@dataclass(frozen=True)
class Settings:
    reporting_org_ref: str
    reporting_org_name: str
    reporting_org_type: str
    activity_title: str
    activity_start: date
    funder_ref: str
    funder_name: str
    funder_type: str
    sector_vocabulary: str
    sectors: tuple[Sector, ...]
    #: A figure's target for the year, by measure (``TARGET_MEASURES``).
    targets: dict[str, int]


class BadSettings(ValueError):
    """One or more IATI settings are wrong; ``problems`` names each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read(config: Mapping) -> Settings:
    """The IATI settings, checked; BadSettings naming every bad value."""
    problems: list[str] = []
    org_ref = config["IATI_REPORTING_ORG_REF"].strip()
    if not org_ref or re.search(r"[\s/&|?]", org_ref):
        problems.append(f"IATI_REPORTING_ORG_REF={org_ref!r} must be an organisation identifier without spaces "
                        "or / & | ? (IATI rules 1.14.1, 1.14.13)")
    activity_id = config["IATI_ACTIVITY_ID"]
    if not activity_id.startswith(f"{org_ref}-") or activity_id == f"{org_ref}-":
        problems.append(f"IATI_ACTIVITY_ID={activity_id!r} must start with the reporting organisation's reference "
                        f"and a hyphen ({org_ref}-...), then the activity's own part (IATI rule 1.1.21)")
    types = {}
    for name in ("IATI_REPORTING_ORG_TYPE", "IATI_FUNDER_TYPE"):
        types[name] = config[name].strip()
        if types[name] not in codelist("OrganisationType"):
            problems.append(f"{name}={config[name]!r} is not on IATI's OrganisationType codelist (10 government, "
                            "21 international NGO, 22 national NGO, 40 multilateral, 60 foundation...)")
    start = config["IATI_ACTIVITY_START"].strip()
    try:
        activity_start = date.fromisoformat(start) if ISO_DATE.fullmatch(start) else None
    except ValueError:
        activity_start = None
    if activity_start is None:
        problems.append(f"IATI_ACTIVITY_START={config['IATI_ACTIVITY_START']!r} is not a date written YYYY-MM-DD")
    for name in ("IATI_REPORTING_ORG_NAME", "IATI_ACTIVITY_TITLE", "IATI_FUNDER_NAME"):
        if not config[name].strip():
            problems.append(f"{name} is empty: the file names it in a narrative, which may not be empty")
    funder_ref = config["IATI_FUNDER_REF"].strip()
    if not funder_ref or re.search(r"[\s/&|?]", funder_ref):
        problems.append(f"IATI_FUNDER_REF={config['IATI_FUNDER_REF']!r} must be the funder's organisation identifier "
                        "without spaces or / & | ? (the Dutch Ministry of Foreign Affairs is XM-DAC-7)")
    vocabulary = config["IATI_SECTOR_VOCABULARY"].strip()
    sectors = parse_sectors(config["IATI_SECTORS"], vocabulary, problems)
    targets = parse_targets(config["IATI_TARGETS"], problems)
    if problems:
        raise BadSettings(problems)
    return Settings(org_ref, config["IATI_REPORTING_ORG_NAME"], types["IATI_REPORTING_ORG_TYPE"],
                    config["IATI_ACTIVITY_TITLE"], activity_start, funder_ref,
                    config["IATI_FUNDER_NAME"],
                    types["IATI_FUNDER_TYPE"], vocabulary, sectors, targets)


def parse_sectors(text: str, vocabulary: str, problems: list[str]) -> tuple[Sector, ...]:
    """``"16020:50,15150:50"`` -> sectors of ``vocabulary``; a single code may go without its 100."""
    if vocabulary not in codelist("SectorVocabulary"):
        problems.append(f"IATI_SECTOR_VOCABULARY={vocabulary!r} is not on IATI's SectorVocabulary codelist "
                        "(1: OECD DAC CRS 5-digit purpose codes, 2: 3-digit)")
        return ()
    if vocabulary not in SECTOR_CODELISTS:
        problems.append(f"IATI_SECTOR_VOCABULARY={vocabulary!r}: the portal checks the codes of vocabularies 1 "
                        "(OECD DAC 5-digit) and 2 (3-digit) only; use one of them")
        return ()
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        problems.append("IATI_SECTORS is empty: every activity needs a sector (IATI rule 6.2.2), e.g. "
                        "16020:50,15150:50")
        return ()
    sectors, before, malformed = [], len(problems), False
    for part in parts:
        match = SECTOR.fullmatch(part)
        if match is None:
            problems.append(f"IATI_SECTORS: {part.strip()!r} is not code:percentage (e.g. 16020:50)")
            malformed = True
            continue
        code, percentage = match.group(1), match.group(2)
        if code not in codelist(SECTOR_CODELISTS[vocabulary]):
            problems.append(f"IATI_SECTORS: {code!r} is not an active code of IATI's "
                            f"{SECTOR_CODELISTS[vocabulary]} codelist (vocabulary {vocabulary})")
        if percentage is None and len(parts) > 1:
            problems.append(f"IATI_SECTORS: {code!r} needs its percentage: with several sectors, each has one "
                            "(IATI rule 2.1.1)")
            malformed = True
        elif percentage is not None and not 0 < int(percentage) <= 100:
            problems.append(f"IATI_SECTORS: {code!r} has {percentage} percent: a share is from 1 to 100")
            malformed = True
        sectors.append(Sector(code, 100 if percentage is None else int(percentage)))
    if not malformed and len({s.code for s in sectors}) < len(sectors):
        problems.append(f"IATI_SECTORS={text!r} names a sector twice")
    elif not malformed and sum(s.percentage for s in sectors) != 100:
        problems.append(f"IATI_SECTORS={text!r}: the percentages add up to {sum(s.percentage for s in sectors)}, "
                        "not 100 (IATI rules 2.1.2, 2.1.4)")
    return tuple(sectors) if len(problems) == before else ()


def parse_targets(text: str, problems: list[str]) -> dict[str, int]:
    """``"participants=5000,completions=3000"`` -> the year's target per measure, refusing anything else
    (``participants=5,000`` is not a target of 5)."""
    targets: dict[str, int] = {}
    parts = [part for part in text.split(",") if part.strip()]
    if any(part.strip().isdigit() for part in parts):  # "participants=5,000" read as a target of 5, then "000"
        problems.append(f"IATI_TARGETS={text!r} writes a number with a thousands separator: write it without one "
                        "(participants=5000)")
    for part in (part for part in parts if not part.strip().isdigit()):
        match = TARGET.fullmatch(part)
        if match is None:
            problems.append(f"IATI_TARGETS: {part.strip()!r} is not measure=number (numbers are written without "
                            "separators: participants=5000)")
        elif match.group(1) not in TARGET_MEASURES:
            problems.append(f"IATI_TARGETS: {match.group(1)!r} is not a measure with a target (one of: "
                            f"{', '.join(TARGET_MEASURES)})")
        elif match.group(1) in targets:
            problems.append(f"IATI_TARGETS: {match.group(1)!r} is given twice")
        else:
            targets[match.group(1)] = int(match.group(2))
    return targets
