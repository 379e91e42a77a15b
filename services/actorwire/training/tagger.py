"""Training of the window taggers (:class:`~actorwire.entities.ner.TokenTagger`): CoNLL-2003
NER (``actorwire train ner``) and PolNeAR attribution spans (``actorwire train attribution``).

Recipe (issue #3): LoRA (peft) over the PyPI all-MiniLM-L6-v2 base, a learned piece-shape (casing)
embedding, and document context: training windows are 254-piece slices of whole documents, the
same sliding windows inference reads. Every piece is trained (a span's first piece B-X, its other
pieces I-X, the rest O); inference tags each word by its first piece.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from actorwire.encoder import load_tokenizer
from actorwire.entities.ner import TokenTagger, collate, encode_texts, window_ranges
from actorwire.training.common import fit, lora_encoder, setup_run

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
    """Fine-tune a tagger over ``labels`` with :func:`~actorwire.training.common.fit` and write the
    artifact (``meta.json`` named ``name``); returns the dev metrics of the written epoch.

    ``evaluate(model, tokenizer)`` scores a model on the dev data (a dict with ``f1_micro``);
    ``select`` as in ``fit``. ``casing=False`` freezes the shape embedding at zero (the ablation in
    the model card). Logs to ``work_dir/train.log``.
    """
    setup_run(work_dir, seed, threads)
    tokenizer = load_tokenizer()
    windows = training_windows(train_docs, tokenizer, labels)
    log.info("%s: %d documents, %d windows", name, len(train_docs), len(windows))
    encoder = lora_encoder(rank)
    encoder.shape_embeddings.weight.requires_grad_(casing)
    model = TokenTagger(encoder, num_labels=len(labels))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)

    def batch_loss(chunk):
        ids, mask, shapes = collate([(w[0], w[1]) for w in chunk], tokenizer.cls_token_id, tokenizer.sep_token_id,
                                    tokenizer.pad_token_id)
        gold = torch.full(ids.shape, -100, dtype=torch.long)
        for row, w in enumerate(chunk):
            gold[row, 1 : len(w[2]) + 1] = torch.tensor(w[2])
        return loss_fn(model(ids, mask, shapes).view(-1, len(labels)), gold.view(-1))

    meta = {"name": name, "labels": list(labels),
            "recipe": {"lora_rank": rank, "lora_alpha": 2 * rank, "window": 256, "document_context": True,
                       "casing_embedding": casing, **(recipe or {})}}
    return fit(model, windows, batch_loss, lambda: evaluate(model, tokenizer), "f1_micro", out_dir, work_dir, meta,
               epochs=epochs, select=select, batch_size=batch_size, lr=lr, head_lr=head_lr, seed=seed,
               warmup_share=16, resume=resume)
