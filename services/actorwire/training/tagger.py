"""Training loop shared by the window taggers (:class:`~actorwire.entities.ner.TokenTagger`): CoNLL-2003
NER (``actorwire train ner``) and PolNeAR attribution spans (``actorwire train attribution``).

Recipe (issue #3): LoRA (peft) over the PyPI all-MiniLM-L6-v2 base, a learned piece-shape (casing)
embedding, and document context: training windows are 254-piece slices of whole documents, the
same sliding windows inference reads. Every piece is trained (a span's first piece B-X, its other
pieces I-X, the rest O); inference tags each word by its first piece.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from actorwire.encoder import BASE_MODEL_NAME, BASE_MODEL_VERSION, CasedEncoder, load_base_encoder, load_tokenizer
from actorwire.entities.ner import TokenTagger, collate, encode_texts, window_ranges
from actorwire.training.common import (add_lora, load_checkpoint, optimizer_and_schedule, save_artifact,
                                       save_checkpoint, setup_run)

log = logging.getLogger("actorwire.training.tagger")
TRAIN_OVERLAP = 32  # pieces shared by consecutive training windows
Document = tuple[str, Sequence[tuple[int, int, str]]]  # text, [start, end) character spans with their type


def piece_labels(spans: Sequence[tuple[int, int, str]], offsets: Sequence[tuple[int, int]],
                 labels: Sequence[str]) -> list[int]:
    """Gold tag id per piece: B-X on the first piece inside a span of type X, I-X on its other
    pieces, O elsewhere. Spans must not overlap (the caller resolves nesting)."""
    label_id = {label: i for i, label in enumerate(labels)}
    ordered = sorted(spans)
    out, k, opened = [], 0, False
    for start, end in offsets:
        while k < len(ordered) and ordered[k][1] <= start:
            k, opened = k + 1, False
        if k < len(ordered) and ordered[k][0] < end and start < ordered[k][1]:
            out.append(label_id[("I-" if opened else "B-") + ordered[k][2]])
            opened = True
        else:
            out.append(label_id["O"])
    return out


def training_windows(docs: Sequence[Document], tokenizer, labels: Sequence[str]) -> list[tuple[list[int], list[int], list[int]]]:
    """(ids, shapes, labels) per sliding window over every document."""
    windows = []
    for (_, spans), enc in zip(docs, encode_texts(tokenizer, [text for text, _ in docs])):
        tags = piece_labels(spans, enc.offsets, labels)
        for s, e in window_ranges(len(enc.ids), overlap=TRAIN_OVERLAP):
            windows.append((enc.ids[s:e], enc.shapes[s:e], tags[s:e]))
    return windows


def train(name: str, labels: Sequence[str], train_docs: Sequence[Document],
          evaluate: Callable[[TokenTagger, object], dict], out_dir: Path, work_dir: Path, epochs: int, select: bool,
          batch_size: int = 16, lr: float = 1e-3, head_lr: float = 2e-3, rank: int = 32, seed: int = 13,
          threads: int = 2, resume: bool = False, casing: bool = True, recipe: dict | None = None) -> dict:
    """Fine-tune a tagger over ``labels`` and write the artifact (``meta.json`` named ``name``).

    ``evaluate(model, tokenizer)`` scores a model on the dev data (a dict with ``f1_micro``).
    ``select``: keep the epoch with the best dev F1; otherwise the last epoch is written (the dev
    data was trained on, or is not independent) and dev figures are logged for progress only.
    ``casing=False`` freezes the shape embedding at zero (the ablation in the model card).
    Resumes from ``work_dir/checkpoint.pt`` when ``resume``; logs to ``work_dir/train.log``.
    """
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    windows = training_windows(train_docs, tokenizer, labels)
    log.info("%s: %d documents, %d windows", name, len(train_docs), len(windows))

    encoder = CasedEncoder(load_base_encoder())
    add_lora(encoder, rank=rank, alpha=2 * rank)
    encoder.shape_embeddings.weight.requires_grad_(casing)
    model = TokenTagger(encoder, num_labels=len(labels))
    steps = epochs * ((len(windows) + batch_size - 1) // batch_size)
    optimizer, scheduler = optimizer_and_schedule(model, lr, head_lr, steps, warmup=steps // 16)
    checkpoint = work_dir / "checkpoint.pt"
    start_epoch, best = 0, {"f1_micro": -1.0}
    if resume and checkpoint.exists():
        start_epoch, best = load_checkpoint(checkpoint, model, optimizer, scheduler)
        log.info("resumed after epoch %d (best dev F1 %.4f)", start_epoch, best["f1_micro"])

    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    for epoch in range(start_epoch, epochs):
        model.train()
        order = list(range(len(windows)))
        random.Random(seed + epoch).shuffle(order)
        started, total, n_steps = time.perf_counter(), 0.0, 0
        for b in range(0, len(order), batch_size):
            chunk = [windows[i] for i in order[b : b + batch_size]]
            ids, mask, shapes = collate([(w[0], w[1]) for w in chunk], tokenizer.cls_token_id,
                                        tokenizer.sep_token_id, tokenizer.pad_token_id)
            gold = torch.full(ids.shape, -100, dtype=torch.long)
            for row, w in enumerate(chunk):
                gold[row, 1 : len(w[2]) + 1] = torch.tensor(w[2])
            # fp32: bf16 autocast ran 15x slower on this AVX2-only CPU (no native bf16 matmul)
            logits = model(ids, mask, shapes)
            loss = loss_fn(logits.view(-1, len(labels)), gold.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += float(loss.detach())
            n_steps += 1
            if n_steps % 50 == 0:
                log.info("epoch %d step %d/%d loss %.4f", epoch + 1, n_steps, len(order) // batch_size, total / n_steps)
        model.eval()
        metrics = evaluate(model, tokenizer)
        log.info("epoch %d done in %.0fs, mean loss %.4f, dev F1 %.4f", epoch + 1,
                 time.perf_counter() - started, total / n_steps, metrics["f1_micro"])
        if (metrics["f1_micro"] > best["f1_micro"]) if select else epoch + 1 == epochs:
            best = {**metrics, "epoch": epoch + 1}
            save_artifact(model, out_dir, {
                "name": name, "version": time.strftime("%Y.%m.%d"), "labels": list(labels),
                "base_model": {"name": BASE_MODEL_NAME, "version": BASE_MODEL_VERSION},
                "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "lr": lr, "head_lr": head_lr, "epochs": epochs,
                           "batch_size": batch_size, "seed": seed, "window": 256, "document_context": True,
                           "casing_embedding": casing, **(recipe or {})},
                "dev": best})
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, best)
    return best
