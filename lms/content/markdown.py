"""Markdown from trainers, rendered once and sanitised, and the checksum of a text."""
import hashlib
from functools import lru_cache

import markdown
import nh3

from lms.content.media import with_srcset

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Markdown to safe HTML: raw HTML is escaped, then nh3 keeps only harmless tags and links."""
    md = markdown.Markdown(extensions=["sane_lists", "tables", "fenced_code", "def_list", "abbr"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # Images wait until they are scrolled near, come at the width the screen needs, and never overflow a
    # phone's screen (site.css).
    return with_srcset(nh3.clean(md.convert(text), url_schemes=ALLOWED_URL_SCHEMES,
                                 set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}}))


def checksum(*parts: str) -> str:
    """A short, stable fingerprint of a text, used to tell when a translation is outdated."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]
