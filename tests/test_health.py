"""The health and metrics server of a worker, without Kafka: probes, blocked loops, metric series."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from actorwire import __version__
from actorwire.health import HealthServer, Telemetry, WorkerMetrics, serving
from actorwire.messages import SourceCoordinates
from actorwire.settings import PIPELINE_VERSION, WorkerSettings
from actorwire.streaming import Output, Stage, run_batch


@dataclass
class FakeWorker:
    """Stands in for a StreamWorker: what the probes read."""

    loop: asyncio.AbstractEventLoop | None = None
    last_progress: float = field(default_factory=time.monotonic)
    assigned: set = field(default_factory=set)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, like a worker's."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.fixture
def served() -> Iterator[tuple[Telemetry, str]]:
    telemetry = Telemetry(WorkerMetrics("entities"), progress_window_s=2.0, loop_timeout_s=0.5)
    server = HealthServer(telemetry, "127.0.0.1", 0)
    port = server.start()
    yield telemetry, f"http://127.0.0.1:{port}"
    server.stop()


def get(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, 5xx answers included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_probes_follow_the_worker_lifecycle(served, loop):
    telemetry, base = served
    assert get(f"{base}/healthz")[::2] == (503, "starting: consumer loop not running yet\n")
    assert get(f"{base}/readyz")[::2] == (503, "models loading\n")

    telemetry.models_loaded = True
    worker = FakeWorker(loop=loop)
    telemetry.worker = worker
    assert get(f"{base}/readyz")[::2] == (503, "no partitions assigned\n")
    assert get(f"{base}/healthz")[::2] == (200, "ok\n")

    worker.assigned = {("news.raw", 0)}
    assert get(f"{base}/readyz")[::2] == (200, "ok\n")

    worker.last_progress = time.monotonic() - 3
    status, _, body = get(f"{base}/healthz")
    assert status == 503 and body.startswith("no consumer progress for 3 s")


def test_healthz_reports_a_blocked_event_loop_instead_of_hanging(served, loop):
    telemetry, base = served
    telemetry.worker = FakeWorker(loop=loop)
    release = threading.Event()
    loop.call_soon_threadsafe(release.wait, 5)  # blocks the loop like CPU-bound code on it would
    try:
        started = time.monotonic()
        assert get(f"{base}/healthz")[::2] == (503, "event loop blocked for more than 0.5 s\n")
        assert time.monotonic() - started < 3
    finally:
        release.set()
    assert get(f"{base}/healthz")[0] == 200


def test_healthz_fails_once_the_loop_is_closed(served):
    telemetry, base = served
    closed = asyncio.new_event_loop()
    closed.close()
    telemetry.worker = FakeWorker(loop=closed)
    assert get(f"{base}/healthz")[::2] == (503, "event loop closed\n")


def test_metrics_expose_counters_histograms_and_per_partition_lag(served):
    telemetry, base = served
    metrics = telemetry.metrics
    metrics.observe_batch("news.raw", 5, {"news.entities": 4, "news.deadletter": 1}, 1, 0.3)
    metrics.observe_inference(0.2)
    metrics.set_lag({("news.raw", 0): 7, ("news.raw", 3): 0})

    status, content_type, text = get(f"{base}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    for line in ['actorwire_messages_in_total{topic="news.raw",worker="entities"} 5.0',
                 'actorwire_messages_out_total{topic="news.entities",worker="entities"} 4.0',
                 'actorwire_messages_out_total{topic="news.deadletter",worker="entities"} 1.0',
                 'actorwire_messages_dead_lettered_total{topic="news.raw",worker="entities"} 1.0',
                 'actorwire_batch_size_records_bucket{le="4.0",worker="entities"} 0.0',
                 'actorwire_batch_size_records_bucket{le="8.0",worker="entities"} 1.0',
                 'actorwire_processing_latency_seconds_count{worker="entities"} 1.0',
                 'actorwire_model_inference_seconds_sum{worker="entities"} 0.2',
                 'actorwire_consumer_lag_records{partition="0",topic="news.raw",worker="entities"} 7.0',
                 'actorwire_consumer_lag_records{partition="3",topic="news.raw",worker="entities"} 0.0',
                 f'actorwire_worker_info{{pipeline_version="{PIPELINE_VERSION}",version="{__version__}",'
                 'worker="entities"} 1.0']:
        assert line in text.splitlines(), line
    assert "process_cpu_seconds_total" in text

    metrics.set_lag({("news.raw", 3): 2})  # partition 0 revoked by a rebalance
    text = get(f"{base}/metrics")[2]
    assert 'partition="0"' not in text
    assert 'actorwire_consumer_lag_records{partition="3",topic="news.raw",worker="entities"} 2.0' in text

    assert get(f"{base}/nothing")[0] == 404


def test_openmetrics_is_served_when_asked_for(served):
    _, base = served
    accept = {"Accept": "application/openmetrics-text; version=1.0.0"}
    request = urllib.request.Request(f"{base}/metrics", headers=accept)
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        assert response.read().decode().rstrip().endswith("# EOF")


def test_port_zero_serves_nothing_and_a_taken_port_names_the_setting():
    settings = WorkerSettings(http_port=0)
    telemetry = Telemetry.for_worker("sentiment", settings)
    with serving(telemetry, settings) as server:
        assert server is None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (pytest.raises(OSError, match=f"127.0.0.1:{port}.*ACTORWIRE_WORKER__HTTP_PORT"),
              serving(telemetry, WorkerSettings(http_host="127.0.0.1", http_port=port))):
            pass


def test_run_batch_reports_inference_time_of_every_model_call():
    def process(items):
        if len(items) > 1:
            raise RuntimeError("batch too hard")
        return [[Output("out", None, b"x", "id")]]

    stage = Stage("s", "in", "g", decode=lambda raw: raw, process=process)
    records = [(SourceCoordinates(topic="in", partition=0, offset=i), None, b"{}") for i in range(3)]
    timings: list[float] = []
    outputs = run_batch(stage, records, "dead", timings.append)
    assert len(outputs) == 3 and len(timings) == 4  # the failed batch, then each record alone
    assert all(t >= 0 for t in timings)
