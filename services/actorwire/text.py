"""Text normalisation: ninjs headlines/bodies to the plain text every offset points into.

* text/plain is kept as it is, so offsets are offsets into the original string (output contract v1);
  only characters that no reader wants are dropped (NUL and other C0/C1 controls but tab and line
  breaks, lone surrogates, a leading byte-order mark), and controls that separate text (form feed,
  vertical tab, NEL, the information separators, U+2028/U+2029) become line breaks, so the words
  they separate stay apart.
* text/html is parsed with the standard library's HTML parser: tags dropped, block elements become
  line breaks, entities unescaped (again, up to three times, if the feed double-encoded them, e.g.
  ``&amp;amp;``; markup that a second unescape reveals, ``&amp;lt;script&amp;gt;``, is parsed and
  dropped too), ``<script>``/``<style>`` content dropped, ``<![CDATA[...]]>`` sections kept as text.
* dates from feeds (RFC 3339, RFC 2822 as in RSS, common zone abbreviations) become RFC 3339 UTC;
  anything less precise than a calendar day, a zone abbreviation not in :data:`_TZ_ABBREVIATIONS`,
  a numeric date whose day and month could be either (``03/04/2030``) and a date outside years
  1-9999 once in UTC are rejected rather than guessed.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, tzinfo
from html.parser import HTMLParser

from dateutil import parser as date_parser, tz

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
               "table", "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "template"}
_SEPARATORS = str.maketrans({c: "\n" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"} | {"\x1f": " "})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(r"<[A-Za-z!/?]")
# a numeric reference past the last code point (0x10FFFF) with thousands of digits makes
# html.unescape raise instead of giving U+FFFD as it does for smaller ones: replaced beforehand
_HUGE_CHARREF = re.compile(r"&#(?:0*[1-9]\d{7,}|[xX]0*[1-9a-fA-F][0-9a-fA-F]{6,});?")
# what the HTML parser cannot take (:func:`_extract`): a "<" opening a marked section that is not
# CDATA, or one that no ">" closes before the next "<"; and comments and CDATA sections, read whole
# (one left open matches to the end once: searching for its end from each "<" inside would be quadratic)
_HAZARD = re.compile(r"(<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z))|<(?=!\[|[^<>]*(?:<|\Z))", re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_plain(text: str) -> str:
    """Drop a leading BOM, control characters and lone surrogates, turn controls that separate text
    into line breaks (a unit separator into a space); keep everything else as it is."""
    return _CONTROL.sub("", text.removeprefix("\ufeff").translate(_SEPARATORS))


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

    def unknown_decl(self, data):
        if data.startswith("CDATA[") and not self.skip:  # <![CDATA[text]]> in a feed's HTML is text
            self.parts.append(data.removeprefix("CDATA["))


def _defuse(match: re.Match) -> str:
    """:data:`_HAZARD`'s replacement: a closed comment or CDATA section as it is; one left open runs
    to the end of the input, where a browser hides a comment and shows CDATA as text; any other
    match is a ``<`` to read as text."""
    found = match.group(1)
    if not found:
        return "&lt;"
    if found.endswith(("-->", "]]>")):
        return found
    return "" if found.startswith("<!--") else found.removeprefix("<![CDATA[").replace("<", "&lt;")


def _extract(markup: str) -> str:
    """The text of ``markup`` by the standard library's parser, after escaping what it cannot
    take: a marked section other than CDATA (``<![ x`` raised AssertionError) and a ``<`` that no
    ``>`` closes before the next ``<`` (an unclosed tag: the parser re-read the rest of the input
    for each one, so ``"<a " * 40_000`` took minutes). Such a ``<`` is text; a ``<`` inside a
    quoted attribute value (``alt="a<b"``) breaks its tag into text, where valid HTML escapes it."""
    markup = _HAZARD.sub(_defuse, _HUGE_CHARREF.sub("\ufffd", markup))
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: paragraphs on their own lines, whitespace collapsed."""
    text = _extract(clean_plain(markup))
    for _ in range(3):  # double- (or triple-) encoded entities: "&amp;eacute;" came out as "&eacute;"
        if not _ENTITY.search(text):
            break
        text = clean_plain(html.unescape(_HUGE_CHARREF.sub("\ufffd", text)))
        if _TAG.search(text):  # "&amp;lt;script&amp;gt;" came out as "<script>": markup, not text
            text = _extract(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def to_plain(value: str, content_type: str) -> str:
    """Plain text of one ninjs headline or body value."""
    return html_to_text(value) if content_type == "text/html" else clean_plain(value)


# Zone abbreviations read in feed dates, as UTC offsets in seconds. Abbreviations that name several
# zones are read as their usual newswire meaning: IST India (not Ireland or Israel), BST British
# Summer Time (not Bangladesh), CST/CDT US Central (not China). Any abbreviation not listed here is
# rejected (never read as UTC: an embargo would be released hours early).
_TZ_ABBREVIATIONS = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800,
    "MSK": 10800, "WAT": 3600, "CAT": 7200, "SAST": 7200, "EAT": 10800, "IST": 19800, "HKT": 28800,
    "SGT": 28800, "JST": 32400, "KST": 32400, "AEST": 36000, "AEDT": 39600, "NZST": 43200, "NZDT": 46800,
    "EST": -18000, "EDT": -14400, "CST": -21600, "CDT": -18000, "MST": -25200, "MDT": -21600, "PST": -28800,
    "PDT": -25200, "AKST": -32400, "AKDT": -28800, "HST": -36000,
}
# US time names without standard/daylight (``10:00 ET``): the zone's offset on that date.
_US_ZONES = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles"}
_ZONES = {name: tz.tzoffset(name, seconds) for name, seconds in _TZ_ABBREVIATIONS.items()}
_ZONES |= {name: zone for name, key in _US_ZONES.items() if (zone := tz.gettz(key)) is not None}
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*(?=[+-]\d)")  # "GMT+0200" means +02:00, not POSIX's -02:00


class _UnknownZone(ValueError):
    pass


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's ``tzinfos`` hook: a listed abbreviation, else the numeric offset, else none; an
    abbreviation that is not listed raises (dateutil would only warn and read it as UTC, or as the
    host's local time when it happens to be the host's zone name)."""
    if name in _ZONES:
        return _ZONES[name]
    if offset is not None:
        return tz.UTC if offset == 0 else tz.tzoffset(name, offset)
    if name:
        raise _UnknownZone(name)
    return None


_HAS_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4}")
_NUMERIC_DATE = re.compile(r"\b(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-]\d{4}\b")  # day and month in either order


def parse_date(value: str) -> datetime:
    """Parse a feed date to an aware UTC datetime.

    Accepts RFC 3339 / ISO 8601 (``2024-05-01T10:00:00+02:00``, ``...Z``), RFC 2822 as in RSS
    (``Wed, 01 May 2024 10:00:00 GMT``), zone abbreviations (``EST``, ``CEST``, ``ET``...) and
    ``GMT+0200`` (+02:00, not the POSIX reading -02:00). A value without a zone is taken as UTC.
    Raises ``ValueError`` for anything that does not name a calendar day (``"2024"`` is rejected,
    never read as 1970 or as today), for a zone abbreviation it does not know (``"10:00 XST"`` is
    never read as UTC), for a numeric date whose day and month could be either (``"03/04/2030"``:
    4 March in the US, 3 April in Europe; an embargo must not lift a month early; ``"13/04/2030"``
    is read) and for a moment outside years 1-9999 in UTC.
    """
    text = value.strip()
    if not _HAS_DAY.search(text):
        raise ValueError(f"not a date with a day: {value!r}")
    numeric = _NUMERIC_DATE.search(text)
    if numeric and numeric["a"] != numeric["b"] and int(numeric["a"]) <= 12 and int(numeric["b"]) <= 12:
        raise ValueError(f"ambiguous date, day and month could be either: {value!r}")
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        # RFC 2822 and free forms; email.utils would read an unknown zone such as CEST as UTC
        try:
            parsed = date_parser.parse(_GMT_OFFSET.sub("", text), tzinfos=_zone)
        except _UnknownZone as exc:
            raise ValueError(f"unknown time zone {exc} in date: {value!r}") from None
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"unreadable date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:30-05:00, 0001-01-01T00:00+01:00
        raise ValueError(f"date out of range: {value!r}") from None


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T08:00:00Z`` form (UTC, second precision, four-digit year: ``0999-...``)."""
    try:
        m = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date out of range: {moment!r}") from None
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"
