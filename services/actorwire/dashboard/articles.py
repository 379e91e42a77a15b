"""The recent-articles view of the dashboard: the newest enriched articles, with their mentions cut
out as highlight segments. Pure state, no Kafka.

The page never parses text as HTML: a headline or body is sent as a list of segments, plain text or
one mention each, and the browser puts each into a text node (inside a ``<mark>`` for a mention).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from actorwire.dashboard.aggregates import compare_versions
from actorwire.messages import EnrichedArticle, Mention

EXCERPT_CHARS = 600


def highlight(text: str, mentions: Sequence[Mention], actors: dict[str, dict]) -> list[dict]:
    """Split ``text`` into segments ``{"text"}`` and, for each mention of it, ``{"text", "actor_id",
    "name", "kind", "label"}`` (``actor_id``/``name``/``kind`` null for a mention not tied to an
    actor); ``actors`` maps actor ids to ``{"name", "kind"}``. Mentions whose offsets do not point at
    their text, or that overlap an earlier mention, stay plain text. The segments' texts join to
    ``text``."""
    segments: list[dict] = []
    pos = 0
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if m.start < pos or m.end > len(text) or m.start >= m.end or text[m.start:m.end] != m.text:
            continue
        if m.start > pos:
            segments.append({"text": text[pos:m.start]})
        actor = actors.get(m.actor_id or "", {})
        segments.append({"text": m.text, "actor_id": m.actor_id, "name": actor.get("name"), "kind": actor.get("kind"),
                         "label": m.label})
        pos = m.end
    if pos < len(text):
        segments.append({"text": text[pos:]})
    return segments


def excerpt_end(text: str, mentions: Sequence[Mention], limit: int = EXCERPT_CHARS) -> int:
    """Where an excerpt of at most about ``limit`` characters of ``text`` ends: the whole text when
    short enough, else the last space before ``limit``, moved back before any mention it would cut."""
    if len(text) <= limit:
        return len(text)
    end = text.rfind(" ", 0, limit)
    end = end if end > 0 else limit
    for m in mentions:
        if m.start < end < m.end:
            end = m.start
    return end


def article_view(article: EnrichedArticle) -> dict:
    """What the page shows of one article: ids, ``published_at``, ``actors`` (id, name, kind,
    sentiment label and score), ``stances`` (source, target, label), and ``headline`` and ``body``
    as :func:`highlight` segments, the body cut to an excerpt (``truncated`` says whether it was)."""
    actors = {a.actor_id: {"name": a.name, "kind": a.kind} for a in article.actors}
    headline = [m for m in article.mentions if m.field == "headline"]
    body = [m for m in article.mentions if m.field == "body"]
    end = excerpt_end(article.body, body)
    return {
        "article_id": article.article_id, "version": article.version, "published_at": article.published_at,
        "actors": [{"actor_id": a.actor_id, "name": a.name, "kind": a.kind,
                    "sentiment": a.sentiment.label if a.sentiment else None,
                    "score": a.sentiment.score if a.sentiment else None} for a in article.actors],
        "stances": [{"source": s.source_actor_id, "target": s.target_actor_id, "label": s.label}
                    for s in article.stances],
        "headline": highlight(article.headline, headline, actors),
        "body": highlight(article.body[:end], [m for m in body if m.end <= end], actors),
        "truncated": end < len(article.body),
    }


class RecentArticles:
    """The ``capacity`` newest enriched articles by ``published_at`` (undated ones by arrival, after
    the dated), one entry per ``article_id``: a newer version replaces an older one, an older
    version is ignored, and a version that is no longer ``enriched`` (retracted, superseded...)
    removes the article. Thread-safe."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._articles: dict[str, tuple[EnrichedArticle, int]] = {}  # article_id -> (article, arrival number)
        self._arrivals = 0

    def add(self, article: EnrichedArticle) -> bool:
        """Take one article; returns whether the view changed."""
        with self._lock:
            held = self._articles.get(article.article_id)
            if held is not None:
                order = compare_versions(article.version, held[0].version)
                if order < 0 or (order == 0 and held[0] == article):
                    return False
            self._arrivals += 1
            if article.status != "enriched":
                return self._articles.pop(article.article_id, None) is not None
            self._articles[article.article_id] = (article, self._arrivals)
            if len(self._articles) > self.capacity:
                oldest = min(self._articles, key=lambda a: self._order(self._articles[a]))
                del self._articles[oldest]
                return oldest != article.article_id
            return True

    @staticmethod
    def _order(held: tuple[EnrichedArticle, int]) -> tuple:
        article, arrival = held
        return (article.published_at is not None, article.published_at or "", arrival)

    def newest(self, limit: int, actor_id: str | None = None, kind: str | None = None) -> list[dict]:
        """Up to ``limit`` :func:`article_view` dicts, newest first; ``actor_id`` keeps the articles
        about that actor, ``kind`` those with an actor of that kind."""
        with self._lock:
            held = sorted(self._articles.values(), key=self._order, reverse=True)
        chosen = [a for a, _ in held
                  if (actor_id is None or any(x.actor_id == actor_id for x in a.actors))
                  and (kind is None or any(x.kind == kind for x in a.actors))]
        return [article_view(a) for a in chosen[:limit]]
