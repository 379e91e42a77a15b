"""Train and evaluate the MiniLM NER tagger on CoNLL-2003 (``actorwire train ner`` / ``eval ner``).

Recipe (issue #3): LoRA (peft) over the PyPI all-MiniLM-L6-v2 base, a learned piece-shape (casing)
embedding, and document context: training windows are 254-piece slices of whole CoNLL documents
(sentences joined by newlines), the same sliding windows inference reads. Every piece is trained;
inference tags each word by its first piece. Metrics: entity-level micro F1, exact span and label
(seqeval, conlleval-compatible) on spans projected back to the CoNLL tokens.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import torch
from seqeval.metrics import classification_report, f1_score

from actorwire.datasets import ConllDocument, read_conll, spans_to_tags
from actorwire.encoder import BASE_MODEL_NAME, BASE_MODEL_VERSION, CasedEncoder, load_base_encoder, load_tokenizer
from actorwire.entities.ner import LABELS, NER_MODEL_DIR, TokenTagger, collate, encode_texts, predict_entities, window_ranges
from actorwire.training.common import (add_lora, load_checkpoint, optimizer_and_schedule, save_artifact,
                                       save_checkpoint, setup_run)

log = logging.getLogger("actorwire.training.ner")
LABEL_ID = {label: i for i, label in enumerate(LABELS)}
TRAIN_OVERLAP = 32  # pieces shared by consecutive training windows (inference uses more)


def piece_labels(doc: ConllDocument, offsets: list[tuple[int, int]]) -> list[int]:
    """Gold tag id per piece: a token's first piece keeps its tag, later pieces get I-X (or O)."""
    starts = {}
    for row_spans, row_tags in zip(doc.token_spans, doc.tags):
        for (a, b), tag in zip(row_spans, row_tags):
            starts[a] = (b, tag)
    labels, token_end, token_tag = [], -1, "O"
    for start, _ in offsets:
        if start in starts:
            token_end, token_tag = starts[start]
            labels.append(LABEL_ID[token_tag])
        elif start < token_end:
            labels.append(LABEL_ID["O" if token_tag == "O" else "I-" + token_tag[2:]])
        else:
            labels.append(LABEL_ID["O"])
    return labels


def training_windows(docs: list[ConllDocument], tokenizer) -> list[tuple[list[int], list[int], list[int]]]:
    """(ids, shapes, labels) per sliding window over every document."""
    texts = [d.text for d in docs]
    windows = []
    for doc, enc in zip(docs, encode_texts(tokenizer, texts)):
        labels = piece_labels(doc, enc.offsets)
        for s, e in window_ranges(len(enc.ids), overlap=TRAIN_OVERLAP):
            windows.append((enc.ids[s:e], enc.shapes[s:e], labels[s:e]))
    return windows


def evaluate(predict, docs: list[ConllDocument]) -> dict:
    """Score ``predict(texts) -> [[EntitySpan]]`` on documents; returns micro F1 and per-label figures."""
    texts = [d.text for d in docs]
    started = time.perf_counter()
    predicted = predict(texts)
    seconds = time.perf_counter() - started
    gold, pred = [], []
    for doc, spans in zip(docs, predicted):
        gold.extend(doc.tags)
        pred.extend(spans_to_tags(doc, [(s.start, s.end, s.label) for s in spans]))
    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    per_label = {k: {m: round(float(report[k][m]), 4) for m in ("precision", "recall", "f1-score", "support")}
                 for k in ("PER", "ORG", "LOC", "MISC") if k in report}
    return {"f1_micro": round(float(f1_score(gold, pred)), 4), "per_label": per_label, "documents": len(docs),
            "seconds": round(seconds, 1)}


def train(data_dir: Path, out_dir: Path = NER_MODEL_DIR, work_dir: Path = Path("runs/ner"), epochs: int = 6,
          batch_size: int = 16, lr: float = 1e-3, head_lr: float = 2e-3, rank: int = 32, seed: int = 13,
          threads: int = 2, resume: bool = False, train_splits: tuple[str, ...] = ("train",),
          casing: bool = True) -> dict:
    """Fine-tune, keep the epoch with the best validation F1, write the artifact, return metrics.

    Resumes from ``work_dir/checkpoint.pt`` when ``resume``; logs to ``work_dir/train.log``.
    ``casing=False`` freezes the shape embedding at zero (the ablation in the model card).
    """
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    train_docs = [d for split in train_splits for d in read_conll(data_dir / f"{split}.txt")]
    valid_docs = read_conll(data_dir / "valid.txt")
    windows = training_windows(train_docs, tokenizer)
    log.info("train: %d documents, %d windows; valid: %d documents", len(train_docs), len(windows), len(valid_docs))

    encoder = CasedEncoder(load_base_encoder())
    add_lora(encoder, rank=rank, alpha=2 * rank)
    encoder.shape_embeddings.weight.requires_grad_(casing)
    model = TokenTagger(encoder)
    steps = epochs * ((len(windows) + batch_size - 1) // batch_size)
    optimizer, scheduler = optimizer_and_schedule(model, lr, head_lr, steps, warmup=steps // 16)
    checkpoint = work_dir / "checkpoint.pt"
    start_epoch, best = 0, {"f1_micro": -1.0}
    if resume and checkpoint.exists():
        start_epoch, best = load_checkpoint(checkpoint, model, optimizer, scheduler)
        log.info("resumed after epoch %d (best valid F1 %.4f)", start_epoch, best["f1_micro"])

    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    for epoch in range(start_epoch, epochs):
        model.train()
        rng = random.Random(seed + epoch)
        order = list(range(len(windows)))
        rng.shuffle(order)
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
            loss = loss_fn(logits.view(-1, len(LABELS)), gold.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += float(loss.detach())
            n_steps += 1
            if (b // batch_size) % 50 == 0:
                log.info("epoch %d step %d/%d loss %.4f", epoch + 1, b // batch_size, len(order) // batch_size, float(loss))
        model.eval()
        metrics = evaluate(lambda texts: predict_entities(model, tokenizer, texts), valid_docs)
        log.info("epoch %d done in %.0fs, mean loss %.4f, valid F1 %.4f", epoch + 1,
                 time.perf_counter() - started, total / n_steps, metrics["f1_micro"])
        if metrics["f1_micro"] > best["f1_micro"]:
            best = {**metrics, "epoch": epoch + 1}
            save_artifact(model, out_dir, {
                "name": "actorwire-ner-minilm", "version": time.strftime("%Y.%m.%d"), "labels": LABELS,
                "base_model": {"name": BASE_MODEL_NAME, "version": BASE_MODEL_VERSION},
                "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "lr": lr, "head_lr": head_lr, "epochs": epochs,
                           "batch_size": batch_size, "seed": seed, "train_splits": list(train_splits),
                           "window": 256, "document_context": True, "casing_embedding": casing},
                "valid": best})
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, best)
    return best
