"""Classifiers over a text with marked spans, shared by the target-sentiment model (one span, the
target; NewsMTSC) and the directed-sentiment model (two spans, holder then target; DSA).

Span k (0-based) is wrapped in two reserved WordPiece tokens, ``[unused{2k+1}]`` before and
``[unused{2k+2}]`` after, where it stands in its context, and the head reads, per span, the start
marker's hidden state and the mean of the span's pieces (a head on the target-marker position beat
the [CLS] head on NewsMTSC test-rw here, 0.801 vs 0.789; DEVELOPERS.md). Same base and casing
embedding as the NER model; LoRA adapter.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from actorwire.encoder import CasedEncoder, load_tokenizer, piece_shapes
from actorwire.entities.ner import collate
from actorwire.runtime import load_accelerated

MAX_PIECES = 160  # context pieces kept around the spans (NewsMTSC and DSA sentences are shorter)
# items per forward pass at inference, after sorting by length: small batches pad less; on the items
# of 30 BBC articles (1 thread, ONNX fp32) batches of 8 took 27% (NewsMTSC) and 29% (DSA) less time than 64
BATCH_SIZE = 8


def markers(k: int) -> tuple[str, str]:
    """The (before, after) marker tokens of span ``k`` (0-based)."""
    return f"[unused{2 * k + 1}]", f"[unused{2 * k + 2}]"


@dataclass(frozen=True)
class MarkedText:
    """A context and the ``[start, end)`` character spans to mark in it, in reading order, not overlapping."""

    context: str
    spans: tuple[tuple[int, int], ...]


class MarkedSpanClassifier(nn.Module):
    """Cased encoder + linear head over [start-marker state ; mean span-piece state] per span → logits.

    ``forward(ids, mask, shapes, roles)`` with ``[batch, seq]`` long tensors → ``[batch, labels]``;
    ``roles`` is 2k+1 at span k's start marker, 2k+2 on its pieces, 0 elsewhere (:func:`encode_marked`).
    """

    def __init__(self, encoder: CasedEncoder, spans: int, labels: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.spans = spans
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * spans * encoder.hidden_size, labels)

    def forward(self, ids, mask, shapes, roles):
        hidden = self.encoder(ids, mask, shapes)
        parts = []
        for code in range(1, 2 * self.spans + 1):
            weights = (roles == code).unsqueeze(-1).to(hidden.dtype)
            parts.append((hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0))
        return self.classifier(self.dropout(torch.cat(parts, dim=-1)))


@dataclass(frozen=True)
class Pieces:
    """One context as word pieces: ids, ``(start, end)`` character offsets, shape ids
    (:func:`~actorwire.encoder.piece_shapes`), and the offsets' starts and ends for binary search."""

    ids: list[int]
    shapes: list[int]
    starts: list[int]
    ends: list[int]


def tokenize_contexts(tokenizer, contexts: Sequence[str]) -> dict[str, Pieces]:
    """Each distinct context tokenized once: the items of one sentence (every name of a long list)
    share its pieces instead of each tokenizing it again."""
    distinct = list(dict.fromkeys(contexts))
    if not distinct:
        return {}
    enc = tokenizer(distinct, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    table = {}
    for k, context in enumerate(distinct):
        offsets = [tuple(o) for o in enc["offset_mapping"][k]]
        table[context] = Pieces(enc["input_ids"][k], piece_shapes(context, offsets),
                                [a for a, _ in offsets], [b for _, b in offsets])
    return table


def encode_marked(tokenizer, items: Sequence[MarkedText], pieces: dict[str, Pieces] | None = None):
    """Marked piece sequences for a batch: tensors ``ids, mask, shapes, roles`` (see
    :class:`MarkedSpanClassifier`). Context beyond ``MAX_PIECES`` pieces is trimmed around the
    spans, starting half a window before the first one; a span with no piece (empty) is marked at
    the end of the context. ``pieces``: the contexts already tokenized (:func:`tokenize_contexts`),
    else they are tokenized here. Each item costs O(``MAX_PIECES`` + log of its context's length)
    beyond that."""
    pieces = pieces if pieces is not None else tokenize_contexts(tokenizer, [i.context for i in items])
    rows, row_roles = [], []
    for item in items:
        p = pieces[item.context]
        ids, shapes = p.ids, p.shapes
        bounds = []
        for start, end in item.spans:
            # the pieces overlapping [start, end): from the first ending after start to the last starting before end
            first, last = bisect_right(p.ends, start), bisect_left(p.starts, end) - 1
            bounds.append((first, last) if first <= last else (len(ids), len(ids) - 1))
        first = min(b[0] for b in bounds)
        last = max(b[1] for b in bounds)
        lo = max(0, min(first - MAX_PIECES // 2, len(ids) - MAX_PIECES), last + 1 - MAX_PIECES)
        hi = min(len(ids), lo + MAX_PIECES)
        row_ids, row_shapes, roles, pos = [], [], [], lo
        for span, (a, b) in sorted(enumerate(bounds), key=lambda x: x[1]):
            a, b = max(a, lo, pos), min(b, hi - 1)
            before, after = tokenizer.convert_tokens_to_ids(list(markers(span)))
            row_ids += ids[pos:a] + [before] + ids[a : b + 1] + [after]
            row_shapes += shapes[pos:a] + [0] + shapes[a : b + 1] + [0]
            roles += [0] * (a - pos) + [2 * span + 1] + [2 * span + 2] * (b + 1 - a) + [0]
            pos = max(pos, b + 1)
        row_ids += ids[pos:hi]
        row_shapes += shapes[pos:hi]
        roles += [0] * (hi - pos)
        rows.append((row_ids, row_shapes))
        row_roles.append(roles)
    ids, mask, shapes = collate(rows, tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
    roles_t = torch.zeros_like(ids)
    for row, roles in enumerate(row_roles):
        roles_t[row, 1 : len(roles) + 1] = torch.tensor(roles)
    return ids, mask, shapes, roles_t


def predict_batched(model, tokenizer, items: Sequence[MarkedText], batch_size: int) -> list[list[float]]:
    """Class probabilities per item, batched by context length (``model`` torch or ONNX, eval mode);
    each distinct context is tokenized once."""
    order = sorted(range(len(items)), key=lambda i: len(items[i].context))
    pieces = tokenize_contexts(tokenizer, [i.context for i in items])
    probs: dict[int, list[float]] = {}
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            chunk = order[b : b + batch_size]
            p = model(*encode_marked(tokenizer, [items[i] for i in chunk], pieces)).softmax(-1)
            for i, row in zip(chunk, p.tolist()):
                probs[i] = row
    return [probs[i] for i in range(len(items))]


class PackagedClassifier:
    """A trained :class:`MarkedSpanClassifier` artifact ready for inference: the adapter merged,
    run by ``runtime`` (``onnx`` fp32, ``onnx-int8`` or ``torch``; :mod:`actorwire.runtime`) with
    ``threads`` intra-op threads. ``spans``/``labels`` give the network's shape, ``command`` the
    training command named when the artifact is missing (``FileNotFoundError``)."""

    def __init__(self, model_dir: Path, spans: int, labels: int, command: str, batch_size: int, runtime: str,
                 cache_dir: Path | None, threads: int | None):
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer()
        example = encode_marked(self.tokenizer, [MarkedText("Mali cut ties with Ukraine.", ((0, 4), (19, 26))[:spans])])
        self.meta, self.model = load_accelerated(model_dir, lambda e: MarkedSpanClassifier(e, spans, labels), command,
                                                 example, ["input_ids", "attention_mask", "shape_ids", "roles"],
                                                 runtime, cache_dir, threads or torch.get_num_threads())
        self.name, self.version = self.meta["name"], self.meta["version"]

    def probabilities(self, items: Sequence[MarkedText]) -> list[list[float]]:
        """Class probabilities per item, batched by length (:func:`predict_batched`)."""
        return predict_batched(self.model, self.tokenizer, items, self.batch_size)
