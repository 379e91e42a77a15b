"""A real entity worker with its health and metrics server on: probes and counters move with traffic."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

import actorwire
from actorwire.ingest.service import publish

from ..conftest import ROOT

pytestmark = pytest.mark.kafka
EXAMPLES = ROOT / "examples" / "articles.jsonl"
TRAINED_NER = Path(actorwire.__file__).parent / "models" / "ner" / "meta.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    """(status, body) of a GET; (0, reason) when nothing answers yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def wait_for(what: str, check: Callable[[], bool], timeout: float, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert worker.poll() is None, f"worker exited with {worker.returncode}: {worker.communicate()[0]}"
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def sample(metrics: str, name: str, **labels: str) -> float:
    """Value of the series ``name`` whose labels include ``labels`` (0 when absent)."""
    for line in metrics.splitlines():
        match = re.fullmatch(r"(\w+)\{(.*)\} (\S+)", line)
        if match and match[1] == name and all(f'{k}="{v}"' in match[2].split(",") for k, v in labels.items()):
            return float(match[3])
    return 0.0


def test_worker_serves_probes_and_metrics_that_move_with_traffic(isolated):
    settings, port = isolated.settings, free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**isolated.env, "ACTORWIRE_WORKER__HTTP_HOST": "127.0.0.1", "ACTORWIRE_WORKER__HTTP_PORT": str(port),
           "ACTORWIRE_WORKER__HEALTH_PROGRESS_WINDOW_S": "30"}
    if not TRAINED_NER.exists():  # the trained model is not there yet: use the baseline
        env["ACTORWIRE_NER_MODEL"] = "spacy"
    worker = subprocess.Popen([sys.executable, "-m", "actorwire", "worker", "entities"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for("/readyz 200", lambda: get(f"{base}/readyz")[0] == 200, 45, worker)
        assert get(f"{base}/healthz") == (200, "ok\n")

        async def produce() -> None:
            assert await publish(settings, [str(EXAMPLES)]) == (5, [])
            producer = AIOKafkaProducer(**settings.kafka.client_options())
            await producer.start()
            await producer.send_and_wait(settings.topics.raw, b'{"uri": "broken", "headlines": [', key=b"broken")
            await producer.stop()

        asyncio.run(produce())
        raw, entities, dead = settings.topics.raw, settings.topics.entities, settings.topics.deadletter
        wait_for("6 inputs counted", lambda: sample(get(f"{base}/metrics")[1], "actorwire_messages_in_total",
                                                    worker="entities", topic=raw) == 6, 30, worker)
        status, metrics = get(f"{base}/metrics")
        assert status == 200
        assert sample(metrics, "actorwire_messages_out_total", worker="entities", topic=entities) == 5
        assert sample(metrics, "actorwire_messages_out_total", worker="entities", topic=dead) == 1
        assert sample(metrics, "actorwire_messages_dead_lettered_total", worker="entities", topic=raw) == 1
        assert sample(metrics, "actorwire_batch_size_records_sum", worker="entities") == 6
        assert sample(metrics, "actorwire_processing_latency_seconds_count", worker="entities") >= 1
        assert sample(metrics, "actorwire_model_inference_seconds_count", worker="entities") >= 1
        lags = [line for line in metrics.splitlines() if line.startswith("actorwire_consumer_lag_records{")]
        assert lags and all(line.endswith(" 0.0") for line in lags), lags
        assert get(f"{base}/healthz") == (200, "ok\n")
    finally:
        worker.send_signal(signal.SIGTERM)
        log = worker.communicate(timeout=30)[0]
        code = worker.returncode
    assert code == 0, log
    assert get(f"{base}/healthz")[0] == 0  # the server went away with the process
