"""Training loop shared by the marked-span classifiers (:mod:`actorwire.sentiment.marked`): NewsMTSC
target sentiment (``actorwire train tsc``) and DSA directed sentiment (``actorwire train dsa``).

Recipe: the NER recipe's base (MiniLM + casing embedding + LoRA on every linear layer), cross-entropy
(optionally class-weighted), AdamW, linear warm-up over a tenth of the steps and linear decay, fp32.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from sklearn.metrics import f1_score

from actorwire.encoder import BASE_MODEL_NAME, BASE_MODEL_VERSION, CasedEncoder, load_base_encoder, load_tokenizer
from actorwire.sentiment.marked import MarkedSpanClassifier, MarkedText, encode_marked, predict_batched
from actorwire.training.common import (add_lora, load_checkpoint, optimizer_and_schedule, save_artifact,
                                       save_checkpoint, setup_run)

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
    """Fine-tune a :class:`MarkedSpanClassifier` and write the artifact (``meta.json`` named ``name``).

    ``select``: keep the epoch with the best dev macro-F1 (only where the dev set is not part of the
    test set); otherwise the last epoch is written and dev figures are logged for progress only.
    Resumes from ``work_dir/checkpoint.pt`` when ``resume``; logs to ``work_dir/train.log``.
    Returns the dev metrics of the written epoch.
    """
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    log.info("%s: train %d, dev %d", name, len(train_rows), len(dev_rows))
    encoder = CasedEncoder(load_base_encoder())
    add_lora(encoder, rank=rank, alpha=2 * rank)
    model = MarkedSpanClassifier(encoder, spans=spans, labels=len(labels))
    steps = epochs * ((len(train_rows) + batch_size - 1) // batch_size)
    optimizer, scheduler = optimizer_and_schedule(model, lr, head_lr, steps, warmup=steps // 10)
    checkpoint = work_dir / "checkpoint.pt"
    start_epoch, best = 0, {"f1_macro": -1.0}
    if resume and checkpoint.exists():
        start_epoch, best = load_checkpoint(checkpoint, model, optimizer, scheduler)
    weight = torch.tensor(class_weights, dtype=torch.float) if class_weights else None
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    for epoch in range(start_epoch, epochs):
        model.train()
        order = list(range(len(train_rows)))
        random.Random(seed + epoch).shuffle(order)
        started, total, n_steps = time.perf_counter(), 0.0, 0
        for b in range(0, len(order), batch_size):
            rows = [train_rows[i] for i in order[b : b + batch_size]]
            logits = model(*encode_marked(tokenizer, [item for item, _ in rows]))
            loss = loss_fn(logits, torch.tensor([label for _, label in rows]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += float(loss.detach())
            n_steps += 1
            if n_steps % 50 == 0:
                log.info("epoch %d step %d loss %.4f", epoch + 1, n_steps, total / n_steps)
        model.eval()
        metrics = score(lambda items: predict_batched(model, tokenizer, items, 64), dev_rows, len(labels))
        log.info("epoch %d done in %.0fs, mean loss %.4f, dev F1m %.4f", epoch + 1, time.perf_counter() - started,
                 total / n_steps, metrics["f1_macro"])
        if (metrics["f1_macro"] > best["f1_macro"]) if select else epoch + 1 == epochs:
            best = {**metrics, "epoch": epoch + 1}
            save_artifact(model, out_dir, {
                "name": name, "version": time.strftime("%Y.%m.%d"), "labels": list(labels),
                "base_model": {"name": BASE_MODEL_NAME, "version": BASE_MODEL_VERSION},
                "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "lr": lr, "head_lr": head_lr, "epochs": epochs,
                           "batch_size": batch_size, "seed": seed, "marked_spans": spans, "casing_embedding": True,
                           "class_weights": list(class_weights) if class_weights else None, **(recipe or {})},
                "dev": best})
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, best)
    return best
