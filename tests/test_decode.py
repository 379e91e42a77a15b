import json

import pytest

from actorwire.decode import Rejected, decode_ninjs

GOOD = {"uri": "urn:x:1", "version": 2, "headlines": [{"value": "Mali"}], "bodies": [{"value": "Text", "contentType": "text/html"}]}


def test_valid_ninjs_is_accepted_and_version_becomes_text():
    item = decode_ninjs(json.dumps(GOOD).encode(), 10_000)
    assert item.version == "2" and item.bodies[0].content_type == "text/html"


def test_byte_order_mark_is_allowed():
    assert decode_ninjs(b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), 10_000).uri == "urn:x:1"


@pytest.mark.parametrize("raw,reason,error_class", [
    (b'{"uri": "x", ', "invalid JSON", "JSONDecodeError"),
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
])
def test_unusable_input_is_rejected_with_a_reason(raw, reason, error_class):
    with pytest.raises(Rejected) as info:
        decode_ninjs(raw, 10_000_000)
    assert reason in info.value.reason
    assert info.value.error_class == error_class


def test_oversized_message_is_rejected_with_the_limit_in_the_reason():
    with pytest.raises(Rejected, match="exceeds the limit of 100 bytes"):
        decode_ninjs(json.dumps(GOOD).encode(), 100)
