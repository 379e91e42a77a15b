"""The stream-worker runtime over aiokafka: consume a batch, process it off the event loop (in chunks
of ``Stage.chunk`` records, each chunk's outputs published as soon as it is done), wait for the
broker's acknowledgements, then commit the batch's input offsets.

Processing guarantee: **at least once**. An input offset is committed only after every output it
produced (records and dead letters) was acknowledged by the broker (``acks=all``, idempotent
producer), so a crash at any point replays uncommitted inputs and never loses one
(faust-streaming/faust#606 is avoided by committing ourselves, one batch at a time). Outputs are
deterministic functions of the input, so a replay yields identical records (deduplicate by key plus
the ``actorwire-record-id`` header).

Unusable inputs (:class:`~actorwire.decode.Rejected`, or a record that makes the model fail on its
own) go to the dead-letter topic with the reason, and the partition keeps flowing (faust#175).
Model inference runs in a worker thread so heartbeats are never starved (aio-libs/aiokafka#678).
A batch holds at most ``worker.batch_size`` records and ``worker.max_batch_bytes`` of input (the
rest of a poll is fetched again), so a run of long articles cannot keep the worker from polling
for longer than ``worker.max_poll_interval_s`` and lose its partitions, only to be handed the
same batch again.
A rebalance waits until the batch in flight is committed before giving its partitions away, so a
rebalance causes no duplicates (faust-streaming/faust#502). Transient broker errors (broker down,
timeouts) are retried with exponential backoff and counted in ``actorwire_transient_errors``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaConnectionError, KafkaError, KafkaTimeoutError

from actorwire.decode import Rejected
from actorwire.health import Telemetry
from actorwire.messages import DeadLetter, SourceCoordinates
from actorwire.settings import Settings

log = logging.getLogger("actorwire.streaming")


@dataclass(frozen=True)
class Output:
    """One record to publish: topic, key, JSON value (``None``: a tombstone for a compacted topic)
    and the id a consumer deduplicates on. ``processing_failed`` marks the dead letter of a record
    that decoded but failed in ``Stage.process`` on its own."""

    topic: str
    key: bytes | None
    value: bytes | None
    record_id: str
    processing_failed: bool = False


def record_id(*parts: str) -> str:
    """The ``actorwire-record-id`` of an output: its parts joined by ``|``, each with ``%`` and ``|``
    percent-encoded, so that no two outputs share an id (hostile-input trial: uri ``urn:x|1`` version
    ``2`` and uri ``urn:x`` version ``1|2`` both gave ``urn:x|1|2|…``, and a consumer deduplicating
    on the id would have dropped one article). Parts without either character read as they are."""
    return "|".join(part.replace("%", "%25").replace("|", "%7C") for part in parts)


def dead_letter(reason: str, error_class: str, stage: str, source: SourceCoordinates, key: bytes | None,
                value: bytes) -> DeadLetter:
    """A :class:`DeadLetter` carrying the original key and bytes (base64)."""
    return DeadLetter(reason=reason, error_class=error_class, stage=stage, source=source,
                      key_base64=base64.b64encode(key).decode() if key is not None else None,
                      original_base64=base64.b64encode(value).decode())


@dataclass
class Stage:
    """One worker's logic: how to decode an input and how to process a batch of decoded inputs.

    ``decode(raw) -> item`` raises :class:`Rejected` for unusable input; ``process(items)`` returns,
    for each item, the outputs it produces. ``process`` runs on the inference thread.
    ``restore(raw)``, when given, is fed every record of a newly assigned partition below the
    group's committed offset, in order, before that partition is consumed (state a stage derives
    from what it already processed, e.g. the versions seen per uri). ``chunk``: records handed to
    ``process`` at once, each chunk's outputs published as soon as it is done (the batch is still
    committed as one); ``None``, the whole batch.
    """

    name: str
    source_topic: str
    group_id: str
    decode: Callable[[bytes], Any]
    process: Callable[[Sequence[Any]], list[list[Output]]]
    restore: Callable[[bytes], None] | None = None
    chunk: int | None = None


def run_batch(stage: Stage, records: Sequence[tuple[SourceCoordinates, bytes | None, bytes]],
              deadletter_topic: str, on_inference: Callable[[float], None] | None = None,
              max_output_bytes: int | None = None) -> list[Output]:
    """Decode and process records (CPU-bound; call off the event loop). Never raises for bad input:
    rejected records become dead letters, and when a batch fails each record is retried alone so
    only the one that fails on its own is dead-lettered. ``on_inference`` receives the duration in
    seconds of every ``stage.process`` call, failed ones included. A record with an output over
    ``max_output_bytes`` (key, value and record id; the producer's request limit less room for
    its framing) is dead-lettered instead of its outputs: the producer would refuse it, and the
    worker would stop on it at every restart (hostile-input trial: 250 kB of "Kenya. " made a 6.4 MB
    entity record)."""
    outputs: list[Output] = []
    decoded: list[tuple[int, Any]] = []

    def process(items: list[Any]) -> list[list[Output]]:
        started = time.perf_counter()
        try:
            return stage.process(items)
        finally:
            if on_inference is not None:
                on_inference(time.perf_counter() - started)

    def reject(i: int, reason: str, error_class: str, processing: bool = False) -> None:
        source, key, value = records[i]
        letter = dead_letter(reason, error_class, stage.name, source, key, value)
        outputs.append(Output(deadletter_topic, key, letter.model_dump_json().encode(),
                              f"deadletter|{source.topic}|{source.partition}|{source.offset}", processing))

    for i, (_, _, value) in enumerate(records):
        try:
            decoded.append((i, stage.decode(value)))
        except Rejected as exc:
            reject(i, exc.reason, exc.error_class)
        except Exception as exc:  # noqa: BLE001 - a decode bug must dead-letter the record, never stop a partition
            reason = f"decode failed: {exc}"[:2000].encode("utf-8", "backslashreplace").decode("utf-8")
            reject(i, reason, type(exc).__name__)
            log.error("dead-lettered %s: %s", records[i][0], traceback.format_exc(limit=3))
    if not decoded:
        return outputs
    try:
        results = process([item for _, item in decoded])
    except Exception:  # noqa: BLE001 - isolate the record that fails
        log.warning("batch of %d failed in %s; retrying one by one", len(decoded), stage.name, exc_info=True)
        results = []
        for i, item in decoded:
            try:
                results.extend(process([item]))
            except Exception as exc:  # noqa: BLE001 - a poison record, not a transient fault
                reject(i, f"processing failed: {exc}"[:2000], type(exc).__name__, processing=True)
                log.error("dead-lettered %s: %s", records[i][0], traceback.format_exc(limit=3))
                results.append([])
    for (i, _), produced in zip(decoded, results):
        largest = max((output_bytes(out) for out in produced), default=0)
        if max_output_bytes is not None and largest > max_output_bytes:
            reject(i, f"an output of {largest} bytes exceeds the {max_output_bytes}-byte limit of a record",
                   "OutputTooLarge")
            continue
        outputs.extend(produced)
    return outputs


def output_bytes(out: Output) -> int:
    """Bytes of an output before compression: key, value and its record-id header."""
    return len(out.key or b"") + len(out.value or b"") + len(out.record_id.encode())


async def send_outputs(producer: AIOKafkaProducer, outputs: Sequence[Output]) -> None:
    """Send every output with its ``actorwire-record-id`` header and wait until the broker
    acknowledged all of them."""
    pending = []
    for out in outputs:
        headers = [("actorwire-record-id", out.record_id.encode())]
        pending.append(await producer.send(out.topic, out.value, key=out.key, headers=headers))
    if pending:
        await asyncio.gather(*pending)


async def read_until(reader: AIOKafkaConsumer, ends: dict[TopicPartition, int], on_record: Callable[[Any], None],
                     stopping: asyncio.Event | None = None) -> int:
    """Feed ``on_record`` every record of the partitions in ``ends`` from the log start up to (not
    including) their end offsets, in order, with ``reader``: a started consumer without a group.
    Stops early when ``stopping`` is set; returns the number of records fed."""
    remaining = dict(ends)
    reader.assign(list(remaining))
    await reader.seek_to_beginning(*remaining)
    count = 0
    while remaining and not (stopping and stopping.is_set()):
        for tp in list(remaining):
            if await reader.position(tp) >= remaining[tp]:
                del remaining[tp]
        if not remaining:
            break
        for tp, records in (await reader.getmany(*remaining, timeout_ms=1000)).items():
            for record in records:
                if record.offset < remaining.get(tp, -1):
                    on_record(record)
                    count += 1
    return count


def within_budget(records: Sequence[tuple[TopicPartition, Any]], max_bytes: int
                  ) -> tuple[list[tuple[TopicPartition, Any]], dict[TopicPartition, int]]:
    """The records of a poll to process now: in order, while their values total at most
    ``max_bytes`` (the first always, however large), and for each partition with records left
    over, the offset of its first one, to seek back to. ``records`` are (partition, record) pairs,
    each partition's records in offset order, as a poll returns them."""
    taken, held, total = [], {}, 0
    for tp, record in records:
        size = len(record.value or b"")
        if tp in held or (taken and total + size > max_bytes):
            held.setdefault(tp, record.offset)
            continue
        taken.append((tp, record))
        total += size
    return taken, held


def transient(exc: BaseException) -> bool:
    """Whether a Kafka error is worth retrying (the broker may come back), per aiokafka's ``retriable``."""
    return isinstance(exc, (KafkaConnectionError, KafkaTimeoutError)) or (
        isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False)))


class _Rebalance(ConsumerRebalanceListener):
    """Makes a rebalance wait for the in-flight batch to be committed (faust#502), and restores the
    stage's state for newly assigned partitions before they are consumed. A stage in chunks ends
    its batch after the chunk in hand and commits what it published: the rebalance waits for one
    article, not a batch. The rest of the batch is fetched again by the partitions' next owner
    (aiokafka gives every partition of a new assignment its committed offset as position)."""

    def __init__(self, worker: StreamWorker, consumer: AIOKafkaConsumer):
        self.worker, self.consumer = worker, consumer

    async def on_partitions_revoked(self, revoked) -> None:
        self.worker._revoking = True
        try:
            async with self.worker._in_flight:
                pass
        finally:
            self.worker._revoking = False

    async def on_partitions_assigned(self, assigned) -> None:
        if self.worker.stage.restore is not None and assigned:
            async with self.worker._in_flight:
                await self.worker._restore(self.consumer, assigned)


class SystemicFailure(RuntimeError):
    """Every record fails in processing: the fault is the worker's, not the input's."""


class StreamWorker:
    """Runs one :class:`Stage` as a consumer-group member until :meth:`stop` or SIGTERM/SIGINT.

    Shutdown finishes (or, past ``worker.shutdown_timeout_s``, abandons) the chunk in flight (the
    whole batch where ``Stage.chunk`` is ``None``), commits what was acknowledged, and closes the
    clients with a bounded wait (aio-libs/aiokafka#1101).

    ``telemetry`` (metrics and probe state, see :mod:`actorwire.health`) is updated as batches are
    committed; a private one is created when none is given.

    A fault of the worker rather than of its input (a broken model file, a missing library) makes
    every record fail in ``process``. Dead-lettering them all would empty the stream into the
    dead-letter topic, so once ``worker.max_consecutive_failures`` records in a row failed that way
    (and none succeeded), :meth:`run` raises :class:`SystemicFailure` before publishing or
    committing that batch: the process exits non-zero and the records wait in the partition.
    """

    def __init__(self, stage: Stage, settings: Settings, telemetry: Telemetry | None = None):
        self.stage = stage
        self.settings = settings
        self.stopping = asyncio.Event()
        self._in_flight = asyncio.Lock()
        self._revoking = False  # a rebalance waits for the batch in flight (_Rebalance)
        self._publishing: asyncio.Future | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{stage.name}-inference")
        self.processed = 0
        self.consecutive_failures = 0
        self.last_progress = time.monotonic()
        self.assigned: set[TopicPartition] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.telemetry = telemetry or Telemetry.for_worker(stage.name, settings.worker)
        self.telemetry.worker = self

    def stop(self) -> None:
        """Ask the worker to finish its batch and exit. A publish still waiting for the broker
        after half of ``worker.shutdown_timeout_s`` is abandoned (its batch stays uncommitted)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self.loop is not None:
            self.loop.call_later(self.settings.worker.shutdown_timeout_s / 2, self._abandon_publish)

    def _abandon_publish(self) -> None:
        if self._publishing is not None and not self._publishing.done():
            log.warning("%s: broker unreachable while stopping; abandoning the uncommitted batch", self.stage.name)
            self._publishing.cancel()

    async def run(self) -> None:
        """Consume, process, publish, commit; returns after a graceful stop."""
        options = self.settings.kafka.client_options()
        loop = self.loop = asyncio.get_running_loop()
        metrics = self.telemetry.metrics
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.stop)
            except (NotImplementedError, RuntimeError):
                pass
        consumer = AIOKafkaConsumer(
            group_id=self.stage.group_id, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id=f"{self.settings.kafka.client_id_prefix}-{self.stage.name}",
            max_poll_records=self.settings.worker.batch_size, fetch_max_bytes=16 * 1024 * 1024,
            max_partition_fetch_bytes=self.settings.worker.max_fetch_bytes(),
            session_timeout_ms=30000, heartbeat_interval_ms=3000,
            max_poll_interval_ms=int(self.settings.worker.max_poll_interval_s * 1000), **options)
        producer = AIOKafkaProducer(enable_idempotence=True, acks="all", linger_ms=5,
                                    max_request_size=self.settings.worker.max_request_bytes(),
                                    compression_type="gzip", **options)
        await self._retry("connect", producer.start)
        await self._retry("connect", consumer.start)
        consumer.subscribe([self.stage.source_topic], listener=_Rebalance(self, consumer))
        log.info("%s: consuming %s as group %s", self.stage.name, self.stage.source_topic, self.stage.group_id)
        try:
            while not self.stopping.is_set():
                batches = await consumer.getmany(timeout_ms=self.settings.worker.batch_timeout_ms,
                                                 max_records=self.settings.worker.batch_size)
                self.assigned = consumer.assignment()
                received = self.last_progress = time.monotonic()
                metrics.set_lag(await self._lag(consumer))
                records, held = within_budget([(tp, r) for tp, rs in batches.items() for r in rs],
                                              self.settings.worker.max_batch_bytes)
                for tp, offset in held.items():
                    consumer.seek(tp, offset)  # fetched again by a later poll
                if not records:
                    continue
                inputs = [(SourceCoordinates(topic=r.topic, partition=r.partition, offset=r.offset), r.key, r.value or b"")
                          for _, r in records]
                async with self._in_flight:
                    outputs, done = await self._process(producer, inputs)
                    if not done:
                        break  # stopping with the broker away: abandon the batch, it is not committed
                    offsets: dict[TopicPartition, int] = {}
                    for tp, r in records[:done]:
                        offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
                    committed = await self._commit(consumer, offsets)
                self.last_progress = time.monotonic()
                if committed:
                    self.processed += done
                    published = Counter(out.topic for out in outputs)
                    metrics.observe_batch(self.stage.source_topic, done, published,
                                          published[self.settings.topics.deadletter], self.last_progress - received)
        finally:
            self.assigned = set()
            timeout = self.settings.worker.shutdown_timeout_s
            for client in (consumer, producer):
                try:
                    await asyncio.wait_for(client.stop(), timeout=timeout / 4)
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - never hang in "stopping" (aiokafka#1101)
                    log.warning("%s: %s did not stop cleanly", self.stage.name, type(client).__name__, exc_info=True)
            self._executor.shutdown(wait=False, cancel_futures=True)
            log.info("%s: stopped after %d records", self.stage.name, self.processed)

    async def _process(self, producer: AIOKafkaProducer,
                       inputs: Sequence[tuple[SourceCoordinates, bytes | None, bytes]]) -> tuple[list[Output], int]:
        """Process a batch ``stage.chunk`` records at a time, publishing each chunk's outputs as soon
        as it is done (each published chunk counts as progress for /healthz); returns the outputs and
        how many inputs were published (a stop or a rebalance ends the batch after its current chunk;
        0 when a publish was abandoned while stopping)."""
        size = self.stage.chunk or len(inputs)
        outputs: list[Output] = []
        for k in range(0, len(inputs), size):
            if k and (self.stopping.is_set() or self._revoking):
                return outputs, k
            chunk = inputs[k : k + size]
            produced = await self.loop.run_in_executor(self._executor, run_batch, self.stage, chunk,
                                                       self.settings.topics.deadletter,
                                                       self.telemetry.metrics.observe_inference,
                                                       self.settings.worker.max_record_bytes())
            self._check_systemic(len(chunk), produced)
            self._publishing = asyncio.ensure_future(
                self._retry("publish", lambda produced=produced: send_outputs(producer, produced)))
            try:
                published_ok = await self._publishing
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise
                published_ok = False
            if not published_ok:
                return outputs, 0
            outputs += produced
            self.last_progress = time.monotonic()  # /healthz: the window covers one chunk, not the batch
        return outputs, len(inputs)

    def _check_systemic(self, records: int, outputs: Sequence[Output]) -> None:
        """Count records failing in ``process``; raise :class:`SystemicFailure` past the limit."""
        failed = sum(out.processing_failed for out in outputs)
        rejected = sum(out.topic == self.settings.topics.deadletter and not out.processing_failed for out in outputs)
        if failed and failed == records - rejected:
            self.consecutive_failures += failed
        elif failed < records - rejected:
            self.consecutive_failures = 0
        limit = self.settings.worker.max_consecutive_failures
        if limit and self.consecutive_failures >= limit:
            raise SystemicFailure(f"{self.stage.name}: the last {self.consecutive_failures} records all failed in "
                                  "processing; stopping without committing (a fault of the worker, not of its input)")

    async def _retry(self, operation: str, call) -> bool:
        """Await ``call()`` until it succeeds, retrying transient broker errors with exponential
        backoff (0.5 s doubling to 10 s). Returns False when the worker is stopping and the call
        has failed past ``worker.shutdown_timeout_s``; non-transient errors propagate."""
        delay, give_up = 0.5, None
        while True:
            try:
                await call()
                return True
            except Exception as exc:
                if not transient(exc):
                    raise
                self.telemetry.metrics.transient_errors.labels(self.stage.name, operation).inc()
                log.warning("%s: %s failed (%s: %s); retrying in %.1f s", self.stage.name, operation,
                            type(exc).__name__, exc, delay)
            if self.stopping.is_set():
                give_up = give_up or time.monotonic() + self.settings.worker.shutdown_timeout_s / 2
                if time.monotonic() > give_up:
                    return False
            await asyncio.sleep(delay)
            delay = min(10.0, delay * 2)

    async def _restore(self, consumer: AIOKafkaConsumer, partitions) -> None:
        """Feed ``stage.restore`` the records of ``partitions`` below the committed offsets, read
        from the log start with a group-less consumer (cost: one pass over retained records)."""
        ends = {tp: committed for tp in partitions if (committed := await consumer.committed(tp))}
        if not ends:
            return
        reader = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **self.settings.kafka.client_options())
        await self._retry("connect", reader.start)
        try:
            restored = await read_until(reader, ends, lambda record: self.stage.restore(record.value or b""),
                                        self.stopping)
        finally:
            await reader.stop()
        log.info("%s: restored state from %d committed records", self.stage.name, restored)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> bool:
        """Commit ``offsets``; False when the group rebalanced meanwhile (the new owner reprocesses
        those inputs and, outputs being deterministic, writes identical records)."""
        try:
            return await self._retry("commit", lambda: consumer.commit(offsets))
        except (CommitFailedError, IllegalStateError) as exc:
            self.telemetry.metrics.commits_skipped.labels(self.stage.name).inc()
            log.warning("%s: commit skipped after a rebalance: %s", self.stage.name, exc)
            return False

    async def _lag(self, consumer: AIOKafkaConsumer) -> dict[tuple[str, int], int]:
        """Records not yet handed to this worker (high watermark of the last fetch minus the
        position), per assigned partition fetched at least once."""
        lags: dict[tuple[str, int], int] = {}
        for tp in self.assigned:
            try:
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    lags[(tp.topic, tp.partition)] = max(0, highwater - await consumer.position(tp))
            except (AssertionError, IllegalStateError):  # revoked by a rebalance meanwhile
                continue
        return lags


