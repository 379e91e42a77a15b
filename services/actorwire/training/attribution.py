"""Train and evaluate the PolNeAR attribution tagger (``actorwire train attribution`` / ``eval attribution``).

Recipe: :mod:`actorwire.training.tagger` over whole PolNeAR articles with IOB2 tags over SOURCE,
CUE and CONTENT. Attributions nest (a quoted passage can hold another attribution), but one tag per
piece cannot: nested spans are painted over the spans that hold them (content, then source, then
cue, each span keeping its own extent), so the outer content is split around them
(:func:`flat_spans`). Training keeps the epoch with the best micro F1 on ``dev``.

Metric (:func:`span_scores`): precision, recall and F1 per span type on ``test``, exact (same
characters, whitespace trimmed) and overlap (a predicted span counts when it overlaps an unmatched
gold span of its type; matched one to one), against every fragment of every gold span. The
lexicon rules the model replaced are scored the same way (they find cues and contents, no source).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actorwire.datasets import AttributedArticle, read_polnear
from actorwire.sentiment.attribution import ATTRIBUTION_LABELS, ATTRIBUTION_MODEL_DIR
from actorwire.training import tagger

TYPES = {"Source": "SOURCE", "Cue": "CUE", "Content": "CONTENT"}
_PAINT_ORDER = ("Content", "Source", "Cue")


def flat_spans(article: AttributedArticle) -> list[tuple[int, int, str]]:
    """Non-overlapping tagger spans: nested spans win over the ones holding them (see the module docstring)."""
    owner = [-1] * len(article.text)
    spans = sorted(article.spans, key=lambda s: (_PAINT_ORDER.index(s[2]), -(s[1] - s[0])))
    for k, (a, b, _) in enumerate(spans):
        owner[a:b] = [k] * (b - a)
    out, start = [], 0
    for i in range(1, len(owner) + 1):
        if i == len(owner) or owner[i] != owner[start]:
            if owner[start] >= 0:
                out.append(_trim(article.text, start, i, TYPES[spans[owner[start]][2]]))
            start = i
    return [s for s in out if s[1] > s[0]]


def _trim(text: str, a: int, b: int, label: str) -> tuple[int, int, str]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b, label


def span_scores(gold: Sequence[Sequence[tuple[int, int, str]]], pred: Sequence[Sequence[tuple[int, int, str]]],
                texts: Sequence[str]) -> dict:
    """Exact and overlap precision/recall/F1 per type over documents (spans ``(start, end, TYPE)``)."""
    out = {}
    for label in TYPES.values():
        counts = {"exact": [0, 0, 0], "overlap": [0, 0, 0]}  # true positives, predicted, gold
        for g_doc, p_doc, text in zip(gold, pred, texts):
            g = {_trim(text, a, b, t) for a, b, t in g_doc if t == label}
            p = {_trim(text, a, b, t) for a, b, t in p_doc if t == label}
            counts["exact"][0] += len(g & p)
            free = sorted(g)
            for a, b, _ in sorted(p):
                hit = next((x for x in free if x[0] < b and a < x[1]), None)
                if hit:
                    free.remove(hit)
                    counts["overlap"][0] += 1
            for c in counts.values():
                c[1] += len(p)
                c[2] += len(g)
        out[label] = {}
        for kind, (tp, n_pred, n_gold) in counts.items():
            precision, recall = tp / max(1, n_pred), tp / max(1, n_gold)
            out[label][kind] = {"precision": round(precision, 4), "recall": round(recall, 4),
                                "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4)}
        out[label]["gold"] = counts["exact"][2]
    return out


def _gold(articles: Sequence[AttributedArticle]) -> list[list[tuple[int, int, str]]]:
    return [[(a, b, TYPES[t]) for a, b, t in art.spans] for art in articles]


def train(data_dir: Path, out_dir: Path = ATTRIBUTION_MODEL_DIR, work_dir: Path = Path("runs/attribution"),
          epochs: int = 1, seed: int = 13, threads: int = 2, resume: bool = False, limit: int | None = None) -> dict:
    """Fine-tune on ``train`` (the first ``limit`` articles when given), keep the best epoch on ``dev``."""
    from actorwire.entities.ner import predict_entities

    articles = read_polnear(data_dir / "train")[:limit]
    dev = read_polnear(data_dir / "dev")

    def evaluate(model, tokenizer) -> dict:
        pred = [[(s.start, s.end, s.label) for s in spans]
                for spans in predict_entities(model, tokenizer, [a.text for a in dev], labels=ATTRIBUTION_LABELS)]
        scores = span_scores(_gold(dev), pred, [a.text for a in dev])
        return {"f1_micro": round(sum(scores[t]["exact"]["f1"] for t in TYPES.values()) / len(TYPES), 4),
                "per_label": scores}

    return tagger.train("actorwire-attribution-minilm", ATTRIBUTION_LABELS, [(a.text, flat_spans(a)) for a in articles],
                        evaluate, out_dir, work_dir, epochs, select=True, seed=seed, threads=threads, resume=resume,
                        recipe={"train_articles": len(articles), "dev_metric": "mean exact span F1 over types"})


def evaluate_packaged(data_dir: Path, model_dir: Path = ATTRIBUTION_MODEL_DIR) -> dict:
    """``actorwire eval attribution``: span scores of the packaged tagger and of the lexicon rules on PolNeAR ``test``."""
    from actorwire.sentiment.attribution import AttributionTagger
    from actorwire.sentiment.stance import find_quotes

    test = read_polnear(data_dir / "test")
    texts = [a.text for a in test]
    model = AttributionTagger(model_dir)
    pred = [[(s.start, s.end, s.label) for s in spans] for spans in model.tagger.predict(texts)]
    rules = [[(q.cue.start, q.cue.end, "CUE") for q in quotes] + [(q.content.start, q.content.end, "CONTENT") for q in quotes]
             for quotes in (find_quotes(text, [], []) for text in texts)]
    return {"model": model.name, "version": model.version, "articles": len(test),
            "test": span_scores(_gold(test), pred, texts), "rule_baseline": span_scores(_gold(test), rules, texts)}
