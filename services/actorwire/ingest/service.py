"""Publish input records to ``news.raw`` with an idempotent producer (``acks=all``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer

from actorwire.ingest.readers import read_inputs
from actorwire.settings import Settings


async def publish(settings: Settings, inputs: Iterable[str], topic: str | None = None) -> int:
    """Publish every record of ``inputs`` (see :mod:`actorwire.ingest.readers`) keyed by uri and wait
    for all acknowledgements; returns the number published. Raises ``FileNotFoundError`` for a
    missing input and aiokafka errors when the broker refuses."""
    producer = AIOKafkaProducer(enable_idempotence=True, acks="all", linger_ms=10, compression_type="gzip",
                                max_request_size=settings.worker.max_request_bytes(),
                                **settings.kafka.client_options())
    await producer.start()
    try:
        pending = [await producer.send(topic or settings.topics.raw, record.value, key=record.key)
                   for record in read_inputs(inputs)]
        await asyncio.gather(*pending)
        return len(pending)
    finally:
        await producer.stop()
