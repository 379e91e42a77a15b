"""Replay of the dead-letter topic: republish the original bytes of selected dead letters, with their
original key, to the topic each came from, so the workers process them again (after a fix).

The replay reads ``topics.deadletter`` from its start (or from ``since``) up to its end as of the
start of the replay, so it ends even while workers add dead letters. Each republished record carries
the header ``actorwire-replayed-from`` = ``<dead-letter topic>|<partition>|<offset>``. Replaying twice
republishes twice; the workers' outputs are deterministic, so consumers that deduplicate on
``actorwire-record-id`` see no difference.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from actorwire.messages import DeadLetter, SourceCoordinates
from actorwire.settings import Settings

log = logging.getLogger("actorwire.deadletter")
REPLAY_HEADER = "actorwire-replayed-from"


@dataclass(frozen=True)
class Selection:
    """Which dead letters to replay; ``None`` fields match everything."""

    stage: str | None = None
    error_class: str | None = None
    reason_contains: str | None = None

    def matches(self, letter: DeadLetter) -> bool:
        return ((self.stage is None or letter.stage == self.stage)
                and (self.error_class is None or letter.error_class == self.error_class)
                and (self.reason_contains is None or self.reason_contains in letter.reason))


@dataclass(frozen=True)
class Replayed:
    """One dead letter chosen for replay: where it lies (``letter``), where its original first came
    from (``source``), and where the replay published it (``republished``: the same topic, a new
    offset; ``None`` on a dry run)."""

    letter: SourceCoordinates
    source: SourceCoordinates
    reason: str
    republished: SourceCoordinates | None = None


async def replay(settings: Settings, selection: Selection, since: datetime | None = None, limit: int | None = None,
                 dry_run: bool = False) -> list[Replayed]:
    """Republish the dead letters of ``selection`` (written at or after ``since``, at most ``limit``)
    and wait for the broker's acknowledgements; with ``dry_run`` only list them. Records that are not
    valid dead letters are logged and skipped. Raises :class:`ValueError` when the dead-letter topic
    does not exist, aiokafka errors when the broker is unreachable."""
    topic = settings.topics.deadletter
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **settings.kafka.client_options())
    producer = AIOKafkaProducer(enable_idempotence=True, acks="all", **settings.kafka.client_options())
    await consumer.start()
    await producer.start()
    chosen: list[Replayed] = []
    pending = []
    try:
        if topic not in await consumer.topics():
            raise ValueError(f"topic {topic} does not exist")
        partitions = [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        if since is not None:
            found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            starts = {tp: found[tp].offset if found[tp] is not None else ends[tp] for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        remaining = {tp for tp in partitions if starts[tp] < ends[tp]}
        while remaining and (limit is None or len(chosen) < limit):
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        remaining.discard(tp)
                        break
                    if limit is not None and len(chosen) >= limit:
                        break
                    try:
                        letter = DeadLetter.model_validate_json(record.value or b"")
                    except ValidationError:
                        log.warning("skipping %s[%d]@%d: not a dead letter", tp.topic, tp.partition, record.offset)
                        continue
                    if not selection.matches(letter):
                        continue
                    where = SourceCoordinates(topic=tp.topic, partition=tp.partition, offset=record.offset)
                    chosen.append(Replayed(letter=where, source=letter.source, reason=letter.reason))
                    if not dry_run:
                        key = base64.b64decode(letter.key_base64) if letter.key_base64 is not None else None
                        value = base64.b64decode(letter.original_base64)
                        header = f"{tp.topic}|{tp.partition}|{record.offset}".encode()
                        pending.append((len(chosen) - 1, await producer.send(
                            letter.source.topic, value, key=key, headers=[(REPLAY_HEADER, header)])))
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        for (k, _), sent in zip(pending, await asyncio.gather(*(future for _, future in pending))):
            chosen[k] = replace(chosen[k], republished=SourceCoordinates(topic=sent.topic, partition=sent.partition,
                                                                         offset=sent.offset))
    finally:
        await producer.stop()
        await consumer.stop()
    return chosen
