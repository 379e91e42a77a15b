"""Hostile newswire input (issue #6): every unusable line is dead-lettered with a reason, every
usable one is cleaned and enriched, and the offline command exits 0."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from actorwire.messages import DeadLetter, EnrichedArticle, SourceCoordinates
from actorwire.streaming import Output, Stage, run_batch

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
    "no-language": json.dumps({"uri": "no-language", "headlines": [{"value": "Kenya Backs Plan"}],
                               "bodies": [{"value": "Kenya backs Ethiopia in Nairobi."}]}).encode(),
    "underscore-language": json.dumps(item("underscore-language", language="en_US")).encode(),
    "surrogate-headline": b'{"uri": "surrogate-headline", "headline": "Mali \\udc80cuts ties", "body": "Mali cut ties."}',
    "simple-canceled": json.dumps({"uri": "simple-canceled", "headline": "Mali", "body": "x",
                                   "pubStatus": "canceled"}).encode(),
    "simple-embargoed": json.dumps({"uri": "simple-embargoed", "headline": "Mali", "body": "x",
                                    "embargoed": "2099-01-01T00:00:00Z"}).encode(),
    "old-date": json.dumps(item("old-date", versionCreated="0999-05-01T00:00:00Z")).encode(),
    "far-date": json.dumps(item("far-date", versionCreated="9999-12-31T23:30:00-05:00")).encode(),
    "nzdt": json.dumps(item("nzdt", versionCreated="Mon, 30 Nov 2026 10:00:00 NZDT")).encode(),
    "double-encoded-script": json.dumps(item("double-encoded-script") | {"bodies": [{
        "value": "<p>Mali cut ties.&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</p>", "contentType": "text/html"}]}).encode(),
    "charset": json.dumps(item("charset") | {"bodies": [{"value": "<p>Mali &amp; Ukraine</p>",
                                                         "contentType": "text/html; charset=utf-8"}]}).encode(),
    # hostile-input trial: "<![" crashed the HTML parser (50 in a row stopped the worker), and
    # unclosed tags or comments took it quadratic time ("<a " * 40,000: minutes)
    "marked-section": json.dumps(item("marked-section") | {"bodies": [{
        "value": "<p>Mali cut ties with Ukraine.</p><![ x", "contentType": "text/html"}]}).encode(),
    "unclosed-tags": json.dumps(item("unclosed-tags") | {"bodies": [{
        "value": "<p>Mali cut ties with Ukraine.</p>" + "<a " * 30_000 + "<!-- " * 10_000, "contentType": "text/html"}]}).encode(),
}
UNUSABLE = {
    b"{not json": "invalid JSON",
    b"[1, 2, 3]": "expected a JSON object",
    b"null": "expected a JSON object",
    json.dumps(item("wrong-type") | {"headlines": "Mali"}).encode(): "headlines",
    json.dumps(item("unknown-field") | {"hedline": "x"}).encode(): "unknown ninjs properties: hedline",
    b'{"uri": "nan", "version": NaN}': "invalid JSON",
    b'{"uri": "bad-utf8 \xc3\x28"}': "invalid UTF-8",
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000: "nested too deeply",  # 120 kB, under max_message_bytes
    json.dumps(item("huge", "Mali. " * 500_000)).encode(): "exceeds the limit",
    json.dumps(item("uri-surrogate\ud800")).encode(): "lone surrogate (not encodable as UTF-8) in uri",
    b'{"uri": "raw-surrogate", "headline": "Mali \xed\xa0\x80", "body": "x"}': "invalid UTF-8",
    json.dumps(item("embargo-overflow", embargoed="9999-12-31T23:30:00-05:00")).encode(): "date out of range",
    json.dumps(item("embargo-year-0", embargoed="0001-01-01T00:00:00+01:00")).encode(): "date out of range",
    json.dumps(item("embargo-zone", embargoed="Mon, 30 Nov 2099 10:00:00 XYZT")).encode(): "unknown time zone",
    json.dumps({"uri": "simple-typo", "headline": "Mali", "bdy": "lost"}).encode(): "unknown ninjs properties: bdy",
    json.dumps({"uri": 12345, "headline": "Mali", "body": "x"}).encode(): "uri: Input should be a valid string",
    json.dumps(item(" \t ")).encode(): "uri: String should match pattern",
    json.dumps(item("long-version", version="9" * 5000)).encode(): "version: String should have at most 256",
    # hostile-input trial: the first value of a key given twice was lost silently, and an embargoed
    # item with keywords 900 deep failed when held on news.embargoed
    b'{"uri": "twice", "uri": "other", "body": "Mali cut ties."}': "duplicate key 'uri'",
    json.dumps(item("deep", keywords=[[[[[["x"]]]]]] * 2)).replace('"x"', "[" * 80 + '"x"' + "]" * 80).encode():
        "nested more than 64 levels",
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
    assert (articles["no-language"].language, articles["no-language"].status) == ("en", "enriched")
    assert (articles["underscore-language"].language, articles["underscore-language"].status) == ("en", "enriched")
    assert articles["surrogate-headline"].headline == "Mali cuts ties"
    assert articles["simple-canceled"].status == "retracted"
    held = articles["simple-embargoed"]
    assert (held.status, held.embargoed) == ("embargoed", "2099-01-01T00:00:00Z")
    assert articles["old-date"].published_at == "0999-05-01T00:00:00Z"
    assert articles["far-date"].published_at is None
    assert articles["nzdt"].published_at == "2026-11-29T21:00:00Z"
    assert articles["double-encoded-script"].body == "Mali cut ties."
    assert articles["charset"].body == "Mali & Ukraine"

    letters = [DeadLetter.model_validate_json(x) for x in dead.read_text().splitlines()]
    assert len(letters) == len(UNUSABLE)
    for letter, (raw, reason) in zip(letters, UNUSABLE.items()):
        assert reason in letter.reason
        assert base64.b64decode(letter.original_base64) == raw
        assert letter.error_class and letter.source.topic == f"file:{src}"
    assert [x.source.offset for x in letters] == list(range(len(USABLE), len(lines)))


def test_a_decode_that_fails_unexpectedly_is_dead_lettered_and_the_partition_flows_on():
    def decode(raw: bytes) -> str:
        if raw == b"bug":
            raise OverflowError("date value out of range")
        return raw.decode()

    stage = Stage("entities", "in", "group", decode, lambda items: [[Output("out", None, i.encode(), i)] for i in items])
    records = [(SourceCoordinates(topic="in", partition=0, offset=n), None, v) for n, v in enumerate([b"a", b"bug", b"b"])]
    outputs = run_batch(stage, records, "dead")
    assert [o.value for o in outputs if o.topic == "out"] == [b"a", b"b"]
    [letter] = [DeadLetter.model_validate_json(o.value) for o in outputs if o.topic == "dead"]
    assert letter.reason == "decode failed: date value out of range"
    assert (letter.error_class, letter.source.offset, letter.stage) == ("OverflowError", 1, "entities")
    assert base64.b64decode(letter.original_base64) == b"bug"
