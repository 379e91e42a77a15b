import json

from actorwire.ingest.readers import read_inputs
from actorwire.decode import decode_ninjs

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><language>en</language>
<item><title>Mali severs ties with Ukraine</title><guid>urn:wire:1</guid>
<pubDate>Sun, 04 Aug 2024 18:00:00 GMT</pubDate><description>&lt;p&gt;Mali cut ties.&lt;/p&gt;</description></item>
<item><title>Second</title><link>https://example.org/2</link><description>Plain body</description></item>
</channel></rss>"""


def test_jsonl_ninjs_passes_through_byte_for_byte_and_simple_articles_become_ninjs(tmp_path):
    ninjs = json.dumps({"uri": "urn:a", "headlines": [{"value": "H"}], "bodies": [{"value": "B"}]})
    simple = json.dumps({"uri": "urn:b", "headline": "Mali", "body": "Text", "published": "2024-05-01"})
    path = tmp_path / "in.jsonl"
    path.write_text(f"{ninjs}\n\n{simple}\nnot json\n")
    records = list(read_inputs([str(path)]))
    assert [r.value for r in records][0] == ninjs.encode()
    assert [r.key for r in records] == [b"urn:a", b"urn:b", None]
    converted = decode_ninjs(records[1].value, 10_000)
    assert converted.headlines[0].value == "Mali" and converted.version_created == "2024-05-01"
    assert records[2].value == b"not json" and records[2].source.offset == 3


def test_rss_entries_become_ninjs_items(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    items = [decode_ninjs(r.value, 10_000) for r in read_inputs([str(path)])]
    assert [i.uri for i in items] == ["urn:wire:1", "https://example.org/2"]
    assert items[0].headlines[0].value == "Mali severs ties with Ukraine"
    assert items[0].bodies[0].content_type == "text/html" and items[0].language == "en"
    assert items[0].version_created == "Sun, 04 Aug 2024 18:00:00 GMT"


def test_plain_text_article_and_directories(tmp_path):
    (tmp_path / "a.txt").write_text("date 2025-09-27 Headline here\n\nBody line one.\nBody line two.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(json.dumps([{"uri": "urn:c", "headline": "C", "body": "c"}]))
    records = list(read_inputs([str(tmp_path)]))
    first = decode_ninjs(records[0].value, 10_000)
    assert first.headlines[0].value == "Headline here" and first.version_created == "2025-09-27"
    assert first.bodies[0].value == "Body line one.\nBody line two."
    assert decode_ninjs(records[1].value, 10_000).uri == "urn:c"
