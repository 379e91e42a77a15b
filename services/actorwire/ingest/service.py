"""Publish input records to ``news.raw`` with an idempotent producer (``acks=all``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer

from actorwire.ingest.readers import read_inputs
from actorwire.settings import Settings


async def publish(settings: Settings, inputs: Iterable[str], topic: str | None = None) -> tuple[int, list[str]]:
    """Publish every record of ``inputs`` (see :mod:`actorwire.ingest.readers`) keyed by uri and wait
    for all acknowledgements. Returns the number published and, for each input that was not, where
    it came from and why: one that gave no article (``RawRecord.unreadable``) or a record over the
    producer's request size (the workers would dead-letter anything over
    ``worker.max_message_bytes``; this one the broker cannot even take). Those are left out and the
    rest is published (hostile-input trial: one unreadable file, or one 5 MB line, ended the run
    half published). Raises ``FileNotFoundError`` for a missing input and aiokafka errors when the
    broker refuses."""
    limit = settings.worker.max_record_bytes()
    producer = AIOKafkaProducer(enable_idempotence=True, acks="all", linger_ms=10, compression_type="gzip",
                                max_request_size=settings.worker.max_request_bytes(),
                                **settings.kafka.client_options())
    await producer.start()
    left_out: list[str] = []
    try:
        pending = []
        for record in read_inputs(inputs):
            where = f"{record.source.topic}#{record.source.offset}"
            if record.unreadable:
                left_out.append(f"{where}: {record.unreadable}")
            elif len(record.value) + len(record.key or b"") > limit:
                left_out.append(f"{where}: {len(record.value)} bytes, over the {limit}-byte request size")
            else:
                pending.append(await producer.send(topic or settings.topics.raw, record.value, key=record.key))
        await asyncio.gather(*pending)
        return len(pending), left_out
    finally:
        await producer.stop()
