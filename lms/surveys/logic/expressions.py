"""XLSForm expressions as XPath 1.0, evaluated by lxml with the ODK functions registered as extensions.

An expression is read as its author wrote it in the form: ``${name}`` for the value of a question, ``.`` for the
question itself. ``${name}`` becomes an XPath variable bound to that value, ``.`` the context node holding the
question's own value. Dates are day numbers since 1970-01-01, as JavaRosa compares them.
"""
from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime, timedelta
from functools import lru_cache

import re2
from flask_babel import gettext as _
from lxml import etree

from lms import clock

JAVAROSA = "http://openrosa.org/javarosa"
EPOCH = date(1970, 1, 1)
#: A string literal, or a ``${name}`` reference, or a function name followed by its opening parenthesis.
TOKEN = re.compile(r"""('[^']*'|"[^"]*")|\$\{\s*([^}]*?)\s*\}|([^\W\d][\w.:-]*)\s*\(""")
#: Functions XPath 1.0 has under the same name as an ODK function with more arguments: renamed before compiling.
RENAMED = {"round": "odk-round", "concat": "odk-concat"}
#: The longest text any expression builds (``concat``, ``join``): beyond it, the empty text. Answers hold at most
#: 2,000 characters and calculations 4,000, but concat(${c}, ${c}, ...) 300 times made 1.2 MB in one call, which
#: regex() and translate() then took a minute over, in C, where the time budget cannot stop them.
MAX_BUILT_CHARS = 8000
#: What the portal cannot evaluate: repeats, other instances, external data, geography.
UNSUPPORTED = frozenset({"position", "indexed-repeat", "instance", "pulldata", "search", "area", "distance",
                         "current", "digest", "base64-decode", "version", "property"})
#: XPath's operator names, which the function pattern would otherwise take for names: ``a and (b)``.
OPERATORS = frozenset({"and", "or", "div", "mod"})
#: The longest expression a form may hold: real ones are a line; the answers an expression reads are bounded too.
MAX_EXPRESSION_CHARS = 2000
#: The pattern written in a call to ``regex()``: checked when the form is imported.
REGEX_PATTERN = re.compile(r"""\bregex\s*\([^,]*,\s*(?:'([^']*)'|"([^"]*)")""")
NAME = re.compile(r"^[^\W\d][\w.-]*$")


class ExpressionError(ValueError):
    """An expression the portal cannot evaluate; the message is translated."""


def text_of(value) -> str:
    """An XPath value as a string, as XPath's string() gives it."""
    if isinstance(value, list):
        if not value:
            return ""
        first = value[0]
        return first if isinstance(first, str) else "".join(first.itertext())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    return "" if value is None else str(value)


def number_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer():
        return str(int(value))
    return repr(value)


def number_of(value) -> float:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    text = text_of(value).strip()
    try:
        return float(text)
    except ValueError:
        parsed = date_number(text)
        return parsed if parsed is not None else math.nan


def truth_of(value) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, float):
        return not math.isnan(value) and value != 0
    if isinstance(value, str):
        return value != ""
    return bool(value)


def date_number(text: str) -> float | None:
    """``2026-03-31`` (or a date-time starting so) -> days since 1970-01-01; None if it is no date."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return float((day - EPOCH).days)


def day_of(value) -> date | None:
    number = number_of(value)
    if math.isnan(number) or math.isinf(number) or abs(number) > 3_000_000:
        return None
    return EPOCH + timedelta(days=math.floor(number))


def _selected(_c, values, code) -> bool:
    return text_of(code).strip() in text_of(values).split()


def _count_selected(_c, values) -> float:
    return float(len(text_of(values).split()))


def _selected_at(_c, values, index) -> str:
    codes = text_of(values).split()
    at = number_of(index)
    return codes[int(at)] if not math.isnan(at) and 0 <= at < len(codes) else ""


def _if(_c, condition, then, otherwise):
    return then if truth_of(condition) else otherwise


def _coalesce(_c, first, second):
    return first if text_of(first) != "" else second


@lru_cache(maxsize=256)
def safe_pattern(pattern: str):
    """A ``regex()`` pattern compiled by RE2, which matches in time linear in the text whatever the pattern (Python's
    ``re`` took minutes over ``(a+)+$`` and a member's 2,000-character answer); None if RE2 cannot read it."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


#: The most work one ``regex()`` call may take: its pattern's program size times the text's length. RE2 is linear
#: in the text, but a pattern such as ``(x|xy){0,1000}`` sixteen times is a program of 96,000 steps, which took 9 s
#: over 7,920 characters (outside tester); a real constraint (``^[0-9]{10}$``, an e-mail, a name of 80 letters
#: of any script) does a few million at most. Past this, the pattern does not match.
MAX_REGEX_WORK = 30_000_000


def _regex(_c, value, pattern) -> bool:
    compiled, text = safe_pattern(text_of(pattern)), text_of(value)
    if compiled is None or len(text) > MAX_BUILT_CHARS or compiled.programsize * max(len(text), 1) > MAX_REGEX_WORK:
        return False
    return compiled.search(text) is not None


def _int(_c, value) -> float:
    number = number_of(value)
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _round(_c, value, digits=0.0) -> float:
    number, places = number_of(value), number_of(digits)
    if math.isnan(number) or math.isnan(places):
        return math.nan
    # A double holds 15 to 17 significant digits: more places change nothing (and 10 ** 100000000 took minutes).
    scale = 10.0 ** max(-15, min(15, int(places)))
    return math.floor(number * scale + 0.5) / scale


def _pow(_c, base, exponent) -> float:
    try:
        return float(math.pow(number_of(base), number_of(exponent)))
    except (OverflowError, ValueError):
        return math.nan


def _math(function):
    def apply(_c, value) -> float:
        try:
            return float(function(number_of(value)))
        except (OverflowError, ValueError):
            return math.nan
    return apply


def _boolean_from_string(_c, value) -> bool:
    return text_of(value).strip() in ("true", "1")


def _date(_c, value) -> float:
    return number_of(value)


def _today(_c) -> float:
    return float((clock.today() - EPOCH).days)


def _now(_c) -> float:
    moment = clock.utcnow()
    return (moment.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds() / 86400


def _format_date(_c, value, pattern) -> str:
    day = day_of(value)
    if day is None:
        return ""
    formats = {"%Y": f"{day.year:04d}", "%y": f"{day.year % 100:02d}", "%m": f"{day.month:02d}",
               "%n": str(day.month), "%d": f"{day.day:02d}", "%e": str(day.day), "%H": "00", "%M": "00",
               "%S": "00", "%a": day.strftime("%a"), "%b": day.strftime("%b")}
    return re.sub(r"%[A-Za-z]", lambda m: formats.get(m.group(0), m.group(0)), text_of(pattern))


def _numbers(arguments) -> list[float]:
    found = []
    for argument in arguments:
        found.extend(number_of([node]) for node in argument) if isinstance(argument, list) \
            else found.append(number_of(argument))
    return found


def _min(_c, *arguments) -> float:
    numbers = _numbers(arguments)
    return math.nan if not numbers or any(math.isnan(n) for n in numbers) else min(numbers)


def _max(_c, *arguments) -> float:
    numbers = _numbers(arguments)
    return math.nan if not numbers or any(math.isnan(n) for n in numbers) else max(numbers)


def _substr(_c, value, start, end=None) -> str:
    text = text_of(value)
    first = int(number_of(start))
    return text[first:] if end is None else text[first:int(number_of(end))]


def _ends_with(_c, value, end) -> bool:
    return text_of(value).endswith(text_of(end))


def _join(_c, separator, *values) -> str:
    parts = []
    for value in values:
        parts.extend(text_of([node]) for node in value) if isinstance(value, list) else parts.append(text_of(value))
    return bounded(text_of(separator).join(parts))


def _concat(_c, *values) -> str:
    return bounded("".join(text_of(value) for value in values))


def bounded(text: str) -> str:
    return text if len(text) <= MAX_BUILT_CHARS else ""


def _once(_c, value):
    return value


def _uuid(_c, *_arguments) -> str:
    return str(uuid.uuid4())


def _random(_c) -> float:
    import secrets
    return secrets.randbelow(10**9) / 10**9


FUNCTIONS = {
    "selected": _selected, "count-selected": _count_selected, "selected-at": _selected_at, "if": _if,
    "coalesce": _coalesce, "regex": _regex, "int": _int, "odk-round": _round, "pow": _pow,
    "abs": _math(abs), "sqrt": _math(math.sqrt), "exp": _math(math.exp), "log": _math(math.log),
    "log10": _math(math.log10), "sin": _math(math.sin), "cos": _math(math.cos), "tan": _math(math.tan),
    "boolean-from-string": _boolean_from_string, "date": _date, "date-time": _date, "decimal-date-time": _date,
    "decimal-date": _date, "today": _today, "now": _now, "format-date": _format_date,
    "format-date-time": _format_date, "min": _min, "max": _max, "substr": _substr, "ends-with": _ends_with,
    "join": _join, "odk-concat": _concat, "once": _once, "uuid": _uuid, "random": _random,
}
BUILTIN = frozenset({"last", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
                     "starts-with", "contains", "substring-before", "substring-after", "substring", "string-length",
                     "normalize-space", "translate", "boolean", "not", "true", "false", "lang", "number", "sum",
                     "floor", "ceiling", "round"})


def _choice_name_factory(labels):
    def choice_name(_c, value, reference) -> str:
        name = text_of(reference).strip().lstrip("$").rsplit("/", 1)[-1]
        return labels(name, text_of(value).strip())
    return choice_name


def translate(expression: str, names: set[str] | None = None) -> tuple[str, set[str]]:
    """The expression in XPath, with the ``${name}`` it reads; ExpressionError for what cannot be evaluated."""
    used: set[str] = set()
    parts, at = [], 0
    for match in TOKEN.finditer(expression):
        parts.append(expression[at:match.start()])
        at = match.end()
        literal, reference, function = match.groups()
        if literal is not None:
            # '${q}' inside quotes (jr:choice-name's second argument) names the question.
            parts.append(re.sub(r"\$\{\s*([^}]*?)\s*\}", r"\1", literal))
        elif reference is not None:
            if not NAME.match(reference):
                raise ExpressionError(_("“${%(name)s}” is not the name of a question.", name=reference))
            if names is not None and reference not in names:
                raise ExpressionError(_("the form has no question named %(name)s.", name=reference))
            used.add(reference)
            parts.append(f"${reference}")
        elif function in OPERATORS:
            parts.append(match.group(0))
        else:
            bare = function.split(":", 1)[-1] if function.startswith("jr:") else function
            if bare in UNSUPPORTED or (function not in FUNCTIONS and function not in BUILTIN
                                       and function != "jr:choice-name"):
                raise ExpressionError(_("the function %(function)s() is not supported.", function=function))
            parts.append(RENAMED.get(function, function) + "(")
    parts.append(expression[at:])
    text = "".join(parts)
    if re.search(r"(^|[^\w$.-])(/|\.\.)", re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)):
        raise ExpressionError(_("write ${name} for a question's value, not a path."))
    return text, used


def compile_expression(expression: str, wrapper: str, labels=None) -> etree.XPath:
    """``wrapper`` is "boolean" or "string": the XPath function the result is read through."""
    text, _used = translate(expression)
    extensions = {(None, name): function for name, function in FUNCTIONS.items()}
    extensions[(JAVAROSA, "choice-name")] = _choice_name_factory(labels or (lambda _name, value: value))
    try:
        return etree.XPath(f"{wrapper}({text})", namespaces={"jr": JAVAROSA}, extensions=extensions)
    except etree.XPathSyntaxError:
        raise ExpressionError(_("the expression cannot be read: %(expression)s", expression=expression)) from None


def check_expression(expression: str, names: set[str]) -> None:
    """Raise ExpressionError if the expression cannot be evaluated against a form with these question names."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(_("an expression holds at most %(n)d characters.", n=MAX_EXPRESSION_CHARS))
    _text, used = translate(expression, names)
    for single, double in REGEX_PATTERN.findall(expression):
        if safe_pattern(single or double) is None:
            raise ExpressionError(_("the pattern %(pattern)s cannot be used: write it without back-references "
                                    "(\\1) and look-arounds ((?=...), (?<=...)).", pattern=single or double))
    compiled = compile_expression(expression, "boolean")
    try:
        compiled(etree.Element("value"), **{name: "" for name in used})
    except TypeError:
        raise ExpressionError(_("a function is given the wrong number of values: %(expression)s",
                                expression=expression)) from None
    except etree.XPathEvalError as error:
        reason = str(error)
        if "arguments" in reason:
            raise ExpressionError(_("a function is given the wrong number of values: %(expression)s",
                                    expression=expression)) from None
        raise ExpressionError(_("the expression cannot be evaluated: %(expression)s", expression=expression)) \
            from None
