"""Whole-pipeline benchmark of issue #7 on real BBC articles (``../shared/data/bbc_news``).

Usage: python bench/pipeline_speed.py [--articles N] [--kafka-articles N] [--kafka-skip N] [--no-kafka] [--json OUT]

Measures, on the same articles, in one run:

(a) ``naive``: one article at a time through the same models with PyTorch eager (fp32), one
    forward pass per NER or attribution window, per mention (sentiment) and per actor pair (stance);
(b) ``product``: the product's in-process path (``Pipeline.run`` on the articles as the workers
    hand them, :data:`~actorwire.pipeline.ARTICLES_AT_ONCE`; the configured runtime, batched windows,
    mentions and pairs);
(c) ``kafka-1`` / ``kafka-2``: the real pipeline through the local broker with one and with two
    worker processes per stage (each worker one torch/ONNX thread: one core per worker, the way the
    Helm chart sizes them): maximum throughput over a backlog, then publish-to-enriched latency
    (p50/p95/p99; the enriched record's timestamp minus the raw record's) at a fixed offered load of
    half that maximum, and the peak RSS of every worker (VmHWM). (c) reads the articles after the
    first ``--kafka-skip`` of the shuffled list, whatever ``--articles`` is, so runs compare;
(d) ``entities-1`` / ``entities-2`` / ``sentiment-1`` / ``sentiment-2``: each stage alone through
    the broker with one and with two worker processes, over the same backlog (the sentiment stage
    reads the entity-stage records (c) produced): how a stage scales with the workers of its
    partitions when the other stage does not share the two cores. End to end on 2 cores, with S
    and E the CPU seconds per article of the sentiment and entity stages (S > E), one worker per
    stage runs at 1/S articles/s (the entity worker has the other core to itself) and two per stage
    at most 2/(E+S), so two give at most 2·S/(E+S) of one.

(a) and (b) run in child processes so that each peak RSS is its own. Prints a table, writes JSON.
Needs the broker for (c) and (d): ``make kafka-up`` (``make bench`` does it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc_news"


def article_files(n: int, seed: int = 1) -> list[Path]:
    """``n`` BBC article files, a fixed random sample over all categories."""
    files = sorted(BBC.rglob("*.txt"))
    random.Random(seed).shuffle(files)
    return files[:n]


def raw_records(files: list[Path]) -> list:
    """The ``news.raw`` records ``actorwire ingest`` makes of ``files`` (ninjs JSON keyed by uri)."""
    from actorwire.ingest.readers import read_inputs

    return list(read_inputs([str(f) for f in files]))


def in_process(mode: str, n: int) -> dict:
    """Run (a) or (b) on ``n`` articles in this process; returns its figures."""
    from actorwire.decode import decode_ninjs
    from actorwire.pipeline import ARTICLES_AT_ONCE, Pipeline
    from actorwire.settings import Settings

    naive = {"inference": "torch", "sentiment_inference": "torch", "stance_inference": "torch"}
    settings = Settings(**naive) if mode == "naive" else Settings()
    items = [decode_ninjs(r.value, settings.worker.max_message_bytes) for r in raw_records(article_files(n))]
    pipeline = Pipeline(settings)
    if mode == "naive":  # one forward pass per window, mention, actor pair
        for model in (pipeline.ner, pipeline.sentiment, pipeline.stance, pipeline.attribution.tagger):
            model.batch_size = 1
    import torch

    torch.set_num_threads(settings.worker.torch_threads)
    pipeline.run(items[:1])  # warm-up: models loaded, graphs built
    size = 1 if mode == "naive" else ARTICLES_AT_ONCE
    started = time.perf_counter()
    actors = 0
    for b in range(0, len(items), size):
        actors += sum(len(a.actors) for a in pipeline.run(items[b : b + size]))
    seconds = time.perf_counter() - started
    return {"mode": mode, "articles": len(items), "seconds": round(seconds, 2),
            "articles_per_s": round(len(items) / seconds, 2), "actors": actors, "runtime": settings.inference,
            "threads": settings.worker.torch_threads,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def peak_rss_mb(pid: int) -> int:
    """High-water resident set of a live process (VmHWM), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


async def _publish(settings, topic: str, records, rate: float | None) -> dict[str, float]:
    """Publish ``records`` (objects with ``key`` and ``value``) to ``topic`` (all at once, or ``rate``
    per second); key → send time (s)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(acks="all", linger_ms=0, **settings.kafka.client_options())
    await producer.start()
    sent: dict[str, float] = {}
    try:
        started = time.time()
        for i, record in enumerate(records):
            if rate:
                await asyncio.sleep(max(0.0, started + i / rate - time.time()))
            await producer.send(topic, record.value, key=record.key)
            sent[record.key.decode()] = time.time()
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _collect(settings, topic: str, keys: set[str], timeout: float) -> dict:
    """key → the first record of ``topic`` with that key, for ``keys``, read from the topic start."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, group_id=None, auto_offset_reset="earliest", **settings.kafka.client_options())
    await consumer.start()
    seen: dict = {}
    deadline = time.time() + timeout
    try:
        while keys - seen.keys() and time.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    key = r.key.decode()
                    if key in keys:
                        seen.setdefault(key, r)
    finally:
        await consumer.stop()
    return seen


def _timestamps(settings, topic: str, keys: set[str], timeout: float) -> dict[str, float]:
    """key → broker timestamp (s) of its record on ``topic``."""
    return {k: r.timestamp / 1000 for k, r in asyncio.run(_collect(settings, topic, keys, timeout)).items()}


class _Workers:
    """``workers`` processes of each of ``stages`` (``actorwire worker``, one thread each) on fresh
    topics and consumer groups of their own; on leaving the ``with`` block the workers are stopped
    with SIGTERM and the topics deleted."""

    def __init__(self, stages: tuple[str, ...], workers: int):
        from actorwire.admin import create_topics
        from actorwire.settings import KafkaSettings, Settings, Topics

        run = f"bench{uuid.uuid4().hex[:6]}"
        topics = Topics(**{k: f"{run}.{v}" for k, v in Topics().model_dump().items() if isinstance(v, str)})
        kafka = KafkaSettings(bootstrap_servers=os.environ.get("ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS",
                                                               f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"))
        self.settings = Settings(kafka=kafka, topics=topics, group_prefix=run)
        asyncio.run(create_topics(self.settings))
        self.env = {**os.environ, "ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                    "ACTORWIRE_GROUP_PREFIX": run, "ACTORWIRE_WORKER__TORCH_THREADS": "1",
                    "ACTORWIRE_WORKER__HTTP_PORT": "0",
                    **{f"ACTORWIRE_TOPICS__{k.upper()}": v for k, v in topics.model_dump().items() if isinstance(v, str)}}
        self.log_dir = ROOT / "runs" / "bench" / run
        self.stages, self.workers = stages, workers
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def __enter__(self) -> _Workers:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for stage in self.stages:
            for i in range(self.workers):
                with open(self.log_dir / f"{stage}-{i}.log", "w") as log:
                    self.procs.append((stage, subprocess.Popen([sys.executable, "-m", "actorwire", "worker", stage],
                                                               env=self.env, stdout=log, stderr=subprocess.STDOUT)))
        return self

    def warm_up(self, source: str, output: str, record) -> None:
        """Pass ``record`` through (models loaded, graphs built), then let every worker of each group
        join and settle. Raises ``RuntimeError`` when it does not come out within 10 minutes."""
        asyncio.run(_publish(self.settings, source, [record], None))
        if not asyncio.run(_collect(self.settings, output, {record.key.decode()}, 600)):
            raise RuntimeError(f"workers did not come up; logs in {self.log_dir}")
        time.sleep(5)

    def backlog(self, source: str, output: str, records) -> tuple[float, int]:
        """Publish ``records`` to ``source`` at once; (articles/s until the last is out on ``output``,
        how many came out)."""
        sent = asyncio.run(_publish(self.settings, source, records, None))
        done = _timestamps(self.settings, output, set(sent), 900)
        return len(done) / (max(done.values()) - min(sent.values())), len(done)

    def peak_rss(self) -> dict[str, int]:
        """``<stage>-<i>`` → peak RSS (MiB) of each worker so far."""
        return {f"{stage}-{i % self.workers}": peak_rss_mb(p.pid) for i, (stage, p) in enumerate(self.procs)}

    def __exit__(self, *exc) -> None:
        for _, p in self.procs:
            p.send_signal(signal.SIGTERM)
        for _, p in self.procs:
            p.wait(timeout=60)
        asyncio.run(_delete_topics(self.settings))


async def _delete_topics(settings) -> None:
    """Delete the topics of ``settings`` (a run's own), so that runs do not pile up on the broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**settings.kafka.client_options())
    await admin.start()
    try:
        await admin.delete_topics(settings.topics.all())
    finally:
        await admin.close()


def through_kafka(workers: int, files: list[Path], warm_up: Path) -> tuple[dict, list]:
    """(c) with ``workers`` processes per stage: throughput over a backlog, latency at half of it.
    Returns its figures and the entity-stage records of the backlog (for :func:`stage_alone`)."""
    warm = raw_records([warm_up])[0]
    with _Workers(("entities", "sentiment"), workers) as run:
        topics = run.settings.topics
        run.warm_up(topics.raw, topics.enriched, warm)
        half = len(files) // 2
        backlog, paced = raw_records(files[:half]), raw_records(files[half:])
        throughput, backlog_enriched = run.backlog(topics.raw, topics.enriched, backlog)
        rate = throughput / 2
        sent = asyncio.run(_publish(run.settings, topics.raw, paced, rate))
        done = _timestamps(run.settings, topics.enriched, set(sent), 900)
        latencies = sorted(done[k] - sent[k] for k in done)
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        entity_records = asyncio.run(_collect(run.settings, topics.entities,
                                              {r.key.decode() for r in [warm] + backlog}, 60))
        result = {"mode": f"kafka-{workers}", "workers_per_stage": workers, "threads_per_worker": 1,
                  "backlog_articles": len(backlog), "backlog_enriched": backlog_enriched,
                  "articles_per_s": round(throughput, 2), "offered_per_s": round(rate, 2), "paced_articles": len(paced),
                  "paced_enriched": len(latencies), "latency_s": {"p50": round(q[49], 3), "p95": round(q[94], 3),
                                                                   "p99": round(q[98], 3), "max": round(latencies[-1], 3)},
                  "peak_rss_mb": run.peak_rss()}
    return result, [entity_records[r.key.decode()] for r in [warm] + backlog]


def stage_alone(stage: str, workers: int, records: list) -> dict:
    """(d) one stage alone with ``workers`` processes: throughput over a backlog of ``records[1:]``
    (records of its source topic; ``records[0]`` warms it up). Without the other stage sharing the
    cores, this is how a stage scales with its partitions' workers."""
    with _Workers((stage,), workers) as run:
        topics = run.settings.topics
        source, output = (topics.raw, topics.entities) if stage == "entities" else (topics.entities, topics.enriched)
        run.warm_up(source, output, records[0])
        throughput, out = run.backlog(source, output, records[1:])
        return {"mode": f"{stage}-{workers}", "stage": stage, "workers": workers, "threads_per_worker": 1,
                "backlog_articles": len(records) - 1, "backlog_out": out,
                "articles_per_s": round(throughput, 2), "peak_rss_mb": run.peak_rss()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="articles for (a) and (b)")
    parser.add_argument("--kafka-articles", type=int, default=200, help="articles for each (c) run: half backlog, half paced")
    parser.add_argument("--kafka-skip", type=int, default=100,
                        help="(c) reads the articles after the first N of the sample (one to warm up, then "
                             "--kafka-articles), so its figures do not depend on --articles")
    parser.add_argument("--no-kafka", action="store_true", help="skip (c) and (d)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", choices=["naive", "product"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(in_process(args.child, args.articles)))
        return
    results = []
    for mode in ("naive", "product"):
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--articles", str(args.articles)],
                             check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{mode}: {results[-1]['articles_per_s']} articles/s", file=sys.stderr, flush=True)
    if not args.no_kafka:
        files = article_files(args.kafka_skip + 1 + args.kafka_articles)
        for workers in (1, 2):
            result, entity_records = through_kafka(workers, files[args.kafka_skip + 1 :], files[args.kafka_skip])
            results.append(result)
            print(f"kafka-{workers}: {result['articles_per_s']} articles/s", file=sys.stderr, flush=True)
        sources = {"entities": raw_records(files[args.kafka_skip : args.kafka_skip + 1 + args.kafka_articles // 2]),
                   "sentiment": entity_records}
        for stage, records in sources.items():
            for workers in (1, 2):
                results.append(stage_alone(stage, workers, records))
                print(f"{stage}-{workers}: {results[-1]['articles_per_s']} articles/s", file=sys.stderr, flush=True)
    by_mode = {r["mode"]: r for r in results}
    summary = {"product_vs_naive": round(by_mode["product"]["articles_per_s"] / by_mode["naive"]["articles_per_s"], 2)}
    if "kafka-2" in by_mode:
        for name in ("kafka", "entities", "sentiment"):
            summary[f"{name}_2_vs_1"] = round(by_mode[f"{name}-2"]["articles_per_s"] / by_mode[f"{name}-1"]["articles_per_s"], 2)
    print(f"{'mode':11} {'art/s':>7} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'peak RSS MB':>24}")
    for r in results:
        lat = r.get("latency_s", {})
        rss = r["peak_rss_mb"] if isinstance(r["peak_rss_mb"], int) else max(r["peak_rss_mb"].values())
        print(f"{r['mode']:11} {r['articles_per_s']:>7} {lat.get('p50', '-'):>7} {lat.get('p95', '-'):>7} "
              f"{lat.get('p99', '-'):>7} {rss:>24}")
    print(json.dumps(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"benchmark": "pipeline_speed", "cpus": os.cpu_count(),
                                         "machine": platform.machine(), "results": results, **summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
