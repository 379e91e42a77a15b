"""What text built to be costly costs the pipeline, against news of the same size (issue #7's
"long articles cannot stall a partition", README guarantees).

Usage: python bench/costly_text.py [--kb K] [--json OUT]

Builds three bodies of about ``K`` kB (default 250, the most a record may be is 256 kB): one
sentence of names joined by "praised" and "and" (thousands of names in one sentence), two-name
sentences ("Alan Berg praised Carl Dunn."), and BBC articles from ../shared/data/bbc_news run
together. Each is one article through the in-process pipeline (:class:`actorwire.pipeline.Pipeline`,
the models the settings choose) after a warm-up; prints one JSON line per body with the seconds of
the entity stage and of the enrich stage, milliseconds per character, and the mentions and stances
found, and writes them as a JSON list when asked.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from ner_speed import load_articles

FIRST = "Alan Carl Maria Peter Sofia Ivan Lena Omar Grace Tomas Nadia Felix Irene Hugo Clara".split()
LAST = "Berg Dunn Ortiz Reed Novak Haas Lind Karim Moss Varga Petit Brandt Costa Ferro Quinn".split()


def bodies(chars: int, seed: int = 5) -> dict[str, str]:
    """The three bodies of at least ``chars`` characters each (see the module docstring)."""
    rng = random.Random(seed)

    def name() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    def grow(part) -> list[str]:
        parts, size = [], 0
        while size < chars:
            parts.append(part())
            size += len(parts[-1])
        return parts

    news, size = [], 0
    for head, body in load_articles(2221):
        if size >= chars:
            break
        news.append(body)
        size += len(body) + 2
    return {"one sentence of names": " and ".join(grow(lambda: f"{name()} praised {name()}")) + ".",
            "two-name sentences": "".join(grow(lambda: f"{name()} praised {name()}. ")),
            "BBC news": "\n\n".join(news)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=int, default=250)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from actorwire.messages import NinjsItem
    from actorwire.pipeline import Pipeline

    def item(uri: str, body: str) -> NinjsItem:
        return NinjsItem.model_validate({"uri": uri, "headlines": [{"value": "Probe"}], "bodies": [{"value": body}]})

    pipeline = Pipeline()
    pipeline.run([item("warm-up", "Kenya praised Ethiopia.")])
    rows = []
    for label, body in bodies(args.kb * 1000).items():
        start = time.perf_counter()
        stages = pipeline.entities([item(label, body)])
        middle = time.perf_counter()
        (out,) = pipeline.enrich(stages)
        end = time.perf_counter()
        rows.append({"body": label, "chars": len(body), "entities_s": round(middle - start, 1),
                     "enrich_s": round(end - middle, 1), "ms_per_char": round((end - start) * 1000 / len(body), 3),
                     "mentions": len(out.mentions), "stances": len(out.stances)})
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
