"""Input readers shared by ``actorwire ingest`` and ``actorwire enrich``.

Accepted inputs (a path, a directory of them, or ``-`` for standard input):

* ``.jsonl`` / ``.ndjson`` / ``-``: one JSON object per line, ninjs 3.x or the simple article form
  ``{"uri", "headline", "body", "published", "language"}``;
* ``.json``: one object or an array of them;
* ``.xml`` / ``.rss`` / ``.atom`` (or any file starting with ``<``): RSS or Atom, read by feedparser;
* ``.txt``: one plain-text article, first non-empty line the headline (a leading
  ``date YYYY-MM-DD`` is taken as the publication date).

Every record keeps its original bytes and where it came from, so a rejected line can be
dead-lettered exactly as it was read.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from actorwire.messages import SourceCoordinates


@dataclass(frozen=True)
class RawRecord:
    """One input message as bytes, with the key to publish under and its source coordinates."""

    key: bytes | None
    value: bytes
    source: SourceCoordinates


def _ninjs(uri: str, headline: str, body: str, published: str | None = None, language: str | None = None,
           content_type: str = "text/plain") -> bytes:
    item = {"uri": uri, "version": "1", "pubStatus": "usable",
            "headlines": [{"value": headline, "contentType": "text/plain"}],
            "bodies": [{"value": body, "contentType": content_type}]}
    if published:
        item["versionCreated"] = published
    if language:
        item["language"] = language
    return json.dumps(item, ensure_ascii=False).encode()


def simple_to_ninjs(obj: dict) -> dict:
    """The simple article form (``uri``, ``headline``, ``body``, ``published``, ``language``) as ninjs."""
    return json.loads(_ninjs(str(obj.get("uri") or obj.get("id") or ""), str(obj.get("headline") or ""),
                             str(obj.get("body") or ""), obj.get("published"), obj.get("language")))


def _line_record(line: bytes, origin: str, offset: int) -> RawRecord:
    """A JSONL line: simple article objects become ninjs; anything else passes through untouched."""
    key = None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        obj = None
    if isinstance(obj, dict):
        if ("headline" in obj or "body" in obj) and "headlines" not in obj and "bodies" not in obj:
            line = json.dumps(simple_to_ninjs(obj), ensure_ascii=False).encode()
            obj = json.loads(line)
        if isinstance(obj.get("uri"), str):
            key = obj["uri"].encode()
    return RawRecord(key, line, SourceCoordinates(topic=origin, partition=0, offset=offset))


def _feed_records(data: bytes, origin: str) -> Iterator[RawRecord]:
    import feedparser

    feed = feedparser.parse(data)
    for n, entry in enumerate(feed.entries):
        content = entry.get("content") or []
        body = content[0].get("value") if content else entry.get("summary", "")
        ctype = (content[0].get("type") if content else entry.get("summary_detail", {}).get("type")) or "text/html"
        uri = entry.get("id") or entry.get("link") or f"{origin}#{n}"
        value = _ninjs(uri, entry.get("title", ""), body, entry.get("published") or entry.get("updated"),
                       feed.feed.get("language"), "text/html" if "html" in ctype else "text/plain")
        yield RawRecord(uri.encode(), value, SourceCoordinates(topic=origin, partition=0, offset=n))


def _text_record(path: Path) -> RawRecord:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.lstrip().split("\n", 1)
    headline, body = lines[0].strip(), (lines[1] if len(lines) > 1 else "").strip()
    published = None
    match = re.match(r"date\s+(\d{4}-\d{2}-\d{2})\s+(.*)", headline)
    if match:
        published, headline = match.group(1), match.group(2)
    uri = path.resolve().as_uri()
    return RawRecord(uri.encode(), _ninjs(uri, headline, body, published),
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
        for child in sorted(c for c in p.rglob("*") if c.is_file() and not c.name.startswith(".")):
            yield from read_path(str(child))
        return
    if not p.exists():
        raise FileNotFoundError(f"no such input: {path}")
    data = p.read_bytes()
    suffix = p.suffix.lower()
    origin = f"file:{p}"
    if suffix in (".xml", ".rss", ".atom") or data.lstrip().startswith(b"<"):
        yield from _feed_records(data, origin)
    elif suffix == ".json":
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            obj = None
        items = obj if isinstance(obj, list) else [obj]
        if obj is None:
            yield RawRecord(None, data, SourceCoordinates(topic=origin, partition=0, offset=0))
        for n, item in enumerate(items if obj is not None else []):
            yield _line_record(json.dumps(item, ensure_ascii=False).encode(), origin, n)
    elif suffix == ".txt":
        yield _text_record(p)
    else:
        for n, line in enumerate(data.split(b"\n")):
            if line.strip():
                yield _line_record(line.rstrip(b"\r"), origin, n)


def read_inputs(paths: Iterable[str]) -> Iterator[RawRecord]:
    """Records from every input in order."""
    for path in paths:
        yield from read_path(path)
