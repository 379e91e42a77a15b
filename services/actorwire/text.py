"""Text normalisation: ninjs headlines/bodies to the plain text every offset points into.

* text/plain is kept as it is, so offsets are offsets into the original string (output contract v1);
  only characters that no reader wants are dropped (NUL and other C0/C1 controls but tab and line
  breaks, lone surrogates, a leading byte-order mark).
* text/html is parsed with the standard library's HTML parser: tags dropped, block elements become
  line breaks, entities unescaped (once more if the feed double-encoded them, e.g. ``&amp;amp;``),
  ``<script>``/``<style>`` content dropped.
* dates from feeds (RFC 3339, RFC 2822 as in RSS, common zone abbreviations) become RFC 3339 UTC;
  anything less precise than a calendar day is rejected rather than guessed.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from dateutil import parser as date_parser, tz

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
               "table", "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "template"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_plain(text: str) -> str:
    """Drop a leading BOM, control characters and lone surrogates; keep everything else as it is."""
    return _CONTROL.sub("", text.removeprefix("\ufeff"))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: paragraphs on their own lines, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(clean_plain(markup))
    parser.close()
    text = "".join(parser.parts)
    if _ENTITY.search(text):  # double-encoded entities: "&amp;eacute;" came out as "&eacute;"
        text = html.unescape(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def to_plain(value: str, content_type: str) -> str:
    """Plain text of one ninjs headline or body value."""
    return html_to_text(value) if content_type == "text/html" else clean_plain(value)


_TZ_ABBREVIATIONS = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800,
    "MSK": 10800, "IST": 19800, "JST": 32400, "KST": 32400, "HKT": 28800, "SGT": 28800, "AEST": 36000,
    "AEDT": 39600, "EST": -18000, "EDT": -14400, "CST": -21600, "CDT": -18000, "MST": -25200,
    "MDT": -21600, "PST": -28800, "PDT": -25200,
}
_ZONES = {name: tz.tzoffset(name, seconds) for name, seconds in _TZ_ABBREVIATIONS.items()}
_HAS_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4}")


def parse_date(value: str) -> datetime:
    """Parse a feed date to an aware UTC datetime.

    Accepts RFC 3339 / ISO 8601 (``2024-05-01T10:00:00+02:00``, ``...Z``), RFC 2822 as in RSS
    (``Wed, 01 May 2024 10:00:00 GMT``) and zone abbreviations (``EST``, ``CEST``...). A value
    without a zone is taken as UTC. Raises ``ValueError`` for anything that does not name a calendar
    day (``"2024"`` is rejected, never read as 1970 or as today).
    """
    text = value.strip()
    if not _HAS_DAY.search(text):
        raise ValueError(f"not a date with a day: {value!r}")
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        # RFC 2822 and free forms; email.utils would read an unknown zone such as CEST as UTC
        try:
            parsed = date_parser.parse(text, tzinfos=_ZONES)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"unreadable date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T08:00:00Z`` form (UTC, second precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
