"""Newswire semantics through the real broker and real workers (issue #6): an embargoed item is held
on the embargo topic and enriched only after its time; a late older version is superseded, also by
an entity worker started after the newer version was committed (state restored from the log)."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from actorwire.messages import EnrichedArticle

from .test_kafka_pipeline import drain, start_worker

pytestmark = pytest.mark.kafka
TEXT = {"language": "en", "headlines": [{"value": "Mali severs ties with Ukraine"}],
        "bodies": [{"value": "Mali severed diplomatic relations with Ukraine on Sunday, the government in Bamako said."}]}


def publish(settings, *items: dict) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        try:
            for obj in items:
                await producer.send_and_wait(settings.topics.raw, json.dumps(obj).encode(), key=obj["uri"].encode())
        finally:
            await producer.stop()

    asyncio.run(send())


def enriched(settings, count: int, timeout: float = 180) -> list[tuple[int, EnrichedArticle]]:
    """(broker timestamp in ms, record) of the first ``count`` records of the enriched topic."""
    records = asyncio.run(drain(settings, settings.topics.enriched, lambda rs: len(rs) >= count, timeout, settle=1))
    return [(r.timestamp, EnrichedArticle.model_validate_json(r.value)) for r in records]


def test_embargo_is_held_until_its_time_and_late_versions_are_superseded_across_restarts(isolated, tmp_path):
    settings = isolated.settings
    workers = {name: start_worker(name, isolated.env, tmp_path) for name in ("entities", "sentiment")}
    try:
        publish(settings, {"uri": "urn:warm-up", **TEXT})
        assert [a.status for _, a in enriched(settings, 1)] == ["enriched"]  # both workers are up

        embargo = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
        publish(settings, {"uri": "urn:embargoed", "embargoed": embargo.isoformat(), **TEXT},
                {"uri": "urn:story", "version": 2, **TEXT}, {"uri": "urn:story", "version": 1, **TEXT})
        records = enriched(settings, 4)
        by_key = {(a.article_id, a.version): (ts, a) for ts, a in records}
        assert len(records) == 4 and len(by_key) == 4
        assert by_key["urn:story", "2"][1].status == "enriched"
        late = by_key["urn:story", "1"][1]
        assert (late.status, late.superseded_by, late.actors) == ("superseded", "2", [])
        released_at, held = by_key["urn:embargoed", "1"]
        assert held.status == "enriched" and held.actors
        assert held.embargoed == embargo.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert released_at >= embargo.timestamp() * 1000  # not published before its time
        parked = asyncio.run(drain(settings, settings.topics.embargoed, lambda rs: len(rs) >= 1, 30, settle=1))
        assert [r.key for r in parked] == [b"urn:embargoed"]

        workers["entities"].send_signal(signal.SIGTERM)
        assert workers["entities"].wait(timeout=60) == 0
        workers["entities"] = start_worker("entities", isolated.env, tmp_path)
        publish(settings, {"uri": "urn:story", "version": 1, "headlines": [{"value": "Replayed late"}]})
        last = enriched(settings, 5)[-1][1]
        assert (last.article_id, last.status, last.superseded_by) == ("urn:story", "superseded", "2")
    finally:
        for w in workers.values():
            w.send_signal(signal.SIGTERM)
        codes = [w.wait(timeout=60) for w in workers.values()]
    assert codes == [0, 0], (tmp_path / "entities.log").read_text()[-3000:]
