"""Train and evaluate the NewsMTSC target-sentiment classifier (``actorwire train tsc`` / ``eval tsc``).

Recipe: the NER recipe's base (MiniLM + casing embedding + LoRA) with the target marked in its
sentence (see :mod:`actorwire.sentiment.tsc`); cross-entropy, AdamW, linear warm-up and decay.
Metric: macro-F1 over negative/neutral/positive on the paper's test-rw (``devtest_rw.jsonl``)
and test-mt (``devtest_mt.jsonl``), the full files as in Hamborg & Donnay (2021), Table 2.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import torch
from sklearn.metrics import f1_score

from actorwire.datasets import read_newsmtsc
from actorwire.encoder import BASE_MODEL_NAME, BASE_MODEL_VERSION, CasedEncoder, load_base_encoder, load_tokenizer
from actorwire.sentiment.targets import TargetInContext
from actorwire.sentiment.tsc import TSC_MODEL_DIR, TargetClassifier, encode_targets
from actorwire.training.common import (add_lora, load_checkpoint, optimizer_and_schedule, save_artifact,
                                       save_checkpoint, setup_run)

log = logging.getLogger("actorwire.training.tsc")


def _items(rows):
    return [TargetInContext(text, a, b) for text, a, b, _ in rows]


@torch.inference_mode()
def evaluate(predict, rows) -> dict:
    """Macro-F1 and accuracy of ``predict(items) -> [(p_neg, p_neu, p_pos)]`` on labelled rows."""
    probs = predict(_items(rows))
    pred = [max(range(3), key=lambda k: p[k]) for p in probs]
    gold = [r[3] for r in rows]
    return {"f1_macro": round(float(f1_score(gold, pred, average="macro")), 4),
            "accuracy": round(sum(p == g for p, g in zip(pred, gold)) / len(gold), 4), "targets": len(gold)}


def model_predict(model, tokenizer, batch_size: int = 64):
    """A ``predict`` function over an in-memory model (eval mode)."""
    def predict(items):
        out = []
        for b in range(0, len(items), batch_size):
            out.extend(model(*encode_targets(tokenizer, items[b : b + batch_size])).softmax(-1).tolist())
        return out
    return predict


def train(data_dir: Path, out_dir: Path = TSC_MODEL_DIR, work_dir: Path = Path("runs/tsc"), epochs: int = 3,
          batch_size: int = 32, lr: float = 5e-4, head_lr: float = 1e-3, rank: int = 32, seed: int = 13,
          threads: int = 2, resume: bool = False) -> dict:
    """Fine-tune on ``original/train.jsonl`` for a fixed number of epochs and write the last one.

    No epoch is selected on evaluation data: the only dev set NewsMTSC has
    (``split_dev_test/newsmtsc-rw/dev.jsonl``) is half of test-rw, so it is logged for progress
    only. Returns the final dev-rw metrics."""
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    train_rows = read_newsmtsc(data_dir / "original" / "train.jsonl")
    dev_rows = read_newsmtsc(data_dir / "split_dev_test" / "newsmtsc-rw" / "dev.jsonl")
    log.info("train: %d targets; dev: %d targets", len(train_rows), len(dev_rows))
    encoder = CasedEncoder(load_base_encoder())
    add_lora(encoder, rank=rank, alpha=2 * rank)
    model = TargetClassifier(encoder)
    steps = epochs * ((len(train_rows) + batch_size - 1) // batch_size)
    optimizer, scheduler = optimizer_and_schedule(model, lr, head_lr, steps, warmup=steps // 10)
    checkpoint = work_dir / "checkpoint.pt"
    start_epoch, best = 0, {"f1_macro": -1.0}
    if resume and checkpoint.exists():
        start_epoch, best = load_checkpoint(checkpoint, model, optimizer, scheduler)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(start_epoch, epochs):
        model.train()
        order = list(range(len(train_rows)))
        random.Random(seed + epoch).shuffle(order)
        started, total, n_steps = time.perf_counter(), 0.0, 0
        for b in range(0, len(order), batch_size):
            rows = [train_rows[i] for i in order[b : b + batch_size]]
            logits = model(*encode_targets(tokenizer, _items(rows)))
            loss = loss_fn(logits, torch.tensor([r[3] for r in rows]))
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
        metrics = evaluate(model_predict(model, tokenizer), dev_rows)
        log.info("epoch %d done in %.0fs, mean loss %.4f, dev-rw F1m %.4f", epoch + 1, time.perf_counter() - started,
                 total / n_steps, metrics["f1_macro"])
        best = {**metrics, "epoch": epoch + 1}
        if epoch + 1 == epochs:
            save_artifact(model, out_dir, {
                "name": "actorwire-tsc-minilm", "version": time.strftime("%Y.%m.%d"), "labels": ["negative", "neutral", "positive"],
                "base_model": {"name": BASE_MODEL_NAME, "version": BASE_MODEL_VERSION},
                "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "lr": lr, "head_lr": head_lr, "epochs": epochs,
                           "batch_size": batch_size, "seed": seed, "target_markers": True, "casing_embedding": True},
                "dev_rw_half": best})
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, best)
    return best


def evaluate_packaged(data_dir: Path, model_dir: Path = TSC_MODEL_DIR) -> dict:
    """``actorwire eval tsc``: macro-F1 of the packaged model on test-rw and test-mt."""
    from actorwire.sentiment.tsc import TransformerTargetSentiment

    model = TransformerTargetSentiment(model_dir)
    return {"model": model.name, "version": model.version,
            "test_rw": evaluate(model.predict, read_newsmtsc(data_dir / "original" / "devtest_rw.jsonl")),
            "test_mt": evaluate(model.predict, read_newsmtsc(data_dir / "original" / "devtest_mt.jsonl"))}
