"""NER throughput on real articles (issue #3): articles per second of the NER component alone.

Usage: python bench/ner_speed.py [--articles N] [--model minilm|spacy] [--json OUT]
Reads BBC articles (headline + body, as the pipeline feeds them) from ../shared/data/bbc_news,
warms the model up, then times ``predict`` over the sample, one call (one batch of windows) per
article as the pipeline makes them. Prints a table row and
writes JSON when asked. Thread budget: ACTORWIRE_WORKER__TORCH_THREADS (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import time
from pathlib import Path

import torch

from actorwire.pipeline import NER_MODELS
from actorwire.settings import get_settings

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bbc_news"


def load_articles(n: int, seed: int = 1) -> list[tuple[str, str]]:
    files = sorted(BBC.rglob("*.txt"))
    random.Random(seed).shuffle(files)
    out = []
    for f in files[:n]:
        head, _, body = f.read_text(encoding="latin-1").partition("\n")
        out.append((head.strip(), body.strip()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--model", default="minilm", choices=sorted(NER_MODELS))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(get_settings().worker.torch_threads)
    model = NER_MODELS[args.model]()
    articles = load_articles(args.articles)
    model.predict(list(articles[0]))  # warm-up
    started = time.perf_counter()
    entities = 0
    for headline, body in articles:  # one call per article, as the pipeline does
        entities += sum(len(spans) for spans in model.predict([headline, body]))
    seconds = time.perf_counter() - started
    result = {"benchmark": "ner_speed", "model": args.model, "articles": len(articles),
              "seconds": round(seconds, 2), "articles_per_s": round(len(articles) / seconds, 2),
              "entities": entities, "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "machine": platform.machine()}
    print(f"{'model':8} {'articles':>8} {'seconds':>8} {'art/s':>7} {'entities':>9} {'peak RSS MB':>12}")
    print(f"{args.model:8} {result['articles']:>8} {result['seconds']:>8} {result['articles_per_s']:>7} "
          f"{entities:>9} {result['peak_rss_mb']:>12}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
