import json

import pytest

from actorwire.ingest.readers import read_inputs
from actorwire.decode import Rejected, decode_ninjs
from actorwire.text import to_plain

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


def test_numeric_character_references_left_in_a_text_file_are_decoded(tmp_path):
    (tmp_path / "a.txt").write_text("Pap&#233; dropped\n\nPascal Pap&#233; (B&#xE9;ziers) joins AT&amp;T.")
    (record,) = read_inputs([str(tmp_path / "a.txt")])
    item = decode_ninjs(record.value, 10_000)
    assert item.headlines[0].value == "Papé dropped"
    assert item.bodies[0].value == "Pascal Papé (Béziers) joins AT&amp;T."  # a named reference is kept as written


def test_lone_surrogates_reach_decode_instead_of_crashing_the_reader(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b"\n".join([
        b'{"uri":"c:sur\\ud800","headlines":[{"value":"Kenya Backs Plan"}]}',
        b'{"uri":"c:simple","headline":"Kenya \\udc80Backs Plan","body":"x"}',
        b'{"uri":"c:raw","headline":"Kenya \xed\xa0\x80Backs Plan","body":"x"}',  # CESU-8 bytes of U+D800
    ]))
    (tmp_path / "b.json").write_bytes(b'[{"uri":"c:json\\ud800","headline":"Kenya","body":"x"}]')
    records = list(read_inputs([str(tmp_path)]))
    assert [r.key for r in records] == [b"c:sur\\ud800", b"c:simple", None, b"c:json\\ud800"]
    with pytest.raises(Rejected, match="lone surrogate .* in uri"):
        decode_ninjs(records[0].value, 10_000)
    assert decode_ninjs(records[1].value, 10_000).headlines[0].value == "Kenya Backs Plan"
    with pytest.raises(Rejected, match="invalid UTF-8"):
        decode_ninjs(records[2].value, 10_000)
    assert records[2].value.startswith(b'{"uri":"c:raw"')  # passed on untouched
    with pytest.raises(Rejected, match="lone surrogate .* in uri"):
        decode_ninjs(records[3].value, 10_000)


def test_a_simple_article_with_a_lone_surrogate_keeps_its_size_as_ninjs(tmp_path):
    # hostile-input trial: the whole line was written in ASCII escapes, which doubled a 210 kB
    # article of non-ASCII text past the message limit
    body = "Zoë Ångström sagte: " * 5000 + "\ud800"
    (tmp_path / "a.jsonl").write_text(json.dumps({"uri": "c:big", "headline": "Zoë", "body": body}) + "\n")
    (record,) = read_inputs([str(tmp_path / "a.jsonl")])
    assert len(record.value) < 1.1 * len(body.encode("utf-8", "surrogatepass"))
    assert decode_ninjs(record.value, 1_000_000).bodies[0].value == body.replace("\ud800", "")


def test_simple_form_keeps_ninjs_properties_and_anything_else_passes_through_to_be_rejected(tmp_path):
    kept = {"uri": "urn:s", "headline": "Kenya", "body": "Text", "pubStatus": "canceled", "version": "3",
            "embargoed": "2099-01-01T00:00:00Z", "language": "en"}
    odd = [
        json.dumps({"uri": "urn:t", "headline": "Kenya", "bdy": "typo"}),
        json.dumps({"uri": "urn:l", "headline": ["Kenya", 1], "body": {"text": "x"}}),
        json.dumps({"uri": 12345, "headline": "Kenya", "body": "x"}),
        '{"uri": "urn:n", "headline": NaN, "body": "x"}',
        json.dumps({"uri": "urn:e", "headline": "Kenya", "published": 1700000000}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([json.dumps(kept), *odd]) + "\n")
    records = list(read_inputs([str(path)]))
    item = decode_ninjs(records[0].value, 10_000)
    assert (item.pub_status, item.version, item.embargoed, item.language) == ("canceled", "3", "2099-01-01T00:00:00Z", "en")
    assert [r.value.decode() for r in records[1:]] == odd
    reasons = []
    for record in records[1:]:
        with pytest.raises(Rejected) as info:
            decode_ninjs(record.value, 10_000)
        reasons.append(info.value.reason)
    assert "unknown ninjs properties: bdy, headline" in reasons[0]
    assert "unknown ninjs properties: body, headline" in reasons[1]
    assert "uri: Input should be a valid string" in reasons[2]
    assert "invalid JSON: NaN" in reasons[3]
    assert "unknown ninjs properties: headline, published" in reasons[4]


def test_the_suffix_decides_the_format_not_a_leading_angle_bracket(tmp_path):
    (tmp_path / "a.jsonl").write_text('<p>not json</p>\n{"uri":"lt:1","headline":"Kenya","body":"x"}\n')
    (tmp_path / "b.txt").write_text("<<EMBARGOED UNTIL 1200 GMT>> Kenya Backs Plan\nBody.\n")
    records = list(read_inputs([str(tmp_path)]))
    assert records[0].value == b"<p>not json</p>"
    with pytest.raises(Rejected, match="invalid JSON"):
        decode_ninjs(records[0].value, 10_000)
    assert decode_ninjs(records[1].value, 10_000).uri == "lt:1"
    assert decode_ninjs(records[2].value, 10_000).headlines[0].value == "<<EMBARGOED UNTIL 1200 GMT>> Kenya Backs Plan"


def test_a_broken_feed_without_entries_is_one_unreadable_record(tmp_path):
    path = tmp_path / "broken.rss"
    path.write_bytes(b"<rss><channel><item><title>Broken")
    records = list(read_inputs([str(path)]))
    assert [(r.key, r.value, r.source.offset) for r in records] == [(None, path.read_bytes(), 0)]
    assert records[0].unreadable.startswith("malformed feed without entries: ")


def test_a_feed_the_parser_fails_on_is_one_unreadable_record_and_the_other_inputs_go_on(tmp_path):
    bad = tmp_path / "a.rss"  # feedparser raises ValueError on a character reference of 4,301 digits
    bad.write_bytes(b'<rss version="2.0"><channel><item><title>T</title><description>&amp;#'
                    + b"9" * 4301 + b";</description></item></channel></rss>")
    (tmp_path / "b.txt").write_text("Headline\nBody.")
    records = list(read_inputs([str(bad), str(tmp_path / "b.txt")]))
    assert records[0].value == bad.read_bytes()
    assert records[0].unreadable.startswith("the feed parser failed: ")
    assert decode_ninjs(records[1].value, 10_000).headlines[0].value == "Headline"


def test_rss_titles_keep_their_html_type(tmp_path):
    path = tmp_path / "feed.rss"
    path.write_bytes(b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Kenya &amp;amp; Ethiopia &lt;b&gt;agree&lt;/b&gt;</title><guid>rss:1</guid><description>x</description></item>
</channel></rss>""")
    item = decode_ninjs(next(read_inputs([str(path)])).value, 10_000)
    assert item.headlines[0].content_type == "text/html"
    assert to_plain(item.headlines[0].value, item.headlines[0].content_type) == "Kenya & Ethiopia agree"


def test_plain_text_article_with_a_byte_order_mark_keeps_its_date(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfdate 2026-11-30 Kenya Backs Plan\r\n\r\nBody.\r\n")
    item = decode_ninjs(next(read_inputs([str(path)])).value, 10_000)
    assert (item.headlines[0].value, item.version_created) == ("Kenya Backs Plan", "2026-11-30")


def test_an_input_that_gives_no_article_is_one_unreadable_record_and_the_others_go_on(tmp_path, monkeypatch):
    import os
    from pathlib import Path

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"uri": "urn:a", "headline": "Kenya"}\n')
    os.mkfifo(folder / "b.fifo")  # never opened: reading it would block
    (folder / "c.txt").symlink_to(folder / "gone.txt")
    (folder / "d.txt").write_bytes("Pap\xe9 speaks\nbody".encode("latin-1"))
    (folder / "e.txt").write_bytes("Papé speaks\nbody".encode("utf-16"))  # with a byte-order mark: read
    (folder / "f.xml").write_bytes(b'<?xml version="1.0"?><config><a>1</a></config>')
    (folder / "g.html").write_bytes(b"<html><body><p>Kenya backed Ethiopia.</p></body></html>")
    (folder / "h.rss").write_bytes(b'<rss version="2.0"><channel><title>x</title></channel></rss>')
    (folder / "i.jsonl").write_text('{"uri": "urn:i", "headline": "Uganda"}\n')
    (folder / "locked.jsonl").write_text('{"uri": "urn:l", "headline": "Mali"}\n')
    path_open = Path.open

    def refuse(path, *args, **kwargs):  # tests run as root, whom file modes do not stop
        if path.name == "locked.jsonl":
            raise PermissionError(13, "Permission denied", str(path))
        return path_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    records = list(read_inputs([str(folder)]))
    assert [(r.source.topic.rsplit("/", 1)[1], r.unreadable) for r in records] == [
        ("a.jsonl", None),
        ("b.fifo", "not a regular file (a FIFO, socket, device or dangling link)"),
        ("c.txt", "not a regular file (a FIFO, socket, device or dangling link)"),
        ("d.txt", "not UTF-8 text (byte 3)"),
        ("e.txt", None),
        ("f.xml", "no entries: not an RSS or Atom feed, or an empty one"),
        ("g.html", "no entries: not an RSS or Atom feed, or an empty one"),
        ("h.rss", "no entries: not an RSS or Atom feed, or an empty one"),
        ("i.jsonl", None),
        ("locked.jsonl", "cannot be read: Permission denied")]
    assert decode_ninjs(records[4].value, 10_000).headlines[0].value == "Papé speaks"
    assert records[3].value == "Pap\xe9 speaks\nbody".encode("latin-1")  # what was read, for the dead letter
