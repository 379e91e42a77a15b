"""The dashboard process (``actorwire dashboard``): one process that aggregates ``news.actors`` into
``news.actor-aggregates``, keeps the newest ``news.enriched`` articles, and serves the page, the JSON
API and the server-sent events (:mod:`actorwire.dashboard.web`).

Runtime: the project's stream-worker runtime (:mod:`actorwire.streaming`), not faust. The
aggregation is a :class:`~actorwire.streaming.Stage` (consumer group ``<prefix>-dashboard``) whose
``process`` applies a batch of actor events to the :class:`~actorwire.dashboard.aggregates.AggregateStore`
(on the worker thread) and returns the changed aggregate records as outputs. So the dashboard gets
what every worker has: commits only after the outputs are acknowledged (``acks=all``, idempotent
producer), undecodable events on ``news.deadletter`` with the reason, retries with backoff, and the
probes and metrics. faust-streaming's windowed tables would give neither guarantee that matters
here: a table counts every event it sees (a replay counts twice; no replacement by article version)
and faust commits offsets on its own schedule (faust-streaming/faust#606).

Processing guarantee: **at least once in, exactly once in effect.** A window holds one
contribution per article (replays change nothing; a newer version replaces the older one), and every
changed window is published whole, contributions included, to the compacted
``news.actor-aggregates`` keyed ``{actor_id}|{window}|{window_start}`` (a tombstone when a window
leaves retention). At start the process reads that topic to its end and rebuilds the store from it
(a changelog) before it consumes: events after the last committed offset are replayed onto state
that may already hold them, which is harmless. Records the read-back finds inconsistent (an article
in two windows of one size, after a crash between two publishes) are corrected and published again.

The restored state covers every partition, so run **one** dashboard process per consumer group.

Event time: the article's ``published_at``; an undated article is windowed on the time the
dashboard first saw it (the runtime hands a stage the record's value only, not its Kafka
timestamp), kept in its contribution so that replays and later versions stay in the same window.

The recent-articles view reads the newest ``dashboard.recent_articles`` records of every
``news.enriched`` partition at start, then follows the topic, without a consumer group (a view, not
a processor: it commits nothing, and a record it cannot read is logged, counted in
``actorwire_dashboard_skipped_records`` and skipped; the sentiment worker that wrote it owns its
dead letters). A failure of the read-back or of this reader stops the process with an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import ValidationError

from actorwire.dashboard.aggregates import WINDOWS, AggregateStore, Applied, window_start
from actorwire.dashboard.articles import RecentArticles
from actorwire.dashboard.web import DashboardServer
from actorwire.decode import Rejected
from actorwire.health import Telemetry
from actorwire.messages import ActorAggregate, ActorEvent, EnrichedArticle
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage, StreamWorker, read_until, send_outputs
from actorwire.text import parse_date

log = logging.getLogger("actorwire.dashboard")
STAGE = "dashboard"


class DashboardMetrics:
    """The dashboard's own series, registered next to the worker metrics of its stage."""

    def __init__(self, registry: CollectorRegistry, store: AggregateStore):
        self.late = Counter("actorwire_dashboard_late_events",
                            "Actor events dropped for one window size: older than every window the actor keeps",
                            ["window"], registry=registry)
        self.skipped = Counter("actorwire_dashboard_skipped_records",
                               "Records of a topic the dashboard reads without processing them "
                               "(news.enriched, news.actor-aggregates) that could not be parsed",
                               ["topic"], registry=registry)
        self.stream_clients = Gauge("actorwire_dashboard_event_streams", "Open /events (server-sent events) streams",
                                    registry=registry)
        Gauge("actorwire_dashboard_windows", "Actor windows held (all actors and window sizes)",
              registry=registry).set_function(store.window_count)


def decode_actor_event(raw: bytes) -> ActorEvent:
    """Parse one ``news.actors`` record. Raises :class:`Rejected` when it is not an actor event, or
    its ``published_at`` is not a date or lies in a window that ends past year 9999 (the window's
    end overflowed while the batch was applied, after the events before it had changed the state:
    their aggregates were never published; hostile-input trial)."""
    try:
        event = ActorEvent.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors()[:5])
        raise Rejected(f"not an actor event: {problems}", "ValidationError") from None
    if event.published_at is not None:
        try:
            moment = parse_date(event.published_at)
        except ValueError as exc:
            raise Rejected(f"published_at is not a date: {exc}", "ValueError") from None
        try:
            for window, size in WINDOWS.items():
                window_start(moment, window) + size  # the window's end must be a date too
        except OverflowError:
            raise Rejected(f"published_at {event.published_at} has no window: it ends after year 9999",
                           "OverflowError") from None
    return event


def record_output(settings: Settings, store: AggregateStore, key: str) -> Output:
    """The record of window ``key`` as it is now, or a tombstone (null value) when it is gone. The
    record id is the key plus a digest of the value, so identical states carry identical ids."""
    record = store.record(key)
    if record is None:
        # a null value is a Kafka tombstone: compaction removes the key
        return Output(settings.topics.actor_aggregates, key.encode(), None, f"{key}|deleted")
    value = record.model_dump_json().encode()
    return Output(settings.topics.actor_aggregates, key.encode(), value, f"{key}|{hashlib.sha256(value).hexdigest()[:16]}")


def aggregate_stage(settings: Settings, store: AggregateStore, metrics: DashboardMetrics,
                    notify: Callable[[dict], None], clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Stage:
    """The :class:`Stage` that applies ``news.actors`` events to ``store``. Each window an event
    changed or sits in is published once per batch, with the outputs of the last such event; an
    event that changes nothing (a replay, an older version) publishes its windows as they are, the
    same records under the same ids. So a batch that fails after some of its events changed the
    state loses nothing: retried one by one, those events find nothing to change and publish their
    windows still. ``notify`` receives ``{"type": "aggregates", "actors": [ids]}`` after a batch
    changed anything. ``clock`` gives the arrival time of undated articles."""

    def process(events: Sequence[ActorEvent]) -> list[list[Output]]:
        arrival = clock()
        last: dict[str, int] = {}
        actors: set[str] = set()
        for i, event in enumerate(events):
            applied = store.apply(event, arrival)
            for window in applied.late:
                metrics.late.labels(window).inc()
            changed = applied.changed | applied.deleted
            if changed:
                actors.add(event.actor.actor_id)
            for key in changed or store.windows_of(event.actor.actor_id, event.article_id):
                last[key] = i
        outputs: list[list[Output]] = [[] for _ in events]
        for key, i in sorted(last.items()):
            outputs[i].append(record_output(settings, store, key))
        if actors:
            notify({"type": "aggregates", "actors": sorted(actors)})
        return outputs

    return Stage(name=STAGE, source_topic=settings.topics.actors, group_id=f"{settings.group_prefix}-{STAGE}",
                 decode=decode_actor_event, process=process)


async def _partitions(settings: Settings, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic``; :class:`RuntimeError` when it does not exist."""
    admin = AIOKafkaAdminClient(**settings.kafka.client_options())
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] or not described["partitions"]:
        raise RuntimeError(f"topic {topic} is not available (error code {described['error_code']}; "
                           "`actorwire topics create` creates it)")
    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])


async def restore_aggregates(settings: Settings, store: AggregateStore, metrics: DashboardMetrics) -> Applied:
    """Rebuild ``store`` from ``news.actor-aggregates``, read from its start to its end as of now,
    then publish the corrections :meth:`AggregateStore.restore` asks for. Returns those."""
    topic = settings.topics.actor_aggregates
    partitions = await _partitions(settings, topic)
    records: list[tuple[str, ActorAggregate | None]] = []

    def collect(record) -> None:
        try:
            key = (record.key or b"").decode()
            records.append((key, None if record.value is None else ActorAggregate.model_validate_json(record.value)))
        except (UnicodeDecodeError, ValidationError) as exc:
            metrics.skipped.labels(topic).inc()
            log.warning("skipping unreadable %s record at %d/%d: %s", topic, record.partition, record.offset,
                        str(exc)[:200])

    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **settings.kafka.client_options())
    await consumer.start()
    try:
        await read_until(consumer, await consumer.end_offsets(partitions), collect)
    finally:
        await consumer.stop()
    corrections = store.restore(records)
    log.info("restored %d windows from %d records of %s", store.window_count(), len(records), topic)
    keys = sorted(corrections.changed | corrections.deleted)
    if keys:
        producer = AIOKafkaProducer(enable_idempotence=True, acks="all", **settings.kafka.client_options())
        await producer.start()
        try:
            await send_outputs(producer, [record_output(settings, store, key) for key in keys])
        finally:
            await producer.stop()
        log.info("published %d corrected windows", len(keys))
    return corrections


async def follow_articles(settings: Settings, articles: RecentArticles, metrics: DashboardMetrics,
                          notify: Callable[[dict], None]) -> None:
    """Fill ``articles`` with the newest ``dashboard.recent_articles`` records of each partition of
    ``news.enriched``, then follow the topic until cancelled; ``notify`` receives ``{"type":
    "article", "article_ids": [...]}`` for every poll that changed the view."""
    topic = settings.topics.enriched
    partitions = await _partitions(settings, topic)
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **settings.kafka.client_options())
    await consumer.start()
    try:
        consumer.assign(partitions)
        starts, ends = await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, max(starts[tp], ends[tp] - settings.dashboard.recent_articles))
        while True:
            changed = []
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                for record in batch:
                    try:
                        article = EnrichedArticle.model_validate_json(record.value or b"")
                    except ValidationError as exc:
                        metrics.skipped.labels(topic).inc()
                        log.warning("skipping unreadable %s record at %d/%d: %s", topic, record.partition,
                                    record.offset, str(exc)[:200])
                        continue
                    if articles.add(article):
                        changed.append(article.article_id)
            if changed:
                notify({"type": "article", "article_ids": changed})
    finally:
        await consumer.stop()


async def _consume(settings: Settings, store: AggregateStore, articles: RecentArticles, telemetry: Telemetry,
                   metrics: DashboardMetrics, server: DashboardServer) -> None:
    await restore_aggregates(settings, store, metrics)
    telemetry.models_loaded = True
    worker = StreamWorker(aggregate_stage(settings, store, metrics, server.notify), settings, telemetry)
    consuming = asyncio.ensure_future(worker.run())
    following = asyncio.ensure_future(follow_articles(settings, articles, metrics, server.notify))
    await asyncio.wait({consuming, following}, return_when=asyncio.FIRST_COMPLETED)
    if following.done():  # it only ends by failing: stop the worker gracefully, then report why
        worker.stop()
        await consuming
        following.result()
    following.cancel()
    try:
        await following
    except asyncio.CancelledError:
        pass
    consuming.result()


def run_dashboard(settings: Settings) -> None:
    """Serve the dashboard on ``dashboard.http_host:http_port``, restore the aggregates, then consume
    until SIGTERM/SIGINT; returns when stopped. Raises :class:`OSError` when the port cannot be
    bound, :class:`RuntimeError` when a topic is missing, aiokafka errors when the broker cannot be
    reached at start."""
    store = AggregateStore(settings.dashboard.retention())
    articles = RecentArticles(settings.dashboard.recent_articles)
    telemetry = Telemetry.for_worker(STAGE, settings.worker)
    telemetry.loading = f"restoring aggregates from {settings.topics.actor_aggregates}"
    metrics = DashboardMetrics(telemetry.metrics.registry, store)
    server = DashboardServer(store, articles, telemetry, settings.dashboard.http_host, settings.dashboard.http_port,
                             on_clients=metrics.stream_clients.set, max_streams=settings.dashboard.max_event_streams)
    server.start()
    try:
        asyncio.run(_consume(settings, store, articles, telemetry, metrics, server))
    finally:
        server.stop()
