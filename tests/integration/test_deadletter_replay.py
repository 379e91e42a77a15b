"""``actorwire deadletter replay`` against the real broker: selected dead letters go back, byte for
byte and with their key, to the topic they came from."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from click.testing import CliRunner

from actorwire.cli import main
from actorwire.deadletter import REPLAY_HEADER
from actorwire.messages import SourceCoordinates
from actorwire.settings import get_settings
from actorwire.streaming import dead_letter

pytestmark = pytest.mark.kafka


async def read_all(settings, topic: str, expected: int, timeout_s: float = 15) -> list:
    """The records of ``topic`` from its start: waits until ``expected`` arrived, then 1 s more for extras."""
    consumer = AIOKafkaConsumer(topic, group_id=None, auto_offset_reset="earliest", **settings.kafka.client_options())
    await consumer.start()
    records: list = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
            if len(records) >= expected:
                deadline = min(deadline, loop.time() + 1)
    finally:
        await consumer.stop()
    return records


def test_replay_republishes_the_selected_originals_with_their_keys(isolated, monkeypatch):
    settings = isolated.settings
    raw, entities = settings.topics.raw, settings.topics.entities
    letters = [
        dead_letter("processing failed: boom", "RuntimeError", "entities",
                    SourceCoordinates(topic=raw, partition=1, offset=7), b"urn:a", b'{"uri": "urn:a"}'),
        dead_letter("invalid JSON: ...", "JSONDecodeError", "entities",
                    SourceCoordinates(topic=raw, partition=2, offset=3), None, b"{broken"),
        dead_letter("processing failed: boom", "RuntimeError", "sentiment",
                    SourceCoordinates(topic=entities, partition=0, offset=1), b"urn:b", b'{"meta": {}}'),
    ]

    async def publish() -> None:
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        try:
            await producer.send_and_wait(settings.topics.deadletter, b"not a dead letter", partition=0)
            for letter in letters:
                await producer.send_and_wait(settings.topics.deadletter, letter.model_dump_json().encode(), partition=0)
        finally:
            await producer.stop()

    asyncio.run(publish())
    for name, value in isolated.env.items():
        if name.startswith("ACTORWIRE_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        dry = runner.invoke(main, ["deadletter", "replay", "--stage", "entities", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert [(json.loads(line)["source"], json.loads(line)["replayed_to"]) for line in dry.stdout.splitlines()] == [
            ({"topic": raw, "partition": 1, "offset": 7}, None), ({"topic": raw, "partition": 2, "offset": 3}, None)]
        assert "would replay 2 dead letters" in dry.stderr
        limited = runner.invoke(main, ["deadletter", "replay", "--limit", "1", "--dry-run"])
        assert "would replay 1 dead letter\n" in limited.stderr, limited.output
        future = runner.invoke(main, ["deadletter", "replay", "--since", "2999-01-01", "--dry-run"])
        assert "would replay 0 dead letters" in future.stderr, future.output

        result = runner.invoke(main, ["deadletter", "replay", "--stage", "entities", "--error-class", "RuntimeError"])
        assert result.exit_code == 0, result.output
        assert "replayed 1 dead letter\n" in result.stderr
        (line,) = result.stdout.splitlines()
        went = json.loads(line)["replayed_to"]
    finally:
        get_settings.cache_clear()

    (replayed,) = asyncio.run(read_all(settings, raw, 1))
    assert (replayed.key, replayed.value) == (b"urn:a", b'{"uri": "urn:a"}')
    assert dict(replayed.headers)[REPLAY_HEADER] == f"{settings.topics.deadletter}|0|1".encode()
    assert went == {"topic": raw, "partition": replayed.partition, "offset": replayed.offset}  # not the original 1|7
    assert asyncio.run(read_all(settings, entities, 0, timeout_s=2)) == []  # the sentiment letter was not selected
