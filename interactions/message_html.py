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
    """Wrap a reply's trailing quoted history in a closed <details>, as the text view shows only
    the new part: its last outermost <blockquote> (Gmail, Apple Mail, Thunderbird), when
    something new comes before it and nothing after; else, Outlook's way, everything from a
    bold "From: … Sent:" header block to the end of the element around it. Interleaved answers
    and forwards stay open. `html` is nh3's output."""
    if "<blockquote" in html:
        outline = _Outline(html)
        outline.feed(html)
        outline.close()
        if outline.quotes:
            start, end = outline.quotes[-1]
            content = outline.content
            if any(at < start for at in content) and not any(at >= end for at in content):
                return _folded(html, start, end)
            return html
    header = OUTLOOK_HEADER.search(html)
    if header is None:
        return html
    enclosing = _Enclosing(html, header.start())
    enclosing.feed(html)
    enclosing.close()
    span = enclosing.span()
    return html if span is None else _folded(html, *span)


def _folded(html: str, start: int, end: int) -> str:
    return (
        f'{html[:start]}<details class="msg-quoted"><summary>Show quoted text</summary>'
        f"{html[start:end]}</details>{html[end:]}"
    )


# Outlook quotes a message under a block of bold labels, in the writer's language:
# <b>From:</b> … <b>Sent:</b> … (Von/Gesendet, De/Envoyé, Da/Inviato, Van/Verzonden, …).
OUTLOOK_HEADER = re.compile(
    r"<b>\s*(?:From|Von|De|Da|Van|Från|Fra|Od|Lähettäjä)\s*:\s*</b>.{0,500}?"
    r"<b>\s*(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Skickat|Sendt|Wysłane|"
    r"Lähetetty)\s*:\s*</b>",
    re.DOTALL | re.IGNORECASE,
)
VOID_TAGS = frozenset({"br", "hr", "img", "wbr", "col", "area", "source", "track"})


class _Enclosing(HTMLParser):
    """Where to fold for a quote header at `target`: from the outermost element around it that
    opened after the last thing written before it, to the end of that element's parent (so
    the fold keeps the document's nesting). None when nothing new comes first."""

    def __init__(self, html: str, target: int) -> None:
        super().__init__(convert_charrefs=True)
        self._html = html
        self._target = target
        self._lines = [0, *(match.end() for match in re.finditer("\n", html))]
        self._stack: list[tuple[str, int]] = []
        self._last_content = -1
        self._around: list[tuple[str, int]] | None = None  # the stack at the target
        self._end: int | None = None
        self._fold_depth: int | None = None  # the fold's element, as a depth in the stack

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def _reach(self, at: int) -> None:
        if self._around is None and at >= self._target:
            self._around = list(self._stack)
            fresh = [
                i for i, (_tag, start) in enumerate(self._around) if start > self._last_content
            ]
            self._fold_depth = fresh[0] if fresh else None

    def handle_starttag(self, tag, attrs):
        at = self._offset()
        self._reach(at)
        if tag == "img" and self._around is None:
            self._last_content = at
        if tag not in VOID_TAGS:
            self._stack.append((tag, at))

    def handle_endtag(self, tag):
        at = self._offset()
        self._reach(at)
        if any(open_tag == tag for open_tag, _ in self._stack):
            while self._stack:
                open_tag, _ = self._stack.pop()
                if open_tag == tag:
                    break
        if (
            self._end is None
            and self._fold_depth is not None
            and self._fold_depth > 0
            and len(self._stack) < self._fold_depth
        ):
            self._end = at  # the fold's parent closes here

    def handle_data(self, data):
        at = self._offset()
        self._reach(at)
        if self._around is None and data.strip():
            self._last_content = at

    def span(self) -> tuple[int, int] | None:
        if self._around is None or self._fold_depth is None or self._last_content < 0:
            return None
        start = self._around[self._fold_depth][1]
        end = self._end if self._fold_depth > 0 and self._end is not None else len(self._html)
        return start, end


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
