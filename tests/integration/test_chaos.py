"""Chaos against the real broker (issue #6): 500 articles while workers are SIGKILLed and
restarted, the broker is restarted, and a second worker joins a group. Afterwards every input has
exactly one distinct enriched record (duplicates only as identical replays) and none is missing."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer

from actorwire.ingest.service import publish

from ..conftest import ROOT, SHARED_DATA

pytestmark = pytest.mark.kafka
ARTICLES = 500


def write_articles(path) -> list[str]:
    """500 real BBC articles cut to headline and first two paragraphs (keeps the test minutes long)."""
    files = sorted((SHARED_DATA / "bbc_news").rglob("*.txt"))[:ARTICLES]
    uris = []
    with open(path, "w", encoding="utf-8") as out:
        for n, f in enumerate(files):
            head, _, body = f.read_text(encoding="latin-1").partition("\n")
            uri = f"urn:chaos:{n}"
            out.write(json.dumps({"uri": uri, "headline": head.strip(), "language": "en",
                                  "body": "\n\n".join(body.strip().split("\n\n")[:2])}) + "\n")
            uris.append(uri)
    return uris


def broker(action: str) -> None:
    subprocess.run([str(ROOT / "deploy/local/kafka.sh"), action], check=True, capture_output=True)


class Workers:
    """Worker subprocesses by name, restartable; each logs to its own file in ``log_dir`` (a pipe
    nobody reads would block a worker once its buffer is full)."""

    def __init__(self, env: dict, log_dir):
        self.env, self.log_dir, self.procs = env, log_dir, {}

    def start(self, key: str, stage: str) -> None:
        log = open(self.log_dir / f"{key}.log", "a")
        self.procs[key] = subprocess.Popen([sys.executable, "-m", "actorwire", "worker", stage], env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(self.log_dir.glob("*.log")))

    def kill(self, key: str, stage: str) -> None:
        self.procs[key].send_signal(signal.SIGKILL)
        self.procs[key].wait()
        self.start(key, stage)

    def stop_all(self) -> list[int]:
        for p in self.procs.values():
            p.send_signal(signal.SIGTERM)
        return [p.wait(timeout=90) for p in self.procs.values()]


def test_no_loss_and_no_distinct_duplicates_under_kills_broker_restart_and_rebalance(isolated, tmp_path):
    settings = isolated.settings
    uris = write_articles(tmp_path / "articles.jsonl")
    workers = Workers(isolated.env, tmp_path)
    workers.start("entities-1", "entities")
    workers.start("sentiment-1", "sentiment")
    values: dict[str, set[bytes]] = defaultdict(set)
    records = 0
    events = []

    async def scenario():
        nonlocal records
        assert await publish(settings, [str(tmp_path / "articles.jsonl")]) == (ARTICLES, [])
        consumer = AIOKafkaConsumer(settings.topics.enriched, group_id=None, auto_offset_reset="earliest",
                                    **settings.kafka.client_options())
        await consumer.start()
        steps = [(40, lambda: workers.kill("entities-1", "entities"), "SIGKILL entities-1"),
                 (90, lambda: workers.kill("sentiment-1", "sentiment"), "SIGKILL sentiment-1"),
                 (150, lambda: (broker("stop"), time.sleep(3), broker("start")), "broker restart"),
                 (210, lambda: workers.start("entities-2", "entities"), "second entities worker joins"),
                 (280, lambda: workers.kill("entities-1", "entities"), "SIGKILL entities-1"),
                 (340, lambda: workers.kill("sentiment-1", "sentiment"), "SIGKILL sentiment-1"),
                 (400, lambda: workers.kill("entities-2", "entities"), "SIGKILL entities-2")]
        deadline = time.monotonic() + 1500
        try:
            while len(values) < ARTICLES and time.monotonic() < deadline:
                for rs in (await consumer.getmany(timeout_ms=1000)).values():
                    for r in rs:
                        values[r.key.decode()].add(r.value)
                        records += 1
                while steps and len(values) >= steps[0][0]:
                    _, action, what = steps.pop(0)
                    await asyncio.to_thread(action)
                    events.append(f"{what} at {len(values)} distinct")
            settle = time.monotonic() + 10  # late replays still count
            while time.monotonic() < settle:
                for rs in (await consumer.getmany(timeout_ms=1000)).values():
                    for r in rs:
                        values[r.key.decode()].add(r.value)
                        records += 1
        finally:
            await consumer.stop()

    try:
        asyncio.run(scenario())
    finally:
        codes = workers.stop_all()
    missing = set(uris) - set(values)
    conflicting = sorted(k for k, v in values.items() if len(v) > 1)
    print(f"\nchaos: {'; '.join(events)}\nchaos counts: inputs={ARTICLES} enriched_records={records} "
          f"distinct={len(values)} identical_replays={records - len(values)} missing={len(missing)} "
          f"distinct_duplicates={len(conflicting)}")
    assert not missing, (sorted(missing)[:10], workers.logs())
    assert not conflicting, conflicting[:5]
    assert set(values) == set(uris)
    assert len(events) == 7
    assert codes == [0] * len(codes), workers.logs()


def test_sigterm_exits_zero_promptly_even_with_the_broker_down(isolated, tmp_path):
    workers = Workers(isolated.env, tmp_path)
    workers.start("entities", "entities")
    workers.start("sentiment", "sentiment")
    try:
        asyncio.run(publish(isolated.settings, [str(ROOT / "examples" / "articles.jsonl")]))
        time.sleep(20)  # models loaded, partitions assigned, work in flight
        broker("stop")
        started = time.monotonic()
        codes = workers.stop_all()
        took = time.monotonic() - started
    finally:
        broker("start")
    assert codes == [0, 0], workers.logs()
    assert took < 60, f"shutdown took {took:.0f} s"
