"""Newswire semantics of issue #6 without a broker: version supersession and embargo hold/pass
(the broker round trip, release and restore after a restart are in tests/integration/test_newswire.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from actorwire.decode import Rejected, decode_ninjs
from actorwire.embargo import release_time
from actorwire.entities.worker import remember_version
from actorwire.messages import EnrichedArticle, NinjsItem, NinjsText, version_order
from actorwire.pipeline import Pipeline, VersionMemory
from actorwire.settings import Settings

from .conftest import ROOT


def item(uri: str, version="1", **extra) -> NinjsItem:
    return NinjsItem(uri=uri, version=version, language="en", headlines=[NinjsText(value="Mali and Ukraine")], **extra)


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_version_order_is_numeric_and_leaves_free_text_unordered():
    assert version_order("10") > version_order("9")
    assert version_order("1.10") > version_order("1.9")
    assert version_order(" 2 ") == (2,)
    assert version_order("draft") is None and version_order("2a") is None and version_order("") is None
    assert version_order("9" * 5000) is None and version_order("1." * 16 + "1") is None  # absurd: unordered
    assert version_order("9" * 18) == (10**18 - 1,) and version_order(".".join("1" * 16)) == (1,) * 16


def test_version_memory_supersedes_only_strictly_older_versions_and_forgets_the_oldest_uri():
    memory = VersionMemory(capacity=2)
    assert memory.observe("a", "2") is None
    assert memory.observe("a", "1") == "2"
    assert memory.observe("a", "2") is None  # a replay of the newest is not superseded
    assert memory.observe("a", "3") is None and memory.observe("a", "2") == "3"
    assert memory.observe("a", "x") is None  # unordered versions are never superseded
    memory.observe("b", "5")
    memory.observe("c", "5")  # capacity 2: "a" is the least recently seen and is forgotten
    assert memory.observe("a", "1") is None
    assert memory.observe("c", "4") == "5"


def test_a_late_older_version_is_superseded_and_not_analysed():
    pipeline = Pipeline(Settings())
    newer, older, replay = (pipeline.prepare(item("urn:v", v)) for v in ("2", "1", "2"))
    assert (newer.meta.status, newer.meta.superseded_by) == ("enriched", None)
    assert (older.meta.status, older.meta.superseded_by, older.meta.version) == ("superseded", "2", "1")
    assert older.sentences == [] and replay.meta.status == "enriched"


def test_versions_seen_before_a_restart_are_restored_from_raw_records():
    pipeline = Pipeline(Settings())
    for raw in (b'{"uri": "urn:r", "version": 3}', b"{broken", b'["not", "an", "item"]', b'{"uri": "urn:s"}'):
        remember_version(pipeline, raw, 262_144)
    assert pipeline.prepare(item("urn:r", "2")).meta.superseded_by == "3"
    assert pipeline.prepare(item("urn:r", "3")).meta.status == "enriched"


def test_restore_skips_records_that_were_dead_lettered_however_hostile():
    pipeline = Pipeline(Settings())
    for raw in (b'{"uri": "urn:d", "subjects": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
                b'{"uri": "urn:d", "version": "' + b"9" * 5000 + b'"}',
                b'{"uri": "urn:d", "version": ' + b"9" * 5000 + b"}",
                b'{"uri": "urn:d\\ud800", "version": 2}',
                b'{"uri": "urn:d", "version": "5", "pubStatus": "published"}',  # not a ninjs pubStatus: rejected
                b'{"uri": "urn:d", "version": "6", "body": "' + b"x" * 300_000 + b'"}'):  # over the size limit
        remember_version(pipeline, raw, 262_144)  # never raises: a restore must not stop the partition
    assert pipeline.prepare(item("urn:d", "1")).meta.status == "enriched"


def test_a_failed_batch_leaves_no_version_behind_for_its_retry_record_by_record():
    # hostile-input trial: version 1 came out superseded by the version 2 of the batch that failed
    # and was retried one by one, or enriched, depending on where batches were cut
    pipeline = Pipeline(Settings())
    pipeline.versions.observe("urn:kept", "4")
    with pytest.raises(RuntimeError), pipeline.versions.transaction():
        pipeline.prepare(item("urn:t", "2"))
        pipeline.prepare(item("urn:kept", "7"))
        with pipeline.versions.transaction():  # nested: the outer one undoes it too
            pipeline.prepare(item("urn:u", "3"))
        raise RuntimeError("a record of the batch failed")
    assert pipeline.prepare(item("urn:t", "1")).meta.status == "enriched"
    assert pipeline.prepare(item("urn:u", "1")).meta.status == "enriched"
    assert pipeline.prepare(item("urn:kept", "5")).meta.status == "enriched"  # 4 again, not 7
    assert pipeline.prepare(item("urn:kept", "3")).meta.superseded_by == "5"


@pytest.mark.parametrize("given,expected", [("en_US", "en"), ("EN-gb", "en"), (" en ", "en"), ("  ", "en"), (None, "en"),
                                            ("de", "de"), ("en\x00", "en"), ("??", "en")])
def test_given_languages_are_normalised_and_short_english_flashes_stay_english(given, expected):
    flash = NinjsItem(uri="urn:l", language=given, headlines=[NinjsText(value="Kenya Backs Plan")],
                      bodies=[NinjsText(value="Kenya backs Ethiopia in Nairobi.")])  # py3langid alone: Kikuyu
    meta = Pipeline(Settings()).prepare(flash).meta
    assert (meta.language, meta.status) == (expected, "enriched" if expected == "en" else "unsupported_language")


def test_confident_or_other_script_detection_is_kept_over_the_feed_language():
    arabic = NinjsItem(uri="urn:ar", headlines=[NinjsText(value="كينيا تدعم خطة السد الإثيوبي")],
                       bodies=[NinjsText(value="قال الرئيس الكيني ويليام روتو في نيروبي إن كينيا تدعم إثيوبيا.")])
    french = NinjsItem(uri="urn:fr", headlines=[NinjsText(value="Le Kenya soutient le barrage")], bodies=[NinjsText(
        value="Le président kényan a déclaré lundi à Nairobi que le Kenya soutenait l'Éthiopie face à l'Égypte.")])
    pipeline = Pipeline(Settings())
    assert [pipeline.prepare(i).meta.language for i in (arabic, french)] == ["ar", "fr"]


def test_embargo_hold_parks_future_items_and_pass_keeps_the_embargo():
    future, past = stamp(timedelta(hours=2)), stamp(-timedelta(hours=2))
    held = Pipeline(Settings(embargo="hold"))
    assert held.prepare(item("urn:f", embargoed=future)).meta.status == "embargoed"
    assert held.prepare(item("urn:p", embargoed=past)).meta.status == "enriched"
    passed = Pipeline(Settings(embargo="pass")).prepare(item("urn:f", embargoed=future))
    assert (passed.meta.status, passed.meta.embargoed) == ("enriched", future)


def test_embargo_dates_are_normalised_and_unreadable_ones_rejected():
    parsed = decode_ninjs(b'{"uri": "u", "embargoed": "Wed, 01 May 2030 10:00:00 +0200"}', 10_000)
    assert parsed.embargoed == "2030-05-01T08:00:00Z"
    assert release_time(json.dumps({"embargoed": parsed.embargoed}).encode()) == datetime(2030, 5, 1, 8, tzinfo=UTC).timestamp()
    assert release_time(b"{broken") == 0.0
    # a record on news.embargoed that is no embargoed ninjs item is released at once, never raises
    for hostile in (b'{"embargoed": 5}', b'{"embargoed": null}', b'{"embargoed": ["x"]}', b"[1]", b"\xff",
                    b"[" * 100_000, b"", None):
        assert release_time(hostile) == 0.0, hostile[:20] if hostile else hostile
    with pytest.raises(Rejected, match="embargoed is not a date-time"):
        decode_ninjs(b'{"uri": "u", "embargoed": "2024"}', 10_000)


@pytest.mark.parametrize("embargoed,expected", [
    ("Mon, 30 Nov 2099 10:00:00 NZDT", "2099-11-29T21:00:00Z"),  # was read as 10:00 UTC: released 13 hours early
    ("Mon, 30 Nov 2099 10:00:00 HST", "2099-11-30T20:00:00Z"),
    ("Mon, 30 Nov 2099 10:00:00 ET", "2099-11-30T15:00:00Z"),
])
def test_embargoes_in_newswire_zones_are_read_in_that_zone(embargoed, expected):
    assert decode_ninjs(json.dumps({"uri": "u", "embargoed": embargoed}).encode(), 10_000).embargoed == expected


@pytest.mark.parametrize("embargoed,reason", [
    ("Mon, 30 Nov 2099 10:00:00 XYZT", "unknown time zone"),
    ("9999-12-31T23:30:00-05:00", "date out of range"),
    ("0001-01-01T00:00:00+01:00", "date out of range"),
])
def test_embargoes_in_unknown_zones_or_out_of_range_are_dead_lettered_never_guessed(embargoed, reason):
    with pytest.raises(Rejected, match=reason):
        decode_ninjs(json.dumps({"uri": "u", "embargoed": embargoed}).encode(), 10_000)


def test_enrich_command_marks_held_and_superseded_lines(tmp_path):
    lines = [
        {"uri": "urn:a", "version": 2, "language": "en", "headlines": [{"value": "Mali cuts ties with Ukraine"}]},
        {"uri": "urn:a", "version": 1, "language": "en", "headlines": [{"value": "Mali may cut ties"}]},
        {"uri": "urn:b", "embargoed": stamp(timedelta(days=1)), "language": "en", "headlines": [{"value": "Mali"}]},
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = subprocess.run([sys.executable, "-m", "actorwire", "enrich", str(src), "-o", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    articles = [EnrichedArticle.model_validate_json(line) for line in out.read_text().splitlines()]
    assert [(a.article_id, a.version, a.status, a.superseded_by) for a in articles] == [
        ("urn:a", "2", "enriched", None), ("urn:a", "1", "superseded", "2"), ("urn:b", "1", "embargoed", None)]
    assert articles[0].actors and not articles[1].actors and not articles[2].actors
    assert articles[2].embargoed == lines[2]["embargoed"]


def test_an_unreadable_date_leaves_the_article_undated_and_says_so(caplog):
    item = NinjsItem(uri="urn:d", versionCreated="03/04/2030", headlines=[NinjsText(value="Kenya backs Uganda")])
    with caplog.at_level("WARNING", logger="actorwire.pipeline"):
        assert Pipeline(Settings()).prepare(item).meta.published_at is None
    assert "urn:d: date not read, ambiguous date" in caplog.text
