"""Whole-pipeline benchmark of issue #7 on real BBC articles (``../shared/data/bbc_news``).

Usage: python bench/pipeline_speed.py [--articles N] [--kafka-articles N] [--kafka-skip N] [--no-kafka] [--json OUT]

Measures, on the same articles, in one run:

(a) ``naive``: one article at a time through the same models with PyTorch eager (fp32), one
    forward pass per NER or attribution window, per mention (sentiment) and per actor pair (stance);
(b) ``product``: the product's in-process path (``Pipeline.run`` over worker-sized batches, the
    configured runtime, batched windows and mentions);
(c) ``kafka-1`` / ``kafka-2``: the real pipeline through the local broker with one and with two
    worker processes per stage (each worker one torch/ONNX thread: one core per worker, the way the
    Helm chart sizes them): maximum throughput over a backlog, then publish-to-enriched latency
    (p50/p95/p99; the enriched record's timestamp minus the raw record's) at a fixed offered load of
    half that maximum, and the peak RSS of every worker (VmHWM). (c) reads the articles after the
    first ``--kafka-skip`` of the shuffled list, whatever ``--articles`` is, so runs compare.

(a) and (b) run in child processes so that each peak RSS is its own. Prints a table, writes JSON.
Needs the broker for (c): ``make kafka-up`` (``make bench`` does it).
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
    from actorwire.pipeline import Pipeline
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
    size = 1 if mode == "naive" else settings.worker.batch_size
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


async def _publish(settings, records, rate: float | None) -> dict[str, float]:
    """Publish ``records`` to the raw topic (all at once, or ``rate`` per second); uri → send time."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(acks="all", linger_ms=0, **settings.kafka.client_options())
    await producer.start()
    sent: dict[str, float] = {}
    try:
        started = time.time()
        for i, record in enumerate(records):
            if rate:
                await asyncio.sleep(max(0.0, started + i / rate - time.time()))
            await producer.send(settings.topics.raw, record.value, key=record.key)
            sent[record.key.decode()] = time.time()
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _collect(settings, uris: set[str], timeout: float) -> dict[str, float]:
    """uri → broker timestamp (s) of its enriched record, for ``uris``, read from the topic start."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(settings.topics.enriched, group_id=None, auto_offset_reset="earliest",
                                **settings.kafka.client_options())
    await consumer.start()
    seen: dict[str, float] = {}
    deadline = time.time() + timeout
    try:
        while uris - seen.keys() and time.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    key = r.key.decode()
                    if key in uris:
                        seen.setdefault(key, r.timestamp / 1000)
    finally:
        await consumer.stop()
    return seen


def through_kafka(workers: int, files: list[Path], warm_up: Path) -> dict:
    """(c) with ``workers`` processes per stage: throughput over a backlog, latency at half of it."""
    from actorwire.admin import create_topics
    from actorwire.settings import KafkaSettings, Settings, Topics

    run = f"bench{uuid.uuid4().hex[:6]}"
    topics = Topics(**{k: f"{run}.{v}" for k, v in Topics().model_dump().items() if isinstance(v, str)})
    kafka = KafkaSettings(bootstrap_servers=os.environ.get("ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS",
                                                           f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"))
    settings = Settings(kafka=kafka, topics=topics, group_prefix=run)
    asyncio.run(create_topics(settings))
    env = {**os.environ, "ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "ACTORWIRE_GROUP_PREFIX": run,
           "ACTORWIRE_WORKER__TORCH_THREADS": "1", "ACTORWIRE_WORKER__HTTP_PORT": "0",
           **{f"ACTORWIRE_TOPICS__{k.upper()}": v for k, v in topics.model_dump().items() if isinstance(v, str)}}
    log_dir = ROOT / "runs" / "bench" / run
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for stage in ("entities", "sentiment"):
        for i in range(workers):
            with open(log_dir / f"{stage}-{i}.log", "w") as log:
                procs.append((stage, subprocess.Popen([sys.executable, "-m", "actorwire", "worker", stage], env=env,
                                                      stdout=log, stderr=subprocess.STDOUT)))
    try:
        warm = raw_records([warm_up])
        asyncio.run(_publish(settings, warm, None))
        if not asyncio.run(_collect(settings, {warm[0].key.decode()}, 600)):
            raise RuntimeError(f"workers did not come up; logs in {log_dir}")
        time.sleep(5)  # let every worker of the group join and settle
        half = len(files) // 2
        backlog, paced = raw_records(files[:half]), raw_records(files[half:])
        sent = asyncio.run(_publish(settings, backlog, None))
        done = asyncio.run(_collect(settings, set(sent), 900))
        backlog_enriched = len(done)
        throughput = backlog_enriched / (max(done.values()) - min(sent.values()))
        rate = throughput / 2
        sent = asyncio.run(_publish(settings, paced, rate))
        done = asyncio.run(_collect(settings, set(sent), 900))
        latencies = sorted(done[k] - sent[k] for k in done)
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        rss = {f"{stage}-{i % workers}": peak_rss_mb(p.pid) for i, (stage, p) in enumerate(procs)}
    finally:
        for _, p in procs:
            p.send_signal(signal.SIGTERM)
        for _, p in procs:
            p.wait(timeout=60)
    return {"mode": f"kafka-{workers}", "workers_per_stage": workers, "threads_per_worker": 1,
            "backlog_articles": len(backlog), "backlog_enriched": backlog_enriched,
            "articles_per_s": round(throughput, 2), "offered_per_s": round(rate, 2), "paced_articles": len(paced),
            "paced_enriched": len(latencies), "latency_s": {"p50": round(q[49], 3), "p95": round(q[94], 3),
                                                             "p99": round(q[98], 3), "max": round(latencies[-1], 3)},
            "peak_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="articles for (a) and (b)")
    parser.add_argument("--kafka-articles", type=int, default=200, help="articles for each (c) run: half backlog, half paced")
    parser.add_argument("--kafka-skip", type=int, default=100,
                        help="(c) reads the articles after the first N of the sample (one to warm up, then "
                             "--kafka-articles), so its figures do not depend on --articles")
    parser.add_argument("--no-kafka", action="store_true", help="skip (c)")
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
            results.append(through_kafka(workers, files[args.kafka_skip + 1 :], files[args.kafka_skip]))
            print(f"kafka-{workers}: {results[-1]['articles_per_s']} articles/s", file=sys.stderr, flush=True)
    by_mode = {r["mode"]: r for r in results}
    summary = {"product_vs_naive": round(by_mode["product"]["articles_per_s"] / by_mode["naive"]["articles_per_s"], 2)}
    if "kafka-2" in by_mode:
        summary["kafka_2_vs_1"] = round(by_mode["kafka-2"]["articles_per_s"] / by_mode["kafka-1"]["articles_per_s"], 2)
    print(f"{'mode':9} {'art/s':>7} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'peak RSS MB':>24}")
    for r in results:
        lat = r.get("latency_s", {})
        rss = r["peak_rss_mb"] if isinstance(r["peak_rss_mb"], int) else max(r["peak_rss_mb"].values())
        print(f"{r['mode']:9} {r['articles_per_s']:>7} {lat.get('p50', '-'):>7} {lat.get('p95', '-'):>7} "
              f"{lat.get('p99', '-'):>7} {rss:>24}")
    print(json.dumps(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"benchmark": "pipeline_speed", "cpus": os.cpu_count(),
                                         "machine": platform.machine(), "results": results, **summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
