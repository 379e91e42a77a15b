"""Input readers shared by ``actorwire ingest`` and ``actorwire enrich``.

Accepted inputs (a path, a directory of them, or ``-`` for standard input):

* ``.jsonl`` / ``.ndjson`` / ``-``: one JSON object per line, ninjs 3.x or the simple article form
  (see :func:`simple_to_ninjs`), read one line at a time (a 318 MB file: 31 MiB peak RSS for the
  reader, 653 MiB when it was read whole);
* ``.json``: one object or an array of them;
* ``.xml`` / ``.rss`` / ``.atom``: RSS or Atom, read by feedparser;
* ``.txt``: one plain-text article (UTF-8, a byte-order mark allowed), first non-empty line the
  headline (a leading ``date YYYY-MM-DD`` is taken as the publication date); numeric character
  references that an HTML export left in the text (``Pap&#233;``) are decoded, named ones
  (``AT&amp;T``) kept as written;
* any other suffix: a feed when the file starts with ``<``, JSON lines otherwise.

The suffix decides, never the content: a ``.jsonl`` whose first line is ``<p>`` is still JSON lines
(that line is dead-lettered).

An input that gives no article at all becomes one record with ``unreadable`` set to why, so that
it is reported, never skipped in silence: a file or folder that cannot be read, something that is
not a regular file (a FIFO, a socket, a dangling link; never opened, so it cannot block), a feed
with no entries (XML that is not a feed, an HTML page, a malformed feed, one the parser fails on;
the record holds the file's bytes), a ``.txt`` that is not UTF-8 (UTF-16 with a byte-order mark is
read). ``actorwire enrich`` dead-letters it, ``actorwire ingest`` names it and
exits non-zero after publishing the rest (hostile-input trial: one unreadable file ended the run).

Every record keeps its original bytes and where it came from, so a rejected line can be
dead-lettered exactly as it was read.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from actorwire.decode import no_duplicate_keys
from actorwire.messages import NINJS_PROPERTIES, SourceCoordinates

_NOT_FEEDS = (".jsonl", ".ndjson", ".json", ".txt")  # read as such whatever their first byte
_SNIFF_BYTES = 65_536  # read to tell a feed ('<' first) from JSON lines in a file of another suffix
_CHAR_REF = re.compile(r"&#(?:\d{1,7}|[xX][0-9a-fA-F]{1,6});")


@dataclass(frozen=True)
class RawRecord:
    """One input message as bytes, with the key to publish under and its source coordinates."""

    key: bytes | None
    value: bytes
    source: SourceCoordinates
    unreadable: str | None = None  # why the input gave no article (``value`` is then what was read, maybe nothing)


def _unreadable(path: Path | str, reason: str, data: bytes = b"") -> RawRecord:
    return RawRecord(None, data, SourceCoordinates(topic=f"file:{path}", partition=0, offset=0), reason)


def _dumps(obj) -> bytes:
    """JSON as UTF-8; a lone surrogate (which UTF-8 cannot carry) is written as its ``\\udXXX``
    escape, and only it, so that :func:`~actorwire.decode.decode_ninjs` sees it and decides while
    the rest keeps its size (hostile-input trial: escaping the whole line doubled a 210 kB article
    of non-ASCII text past the message limit)."""
    text = json.dumps(obj, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in json.dumps output: inside strings only


def _key(uri: str) -> bytes:
    """A record key from a uri; a lone surrogate is kept as a ``\\udXXX`` escape."""
    return uri.encode("utf-8", "backslashreplace")


def _ninjs(uri: str | None, headline: str, body: str, published: str | None = None, language: str | None = None,
           content_type: str = "text/plain", headline_type: str = "text/plain", carried: dict | None = None) -> dict:
    """A ninjs item of one headline and one body; ``carried`` ninjs properties are kept as they are
    (``version`` "1" and ``pubStatus`` usable unless given). No ``uri`` is left for decode to reject."""
    item = {"uri": uri} if uri is not None else {}
    item |= carried or {}
    item.setdefault("version", "1")
    item.setdefault("pubStatus", "usable")
    item["headlines"] = [{"value": headline, "contentType": headline_type}]
    item["bodies"] = [{"value": body, "contentType": content_type}]
    if published:
        item["versionCreated"] = published
    if language:
        item["language"] = language
    return item


SIMPLE_KEYS = frozenset({"uri", "id", "headline", "body", "published", "language"})
_CARRIED = NINJS_PROPERTIES - {"headlines", "bodies", "uri", "language"}


def simple_to_ninjs(obj: dict) -> dict | None:
    """The simple article form as ninjs, or ``None`` when ``obj`` is not in that form.

    The simple form has ``headline`` and/or ``body`` (text/plain), ``uri`` (or ``id``),
    ``published`` (→ ``versionCreated``) and ``language``, each a string or null; any other ninjs
    property (``pubStatus``, ``embargoed``, ``version``, ``firstCreated``...) is carried over as it
    is. Anything else (a value of another type, an unknown key such as a typo, ``headlines`` or
    ``bodies``, ``published`` next to ``versionCreated``) is not the simple form: the caller passes
    it on untouched, and :func:`~actorwire.decode.decode_ninjs` rejects it with its reason, rather
    than a typo losing the body or ``["Kenya", 1]`` becoming a headline.
    """
    if "headline" not in obj and "body" not in obj:
        return None
    if not set(obj) <= SIMPLE_KEYS | _CARRIED or ("published" in obj and "versionCreated" in obj):
        return None
    if any(obj.get(k) is not None and not isinstance(obj[k], str) for k in SIMPLE_KEYS):
        return None
    uri = obj.get("uri") if obj.get("uri") is not None else obj.get("id")  # none: "uri: Field required"
    return _ninjs(uri, obj.get("headline") or "", obj.get("body") or "", obj.get("published"), obj.get("language"),
                  carried={k: v for k, v in obj.items() if k in _CARRIED})


def _line_record(line: bytes, origin: str, offset: int) -> RawRecord:
    """A JSONL line: simple article objects become ninjs; anything else passes through untouched."""
    key = None
    try:
        # strict: json.loads(bytes) lets CESU surrogates in; a key given twice leaves the line to be rejected
        obj = json.loads(line.decode("utf-8-sig"), object_pairs_hook=no_duplicate_keys)
    except (ValueError, RecursionError):
        obj = None
    if isinstance(obj, dict):
        if (converted := simple_to_ninjs(obj)) is not None:
            line, obj = _dumps(converted), converted
        if isinstance(obj.get("uri"), str):
            key = _key(obj["uri"])
    return RawRecord(key, line, SourceCoordinates(topic=origin, partition=0, offset=offset))


def _feed_records(data: bytes, origin: str) -> Iterator[RawRecord]:
    """Entries of an RSS/Atom feed; a feed without entries, a malformed one without any entry
    text, or one feedparser fails on (a character reference of thousands of digits raises
    ``ValueError`` in it), is one unreadable record of its bytes: the other inputs go on."""
    import feedparser

    problem = None
    try:
        entries = (feed := feedparser.parse(data)).entries
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on one file must not end the run
        problem = f"the feed parser failed: {exc}"
    else:
        if feed.bozo and not any(e.get("title") or e.get("summary") or e.get("content") for e in entries):
            problem = f"malformed feed without entries: {feed.get('bozo_exception')}"
        elif not entries:
            problem = "no entries: not an RSS or Atom feed, or an empty one"
    if problem:
        yield RawRecord(None, data, SourceCoordinates(topic=origin, partition=0, offset=0), problem[:500])
        return
    for n, entry in enumerate(entries):
        content = entry.get("content") or []
        body = content[0].get("value") if content else entry.get("summary", "")
        ctype = (content[0].get("type") if content else entry.get("summary_detail", {}).get("type")) or "text/html"
        title_type = entry.get("title_detail", {}).get("type") or "text/plain"
        uri = entry.get("id") or entry.get("link") or f"{origin}#{n}"
        value = _dumps(_ninjs(uri, entry.get("title", ""), body, entry.get("published") or entry.get("updated"),
                              feed.feed.get("language"), "text/html" if "html" in ctype else "text/plain",
                              "text/html" if "html" in title_type else "text/plain"))
        yield RawRecord(_key(uri), value, SourceCoordinates(topic=origin, partition=0, offset=n))


def _text_record(path: Path, data: bytes) -> RawRecord:
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return _unreadable(path, f"not {encoding.removesuffix('-sig').upper()} text (byte {exc.start})", data)
    text = _CHAR_REF.sub(lambda ref: html.unescape(ref.group()), text)
    lines = text.lstrip().split("\n", 1)
    headline, body = lines[0].strip(), (lines[1] if len(lines) > 1 else "").strip()
    published = None
    match = re.match(r"date\s+(\d{4}-\d{2}-\d{2})\s+(.*)", headline)
    if match:
        published, headline = match.group(1), match.group(2)
    uri = path.resolve().as_uri()
    return RawRecord(_key(uri), _dumps(_ninjs(uri, headline, body, published)),
                     SourceCoordinates(topic=f"file:{path}", partition=0, offset=0))


def read_path(path: str) -> Iterator[RawRecord]:
    """Records from one input (see module docstring). Raises ``FileNotFoundError`` for a missing path."""
    if path == "-":
        for n, line in enumerate(sys.stdin.buffer):
            if line.strip():
                yield _line_record(line.rstrip(b"\r\n"), "stdin", n)
        return
    p = Path(path)
    if p.is_dir():
        yield from _folder_records(p)
        return
    if not p.exists() and not p.is_symlink():
        raise FileNotFoundError(f"no such input: {path}")
    if not p.is_file():
        yield _unreadable(p, "not a regular file (a FIFO, socket, device or dangling link)")
        return
    suffix = p.suffix.lower()
    origin = f"file:{p}"
    try:
        with p.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
            feed = suffix in (".xml", ".rss", ".atom") or (suffix not in _NOT_FEEDS and head.lstrip().startswith(b"<"))
            if not feed and suffix not in (".json", ".txt"):  # JSON lines, one at a time: never held whole
                file.seek(0)
                for n, line in enumerate(file):
                    line = line.removesuffix(b"\n")
                    if line.strip():
                        yield _line_record(line.rstrip(b"\r"), origin, n)
                return
            data = head + file.read()  # a feed or a JSON document is parsed whole
    except OSError as exc:
        yield _unreadable(p, f"cannot be read: {exc.strerror or exc}")
        return
    if feed:
        yield from _feed_records(data, origin)
    elif suffix == ".json":
        try:
            obj = json.loads(data.decode("utf-8-sig"), object_pairs_hook=no_duplicate_keys)
        except (ValueError, RecursionError):
            obj = None
        items = obj if isinstance(obj, list) else [obj]
        if obj is None:
            yield RawRecord(None, data, SourceCoordinates(topic=origin, partition=0, offset=0))
        for n, item in enumerate(items if obj is not None else []):
            yield _line_record(_dumps(item), origin, n)
    else:
        yield _text_record(p, data)


def _folder_records(folder: Path) -> Iterator[RawRecord]:
    """Records of every file under ``folder`` in path order, hidden ones (``.name``) left out; a
    folder that cannot be listed is one unreadable record. Links to folders are not followed."""
    found: list[tuple[str, Path | None, str | None]] = []

    def refused(exc: OSError) -> None:
        found.append((str(exc.filename), None, f"folder cannot be read: {exc.strerror or exc}"))

    for top, dirs, files in os.walk(folder, onerror=refused):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [(os.path.join(top, f), Path(top, f), None) for f in files if not f.startswith(".")]
    for name, path, problem in sorted(found, key=lambda entry: entry[0]):
        yield from read_path(str(path)) if path is not None else [_unreadable(name, problem)]


def read_inputs(paths: Iterable[str]) -> Iterator[RawRecord]:
    """Records from every input in order."""
    for path in paths:
        yield from read_path(path)
