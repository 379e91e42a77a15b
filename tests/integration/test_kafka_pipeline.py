"""End to end through the real broker: ingest → entity worker → sentiment worker → outputs."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from actorwire.ingest.service import publish
from actorwire.messages import ActorEvent, DeadLetter, EnrichedArticle
from actorwire.watch import watch_enriched

from ..conftest import SHARED_DATA

pytestmark = pytest.mark.kafka
BBC = SHARED_DATA / "bbc_news"


def start_worker(name: str, env: dict, log_dir: Path) -> subprocess.Popen:
    """A worker subprocess logging to ``log_dir/<name>.log`` (never to a pipe nobody reads)."""
    with open(log_dir / f"{name}.log", "w") as log:
        return subprocess.Popen([sys.executable, "-m", "actorwire", "worker", name], env=env,
                                stdout=log, stderr=subprocess.STDOUT)


async def drain(settings, topic: str, until, timeout: float, settle: float = 3.0) -> list:
    """Read ``topic`` from the start until ``until(records)`` holds or ``timeout`` seconds pass,
    then ``settle`` seconds more, so that records beyond the expected ones are seen too."""
    consumer = AIOKafkaConsumer(topic, group_id=None, auto_offset_reset="earliest", **settings.kafka.client_options())
    await consumer.start()
    records, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if until(records):
                deadline = min(deadline, time.monotonic() + settle)
            for rs in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(rs)
    finally:
        await consumer.stop()
    return records


def test_fifty_articles_flow_through_kafka_and_a_malformed_one_is_dead_lettered(isolated, tmp_path, capsys):
    settings = isolated.settings
    files = sorted((BBC / "politics").glob("*.txt"))[:25] + sorted((BBC / "business").glob("*.txt"))[:25]
    assert len(files) == 50
    workers = [start_worker("entities", isolated.env, tmp_path), start_worker("sentiment", isolated.env, tmp_path)]
    try:
        async def produce():
            assert await publish(settings, [str(f) for f in files]) == (50, [])
            producer = AIOKafkaProducer(**settings.kafka.client_options())
            await producer.start()
            await producer.send_and_wait(settings.topics.raw, b'{"uri": "broken", "headlines": [', key=b"broken")
            await producer.stop()

        asyncio.run(produce())
        enriched = asyncio.run(drain(settings, settings.topics.enriched, lambda rs: len(rs) >= 50, 600))
        articles = [EnrichedArticle.model_validate_json(r.value) for r in enriched]
        assert len(articles) == 50
        assert sorted(a.article_id for a in articles) == sorted(f.resolve().as_uri() for f in files)
        assert all(a.status == "enriched" and a.actors for a in articles)

        # `actorwire watch` shows them to people, and `watch --json` gives tools each record whole
        capsys.readouterr()
        assert asyncio.run(watch_enriched(settings, 50, 30, from_beginning=True)) == 50
        summaries = capsys.readouterr().out
        assert summaries.count("▶ ") == 50 and all(a.headline in summaries for a in articles)
        assert asyncio.run(watch_enriched(settings, 50, 30, from_beginning=True, as_json=True)) == 50
        shown = [EnrichedArticle.model_validate_json(line) for line in capsys.readouterr().out.splitlines()]
        assert sorted(shown, key=lambda a: a.article_id) == sorted(articles, key=lambda a: a.article_id)

        expected_events = sum(len(a.actors) for a in articles)
        events = asyncio.run(drain(settings, settings.topics.actors, lambda rs: len(rs) >= expected_events, 120))
        parsed = [ActorEvent.model_validate_json(r.value) for r in events]
        assert len(parsed) == expected_events
        assert all(r.key.decode() == e.actor.actor_id for r, e in zip(events, parsed))
        assert {(e.article_id, e.actor.actor_id) for e in parsed} == {
            (a.article_id, x.actor_id) for a in articles for x in a.actors}

        dead = asyncio.run(drain(settings, settings.topics.deadletter, lambda rs: len(rs) >= 1, 60))
        assert len(dead) == 1
        letter = DeadLetter.model_validate_json(dead[0].value)
        assert "invalid JSON" in letter.reason and letter.source.topic == settings.topics.raw
        assert letter.stage == "entities"
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        codes = [w.wait(timeout=60) for w in workers]
        logs = [(tmp_path / f"{name}.log").read_text()[-2000:] for name in ("entities", "sentiment")]
    assert codes == [0, 0], logs


def test_ingest_publishes_the_rest_and_names_what_it_could_not(isolated, tmp_path):
    # one 5 MB line (over the producer's request size) or one unreadable input ended the run half
    # published (hostile-input trial)
    import os

    from .test_deadletter_replay import read_all

    settings = isolated.settings
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"uri": "urn:before", "headline": "Kenya"}\n'
                     + '{"uri": "urn:huge", "body": "' + "Kenya. " * 750_000 + '"}\n'
                     + '{"uri": "urn:after", "headline": "Uganda"}\n')
    os.mkfifo(tmp_path / "pipe.jsonl")
    count, left_out = asyncio.run(publish(settings, [str(lines), str(tmp_path / "pipe.jsonl")]))
    assert count == 2
    assert [problem.split(": ", 1)[0] for problem in left_out] == [f"file:{lines}#1", f"file:{tmp_path}/pipe.jsonl#0"]
    assert "over the" in left_out[0] and "not a regular file" in left_out[1]
    published = asyncio.run(read_all(settings, settings.topics.raw, expected=2, timeout_s=10))
    assert sorted(r.key for r in published) == [b"urn:after", b"urn:before"]
