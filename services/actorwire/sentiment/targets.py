"""Target sentiment: how the text portrays each actor (NewsMTSC labels negative/neutral/positive).

Each mention is scored in its own context (its sentence) and an actor's mentions are pooled into
the mean of their probability distributions. A mention in a sentence that is only a list of names
(a team sheet, :func:`~actorwire.sentiment.lists.name_list`) is not scored: nothing portrays it
there, and an actor named only in such lists has no sentiment. A model may carry a
:class:`DocumentCalibration` that maps this mean to the article-level sentiment toward a person
(fitted on PerSenT's document labels of people, issue #5): mention-level sentiment of a person in
bad news is not the author's attitude to them. It is applied to people only, where it was fitted:
on countries, organisations and places it pulled plainly neutral ones to +0.25 ("Chicago",
"New York" in a court report). An article with more than
:data:`~actorwire.sentiment.lists.MAX_ITEMS` mentions to score (no news has) has each actor's
first mentions scored up to that many (:func:`~actorwire.sentiment.lists.spread`).
``distribution`` is the actor's article-level distribution (for a person the calibrated mean,
otherwise or without a calibration the plain mean), so a mixed portrayal stays visible instead of
being averaged to neutral; ``label`` is its most probable class and ``score`` = P(positive) −
P(negative) ∈ [−1, 1].
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from actorwire.messages import Actor, Mention, Sentiment, Span
from actorwire.sentiment.lists import name_list_sentences, spread

LABELS = ("negative", "neutral", "positive")
VADER_WORDS = 200  # words VADER reads at once (:class:`VaderSentiment`); news sentences have ~25


@dataclass(frozen=True)
class TargetInContext:
    """One mention to score: the context text and the ``[start, end)`` of the target inside it."""

    context: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentCalibration:
    """Multinomial logistic regression from an actor's mean mention distribution (P(negative),
    P(neutral), P(positive)) to its article-level distribution: ``softmax(coef · mean + intercept)``.

    ``coef`` is 3 × 3 (rows: output labels, columns: input probabilities), ``intercept`` 3 numbers.
    Fitted by ``actorwire train calibration`` (:mod:`actorwire.training.calibration`) on PerSenT
    (Bastan et al., COLING 2020) dev; stored as ``calibration.json`` beside the model it calibrates.
    """

    coef: tuple[tuple[float, float, float], ...]
    intercept: tuple[float, float, float]

    def __call__(self, mean: Sequence[float]) -> list[float]:
        logits = [b + sum(w * x for w, x in zip(row, mean)) for row, b in zip(self.coef, self.intercept)]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        return [v / sum(exp) for v in exp]

    @classmethod
    def load(cls, path: Path) -> DocumentCalibration | None:
        """The calibration stored at ``path`` (JSON with ``coef`` and ``intercept``), ``None`` when absent."""
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(tuple(tuple(row) for row in data["coef"]), tuple(data["intercept"]))


class TargetSentimentModel(Protocol):
    """What the pipeline needs from a target-sentiment model."""

    name: str
    version: str
    calibration: DocumentCalibration | None

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        """(P(negative), P(neutral), P(positive)) per item; CPU-bound, runs off the event loop."""
        ...


class VaderSentiment:
    """Baseline: VADER (Hutto & Gilbert 2014) compound score of the target's sentence, turned into a
    distribution with VADER's own thresholds (compound ≥ 0.05 positive, ≤ −0.05 negative): the
    winning label gets ``0.5 + |compound| / 2``, the other two share the rest. Also the article
    tone (:func:`article_tone`).

    VADER's time grows with the square of a sentence's words (each word's negation and idiom
    checks lower-case the whole sentence again): one "sentence" of 60 kB took 32 s. A context of
    more than :data:`VADER_WORDS` words is scored as the mean compound of runs of that many, and
    each distinct context once per call."""

    name = "vader"
    calibration = None

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()
        self.version = "3.3.2"

    def compound(self, text: str) -> float:
        """VADER's compound score in [−1, 1] of ``text``; past :data:`VADER_WORDS` words, the
        mean over runs of that many."""
        words = text.split()
        if len(words) <= VADER_WORDS:
            return self.analyzer.polarity_scores(text)["compound"]
        runs = [" ".join(words[k : k + VADER_WORDS]) for k in range(0, len(words), VADER_WORDS)]
        return sum(self.analyzer.polarity_scores(run)["compound"] for run in runs) / len(runs)

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        out, known = [], {}
        for item in items:
            if item.context not in known:
                known[item.context] = self.compound(item.context)
            compound = known[item.context]
            winner = 2 if compound >= 0.05 else 0 if compound <= -0.05 else 1
            top = 0.5 + abs(compound) / 2
            probs = [(1 - top) / 2] * 3
            probs[winner] = top
            out.append(tuple(probs))
        return out


def sentence_finder(sentences: Sequence[Span]) -> Callable[[str, int, int], Span | None]:
    """``find(field, start, end)``: the sentence span of ``field`` containing ``[start, end)``, if
    any; ``sentences`` do not overlap. A binary search: O(log n) per mention, so a long article
    with many mentions costs no quadratic time."""
    ordered = sorted(sentences, key=lambda s: (s.field, s.start))
    keys = [(s.field, s.start) for s in ordered]

    def find(field: str, start: int, end: int) -> Span | None:
        k = bisect_right(keys, (field, start)) - 1
        sent = ordered[k] if k >= 0 else None
        return sent if sent and sent.field == field and end <= sent.end else None

    return find


def actor_sentiments(model: TargetSentimentModel, texts: dict[str, str], sentences: Sequence[Span],
                     mentions: Sequence[Mention], actors: Sequence[Actor], calibrate: bool = True) -> list[Actor]:
    """Actors with ``sentiment`` filled from one batched model call over all their mentions (see the
    module docstring); ``calibrate=False`` keeps the plain mean even where the model has a calibration."""
    items, owners = [], []
    sentence_of = sentence_finder(sentences)
    lists = name_list_sentences(texts, sentences, mentions)
    for m in mentions:
        if not m.actor_id:
            continue
        sent = sentence_of(m.field, m.start, m.end) or Span(field=m.field, start=0, end=len(texts[m.field]))
        if (sent.field, sent.start, sent.end) in lists:
            continue  # a name in a list of names: nothing portrays it there
        items.append(TargetInContext(texts[m.field][sent.start : sent.end], m.start - sent.start, m.end - sent.start))
        owners.append(m.actor_id)
    keep = spread(owners)  # at most MAX_ITEMS, every actor's first mentions first
    items, owners = [items[i] for i in keep], [owners[i] for i in keep]
    probs = model.predict(items) if items else []
    per_actor: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for actor_id, p in zip(owners, probs):
        per_actor[actor_id].append(p)
    out = []
    for actor in actors:
        rows = per_actor.get(actor.actor_id)
        if not rows:
            out.append(actor)
            continue
        dist = [sum(r[k] for r in rows) / len(rows) for k in range(3)]
        if calibrate and model.calibration and actor.kind == "person":
            dist = model.calibration(dist)
        best = max(range(3), key=lambda k: dist[k])
        out.append(actor.model_copy(update={"sentiment": Sentiment(
            label=LABELS[best], score=round(max(-1.0, min(1.0, dist[2] - dist[0])), 4),
            confidence=round(dist[best], 4), distribution={LABELS[k]: round(dist[k], 4) for k in range(3)})}))
    return out


def article_tone(model: TargetSentimentModel, body: str, sentences: Sequence[Span]) -> float | None:
    """Article tone in [−1, 1]: mean over body sentences of P(positive) − P(negative) (like GDELT's tone)."""
    items = [TargetInContext(body[s.start : s.end], 0, 0) for s in sentences if s.field == "body"]
    if not items:
        return None
    probs = model.predict(items)
    return round(sum(p[2] - p[0] for p in probs) / len(probs), 4)
