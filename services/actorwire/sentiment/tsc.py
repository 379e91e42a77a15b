"""Target-dependent sentiment classifier trained here on NewsMTSC (Hamborg & Donnay, EACL 2021).

The target is marked inside its sentence and classified by a
:class:`~actorwire.sentiment.marked.MarkedSpanClassifier` with one span (negative/neutral/positive).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actorwire.encoder import CALIBRATION_FILE
from actorwire.sentiment.marked import BATCH_SIZE, MarkedText, PackagedClassifier
from actorwire.sentiment.targets import LABELS, DocumentCalibration, TargetInContext

TSC_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "tsc"


def marked(items: Sequence[TargetInContext]) -> list[MarkedText]:
    """Targets in context as one-span :class:`MarkedText` items."""
    return [MarkedText(i.context, ((i.start, i.end),)) for i in items]


class TransformerTargetSentiment(PackagedClassifier):
    """The packaged NewsMTSC model (``actorwire train tsc``); see :mod:`actorwire.sentiment.targets`
    for how mention scores become actor sentiment. ``runtime``: ``onnx`` (fp32), ``onnx-int8`` (the
    pipeline's default ``sentiment_inference``: test-rw 0.809 vs 0.808 in fp32) or ``torch``
    (:mod:`actorwire.runtime`). Its article-level calibration, when fitted, is ``calibration.json``
    in ``model_dir`` (:class:`~actorwire.sentiment.targets.DocumentCalibration`). Raises
    ``FileNotFoundError`` when the model is missing."""

    def __init__(self, model_dir: Path = TSC_MODEL_DIR, batch_size: int = BATCH_SIZE, runtime: str = "onnx",
                 cache_dir: Path | None = None, threads: int | None = None):
        super().__init__(model_dir, 1, len(LABELS), "actorwire train tsc", batch_size, runtime, cache_dir, threads)
        self.calibration = DocumentCalibration.load(model_dir / CALIBRATION_FILE)

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        """(P(negative), P(neutral), P(positive)) per item; items are batched by length."""
        return [tuple(p) for p in self.probabilities(marked(items))]
