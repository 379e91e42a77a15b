import json
import re

import pytest

from actorwire.decode import Rejected, decode_ninjs
from actorwire.messages import NinjsItem

LONE = "lone surrogate (not encodable as UTF-8) in "
GOOD = {"uri": "urn:x:1", "version": 2, "headlines": [{"value": "Mali"}], "bodies": [{"value": "Text", "contentType": "text/html"}]}


def test_valid_ninjs_is_accepted_and_version_becomes_text():
    item = decode_ninjs(json.dumps(GOOD).encode(), 10_000)
    assert item.version == "2" and item.bodies[0].content_type == "text/html"


def test_byte_order_mark_is_allowed():
    assert decode_ninjs(b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), 10_000).uri == "urn:x:1"


@pytest.mark.parametrize("raw,reason,error_class", [
    (b'{"uri": "x", ', "invalid JSON", "JSONDecodeError"),
    (b"", "empty message (no value: a tombstone", "ValueError"),
    (b"[1, 2]", "expected a JSON object", "TypeError"),
    (b'"just a string"', "expected a JSON object", "TypeError"),
    (b'{"uri": "x", "version": NaN}', "invalid JSON", "ValueError"),
    (b'{"uri": "x\xff"}', "invalid UTF-8", "UnicodeDecodeError"),
    (b'{"uri": 5}', "uri", "ValidationError"),
    (b'{"headlines": []}', "uri", "ValidationError"),
    (b'{"uri": "x", "headlnes": []}', "unknown ninjs properties: headlnes", "ValidationError"),
    (b'{"uri": "x", "bodies": [{"value": "t", "contentType": "application/pdf"}]}', "contentType", "ValidationError"),
    (b'{"uri": "x", "pubStatus": "draft"}', "pubStatus", "ValidationError"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply", "RecursionError"),
    (b'{"uri": "x\\ud800"}', LONE + "uri", "UnicodeEncodeError"),
    (b'{"uri": "x", "version": "1\\udc80"}', LONE + "version", "UnicodeEncodeError"),
    (b'{"uri": "x", "language": "e\\udfffn"}', LONE + "language", "UnicodeEncodeError"),
    (b'{"uri": "x", "\\ud800": 1}', LONE + "a property name", "UnicodeEncodeError"),
    (b'{"uri": "x", "subjects": [{"name": "\\ud800"}]}', LONE + "subjects", "UnicodeEncodeError"),
    (b'{"uri": "x", "bodies": [{"value": "t", "role": "\\ud800"}]}', LONE + "bodies.0", "UnicodeEncodeError"),
    (b'{"uri": "x\xed\xa0\x80"}', "invalid UTF-8", "UnicodeDecodeError"),  # a surrogate as raw (CESU-8) bytes
    (b'{"uri": "x", "embargoed": "9999-12-31T23:30:00-05:00"}', "date out of range", "ValidationError"),
    (b'{"uri": "x", "embargoed": "0001-01-01T00:00:00+01:00"}', "date out of range", "ValidationError"),
    (b'{"uri": " \\t "}', "uri: String should match pattern", "ValidationError"),
    (b'{"uri": "x", "version": "' + b"9" * 5000 + b'"}', "version: String should have at most 256", "ValidationError"),
])
def test_unusable_input_is_rejected_with_a_reason(raw, reason, error_class):
    with pytest.raises(Rejected) as info:
        decode_ninjs(raw, 10_000_000)
    assert reason in info.value.reason
    assert info.value.error_class == error_class


def test_oversized_message_is_rejected_with_the_limit_in_the_reason():
    with pytest.raises(Rejected, match="exceeds the limit of 100 bytes"):
        decode_ninjs(json.dumps(GOOD).encode(), 100)


def test_lone_surrogates_in_headline_and_body_text_are_dropped_so_the_item_serialises():
    raw = b'{"uri": "x", "headlines": [{"value": "Kenya \\udc80Backs Plan"}], "bodies": [{"value": "\\ud800Text"}]}'
    item = decode_ninjs(raw, 10_000)
    assert (item.headlines[0].value, item.bodies[0].value) == ("Kenya Backs Plan", "Text")
    assert item.model_dump_json(by_alias=True).encode()  # as the entity worker writes a held item
    flag = "Kenya \U0001F1F0\U0001F1EA"  # json.dumps writes these as escaped surrogate pairs: real characters
    assert decode_ninjs(json.dumps({"uri": "x", "headlines": [{"value": flag}]}).encode(), 10_000).headlines[0].value == flag


def test_media_type_parameters_are_ignored():
    raw = b'{"uri": "x", "bodies": [{"value": "<p>t</p>", "contentType": "Text/HTML; charset=utf-8"}]}'
    assert decode_ninjs(raw, 10_000).bodies[0].content_type == "text/html"


def test_any_other_error_while_validating_is_a_rejection(monkeypatch):
    def broken(obj):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(NinjsItem, "model_validate", broken)
    with pytest.raises(Rejected) as info:
        decode_ninjs(json.dumps(GOOD).encode(), 10_000)
    assert "date value out of range" in info.value.reason and info.value.error_class == "OverflowError"


STAGE = {"meta": {"article_id": "urn:x", "version": "1", "published_at": None, "language": "en", "status": "enriched",
                  "pipeline_version": "0.1.1"},
         "text": {"headline": "Kenya", "body": "Kenya backed Ethiopia."},
         "sentences": [{"field": "body", "start": 0, "end": 22}],
         "mentions": [{"text": "Kenya", "label": "LOC", "field": "body", "start": 0, "end": 5, "actor_id": "country:KEN",
                       "score": 0.9},
                      {"text": "Ethiopia", "label": "LOC", "field": "body", "start": 13, "end": 21,
                       "actor_id": "country:ETH", "score": 0.9}],
         "actors": [{"actor_id": f"country:{c}", "name": n, "kind": "country", "salience": 0.5, "mention_count": 1}
                    for c, n in (("KEN", "Kenya"), ("ETH", "Ethiopia"))]}


def _forged(path: str, value) -> dict:
    record = json.loads(json.dumps(STAGE))
    *parents, last = path.split(".")
    target = record
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return record


@pytest.mark.parametrize("path, value, reason", [
    ("mentions.0.start", 500, "mention 0 [500, 5) is not within the body"),
    ("mentions.1.end", 500, "mention 1 [13, 500) is not within the body"),
    ("sentences.0.end", 23, "sentence 0 [0, 23) is not within the body (22 characters)"),
    ("mentions.0.field", "headline", None),  # "Kenya" is the headline's [0, 5) too: valid
    ("mentions.1.field", "headline", "mention 1 [13, 21) is not within the headline"),
    ("mentions.0.text", "Zimbabwe", "mention 0 'Zimbabwe' is not the body text at [0, 5)"),
    ("mentions.1.actor_id", "person:ghost", "mention 1 names actor 'person:ghost', which is not among the actors"),
    ("actors.1.actor_id", "country:KEN", "an actor_id occurs twice"),
    ("actors.0.mention_count", 10**12, "an actor counts more mentions than the record's 2"),
])
def test_an_entity_stage_record_inconsistent_with_its_text_or_actors_is_rejected(path, value, reason):
    from pydantic import ValidationError

    from actorwire.messages import EntityStage

    assert EntityStage.model_validate(STAGE).mentions[1].text == "Ethiopia"
    if reason is None:
        EntityStage.model_validate(_forged(path, value))
        return
    with pytest.raises(ValidationError, match=re.escape(reason)):
        EntityStage.model_validate(_forged(path, value))
