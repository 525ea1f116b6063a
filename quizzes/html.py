"""Question HTML (stems, options, explanations) made safe to show.

Authors and import files write HTML (Moodle XML stems carry <p>, <img>,
tables); a hostile file can carry <script>, event handlers or javascript: URLs.
Everything a learner or trainer sees of a question goes through `html_clean`,
which keeps the formatting a question needs and drops the rest (nh3, the Rust
ammonia sanitiser: maintained, fast, and a whitelist rather than a blacklist).
Plain text is escaped, so a stem "a < b" stays readable.
"""

from html import unescape

import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "span", "div",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "img", "blockquote", "code", "pre", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https"}


def html_clean(text: str | None) -> SafeString:
    """`text` as HTML safe to put in a page: allowed tags kept, the rest dropped."""
    cleaned = nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above


def html_text(text: str | None) -> str:
    """The plain text of question HTML (for titles, lists, exports to Excel)."""
    return " ".join(unescape(nh3.clean(text or "", tags=set())).split())
