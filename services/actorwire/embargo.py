"""Embargo hold (issue #6): items embargoed into the future wait on ``news.embargoed`` and return to
``news.raw`` when their time comes.

With ``embargo="hold"`` (the default) the entity worker does not analyse an item whose ``embargoed``
time is still ahead: it publishes the validated ninjs item to ``topics.embargoed`` (keyed by uri)
and commits. :class:`EmbargoReleaser`, which runs in every entity worker process as a member of the
consumer group ``<group_prefix>-embargo``, keeps the held items of its partitions in memory,
ordered by time, and re-publishes each one to ``topics.raw`` once its embargo has passed; the entity
worker then enriches it like any item, with ``embargoed`` kept in the output.

Processing guarantee: at least once. A partition's offset is committed only up to its oldest item
still held, and only after the released items were acknowledged, so a restart re-reads what is
still held (and may release an item twice: the entity worker's outputs are deterministic, so the
duplicate is an identical replay). Held items cost memory until released; embargoes are rare and
short (hours), so the set stays small. ``embargo="pass"`` enriches at once, with ``embargoed`` kept
so that consumers can hold the results themselves.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from actorwire.settings import Settings
from actorwire.streaming import transient
from actorwire.text import parse_date

log = logging.getLogger("actorwire.embargo")


def release_time(raw: bytes | None) -> float:
    """Unix time (s) at which a held record may be released; 0 (at once) for a record without a
    readable ``embargoed`` (not JSON, not an object, no such string, no date in it, nested past
    what the parser takes) — the entity worker then dead-letters or processes it as usual. Never
    raises: one bad record on ``news.embargoed`` must not stop every releaser (hostile-input trial:
    ``{"embargoed": 5}`` did)."""
    try:
        value = json.loads(raw or b"").get("embargoed")
        return parse_date(value).timestamp() if isinstance(value, str) else 0.0
    except (ValueError, AttributeError, RecursionError, OverflowError):  # AttributeError: not an object
        return 0.0


class EmbargoReleaser:
    """Consume ``topics.embargoed``, hold each record until its embargo, re-publish it to ``topics.raw``.

    Runs until ``stopping`` is set. ``clock`` returns Unix seconds (tests pass their own).
    """

    def __init__(self, settings: Settings, stopping: asyncio.Event, clock=time.time):
        self.settings, self.stopping, self.clock = settings, stopping, clock
        self.held: list[tuple[float, int, TopicPartition, bytes | None, bytes]] = []  # heap by release time
        self.read: dict[TopicPartition, int] = {}  # next offset per partition
        self.committed: dict[TopicPartition, int] = {}
        self.released = 0

    def _forget(self, partitions) -> None:
        gone = set(partitions)
        self.held = [h for h in self.held if h[2] not in gone]
        heapq.heapify(self.held)
        for tp in gone:
            self.read.pop(tp, None)
            self.committed.pop(tp, None)

    def _safe_offsets(self) -> dict[TopicPartition, int]:
        """Per partition: the oldest offset still held, or the next offset to read when none is."""
        safe = dict(self.read)
        for _, offset, tp, _, _ in self.held:
            safe[tp] = min(safe[tp], offset)
        return safe

    async def _release_due(self, producer: AIOKafkaProducer) -> None:
        """Publish every held record whose time has come; they leave :attr:`held` once acknowledged."""
        now = self.clock()
        due = [h for h in self.held if h[0] <= now]
        if not due:
            return
        sent = [await producer.send(self.settings.topics.raw, value, key=key) for _, _, _, key, value in due]
        await asyncio.gather(*sent)
        self.held = [h for h in self.held if h[0] > now]
        heapq.heapify(self.held)
        self.released += len(due)
        log.info("released %d embargoed items to %s", len(due), self.settings.topics.raw)

    async def run(self) -> None:
        """Hold and release until ``stopping`` is set; transient broker errors are retried with backoff."""
        options = self.settings.kafka.client_options()
        consumer = AIOKafkaConsumer(
            group_id=f"{self.settings.group_prefix}-embargo", enable_auto_commit=False, auto_offset_reset="earliest",
            client_id=f"{self.settings.kafka.client_id_prefix}-embargo", **options)
        producer = AIOKafkaProducer(enable_idempotence=True, acks="all", **options)
        releaser = self

        class Listener(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked) -> None:
                releaser._forget(revoked)  # offsets are committed after every step; the new owner re-reads the rest

            async def on_partitions_assigned(self, assigned) -> None:
                pass

        await producer.start()
        await consumer.start()
        consumer.subscribe([self.settings.topics.embargoed], listener=Listener())
        delay = 0.5
        try:
            while not self.stopping.is_set():
                wait = min(1.0, max(0.0, self.held[0][0] - self.clock())) if self.held else 1.0
                for tp, records in (await consumer.getmany(timeout_ms=int(wait * 1000))).items():
                    for r in records:
                        heapq.heappush(self.held, (release_time(r.value or b""), r.offset, tp, r.key, r.value or b""))
                        self.read[tp] = r.offset + 1
                try:
                    await self._release_due(producer)
                    offsets = {tp: o for tp, o in self._safe_offsets().items() if self.committed.get(tp) != o}
                    if offsets:
                        await consumer.commit(offsets)
                        self.committed.update(offsets)
                    delay = 0.5
                except (CommitFailedError, IllegalStateError) as exc:
                    log.warning("embargo: commit skipped after a rebalance: %s", exc)
                except KafkaError as exc:
                    if not transient(exc):
                        raise
                    log.warning("embargo: broker error (%s); retrying in %.1f s", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(10.0, delay * 2)
        finally:
            for client in (consumer, producer):
                try:
                    await asyncio.wait_for(client.stop(), timeout=self.settings.worker.shutdown_timeout_s / 4)
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - never hang in "stopping" (aiokafka#1101)
                    log.warning("embargo: %s did not stop cleanly", type(client).__name__, exc_info=True)
