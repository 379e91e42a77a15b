"""Train and evaluate the MiniLM NER tagger on CoNLL-2003 (``actorwire train ner`` / ``eval ner``).

Recipe: :mod:`actorwire.training.tagger` over whole CoNLL documents (sentences joined by newlines).
Metrics: entity-level micro F1, exact span and label (seqeval, conlleval-compatible) on spans
projected back to the CoNLL tokens.
"""

from __future__ import annotations

import time
from pathlib import Path

from seqeval.metrics import classification_report, f1_score

from actorwire.datasets import ConllDocument, read_conll, spans_to_tags
from actorwire.entities.ner import LABELS, NER_MODEL_DIR, predict_entities
from actorwire.training import tagger


def entity_spans(doc: ConllDocument) -> list[tuple[int, int, str]]:
    """The gold entities of a CoNLL document as ``[start, end)`` character spans of ``doc.text`` with their type."""
    spans: list[list] = []
    for row_spans, row_tags in zip(doc.token_spans, doc.tags):
        for (a, b), tag in zip(row_spans, row_tags):
            if tag.startswith("I-") and spans and spans[-1][2] == tag[2:] and spans[-1][3]:
                spans[-1][1] = b
            elif tag != "O":
                spans.append([a, b, tag[2:], True])
            if spans:
                spans[-1][3] = tag != "O"
        if spans:
            spans[-1][3] = False  # an entity never continues into the next sentence
    return [(a, b, t) for a, b, t, _ in spans]


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
          seed: int = 13, threads: int = 2, resume: bool = False, train_splits: tuple[str, ...] = ("train", "valid"),
          casing: bool = True) -> dict:
    """Fine-tune on ``train_splits``; returns the validation metrics of the written epoch.

    With only ``train``, the epoch with the best validation F1 is kept. With ``valid`` among
    ``train_splits`` (the final recipe: train on train+valid, as Akbik et al. 2018 and Devlin et al.
    2019 report CoNLL test figures) nothing is held out to select on: the last epoch is kept and the
    validation figures logged are not a measurement.
    """
    docs = [d for split in train_splits for d in read_conll(data_dir / f"{split}.txt")]
    valid = read_conll(data_dir / "valid.txt")
    return tagger.train(
        "actorwire-ner-minilm", LABELS, [(d.text, entity_spans(d)) for d in docs],
        lambda model, tok: evaluate(lambda texts: predict_entities(model, tok, texts), valid),
        out_dir, work_dir, epochs, select="valid" not in train_splits, seed=seed, threads=threads, resume=resume,
        casing=casing, recipe={"train_splits": list(train_splits)})
