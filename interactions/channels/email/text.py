"""Turning mail bytes and HTML into readable text: charsets, HTML-to-text, quoted history.

Pure functions, no ORM. Real mail lies about its charset (ISO-8859-1 labels on Windows-1252
text, Shift_JIS labels on CP932 text, UTF-8 labels on Latin-1 bytes), so decoding tries the
label, then UTF-8, then the label with replacement characters, then Windows-1252/Latin-1.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

# Labels whose text is, in practice, written with a superset codec (the WHATWG Encoding
# Standard maps these labels the same way: https://encoding.spec.whatwg.org/#names-and-labels).
SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "iso8859-9": "cp1254",
}
# Labels Python does not know but mail clients send.
ALIASES = {
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "x-sjis": "cp932",
    "ms932": "cp932",
    "x-gbk": "gbk",
    "x-euc-jp": "euc_jp",
    "unicode-1-1-utf-7": "utf-7",
    "utf8mb4": "utf-8",
}

# Mail whose quoted history is the point (a forward) keeps its whole text.
_FORWARD_MARKERS = re.compile(
    r"^-{5,}\s*Forwarded message\s*-{5,}|^Begin forwarded message:"
    r"|^-{5,}\s*Weitergeleitete Nachricht",
    re.I | re.M,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst)\s*:", re.I)
# Splitting is regex work; past this size a message keeps its text whole.
MAX_SPLIT_CHARS = 100_000

_REPLY_PARSER = EmailReplyParser(languages=list(MAIL_LANGUAGES))


def codec_for(label: str | None) -> str | None:
    """The Python codec to decode text labelled `label` with, or None if the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return SUPERSETS.get(name, name)


def _utf8_mostly(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a cut-off line, stray junk): decode with replacements.

    Valid multi-byte sequences almost never occur by chance in legacy 8-bit text, so more
    bytes in valid sequences than invalid bytes means UTF-8.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(len(ch.encode("utf-8")) for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return text if good > bad else None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text from bytes in any (or a wrong, or no) charset; never raises.

    Valid UTF-8 wins over a legacy label (non-ASCII legacy text is almost never valid UTF-8,
    while UTF-8 mislabelled ISO-8859-1 is common); then the label; then mostly-valid UTF-8;
    then the label with replacement characters; then Windows-1252, then Latin-1 (never fails).
    """
    codec = codec_for(label)
    order = [codec, "utf-8"] if codec == "utf-7" else ["utf-8", codec]
    for candidate in order:
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    if codec in (None, "utf-8", "cp1252"):
        mostly = _utf8_mostly(data)
        if mostly is not None:
            return mostly
    if codec not in (None, "utf-8", "cp1252"):
        return data.decode(codec, errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_C1 = re.compile("[\x80-\x9f]")


def _c1_as_cp1252(match: re.Match) -> str:
    try:
        return match[0].encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:
        return ""


def clean(value: str) -> str:
    """A string safe to store and show: raw 8-bit bytes (surrogates) decoded, NULs dropped,
    C1 control characters (ISO-8859-1 labels on Windows-1252 text) read as Windows-1252."""
    if not value:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        try:
            value = decode_bytes(value.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    elif any("\ud800" <= ch <= "\udfff" for ch in value):
        value = value.encode("utf-8", "replace").decode("utf-8")
    return _C1.sub(_c1_as_cp1252, value.replace("\x00", ""))


# --- HTML to text ------------------------------------------------------------------------

# Elements that end a line, and those that also leave a blank line around them.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "tr", "ul",
}  # fmt: skip
_PARAGRAPHS = {
    "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul",
}  # fmt: skip
_SKIPPED = {"script", "style", "title", "template", "noscript"}


class _TextExtractor(HTMLParser):
    """Readable text from HTML: block elements break lines, blockquotes become "> " quotes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.buffer = ""
        self.buffer_depth = 0
        self.skip = 0
        self.quote = 0
        self.pre = 0

    def _break(self, paragraph: bool = False) -> None:
        text = self.buffer.strip() if not self.pre else self.buffer.rstrip()
        if text:
            self.lines.append((self.buffer_depth, text))
        if paragraph and self.lines and self.lines[-1][1]:
            self.lines.append((self.quote, ""))
        self.buffer = ""

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skip += 1
        elif tag == "br":
            if not self.buffer.strip() and self.lines and self.lines[-1][1]:
                self.lines.append((self.quote, ""))  # <br><br>: an empty line
            self._break()
        elif tag in _BLOCKS:
            self._break(paragraph=tag in _PARAGRAPHS)
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.handle_data("- ")
        elif tag in {"td", "th"}:
            self.handle_data(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in _SKIPPED:
            return  # <style/>, <script/>: nothing to skip
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._break(paragraph=tag in _PARAGRAPHS)

    def handle_data(self, data):
        if self.skip:
            return
        data = data.replace("\xa0", " ")
        if self.pre:
            first, *rest = data.split("\n")
            self._append(first)
            for line in rest:
                self._break()
                self._append(line)
            return
        data = re.sub(r"\s+", " ", data)
        if not self.buffer.strip():
            data = data.lstrip()
        self._append(data)

    def _append(self, data: str) -> None:
        if not data:
            return
        if not self.buffer:
            self.buffer_depth = self.quote
        self.buffer += data

    def text(self) -> str:
        self._break()
        out = []
        for i, (depth, line) in enumerate(self.lines):
            if not line:  # a blank line between quote levels belongs to the outer one
                after = self.lines[i + 1][0] if i + 1 < len(self.lines) else 0
                depth = min(depth, after)
            prefix = "> " * depth
            out.append((prefix + line) if line else prefix.rstrip())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def html_to_text(html: str) -> str:
    """Plain text from an HTML body: no tags, scripts or styles; paragraphs and breaks kept."""
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards against the unforeseen
        return re.sub(r"<[^>]*>", " ", html).strip()
    return parser.text()


# --- The new part of a reply -------------------------------------------------------------

_QUOTED_TAIL = re.compile(r"(?:\n[ \t]*>[^\n]*)+\s*\Z")


def _interleaved(text: str) -> bool:
    """Answers written between quoted lines: cutting at the first quote would lose them."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.lstrip().startswith(">")), None)
    if first is None:
        return False
    return any(line.strip() and not line.lstrip().startswith(">") for line in lines[first + 1 :])


def is_forward(subject: str, text: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject or "") or _FORWARD_MARKERS.search(text or ""))


def new_text(text: str) -> str:
    """The part of a reply the sender wrote now, without the quoted history under it.

    mail-parser-reply cuts at the client's attribution line ("On … wrote:", "Am … schrieb",
    "-----Original Message-----", Outlook's From:/Sent: block) in a dozen languages; a
    trailing block of "> " lines without an attribution is cut here. A bottom-posted or
    interleaved reply (answers between the quoted lines) keeps its whole text.
    """
    if not text or len(text) > MAX_SPLIT_CHARS or _interleaved(text):
        return text
    try:
        latest = (_REPLY_PARSER.parse_reply(text) or "").strip()
    except Exception:  # a regex library on arbitrary input: never let it lose a message
        return text
    latest = _QUOTED_TAIL.sub("", "\n" + latest).strip()
    return latest or text.strip()
