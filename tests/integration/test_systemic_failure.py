"""A worker whose every record fails in processing stops instead of dead-lettering the stream
(issue #6): the records it did not commit stay in the partition for a fixed worker."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from actorwire.streaming import Stage, StreamWorker, SystemicFailure

from .test_deadletter_replay import read_all

pytestmark = pytest.mark.kafka


def test_a_worker_failing_on_every_record_stops_without_committing_the_rest(isolated):
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.batch_size, settings.worker.max_consecutive_failures, settings.worker.http_port = 2, 4, 0

    def broken_model(items):
        raise OSError("model file unreadable")

    stage = Stage("entities", settings.topics.raw, f"{settings.group_prefix}-systemic", bytes.decode, broken_model)

    async def scenario() -> tuple[type, int]:
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        for n in range(8):
            await producer.send_and_wait(settings.topics.raw, f"article {n}".encode(), partition=0)
        await producer.stop()
        with pytest.raises(SystemicFailure) as failure:
            await asyncio.wait_for(StreamWorker(stage, settings).run(), timeout=60)
        consumer = AIOKafkaConsumer(group_id=stage.group_id, **settings.kafka.client_options())
        await consumer.start()
        try:
            committed = await consumer.committed(TopicPartition(settings.topics.raw, 0)) or 0
        finally:
            await consumer.stop()
        return failure.type, committed

    kind, committed = asyncio.run(scenario())
    letters = asyncio.run(read_all(settings, settings.topics.deadletter, expected=8, timeout_s=5))
    assert kind is SystemicFailure
    # what was dead-lettered was committed, and the failures stopped the worker before the stream emptied
    assert 2 <= len(letters) == committed < 8
