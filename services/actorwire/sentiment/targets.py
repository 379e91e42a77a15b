"""Target sentiment: how the text portrays each actor (NewsMTSC labels negative/neutral/positive).

Each mention is scored in its own context (its sentence); an actor's sentiment is the mean of its
mentions' probability distributions, so a mixed portrayal stays visible in ``distribution`` instead
of being averaged to neutral. ``score`` = P(positive) − P(negative) ∈ [−1, 1].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from actorwire.messages import Actor, Mention, Sentiment, Span

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class TargetInContext:
    """One mention to score: the context text and the ``[start, end)`` of the target inside it."""

    context: str
    start: int
    end: int


class TargetSentimentModel(Protocol):
    """What the pipeline needs from a target-sentiment model."""

    name: str
    version: str

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        """(P(negative), P(neutral), P(positive)) per item; CPU-bound, runs off the event loop."""
        ...


class VaderSentiment:
    """Baseline: VADER (Hutto & Gilbert 2014) compound score of the target's sentence, turned into a
    distribution with VADER's own thresholds (compound ≥ 0.05 positive, ≤ −0.05 negative): the
    winning label gets ``0.5 + |compound| / 2``, the other two share the rest."""

    name = "vader"

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()
        self.version = "3.3.2"

    def predict(self, items: Sequence[TargetInContext]) -> list[tuple[float, float, float]]:
        out = []
        for item in items:
            compound = self.analyzer.polarity_scores(item.context)["compound"]
            winner = 2 if compound >= 0.05 else 0 if compound <= -0.05 else 1
            top = 0.5 + abs(compound) / 2
            probs = [(1 - top) / 2] * 3
            probs[winner] = top
            out.append(tuple(probs))
        return out


def sentence_of(sentences: Sequence[Span], field: str, start: int, end: int) -> Span | None:
    """The sentence span of ``field`` containing ``[start, end)``, if any."""
    return next((s for s in sentences if s.field == field and s.start <= start and end <= s.end), None)


def actor_sentiments(model: TargetSentimentModel, texts: dict[str, str], sentences: Sequence[Span],
                     mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Actor]:
    """Actors with ``sentiment`` filled from one batched model call over all their mentions."""
    items, owners = [], []
    for m in mentions:
        if not m.actor_id:
            continue
        sent = sentence_of(sentences, m.field, m.start, m.end) or Span(field=m.field, start=0, end=len(texts[m.field]))
        items.append(TargetInContext(texts[m.field][sent.start : sent.end], m.start - sent.start, m.end - sent.start))
        owners.append(m.actor_id)
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
        mean = [sum(r[k] for r in rows) / len(rows) for k in range(3)]
        best = max(range(3), key=lambda k: mean[k])
        out.append(actor.model_copy(update={"sentiment": Sentiment(
            label=LABELS[best], score=round(max(-1.0, min(1.0, mean[2] - mean[0])), 4),
            confidence=round(mean[best], 4), distribution={LABELS[k]: round(mean[k], 4) for k in range(3)})}))
    return out


def article_tone(model: TargetSentimentModel, body: str, sentences: Sequence[Span]) -> float | None:
    """Article tone in [−1, 1]: mean over body sentences of P(positive) − P(negative) (like GDELT's tone)."""
    items = [TargetInContext(body[s.start : s.end], 0, 0) for s in sentences if s.field == "body"]
    if not items:
        return None
    probs = model.predict(items)
    return round(sum(p[2] - p[0] for p in probs) / len(probs), 4)
