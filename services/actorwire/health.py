"""Health probes and Prometheus metrics of one stream-worker process, served over HTTP.

Endpoints, on ``worker.http_host:worker.http_port`` (``ACTORWIRE_WORKER__HTTP_PORT``, default 8080;
0 disables the server):

``/healthz``  liveness: 200 when the event loop runs a callback within ``worker.health_loop_timeout_s``
              and the consumer loop polled Kafka within ``worker.health_progress_window_s``, else 503.
``/readyz``   readiness: 200 only when the models are loaded and the consumer holds at least one
              partition, else 503.
``/metrics``  Prometheus text format (OpenMetrics when the scraper asks for it).

The body of a probe answer is one line saying why (``ok`` or the reason for the 503). The server runs
in a daemon thread of its own, so a blocked event loop is reported as a 503 instead of a probe that
hangs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from prometheus_client import (CollectorRegistry, Counter, GCCollector, Gauge, Histogram, PlatformCollector,
                               ProcessCollector)
from prometheus_client.exposition import choose_encoder

from actorwire import __version__
from actorwire.settings import PIPELINE_VERSION, WorkerSettings

log = logging.getLogger("actorwire.health")

LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class WorkerMetrics:
    """The Prometheus collectors of one worker process, in a registry of their own (with the
    process, platform and GC collectors), so several workers can live in one test process."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        Gauge("actorwire_worker_info", "Constant 1, labelled with what this worker runs",
              ["worker", "version", "pipeline_version"], registry=self.registry
              ).labels(worker, __version__, PIPELINE_VERSION).set(1)
        self.messages_in = Counter("actorwire_messages_in", "Input records consumed and committed, by source topic",
                                   ["worker", "topic"], registry=self.registry)
        self.messages_out = Counter("actorwire_messages_out",
                                    "Records published and acknowledged by the broker, by destination topic "
                                    "(dead letters included, under the dead-letter topic)",
                                    ["worker", "topic"], registry=self.registry)
        self.dead_lettered = Counter("actorwire_messages_dead_lettered",
                                     "Input records sent to the dead-letter topic, by the topic they came from",
                                     ["worker", "topic"], registry=self.registry)
        self.processing_seconds = Histogram("actorwire_processing_latency_seconds",
                                            "Seconds from receiving a batch to committing its offsets "
                                            "(decode, inference, publish, acknowledgements, commit)",
                                            ["worker"], buckets=LATENCY_BUCKETS_S, registry=self.registry)
        self.batch_size = Histogram("actorwire_batch_size_records", "Input records per processed batch",
                                    ["worker"], buckets=BATCH_BUCKETS, registry=self.registry)
        self.inference_seconds = Histogram("actorwire_model_inference_seconds",
                                           "Seconds per call of the stage's models (one per article in the entity "
                                           "and sentiment workers, one per batch in the dashboard; one per record "
                                           "when a failed batch is retried record by record)",
                                           ["worker"], buckets=LATENCY_BUCKETS_S, registry=self.registry)
        self.consumer_lag = Gauge("actorwire_consumer_lag_records",
                                  "Records between this consumer's position and the partition's high watermark "
                                  "(as of the last fetch); only partitions assigned to this worker",
                                  ["worker", "topic", "partition"], registry=self.registry)
        self.transient_errors = Counter("actorwire_transient_errors",
                                        "Broker errors retried with backoff (broker unavailable, timeouts), by operation",
                                        ["worker", "operation"], registry=self.registry)
        self.commits_skipped = Counter("actorwire_commits_skipped",
                                       "Batches whose offsets could not be committed because the group rebalanced; "
                                       "their inputs are processed again by the new owner",
                                       ["worker"], registry=self.registry)
        self.commits_skipped.labels(worker)  # 0 until the first, instead of no series
        self._lag_labels: set[tuple[str, str]] = set()

    def observe_batch(self, source_topic: str, consumed: int, published: Mapping[str, int], dead_lettered: int,
                      seconds: float) -> None:
        """Count one committed batch: ``consumed`` input records from ``source_topic``, ``published``
        records per destination topic, ``dead_lettered`` inputs, ``seconds`` from receipt to commit."""
        self.messages_in.labels(self.worker, source_topic).inc(consumed)
        for topic, count in published.items():
            self.messages_out.labels(self.worker, topic).inc(count)
        # counted even when 0, so that the series exists (a ratio over it reads 0, not "no data")
        self.dead_lettered.labels(self.worker, source_topic).inc(dead_lettered)
        self.batch_size.labels(self.worker).observe(consumed)
        self.processing_seconds.labels(self.worker).observe(seconds)

    def observe_inference(self, seconds: float) -> None:
        """Record one call of the stage's models that took ``seconds`` (thread-safe)."""
        self.inference_seconds.labels(self.worker).observe(seconds)

    def set_lag(self, lags: Mapping[tuple[str, int], int]) -> None:
        """Replace the lag gauges with ``lags`` ((topic, partition) → records); partitions no longer
        listed (revoked) lose their series."""
        labels = {(topic, str(partition)) for topic, partition in lags}
        for topic, revoked in self._lag_labels - labels:
            self.consumer_lag.remove(self.worker, topic, revoked)
        for (topic, partition), lag in lags.items():
            self.consumer_lag.labels(self.worker, topic, str(partition)).set(lag)
        self._lag_labels = labels


class ConsumerProgress(Protocol):
    """What the probes read from a running :class:`~actorwire.streaming.StreamWorker`: its event
    loop (``None`` before it runs), the :func:`time.monotonic` time of its last poll, and the
    partitions it holds."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...

    @property
    def last_progress(self) -> float: ...

    @property
    def assigned(self) -> Collection[object]: ...


@dataclass
class Telemetry:
    """Metrics and probe state of one worker process, shared by the worker (writer) and the HTTP
    thread (reader). ``models_loaded`` is set by the process once its models are warm (the dashboard:
    once its state is restored); until then /readyz answers 503 with ``loading`` as the reason."""

    metrics: WorkerMetrics
    progress_window_s: float
    loop_timeout_s: float
    models_loaded: bool = False
    worker: ConsumerProgress | None = field(default=None, repr=False)
    loading: str = "models loading"  # what /readyz says until models_loaded

    @classmethod
    def for_worker(cls, name: str, settings: WorkerSettings) -> Telemetry:
        """Telemetry of worker ``name`` with the probe windows of ``settings``."""
        return cls(WorkerMetrics(name), progress_window_s=settings.health_progress_window_s,
                   loop_timeout_s=settings.health_loop_timeout_s)

    def liveness(self) -> tuple[bool, str]:
        """(alive, reason): the event loop answers and the consumer polled within the window.

        Blocks the calling (HTTP) thread for at most ``loop_timeout_s`` seconds."""
        worker = self.worker
        loop = worker.loop if worker is not None else None
        if worker is None or loop is None:
            return False, "starting: consumer loop not running yet"
        answered = threading.Event()
        try:
            loop.call_soon_threadsafe(answered.set)
        except RuntimeError:
            return False, "event loop closed"
        if not answered.wait(self.loop_timeout_s):
            return False, f"event loop blocked for more than {self.loop_timeout_s:g} s"
        idle = time.monotonic() - worker.last_progress
        if idle > self.progress_window_s:
            return False, f"no consumer progress for {idle:.0f} s (window {self.progress_window_s:g} s)"
        return True, "ok"

    def readiness(self) -> tuple[bool, str]:
        """(ready, reason): models loaded and at least one partition assigned."""
        if not self.models_loaded:
            return False, self.loading
        if self.worker is None or not self.worker.assigned:
            return False, "no partitions assigned"
        return True, "ok"

    def answer(self, path: str, accept: str) -> tuple[int, bytes, str] | None:
        """(status, body, content type) of ``/healthz``, ``/readyz`` or ``/metrics`` (in the format
        ``accept`` asks for), None for another path. Blocks like :meth:`liveness`: call it off the
        event loop it probes."""
        if path == "/metrics":
            encoder, content_type = choose_encoder(accept)
            return 200, encoder(self.metrics.registry), content_type
        if path in ("/healthz", "/readyz"):
            ok, reason = self.liveness() if path == "/healthz" else self.readiness()
            return 200 if ok else 503, f"{reason}\n".encode(), "text/plain; charset=utf-8"
        return None


class HealthServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` of ``telemetry`` on ``host:port``, in a daemon thread."""

    def __init__(self, telemetry: Telemetry, host: str, port: int) -> None:
        self.telemetry = telemetry
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Bind and serve; returns the bound port (useful with port 0 in tests).

        Raises :class:`OSError` naming the address and the setting when the port cannot be bound."""
        telemetry = self.telemetry

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                answer = telemetry.answer(self.path.split("?", 1)[0], self.headers.get("Accept", ""))
                self._answer(*(answer or (404, b"not found: try /healthz, /readyz or /metrics\n",
                                          "text/plain; charset=utf-8")))

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
                log.debug("%s %s", self.address_string(), format % args)

        try:
            self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot serve health and metrics on {self.host}:{self.port}: {exc.strerror} "
                                     "(set ACTORWIRE_WORKER__HTTP_PORT; 0 disables the server)") from exc
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="actorwire-health", daemon=True)
        self._thread.start()
        log.info("%s: health and metrics on http://%s:%d (/healthz /readyz /metrics)",
                 telemetry.metrics.worker, self.host, self.port)
        return self.port

    def stop(self) -> None:
        """Stop serving and close the socket (waits for the serving thread to return)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


@contextmanager
def serving(telemetry: Telemetry, settings: WorkerSettings) -> Iterator[HealthServer | None]:
    """Serve ``telemetry`` on ``settings.http_host:http_port`` for the duration of the block; yields
    ``None`` and serves nothing when ``http_port`` is 0. Raises :class:`OSError` if the port is taken."""
    if not settings.http_port:
        yield None
        return
    server = HealthServer(telemetry, settings.http_host, settings.http_port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
