"""Target-dependent sentiment classifier trained here on NewsMTSC (Hamborg & Donnay, EACL 2021).

The target is marked inside its sentence and classified by a
:class:`~actorwire.sentiment.marked.MarkedSpanClassifier` with one span (negative/neutral/positive).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from actorwire.encoder import load_artifact, load_tokenizer
from actorwire.runtime import accelerate
from actorwire.sentiment.marked import MarkedSpanClassifier, MarkedText, encode_marked, predict_batched
from actorwire.sentiment.targets import LABELS, TargetInContext

TSC_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "tsc"


def target_classifier(encoder) -> MarkedSpanClassifier:
    """The NewsMTSC network around ``encoder``: one marked span, three labels."""
    return MarkedSpanClassifier(encoder, spans=1, labels=len(LABELS))


def marked(items: Sequence[TargetInContext]) -> list[MarkedText]:
    """Targets in context as one-span :class:`MarkedText` items."""
    return [MarkedText(i.context, ((i.start, i.end),)) for i in items]


class TransformerTargetSentiment:
    """The packaged NewsMTSC model (``actorwire train tsc``); see :mod:`actorwire.sentiment.targets`
    for how mention scores become actor sentiment. ``runtime``: ``onnx`` (default; int8 weights lose 1.0 point of test-rw F1 here), ``onnx-int8`` or ``torch``
    (:mod:`actorwire.runtime`). Raises ``FileNotFoundError`` when missing."""

    def __init__(self, model_dir: Path = TSC_MODEL_DIR, batch_size: int = 64, runtime: str = "onnx",
                 cache_dir: Path | None = None, threads: int | None = None):
        self.meta, model = load_artifact(model_dir, target_classifier, "actorwire train tsc")
        self.name, self.version = self.meta["name"], self.meta["version"]
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer()
        example = encode_marked(self.tokenizer, marked([TargetInContext("Mali cut ties with Ukraine.", 0, 4)]))
        self.model = accelerate(model, model_dir, example, ["input_ids", "attention_mask", "shape_ids", "roles"],
                                runtime, cache_dir, threads or torch.get_num_threads())

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        """(P(negative), P(neutral), P(positive)) per item; items are batched by length."""
        return [tuple(p) for p in predict_batched(self.model, self.tokenizer, marked(items), self.batch_size)]
