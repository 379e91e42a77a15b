"""Hostile newswire input (issue #6): every unusable line is dead-lettered with a reason, every
usable one is cleaned and enriched, and the offline command exits 0."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from actorwire.messages import DeadLetter, EnrichedArticle

from .conftest import ROOT


def item(uri: str, body: str = "Mali severed relations with Ukraine, officials in Bamako said.", **extra) -> dict:
    return {"uri": uri, "language": "en", "headlines": [{"value": "Mali cuts ties"}], "bodies": [{"value": body}], **extra}


USABLE = {
    "bom": b"\xef\xbb\xbf" + json.dumps(item("bom")).encode(),
    "lone-surrogate": json.dumps(item("lone-surrogate", "Mali \ud800severed relations with Ukraine.")).encode(),
    "controls": json.dumps(item("controls", "Mali\x00 severed\x07 relations with Ukraine.")).encode(),
    "double-encoded": json.dumps(item("double-encoded", body="<p>Mali &amp;amp; Ukraine: ties cut</p>") | {
        "bodies": [{"value": "<p>Mali &amp;amp; Ukraine: ties cut, Bamako said.</p>", "contentType": "text/html"}]}).encode(),
    "rfc2822": json.dumps(item("rfc2822", versionCreated="Sun, 04 Aug 2024 18:00:00 +0200")).encode(),
    "zone-abbrev": json.dumps(item("zone-abbrev", versionCreated="Aug 4, 2024 18:00 CEST")).encode(),
    "year-only": json.dumps(item("year-only", versionCreated="2024")).encode(),
    "empty-body": json.dumps({"uri": "empty-body", "headlines": [{"value": " "}], "bodies": [{"value": ""}]}).encode(),
}
UNUSABLE = {
    b"{not json": "invalid JSON",
    b"[1, 2, 3]": "expected a JSON object",
    b"null": "expected a JSON object",
    json.dumps(item("wrong-type") | {"headlines": "Mali"}).encode(): "headlines",
    json.dumps(item("unknown-field") | {"hedline": "x"}).encode(): "unknown ninjs properties: hedline",
    b'{"uri": "nan", "version": NaN}': "invalid JSON",
    b'{"uri": "bad-utf8 \xc3\x28"}': "invalid UTF-8",
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000: "nested too deeply",
    json.dumps(item("huge", "Mali. " * 500_000)).encode(): "exceeds the limit",
}


def test_hostile_lines_are_dead_lettered_or_enriched_and_the_command_exits_zero(tmp_path):
    lines = list(USABLE.values()) + list(UNUSABLE)
    src = tmp_path / "hostile.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out, dead = tmp_path / "out.jsonl", tmp_path / "dead.jsonl"
    result = subprocess.run([sys.executable, "-m", "actorwire", "enrich", str(src), "-o", str(out), "--dead-letter", str(dead)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]

    articles = {a.article_id: a for a in (EnrichedArticle.model_validate_json(x) for x in out.read_text().splitlines())}
    assert set(articles) == set(USABLE)
    assert articles["bom"].status == "enriched" and articles["bom"].actors
    assert "\ud800" not in articles["lone-surrogate"].body and "\x00" not in articles["controls"].body
    assert articles["double-encoded"].body == "Mali & Ukraine: ties cut, Bamako said."
    assert articles["rfc2822"].published_at == "2024-08-04T16:00:00Z"
    assert articles["zone-abbrev"].published_at == "2024-08-04T16:00:00Z"
    assert articles["year-only"].published_at is None  # never 1970, never a guess
    assert articles["empty-body"].status == "no_text"

    letters = [DeadLetter.model_validate_json(x) for x in dead.read_text().splitlines()]
    assert len(letters) == len(UNUSABLE)
    for letter, (raw, reason) in zip(letters, UNUSABLE.items()):
        assert reason in letter.reason
        assert base64.b64decode(letter.original_base64) == raw
        assert letter.error_class and letter.source.topic == f"file:{src}"
    assert [x.source.offset for x in letters] == list(range(len(USABLE), len(lines)))
