"""Customer email HTML: sanitized once on the way in, then rewritten for the thread page. Pure.

An email's inline images are MIME parts its HTML names by Content-ID (`<img src="cid:…">`,
RFC 2392: https://www.rfc-editor.org/rfc/rfc2392), so `sanitize` keeps the `cid:` scheme beside
nh3's defaults. `display` turns each one into the URL of the message's stored attachment and
drops every other image source (a cid we hold no showable file for, a remote tracker): the page
never asks another host for anything, as the Content-Security-Policy's img-src already insists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3

# Images a browser may render from our origin; any other file is only ever a download, so a
# customer's SVG or HTML never runs as a page of ours.
SAFE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}
LINK_REL = "noopener noreferrer nofollow"
# Dropped with their content: nh3's scripts and styles, and a full document's <title>, which
# would otherwise open the message as a stray line.
CLEAN_CONTENT_TAGS = {"script", "style", "title"}


def sanitize(html: str) -> str:
    """Customer HTML made safe to store and show: no scripts, styles, event handlers or
    javascript: links; `cid:` references to the message's own parts survive."""
    if not html:
        return ""
    return nh3.clean(
        html, clean_content_tags=CLEAN_CONTENT_TAGS, link_rel=LINK_REL, url_schemes=URL_SCHEMES
    )


@dataclass(frozen=True)
class DisplayHtml:
    html: str
    shown: frozenset[str]  # the keys of `images` the HTML shows


def display(html: str, images: Mapping[str, str]) -> DisplayHtml:
    """Sanitized `html` ready for the page: `<img src="cid:X">` points at `images[X]` (a
    Content-ID → same-origin URL map) or loses its source, as does every other image; links
    open in a new tab; a trailing quoted reply is folded away."""
    by_lower = {key.lower(): key for key in images}
    shown: set[str] = set()

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        # Called for attributes nh3 kept; what it returns is not checked again, so only our
        # own URLs (or the value nh3 already accepted) come back.
        is_cid = value[:4].lower() == "cid:"
        if tag == "img" and attribute == "src":
            if not is_cid:
                return None
            content_id = unquote(value[4:]).strip().strip("<>")
            key = content_id if content_id in images else by_lower.get(content_id.lower())
            if key is None:
                return None
            shown.add(key)
            return images[key]
        return None if is_cid else value  # a link to a part: nothing to open

    cleaned = nh3.clean(
        html,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
        attribute_filter=rewrite,
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return DisplayHtml(html=fold_quoted(cleaned), shown=frozenset(shown))


def fold_quoted(html: str) -> str:
    """Wrap a reply's trailing quoted history (its last outermost <blockquote>, when something
    new comes before it and nothing after) in a closed <details>, as the text view shows only
    the new part. Interleaved answers and forwards stay open. `html` is nh3's output."""
    if "<blockquote" not in html:
        return html
    outline = _Outline(html)
    outline.feed(html)
    outline.close()
    if not outline.quotes:
        return html
    start, end = outline.quotes[-1]
    if not any(at < start for at in outline.content) or any(at >= end for at in outline.content):
        return html
    return (
        f'{html[:start]}<details class="msg-quoted"><summary>Show quoted text</summary>'
        f"{html[start:end]}</details>{html[end:]}"
    )


class _Outline(HTMLParser):
    """Where the outermost blockquotes are, and where anything visible (text, images) starts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self._html = html
        self._lines = [0, *(match.end() for match in re.finditer("\n", html))]
        self._depth = 0
        self._start = 0
        self.quotes: list[tuple[int, int]] = []
        self.content: list[int] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            if self._depth == 0:
                self._start = self._offset()
            self._depth += 1
        elif tag == "img":
            self.content.append(self._offset())

    def handle_endtag(self, tag):
        if tag == "blockquote" and self._depth:
            self._depth -= 1
            if self._depth == 0:
                end = self._html.index(">", self._offset()) + 1
                self.quotes.append((self._start, end))

    def handle_data(self, data):
        if data.strip():  # &nbsp; and whitespace only are not something written
            self.content.append(self._offset())
