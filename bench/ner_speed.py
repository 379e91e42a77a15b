"""NER throughput on real articles (issue #3): articles per second of the NER component alone.

Usage: python bench/ner_speed.py [--articles N] [--model minilm|spacy] [--processes P] [--threads T] [--json OUT]

Reads BBC articles (headline + body, as the pipeline feeds them) from ../shared/data/bbc_news and
splits them between ``P`` processes (default: one per CPU) of ``T`` inference threads each
(default 1), the way workers scale (one per partition). Each process loads the model and warms it
up, then all start together; each times ``predict`` over its share, one call per article as the
pipeline makes them (its windows in batches of ``ARTICLE_WINDOW_BATCH``). Throughput = all articles / (last end − first
start). Runtime: ``ACTORWIRE_INFERENCE`` (default onnx-int8). Prints a table row and writes JSON
when asked.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import time
from pathlib import Path

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bbc_news"


def load_articles(n: int, seed: int = 1) -> list[tuple[str, str]]:
    files = sorted(BBC.rglob("*.txt"))
    random.Random(seed).shuffle(files)
    out = []
    for f in files[:n]:
        head, _, body = f.read_text(encoding="latin-1").partition("\n")
        out.append((head.strip(), body.strip()))
    return out


def run_share(model_name: str, threads: int, articles, barrier, results) -> None:
    """One process: load, warm up, wait for the others, time ``articles``; puts its figures in ``results``."""
    import torch

    from actorwire.pipeline import NER_MODELS
    from actorwire.settings import Settings

    torch.set_num_threads(threads)
    settings = Settings(worker={"torch_threads": threads})
    model = NER_MODELS[model_name](settings)
    model.predict(list(articles[0]))  # warm-up
    barrier.wait()
    started = time.time()
    entities = sum(len(spans) for headline, body in articles for spans in model.predict([headline, body]))
    results.put({"start": started, "end": time.time(), "articles": len(articles), "entities": entities,
                 "runtime": settings.inference,
                 "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--model", default="minilm", choices=["minilm", "spacy"])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=1, help="inference threads per process")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    articles = load_articles(args.articles)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(args.processes), ctx.Queue()
    procs = [ctx.Process(target=run_share, args=(args.model, args.threads, articles[i :: args.processes], barrier, results))
             for i in range(args.processes)]
    for p in procs:
        p.start()
    shares = [results.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = max(s["end"] for s in shares) - min(s["start"] for s in shares)
    entities = sum(s["entities"] for s in shares)
    result = {"benchmark": "ner_speed", "model": args.model, "runtime": shares[0]["runtime"], "articles": len(articles),
              "processes": args.processes, "threads_per_process": args.threads, "seconds": round(seconds, 2),
              "articles_per_s": round(len(articles) / seconds, 2), "entities": entities, "cpus": os.cpu_count(),
              "peak_rss_mb_per_process": max(s["peak_rss_mb"] for s in shares), "machine": platform.machine()}
    print(f"{'model':8} {'runtime':10} {'procs×thr':>9} {'articles':>8} {'seconds':>8} {'art/s':>7} {'entities':>9} {'RSS MB/proc':>12}")
    print(f"{args.model:8} {result['runtime']:10} {f'{args.processes}×{args.threads}':>9} {len(articles):>8} "
          f"{result['seconds']:>8} {result['articles_per_s']:>7} {entities:>9} {result['peak_rss_mb_per_process']:>12}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
