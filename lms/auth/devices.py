"""A coarse name for the device of a session ("Chrome on Android"), so that members recognise their sessions.

The User-Agent is read with ua-parser and reduced to a browser and a system from the short lists below;
the User-Agent itself, versions and phone models are never kept (they single people out).
"""
from __future__ import annotations

from flask_babel import gettext as _
from ua_parser import parse

#: ua-parser's browser families, by the name we keep.
BROWSERS = {
    "Chrome": ("Chrome", "Chrome Mobile", "Chrome Mobile iOS", "Chrome Mobile WebView", "Chromium", "HeadlessChrome"),
    "Firefox": ("Firefox", "Firefox Mobile", "Firefox iOS"),
    "Safari": ("Safari", "Mobile Safari", "Mobile Safari UI/WKWebView"),
    "Edge": ("Edge", "Edge Mobile"),
    "Opera": ("Opera", "Opera Mobile"),
    "Opera Mini": ("Opera Mini",),
    "Samsung Internet": ("Samsung Internet",),
    "UC Browser": ("UC Browser",),
    "Mi Browser": ("MiuiBrowser",),
}
#: ua-parser's system families, by the name we keep.
SYSTEMS = {
    "Android": ("Android",),
    "iOS": ("iOS",),
    "iPadOS": ("iPadOS",),
    "Windows": ("Windows",),
    "macOS": ("Mac OS X", "macOS"),
    "ChromeOS": ("Chrome OS", "ChromeOS"),
    "Linux": ("Linux", "Ubuntu", "Debian", "Fedora"),
    "KaiOS": ("KaiOS",),
}
_BROWSER = {family: name for name, families in BROWSERS.items() for family in families}
_SYSTEM = {family: name for name, families in SYSTEMS.items() for family in families}
#: A User-Agent longer than this is cut before it is read (the parser's work grows with it).
LONGEST_USER_AGENT = 512


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system) from the lists above; None for what is not on them."""
    if not user_agent:
        return None, None
    result = parse(user_agent[:LONGEST_USER_AGENT])
    browser = _BROWSER.get(result.user_agent.family) if result.user_agent else None
    system = _SYSTEM.get(result.os.family) if result.os else None
    return browser, system


def device_label(browser: str | None, system: str | None) -> str:
    """What the profile shows for a session, in the reader's language."""
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("An unknown browser")
