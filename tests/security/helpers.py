"""Hostile input for the security tests: payloads, a scan of rendered pages for executable markup, a signed-in
client that posts with its CSRF token, and the costliest Markdown the bounds let through (with a normal lesson as
long, for bench/markdown_cost.py)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from lms.content.markdown import MAX_MARKDOWN_CHARS
from lms.extensions import db
from tests.helpers import BUNDLED_COURSE, COURSES, csrf_token

#: Script and link payloads, each as a trainer or member could type it into any text field.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg><script>alert(1)</script></svg>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "![i](javascript:alert(1)) <a href='&#106;avascript:alert(1)'>e</a>",
    "zq{{7*7}} zq${7*7} zq{% raw %}",
]

#: SQL metacharacters and awkward text that must be stored verbatim or refused cleanly.
AWKWARD_TEXT = [
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "100% _sure_ \\ %%",
    "\u202egnp.exe\u202c right-to-left override",
    "Emoji 👩🏽‍🏭 ✊ 𝔘𝔫𝔦𝔬𝔫",
    "x" * 5000,
]

NUL = "bad\x00byte"

SCRIPT_SOURCES = ("/static/", "/sw.js")
SAFE_DATA_IMAGES = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset"}


class ExecutableMarkup(HTMLParser):
    """Collects whatever in a page could run script: inline scripts, event handlers, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            source = attributes.get("src") or ""
            if not source.startswith(SCRIPT_SOURCES):
                self.found.append(f"<script src={source!r}>")
            self._in_script = True
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value:
                url = re.sub(r"[\x00-\x20]", "", value).lower()
                if url.startswith(("javascript:", "vbscript:")) or (
                        url.startswith("data:") and not (tag == "img" and url.startswith(SAFE_DATA_IMAGES))):
                    self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:40]!r}")


def executable_markup(html: str) -> list[str]:
    scan = ExecutableMarkup()
    scan.feed(html)
    scan.close()
    return scan.found


def assert_inert(response, payload: str | list[str] | None = None) -> None:
    """The page carries no executable markup, and the payloads in it are escaped or sanitised."""
    assert response.status_code < 500, response.status_code
    if "html" not in (response.content_type or ""):
        return
    html = response.get_data(as_text=True)
    assert executable_markup(html) == [], (response.request.path, executable_markup(html))
    assert "zq49" not in html and "zq${49" not in html, "a template expression was evaluated"
    for text in [payload] if isinstance(payload, str) else payload or []:
        if "<" in text:
            assert text not in html, f"raw payload in {response.request.path}"


class Browser:
    """A test client signed in as someone, posting with the CSRF token of its session."""

    def __init__(self, client, token_page: str = "/"):
        self.client = client
        self.token = csrf_token(client, token_page)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)


def give_every_consent(user) -> None:
    """Agree to what the portal asks of members before their first page (lms/privacy, where present)."""
    try:
        from lms.privacy import services as privacy
    except ImportError:
        return
    for purpose in privacy.missing_consents(user.id):
        privacy.give_consent(user, purpose)
    db.session.commit()


#: A bundled lesson, the normal Markdown the worst shapes are measured against.
LESSON = COURSES / BUNDLED_COURSE / "en" / "01-what-is-social-dialogue.md"

#: The worst shapes found within the bounds, each filling the longest text taken.
WITHIN_BOUNDS = {
    "brackets": "[" * 49,
    "brackets on lines": "[\n" * 49,
    "images": "![" * 49,
    "definitions": "a\n" + ": b\n" * 148,
    "terms": "a\n: b\n" * 74,
    "quoted lists": "> - > - > - > - a\n" * 100,
    "setext": "a\n=\n" * 74,
    "emphasis": "*a" * 2000,
    "code spans": "`a" * 2000,
    "fences": "```\n" * 148,
    "lists": "- a\n    - b\n" * 74,
    "mixed": "[*_`" * 12,
}


def normal_text(length: int) -> str:
    body = LESSON.read_text(encoding="utf-8").split("---", 2)[2]
    return ((body + "\n\n") * (length // len(body) + 1))[:length]


def filled(chunk: str, length: int = MAX_MARKDOWN_CHARS) -> str:
    """``chunk`` repeated, paragraph after paragraph, to ``length`` characters."""
    return ((chunk + "\n\n") * (length // (len(chunk) + 2) + 1))[:length]
