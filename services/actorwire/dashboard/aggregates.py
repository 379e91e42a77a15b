"""Per-actor tumbling-window aggregates of ``news.actors``: pure state, no Kafka.

An :class:`AggregateStore` holds, per actor and window (``1h``, ``1d``; UTC-aligned tumbling windows
on the article's ``published_at``, or on its arrival time when undated), one
:class:`~actorwire.messages.AggregateContribution` per article. Everything shown or published is
computed from those contributions, which makes the aggregation idempotent:

* a replayed :class:`~actorwire.messages.ActorEvent` (same ``article_id`` and ``version``) finds its
  contribution already there and changes nothing;
* a newer ``version`` of an article replaces the earlier contribution, in whichever window that one
  was (a new ``published_at`` moves the article); an older version is ignored
  (:func:`compare_versions`);
* only the newest windows of each actor are kept (``retention``: windows per window name); an event
  for a window older than all of them, once the actor has that many, is dropped as late.

:meth:`AggregateStore.apply` returns the keys it changed and deleted, so that the caller can publish
the new :meth:`~AggregateStore.record` of each (and a tombstone for each deleted one) to the
compacted topic; :meth:`AggregateStore.restore` rebuilds the same state from those records.

Thread safety: every public method takes the store's lock (events are applied on the stream
worker's inference thread while the HTTP server reads).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from actorwire.messages import ActorAggregate, ActorEvent, AggregateContribution, Stance, StanceCount, version_order
from actorwire.text import parse_date, rfc3339

WINDOWS: dict[str, timedelta] = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}
KINDS = ("person", "organization", "country", "location", "group")
SENTIMENTS = ("negative", "neutral", "positive")
ALL = "all"  # as ``start``: every retained window of the size together
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as article version ``a`` is older than, equal to or newer than ``b``: numerically
    when both are dotted integers (:func:`~actorwire.messages.version_order`: ``"10"`` is newer
    than ``"9"`` and ``"1.10"`` than ``"1.2"``), else as strings."""
    x, y = version_order(a), version_order(b)
    if x is None or y is None:
        return (a > b) - (a < b)
    return (x > y) - (x < y)


def window_start(moment: datetime, window: str) -> datetime:
    """Start (inclusive, UTC) of the ``window`` (``1h`` | ``1d``) tumbling window holding ``moment``
    (an aware datetime). Raises :class:`KeyError` for another window name."""
    size = WINDOWS[window]
    return moment - (moment - _EPOCH) % size


def aggregate_key(actor_id: str, window: str, start: str) -> str:
    """The record key on ``news.actor-aggregates``: ``{actor_id}|{window}|{window_start}``."""
    return f"{actor_id}|{window}|{start}"


def kind_of(actor_id: str) -> str | None:
    """The actor kind encoded in a canonical ``actor_id`` (``country:UKR`` → ``country``), or None."""
    kind = actor_id.split(":", 1)[0]
    return kind if kind in KINDS else None


def stance_counts(stances: Sequence[Stance]) -> list[StanceCount]:
    """Count an event's stances per target and label, sorted by target."""
    counts: dict[str, Counter] = {}
    for stance in stances:
        counts.setdefault(stance.target_actor_id, Counter())[stance.label] += 1
    return [StanceCount(target_actor_id=target, **counts[target]) for target in sorted(counts)]


def summarise(contributions: Iterable[AggregateContribution]) -> dict:
    """Totals of some contributions: ``mention_count``, ``article_count``, ``sentiment_counts``
    (articles per label, every label present), ``mean_sentiment`` (mean score, None without any,
    rounded to 4 decimals) and ``stances`` (:class:`StanceCount` per target, summed)."""
    contributions = list(contributions)
    labels = Counter(c.sentiment for c in contributions if c.sentiment is not None)
    scores = [c.sentiment_score for c in contributions if c.sentiment_score is not None]
    stances: dict[str, Counter] = {}
    for c in contributions:
        for s in c.stances:
            stances.setdefault(s.target_actor_id, Counter()).update(favor=s.favor, against=s.against, none=s.none)
    return {
        "mention_count": sum(c.mention_count for c in contributions),
        "article_count": len(contributions),
        "sentiment_counts": {label: labels[label] for label in SENTIMENTS},
        "mean_sentiment": round(sum(scores) / len(scores), 4) if scores else None,
        "stances": [StanceCount(target_actor_id=t, **stances[t]) for t in sorted(stances)],
    }


@dataclass
class _Window:
    actor_id: str
    window: str
    start: datetime
    name: str
    kind: str
    contributions: dict[str, AggregateContribution] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return aggregate_key(self.actor_id, self.window, rfc3339(self.start))


@dataclass
class Applied:
    """What one :meth:`AggregateStore.apply` (or restore) did: keys whose record changed (publish
    them), keys deleted (publish tombstones), and the window names for which the event came too
    late (older than every retained window of its actor)."""

    changed: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    late: list[str] = field(default_factory=list)

    def merge(self, other: Applied) -> None:
        """Fold a later result into this one (a key changed after being deleted is changed again)."""
        self.deleted = (self.deleted - other.changed) | other.deleted
        self.changed = (self.changed - other.deleted) | other.changed
        self.late += other.late


class AggregateStore:
    """Window state of every actor; see the module docstring for the semantics.

    ``retention`` maps each window name of :data:`WINDOWS` to the number of windows kept per actor.
    Raises :class:`ValueError` when a window name is missing or the count is below 1.
    """

    def __init__(self, retention: Mapping[str, int]):
        if set(retention) != set(WINDOWS) or min(retention.values()) < 1:
            raise ValueError(f"retention needs a count >= 1 for each of {sorted(WINDOWS)}: {dict(retention)}")
        self.retention = dict(retention)
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._starts: dict[tuple[str, str], set[datetime]] = {}  # (actor_id, window) -> starts held
        self._placed: dict[tuple[str, str, str], str] = {}  # (actor_id, window, article_id) -> window key

    # -- writing -------------------------------------------------------------------------------
    def apply(self, event: ActorEvent, arrival: datetime) -> Applied:
        """Add one event's contribution to its actor's windows. ``arrival`` (aware datetime) is the
        event time of an undated article seen for the first time. Raises :class:`ValueError` when
        ``published_at`` is not a date."""
        with self._lock:
            actor = event.actor
            contribution = AggregateContribution(
                article_id=event.article_id, version=event.version,
                **self._event_time(event, arrival), mention_count=actor.mention_count,
                sentiment=actor.sentiment.label if actor.sentiment else None,
                sentiment_score=actor.sentiment.score if actor.sentiment else None,
                stances=stance_counts(event.stances))
            moment = parse_date(contribution.event_time)
            result = Applied()
            for window in WINDOWS:
                placed = self._placed.get((actor.actor_id, window, event.article_id))
                if placed is not None:
                    old = self._windows[placed].contributions[event.article_id]
                    order = compare_versions(event.version, old.version)
                    if order < 0 or (order == 0 and old == contribution):
                        continue  # an older version, or a replay
                    result.merge(self._remove(placed, event.article_id))
                start = window_start(moment, window)
                starts = self._starts.setdefault((actor.actor_id, window), set())
                if start not in starts and len(starts) >= self.retention[window] and start < min(starts):
                    result.late.append(window)
                    continue
                held = self._windows.get(aggregate_key(actor.actor_id, window, rfc3339(start)))
                if held is None:
                    held = _Window(actor.actor_id, window, start, actor.name, actor.kind)
                    self._windows[held.key] = held
                    starts.add(start)
                held.name, held.kind = actor.name, actor.kind
                held.contributions[event.article_id] = contribution
                self._placed[(actor.actor_id, window, event.article_id)] = held.key
                result.merge(Applied(changed={held.key}))
                result.merge(self._enforce_retention(actor.actor_id, window))
            return result

    def restore(self, records: Iterable[tuple[str, ActorAggregate | None]]) -> Applied:
        """Replace the state with compacted-topic records (key, aggregate or None for a tombstone),
        read in offset order; the last record of a key wins. Returns the keys that the loaded
        records got wrong and must be published again: an article found in two windows of one size
        (a crash between the two publishes of a move) stays only with its newest version, and
        windows past ``retention`` are deleted."""
        latest: dict[str, ActorAggregate | None] = {}
        for key, record in records:
            latest[key] = record
        with self._lock:
            self._windows.clear()
            self._starts.clear()
            self._placed.clear()
            result = Applied()
            for record in latest.values():
                if record is None:
                    continue
                held = _Window(record.actor_id, record.window, parse_date(record.window_start), record.name,
                               record.kind, {c.article_id: c for c in record.contributions})
                self._windows[held.key] = held
                self._starts.setdefault((held.actor_id, held.window), set()).add(held.start)
            for held in sorted(self._windows.values(), key=lambda w: (w.start, w.key)):
                for article_id, contribution in list(held.contributions.items()):
                    where = (held.actor_id, held.window, article_id)
                    other = self._placed.get(where)
                    if other is not None:
                        if compare_versions(contribution.version, self._windows[other].contributions[article_id].version) < 0:
                            result.merge(self._remove(held.key, article_id))
                            continue
                        result.merge(self._remove(other, article_id))
                    self._placed[where] = held.key
            for actor_id, window in list(self._starts):
                result.merge(self._enforce_retention(actor_id, window))
            return result

    def _event_time(self, event: ActorEvent, arrival: datetime) -> dict:
        if event.published_at is not None:
            return {"event_time": rfc3339(parse_date(event.published_at)), "event_time_source": "published_at"}
        for window in WINDOWS:  # undated and seen before: keep the time it was first windowed on
            placed = self._placed.get((event.actor.actor_id, window, event.article_id))
            if placed is not None:
                old = self._windows[placed].contributions[event.article_id]
                return {"event_time": old.event_time, "event_time_source": old.event_time_source}
        return {"event_time": rfc3339(arrival), "event_time_source": "arrival"}

    def _remove(self, key: str, article_id: str) -> Applied:
        held = self._windows[key]
        del held.contributions[article_id]
        if self._placed.get((held.actor_id, held.window, article_id)) == key:
            del self._placed[(held.actor_id, held.window, article_id)]
        if held.contributions:
            return Applied(changed={key})
        self._drop(held)
        return Applied(deleted={key})

    def _drop(self, held: _Window) -> None:
        del self._windows[held.key]
        starts = self._starts[(held.actor_id, held.window)]
        starts.discard(held.start)
        if not starts:
            del self._starts[(held.actor_id, held.window)]
        for article_id in held.contributions:
            if self._placed.get((held.actor_id, held.window, article_id)) == held.key:
                del self._placed[(held.actor_id, held.window, article_id)]

    def _enforce_retention(self, actor_id: str, window: str) -> Applied:
        starts = self._starts[(actor_id, window)]
        result = Applied()
        for start in sorted(starts)[: max(0, len(starts) - self.retention[window])]:
            held = self._windows[aggregate_key(actor_id, window, rfc3339(start))]
            self._drop(held)
            result.deleted.add(held.key)
        return result

    # -- reading -------------------------------------------------------------------------------
    def windows_of(self, actor_id: str, article_id: str) -> set[str]:
        """Keys of the windows that hold ``article_id``'s contribution to ``actor_id`` (none when it
        came too late for every retained window)."""
        with self._lock:
            return {key for window in WINDOWS if (key := self._placed.get((actor_id, window, article_id)))}

    def record(self, key: str) -> ActorAggregate | None:
        """The record to publish for ``key``, or None when the window no longer exists (tombstone)."""
        with self._lock:
            held = self._windows.get(key)
            if held is None:
                return None
            contributions = [held.contributions[a] for a in sorted(held.contributions)]
            return ActorAggregate(actor_id=held.actor_id, name=held.name, kind=held.kind, window=held.window,
                                  window_start=rfc3339(held.start), window_end=rfc3339(held.start + WINDOWS[held.window]),
                                  **summarise(contributions), contributions=contributions)

    def window_count(self) -> int:
        """Windows held, all actors and sizes together."""
        with self._lock:
            return len(self._windows)

    def starts(self, window: str) -> list[str]:
        """Starts (RFC 3339) of the ``window``-size windows that hold data, newest first."""
        with self._lock:
            return self._starts_of(window)

    def _starts_of(self, window: str) -> list[str]:
        return [rfc3339(s) for s in sorted({w.start for w in self._windows.values() if w.window == window},
                                           reverse=True)]

    def _selected(self, window: str, start: str | None) -> tuple[str | None, list[_Window]]:
        """The windows of size ``window`` at ``start`` (None: the newest start; :data:`ALL`: all)."""
        if start is None:
            newest = self._starts_of(window)
            start = newest[0] if newest else None
        chosen = [w for w in self._windows.values()
                  if w.window == window and (start == ALL or rfc3339(w.start) == start)]
        return start, chosen

    def top_actors(self, window: str, start: str | None = None, kind: str | None = None,
                   limit: int = 20) -> dict:
        """The actors with the most mentions in one window (or in all retained ones, ``start="all"``).

        Returns ``{"window", "window_start" (the selected start, None without data), "starts"
        (every start with data, newest first), "actors": [{"actor_id", "name", "kind",
        "mention_count", "article_count", "sentiment_counts", "mean_sentiment"}]}``, by mentions,
        then articles, then name; ``kind`` keeps one actor kind."""
        with self._lock:
            selected, chosen = self._selected(window, start)
            per_actor: dict[str, list[_Window]] = {}
            for held in chosen:
                if kind is None or held.kind == kind:
                    per_actor.setdefault(held.actor_id, []).append(held)
            rows = []
            for actor_id, held in per_actor.items():
                newest = max(held, key=lambda w: w.start)
                totals = summarise(c for w in held for c in w.contributions.values())
                del totals["stances"]
                rows.append({"actor_id": actor_id, "name": newest.name, "kind": newest.kind, **totals})
            rows.sort(key=lambda r: (-r["mention_count"], -r["article_count"], r["name"], r["actor_id"]))
            return {"window": window, "window_start": selected, "starts": self._starts_of(window),
                    "actors": rows[:limit]}

    def series(self, actor_id: str, window: str) -> dict:
        """One actor over time: ``{"actor_id", "name", "kind", "window", "points": [{"window_start",
        "window_end", "mention_count", "article_count", "sentiment_counts", "mean_sentiment"}]}``,
        oldest first (empty points and null name for an unknown actor)."""
        with self._lock:
            held = sorted((w for w in self._windows.values() if w.actor_id == actor_id and w.window == window),
                          key=lambda w: w.start)
            points = []
            for w in held:
                totals = summarise(w.contributions.values())
                del totals["stances"]
                points.append({"window_start": rfc3339(w.start), "window_end": rfc3339(w.start + WINDOWS[window]),
                               **totals})
            return {"actor_id": actor_id, "name": held[-1].name if held else None,
                    "kind": held[-1].kind if held else kind_of(actor_id), "window": window, "points": points}

    def stance_graph(self, window: str, start: str | None = None, kind: str | None = None) -> dict:
        """Who stands for or against whom in one window (or all retained, ``start="all"``):
        ``{"window", "window_start", "nodes": [{"actor_id", "name", "kind", "mention_count"}],
        "edges": [{"source", "target", "label" (favor | against | none), "count"}]}``. With ``kind``,
        only edges with at least one endpoint of that kind. A target without a window of its own is
        named by its ``actor_id``."""
        with self._lock:
            selected, chosen = self._selected(window, start)
            actors: dict[str, dict] = {}
            edges: Counter = Counter()
            for held in chosen:
                node = actors.setdefault(held.actor_id, {"actor_id": held.actor_id, "name": held.name,
                                                         "kind": held.kind, "mention_count": 0})
                node["mention_count"] += sum(c.mention_count for c in held.contributions.values())
                for c in held.contributions.values():
                    for s in c.stances:
                        for label in ("favor", "against", "none"):
                            if getattr(s, label):
                                edges[(held.actor_id, s.target_actor_id, label)] += getattr(s, label)
            kept = [(source, target, label, count) for (source, target, label), count in sorted(edges.items())
                    if kind is None or kind in (actors[source]["kind"],
                                                actors[target]["kind"] if target in actors else kind_of(target))]
            ids = {a for source, target, _, _ in kept for a in (source, target)}
            nodes = [actors.get(a) or {"actor_id": a, "name": a, "kind": kind_of(a), "mention_count": 0}
                     for a in sorted(ids)]
            return {"window": window, "window_start": selected, "nodes": nodes,
                    "edges": [{"source": s, "target": t, "label": label, "count": n} for s, t, label, n in kept]}
