"""Train and evaluate the NewsMTSC target-sentiment classifier (``actorwire train tsc`` / ``eval tsc``).

Recipe: :mod:`actorwire.training.marked` with the target marked in its sentence (see
:mod:`actorwire.sentiment.tsc`). Metric: macro-F1 over negative/neutral/positive on the paper's
test-rw (``devtest_rw.jsonl``) and test-mt (``devtest_mt.jsonl``), the full files as in Hamborg &
Donnay (2021), Table 2.
"""

from __future__ import annotations

from pathlib import Path

from actorwire.datasets import read_newsmtsc
from actorwire.sentiment.targets import LABELS, TargetInContext
from actorwire.sentiment.tsc import TSC_MODEL_DIR, marked
from actorwire.training import marked as marked_training


def _rows(path: Path):
    rows = read_newsmtsc(path)
    return list(zip(marked([TargetInContext(text, a, b) for text, a, b, _ in rows]), [r[3] for r in rows]))


def train(data_dir: Path, out_dir: Path = TSC_MODEL_DIR, work_dir: Path = Path("runs/tsc"), epochs: int = 3,
          seed: int = 13, threads: int = 2, resume: bool = False) -> dict:
    """Fine-tune on ``original/train.jsonl`` for a fixed number of epochs and write the last one.

    No epoch is selected on evaluation data: the only dev set NewsMTSC has
    (``split_dev_test/newsmtsc-rw/dev.jsonl``) is half of test-rw, so it is logged for progress
    only. Writing the model removes the calibration fitted for the one it replaces
    (:func:`~actorwire.training.common.write_head_and_meta`): refit it with ``actorwire train
    calibration``. Returns the final dev-rw metrics."""
    return marked_training.train(
        "actorwire-tsc-minilm", LABELS, 1, _rows(data_dir / "original" / "train.jsonl"),
        _rows(data_dir / "split_dev_test" / "newsmtsc-rw" / "dev.jsonl"), out_dir, work_dir, epochs, select=False,
        seed=seed, threads=threads, resume=resume, recipe={"dev": "newsmtsc-rw dev (half of test-rw, not selected on)"})


def evaluate_packaged(data_dir: Path, model_dir: Path = TSC_MODEL_DIR, runtime: str = "onnx") -> dict:
    """``actorwire eval tsc``: macro-F1 of the model at ``model_dir`` run by ``runtime``
    (:mod:`actorwire.runtime`) on test-rw and test-mt."""
    from actorwire.sentiment.tsc import TransformerTargetSentiment

    model = TransformerTargetSentiment(model_dir, runtime=runtime)
    return {"model": model.name, "version": model.version, "runtime": runtime,
            "test_rw": marked_training.score(model.probabilities, _rows(data_dir / "original" / "devtest_rw.jsonl"), 3),
            "test_mt": marked_training.score(model.probabilities, _rows(data_dir / "original" / "devtest_mt.jsonl"), 3)}
