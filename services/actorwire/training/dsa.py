"""Train and evaluate the DSA directed-sentiment classifier (``actorwire train dsa`` / ``eval dsa``).

Recipe: :mod:`actorwire.training.marked` with the two entities of each DSA sentence marked in
reading order (see :mod:`actorwire.sentiment.directed`), cross-entropy weighted by inverse square
root class frequency (two thirds of DSA is ``none``; the metric is macro-F1), the epoch with the best
macro-F1 on DSA's own ``valid.txt`` kept. Metric: macro-F1 over the five classes on ``test.txt``,
next to the lexicon rules the model replaced (:func:`rule_baseline`).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from actorwire.datasets import read_dsa
from actorwire.sentiment.directed import DSA_LABELS, DSA_MODEL_DIR
from actorwire.sentiment.marked import MarkedText
from actorwire.training import marked as marked_training


def _rows(path: Path) -> list[tuple[MarkedText, int]]:
    return [(MarkedText(text, (a, b)), label) for text, a, b, label in read_dsa(path)]


def train(data_dir: Path, out_dir: Path = DSA_MODEL_DIR, work_dir: Path = Path("runs/dsa"), epochs: int = 2,
          seed: int = 13, threads: int = 2, resume: bool = False) -> dict:
    """Fine-tune on ``train.txt``, keep the best epoch on ``valid.txt``; returns its valid metrics."""
    rows = _rows(data_dir / "train.txt")
    counts = Counter(label for _, label in rows)
    inverse = [1 / math.sqrt(max(1, counts[k])) for k in range(len(DSA_LABELS))]
    weights = [round(w * len(inverse) / sum(inverse), 4) for w in inverse]
    return marked_training.train("actorwire-dsa-minilm", DSA_LABELS, 2, rows, _rows(data_dir / "valid.txt"), out_dir,
                                 work_dir, epochs, select=True, seed=seed, threads=threads, resume=resume,
                                 class_weights=weights, recipe={"dev": "DSA valid.txt"})


def rule_baseline(item: MarkedText) -> list[float]:
    """One-hot DSA class given by the lexicon stance rules (``ACTORWIRE_STANCE_MODEL=rules``,
    :func:`actorwire.sentiment.stance.find_stances`) for the two marked entities; ``none`` when they
    find no stance between them."""
    from actorwire.messages import Mention, Span
    from actorwire.sentiment.stance import find_stances

    text = item.context
    mentions = [Mention(text=text[a:b], label="ORG", field="body", start=a, end=b, score=1.0, actor_id=actor)
                for actor, (a, b) in zip(("first", "second"), item.spans)]
    out = [0.0] * len(DSA_LABELS)
    found = find_stances({"body": text}, [Span(field="body", start=0, end=len(text))], mentions)
    if found:
        forward = found[0].source_actor_id == "first"
        out[(1 if forward else 2) if found[0].label == "favor" else (3 if forward else 4)] = 1.0
    else:
        out[0] = 1.0
    return out


def evaluate_packaged(data_dir: Path, model_dir: Path = DSA_MODEL_DIR, runtime: str = "onnx-int8") -> dict:
    """``actorwire eval dsa``: macro-F1 over the five classes on DSA ``test.txt`` of the pipeline's
    decision (:func:`~actorwire.sentiment.directed.decide`), of the model's plain argmax (both with
    the model at ``model_dir`` run by ``runtime``), and of the rule baseline."""
    from actorwire.sentiment.directed import DirectedSentiment, decide

    model = DirectedSentiment(model_dir, runtime=runtime)
    rows = _rows(data_dir / "test.txt")

    def decided(items):
        return [[float(k == decide(i, p)[0]) for k in range(len(DSA_LABELS))]
                for i, p in zip(items, model.probabilities(items))]

    return {"model": model.name, "version": model.version, "runtime": runtime,
            "test": marked_training.score(decided, rows, len(DSA_LABELS)),
            "test_argmax": marked_training.score(model.probabilities, rows, len(DSA_LABELS)),
            "rule_baseline": marked_training.score(lambda items: [rule_baseline(i) for i in items], rows,
                                                   len(DSA_LABELS))}
