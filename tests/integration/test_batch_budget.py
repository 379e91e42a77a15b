"""A poll of long records is cut at ``worker.max_batch_bytes``: the rest is fetched again, every
record is processed once, and the offsets committed reach the end of each partition."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from actorwire.streaming import Output, Stage, StreamWorker

pytestmark = pytest.mark.kafka


def test_batches_stay_within_the_byte_budget_and_every_record_is_processed_once(isolated):
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.batch_size, settings.worker.max_batch_bytes, settings.worker.http_port = 16, 250, 0
    values = [f"{n:03d}".encode() * 33 for n in range(12)]  # 99 bytes each: at most two per batch
    batches: list[list[bytes]] = []
    worker: StreamWorker | None = None

    def process(items):
        batches.append(list(items))
        if sum(map(len, batches)) == len(values):
            worker.stop()
        return [[Output(settings.topics.entities, None, item, f"budget|{item[:3].decode()}")] for item in items]

    stage = Stage("entities", settings.topics.raw, f"{settings.group_prefix}-budget", lambda raw: raw, process)

    async def scenario() -> dict[int, int]:
        nonlocal worker
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        for n, value in enumerate(values):
            await producer.send_and_wait(settings.topics.raw, value, partition=n % 2)
        await producer.stop()
        worker = StreamWorker(stage, settings)
        await asyncio.wait_for(worker.run(), timeout=90)
        consumer = AIOKafkaConsumer(group_id=stage.group_id, **settings.kafka.client_options())
        await consumer.start()
        try:
            return {p: await consumer.committed(TopicPartition(settings.topics.raw, p)) for p in (0, 1)}
        finally:
            await consumer.stop()

    committed = asyncio.run(scenario())
    assert all(sum(map(len, batch)) <= 250 for batch in batches) and len(batches) >= 6
    assert sorted(item for batch in batches for item in batch) == values
    assert committed == {0: 6, 1: 6}
