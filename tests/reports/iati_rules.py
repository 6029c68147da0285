"""IATI's Validator rules (iati-rulesets/standard.json) applied to an activity file, and IATI's codelists
(iati-codelists/) to its codes: small interpreters that name each rule's id in what they find."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).parent
RULESET = json.loads((HERE / "iati-rulesets" / "standard.json").read_text(encoding="utf-8"))
CODELISTS = HERE / "iati-codelists"
#: one_or_all: when ``one`` is missing, what must then hold everywhere, by the name of ``all``: what must not be found.
MISSING_FROM_ALL = {
    "lang": ".//narrative[not(@xml:lang)]",  # 4.1.1: an activity language, or a language on every narrative
    "sector": "transaction[not(sector)]",  # 6.7.2: an activity sector, or a sector on every transaction
    "currency": ".//value[not(@currency)]",  # 7.8.1: a default currency, or a currency on every value
}


def values(element, paths: list[str]) -> list[str]:
    """The text of what the paths find: an attribute's value, an element's text."""
    found = []
    for path in paths:
        for node in element.xpath(path):
            found.append(node if isinstance(node, str) else (node.text or ""))
    return found


def day(text: str) -> date:
    return date.fromisoformat(text[:10])


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def holds(rule: str, case: dict, element) -> bool:
    """Whether ``element`` keeps one case of a rule; KeyError for a rule type not interpreted here."""
    paths = case.get("paths", [])
    if rule == "atleast_one":
        return len(values(element, paths)) >= 1
    if rule == "no_more_than_one":
        return len(values(element, paths)) <= 1
    if rule == "unique":
        found = values(element, paths)
        return len(found) == len(set(found))
    if rule == "startswith":
        prefixes = [f"{prefix}{case.get('separator', '')}" for prefix in values(element, case["prefix"])]
        return all(any(value.startswith(prefix) for prefix in prefixes) for value in values(element, paths))
    if rule == "regex_matches":
        return all(re.search(case["regex"], value) for value in values(element, paths))
    if rule == "no_spaces":
        return not any(re.search(r"\s", value) for value in values(element, paths))
    if rule == "one_or_all":
        return bool(element.xpath(case["one"])) or not element.xpath(MISSING_FROM_ALL[case["all"]])
    if rule == "date_now":
        return all(day(value) <= datetime.now(UTC).date() for value in values(element, [case["date"]]))
    if rule == "date_order":
        now = [datetime.now(UTC).date().isoformat()]
        less = values(element, [case["less"]])
        more = now if case["more"] == "NOW" else values(element, [case["more"]])
        return all(day(first) <= day(second) for first in less for second in more)
    if rule == "time_limit":
        return all((day(end) - day(start)).days <= 366 for start in values(element, [case["start"]])
                   for end in values(element, [case["end"]]))
    if rule == "strict_sum":
        amounts = [number(value) for value in values(element, paths)]
        return None not in amounts and sum(amounts) == Decimal(case["sum"])
    if rule == "range":
        amounts = [number(value) for value in values(element, paths)]
        return all(a is not None and case["min"] <= a <= case["max"] for a in amounts)
    if rule == "if_then":
        return not element.xpath(f"boolean({case['if']})") or element.xpath(f"boolean({case['then']})")
    raise KeyError(rule)


def substituted(rules: dict, value: str) -> dict:
    """A loop's rules with each "$1" replaced by the value its foreach found."""
    return json.loads(json.dumps(rules).replace("$1", value.replace('"', '\\"')))


def check_element(element, rules: dict) -> list[str]:
    broken = []
    for rule, body in rules.items():
        for case in body["cases"]:
            if "idCondition" in case:  # needs IATI's registry of organisation identifiers
                continue
            if rule == "loop":
                for value in dict.fromkeys(values(element, [case["foreach"]])):
                    broken += check_element(element, substituted(case["do"], value))
                continue
            if "condition" in case and not element.xpath(f"boolean({case['condition']})"):
                continue
            if not holds(rule, case, element):
                info = case["ruleInfo"]
                broken.append(f"{info['id']} {info['severity']}: {info['message']}")
    return broken


def broken_rules(document) -> list[str]:
    """Each rule of the Validator's ruleset that the document breaks, as "id severity: message"."""
    root = document.getroot() if hasattr(document, "getroot") else document
    tree = root.getroottree()
    broken = []
    for context, rules in RULESET.items():
        for element in tree.xpath(context):
            broken += check_element(element, rules)
    return broken


@cache
def codelist(name: str) -> dict[str, str]:
    """A copied codelist: code -> status ("active" or "withdrawn")."""
    path = CODELISTS / "xml" / f"{name}.xml"
    root = etree.parse(str(path))
    return {item.findtext("code"): item.get("status", "active") for item in root.iter("codelist-item")}


def codes_off_their_lists(document) -> list[str]:
    """Every coded value of the document that is not an active code of the list IATI's mapping names for it,
    and every codelist the document uses that is not copied into iati-codelists/."""
    root = document.getroot() if hasattr(document, "getroot") else document
    found = []
    for mapping in etree.parse(str(CODELISTS / "mapping.xml")).iter("mapping"):
        path, name = mapping.findtext("path"), mapping.find("codelist").get("ref")
        condition = mapping.findtext("condition")
        for node in root.getroottree().xpath(path):
            owner = node.getparent()
            value = str(node)
            if condition and not owner.xpath(f"boolean({condition})"):
                continue
            if not (CODELISTS / "xml" / f"{name}.xml").exists():
                found.append(f"{path}: the codelist {name} is not copied into tests/reports/iati-codelists/")
            elif codelist(name).get(value) != "active":
                found.append(f"{path}={value!r} is not an active code of {name}")
    return found
