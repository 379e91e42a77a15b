"""Training of the marked-span classifiers (:mod:`actorwire.sentiment.marked`): NewsMTSC
target sentiment (``actorwire train tsc``) and DSA directed sentiment (``actorwire train dsa``).

Recipe: the NER recipe's base (MiniLM + casing embedding + LoRA on every linear layer), cross-entropy
(optionally class-weighted), AdamW, linear warm-up over a tenth of the steps and linear decay, fp32.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from sklearn.metrics import f1_score

from actorwire.encoder import load_tokenizer
from actorwire.sentiment.marked import MarkedSpanClassifier, MarkedText, encode_marked, predict_batched
from actorwire.training.common import fit, lora_encoder, setup_run

log = logging.getLogger("actorwire.training.marked")
Rows = Sequence[tuple[MarkedText, int]]


def score(predict: Callable[[list[MarkedText]], list[Sequence[float]]], rows: Rows, labels: int) -> dict:
    """Macro-F1 over all ``labels`` classes, accuracy and count of ``predict(items) -> probabilities`` on rows."""
    probs = predict([item for item, _ in rows])
    pred = [max(range(labels), key=lambda k: p[k]) for p in probs]
    gold = [label for _, label in rows]
    return {"f1_macro": round(float(f1_score(gold, pred, average="macro", labels=list(range(labels)),
                                             zero_division=0)), 4),
            "accuracy": round(sum(p == g for p, g in zip(pred, gold)) / len(gold), 4), "n": len(gold)}


def train(name: str, labels: Sequence[str], spans: int, train_rows: Rows, dev_rows: Rows, out_dir: Path,
          work_dir: Path, epochs: int, select: bool, batch_size: int = 32, lr: float = 5e-4, head_lr: float = 1e-3,
          rank: int = 32, seed: int = 13, threads: int = 2, resume: bool = False,
          class_weights: Sequence[float] | None = None, recipe: dict | None = None) -> dict:
    """Fine-tune a :class:`MarkedSpanClassifier` with :func:`~actorwire.training.common.fit` and
    write the artifact (``meta.json`` named ``name``); returns the dev metrics of the written epoch.

    ``select`` as in ``fit``: keep the epoch with the best dev macro-F1 only where the dev set is not
    part of the test set. Logs to ``work_dir/train.log``.
    """
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    log.info("%s: train %d, dev %d", name, len(train_rows), len(dev_rows))
    model = MarkedSpanClassifier(lora_encoder(rank), spans=spans, labels=len(labels))
    weight = torch.tensor(class_weights, dtype=torch.float) if class_weights else None
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

    def batch_loss(rows):
        logits = model(*encode_marked(tokenizer, [item for item, _ in rows]))
        return loss_fn(logits, torch.tensor([label for _, label in rows]))

    meta = {"name": name, "labels": list(labels),
            "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "marked_spans": spans, "casing_embedding": True,
                       "class_weights": list(class_weights) if class_weights else None, **(recipe or {})}}
    return fit(model, train_rows, batch_loss,
               lambda: score(lambda items: predict_batched(model, tokenizer, items, 64), dev_rows, len(labels)),
               "f1_macro", out_dir, work_dir, meta, epochs=epochs, select=select, batch_size=batch_size, lr=lr,
               head_lr=head_lr, seed=seed, warmup_share=10, resume=resume)
