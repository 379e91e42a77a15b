"""Target-dependent sentiment classifier trained here on NewsMTSC (Hamborg & Donnay, EACL 2021).

The target is marked inside its sentence with two reserved WordPiece tokens (``[unused1]`` before,
``[unused2]`` after) and the head reads the start marker's hidden state together with the mean of
the target's pieces — a head on the target-marker position beat the [CLS] head on test-rw here
(0.801 vs 0.789; DEVELOPERS.md). Same base and casing embedding as the NER model; LoRA adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from actorwire.encoder import CasedEncoder, load_artifact, load_tokenizer, piece_shapes
from actorwire.runtime import accelerate
from actorwire.entities.ner import collate
from actorwire.sentiment.targets import LABELS, TargetInContext

TSC_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "tsc"
MAX_PIECES = 160  # context pieces kept around the target (NewsMTSC sentences are shorter)
START, END = "[unused1]", "[unused2]"


class TargetClassifier(nn.Module):
    """Cased encoder + linear head over [start-marker state ; mean target-piece state] → 3 logits.

    ``forward(ids, mask, shapes, marker_pos [batch], target_mask [batch, seq])`` → ``[batch, 3]``.
    """

    def __init__(self, encoder: CasedEncoder, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * encoder.hidden_size, len(LABELS))

    def forward(self, ids, mask, shapes, marker_pos, target_mask):
        hidden = self.encoder(ids, mask, shapes)
        marker = hidden[torch.arange(hidden.size(0)), marker_pos]
        weights = target_mask.unsqueeze(-1).float()
        target = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.classifier(self.dropout(torch.cat([marker, target], dim=-1)))


def encode_targets(tokenizer, items: Sequence[TargetInContext]):
    """Marked piece sequences for a batch: tensors ``ids, mask, shapes, marker_pos, target_mask``.

    Context beyond ``MAX_PIECES`` pieces is trimmed around the target.
    """
    start_id, end_id = tokenizer.convert_tokens_to_ids([START, END])
    enc = tokenizer([i.context for i in items], add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    rows, positions = [], []
    for k, item in enumerate(items):
        ids, offsets = enc["input_ids"][k], [tuple(o) for o in enc["offset_mapping"][k]]
        shapes = piece_shapes(item.context, offsets)
        inside = [j for j, (a, b) in enumerate(offsets) if a < item.end and b > item.start]
        first, last = (inside[0], inside[-1]) if inside else (len(ids), len(ids) - 1)
        lo = max(0, min(first - MAX_PIECES // 2, len(ids) - MAX_PIECES))
        hi = min(len(ids), lo + MAX_PIECES)
        first, last = max(first, lo), min(last, hi - 1)
        row_ids = ids[lo:first] + [start_id] + ids[first : last + 1] + [end_id] + ids[last + 1 : hi]
        row_shapes = shapes[lo:first] + [0] + shapes[first : last + 1] + [0] + shapes[last + 1 : hi]
        rows.append((row_ids, row_shapes))
        marker = first - lo + 1  # +1 for [CLS]
        positions.append((marker, marker + 1, marker + 1 + (last - first + 1)))
    ids, mask, shapes = collate(rows, tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
    marker_pos = torch.tensor([p[0] for p in positions])
    target_mask = torch.zeros_like(ids)
    for row, (_, a, b) in enumerate(positions):
        target_mask[row, a:b] = 1
    return ids, mask, shapes, marker_pos, target_mask


class TransformerTargetSentiment:
    """The packaged NewsMTSC model (``actorwire train tsc``); see :mod:`actorwire.sentiment.targets`
    for how mention scores become actor sentiment. ``runtime``: ``onnx`` (default; int8 weights lose 1.0 point of test-rw F1 here), ``onnx-int8`` or ``torch``
    (:mod:`actorwire.runtime`). Raises ``FileNotFoundError`` when missing."""

    def __init__(self, model_dir: Path = TSC_MODEL_DIR, batch_size: int = 64, runtime: str = "onnx",
                 cache_dir: Path | None = None, threads: int | None = None):
        self.meta, model = load_artifact(model_dir, TargetClassifier, "actorwire train tsc")
        self.name, self.version = self.meta["name"], self.meta["version"]
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer()
        example = encode_targets(self.tokenizer, [TargetInContext("Mali cut ties with Ukraine.", 0, 4)])
        self.model = accelerate(model, model_dir, example,
                                ["input_ids", "attention_mask", "shape_ids", "marker_pos", "target_mask"],
                                runtime, cache_dir, threads or torch.get_num_threads())

    @torch.inference_mode()
    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        """(P(negative), P(neutral), P(positive)) per item; items are batched by length."""
        order = sorted(range(len(items)), key=lambda i: len(items[i].context))
        probs: dict[int, tuple[float, float, float]] = {}
        for b in range(0, len(order), self.batch_size):
            chunk = order[b : b + self.batch_size]
            p = self.model(*encode_targets(self.tokenizer, [items[i] for i in chunk])).softmax(-1)
            for i, row in zip(chunk, p.tolist()):
                probs[i] = tuple(row)
        return [probs[i] for i in range(len(items))]
