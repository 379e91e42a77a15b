"""Typed messages on every topic: the single source of truth for the wire format.

`schemas/*.json` are generated from these models (``actorwire schemas``) and a test fails when
they drift. Field names follow IPTC ninjs 3.x for input, CoNLL-2003 for entity labels, NewsMTSC
for sentiment labels and SemEval-2016 Task 6 for stance labels.

Offsets (``start``/``end``) are Python string indices (Unicode code points) into the plain text of
the named field (``headline`` or ``body``) as carried in the same message, end exclusive, so
``text[start:end] == mention.text`` always holds.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actorwire.text import parse_date, rfc3339

SCHEMA_VERSION = "1"

EntityLabel = Literal["PER", "ORG", "LOC", "MISC"]
ActorKind = Literal["person", "organization", "country", "location", "group"]
SentimentLabel = Literal["negative", "neutral", "positive"]
StanceLabel = Literal["favor", "against", "none"]
TextField = Literal["headline", "body"]
ArticleStatus = Literal["enriched", "retracted", "unsupported_language", "no_text", "embargoed", "superseded"]

# Top-level property names of IPTC ninjs 3.x (https://iptc.org/std/ninjs/). Any other key is
# rejected at the boundary so that a typo never drops data silently.
NINJS_PROPERTIES = frozenset(
    """uri standard firstCreated versionCreated contentCreated embargoed pubStatus language
    headlines bodies descriptions version type profile urgency copyrightHolder copyrightNotice
    usageTerms edNote by bylines slugline located subjects genres places events objects people
    organisations infoSources renditions associations altIds trustIndicators rightsInfo expires
    title keywords contentType""".split()
)


# at most 16 parts of at most 18 digits: int() stays cheap and far below Python's 4300-digit limit
_VERSION = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18}){0,15}")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def version_order(version: str) -> tuple[int, ...] | None:
    """Sort key of a ninjs ``version``: ``"3"`` → ``(3,)``, ``"1.10"`` → ``(1, 10)``; ``None`` for
    versions that are not dotted integers (the pipeline never supersedes those), absurd ones
    included (more than 16 parts or 18 digits a part)."""
    text = version.strip()
    return tuple(int(part) for part in text.split(".")) if _VERSION.fullmatch(text) else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class NinjsText(_Strict):
    """One ninjs headline or body: ``value`` in ``contentType`` text/plain or text/html.

    Media-type parameters are ignored (``text/html; charset=utf-8`` is text/html). Lone surrogates
    (``"\\ud800"`` escapes, which no UTF-8 output can carry) are dropped from ``value``, as
    :func:`~actorwire.text.clean_plain` drops them.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    value: str
    content_type: Literal["text/plain", "text/html"] = Field("text/plain", alias="contentType")
    role: str | None = None

    @field_validator("value")
    @classmethod
    def _no_lone_surrogates(cls, value: str) -> str:
        return _SURROGATES.sub("", value)

    @field_validator("content_type", mode="before")
    @classmethod
    def _media_type(cls, value: Any) -> Any:
        return value.split(";", 1)[0].strip().lower() if isinstance(value, str) else value


class NinjsItem(BaseModel):
    """A news item as published to ``news.raw`` (IPTC ninjs 3.x subset the pipeline reads).

    Unknown top-level keys raise ``ValueError`` (reported as a dead letter), known but unused
    ninjs properties are kept in ``extra``. ``uri`` must hold a non-space character. ``version`` is
    a string in ninjs (at most 256 characters); integers are accepted. ``embargoed`` is normalised
    to RFC 3339 UTC; one that is not a date-time raises ``ValueError``.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    uri: str = Field(min_length=1, max_length=2048, pattern=r"\S")
    version: str = Field("1", max_length=256)
    version_created: str | None = Field(None, alias="versionCreated")
    first_created: str | None = Field(None, alias="firstCreated")
    embargoed: str | None = None
    pub_status: Literal["usable", "withheld", "canceled"] = Field("usable", alias="pubStatus")
    language: str | None = None
    headlines: list[NinjsText] = Field(default_factory=list)
    bodies: list[NinjsText] = Field(default_factory=list)

    @field_validator("embargoed")
    @classmethod
    def _embargo_date(cls, value: str | None) -> str | None:
        """An embargo that cannot be read must not be guessed (publishing early is the costly error)."""
        if value is None:
            return None
        try:
            return rfc3339(parse_date(value))
        except ValueError as exc:
            raise ValueError(f"embargoed is not a date-time: {exc}") from None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("version must be a string or an integer")
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _known_properties(self) -> NinjsItem:
        unknown = sorted(set(self.model_extra or {}) - NINJS_PROPERTIES)
        if unknown:
            raise ValueError(f"unknown ninjs properties: {', '.join(unknown)}")
        return self


class ModelInfo(_Strict):
    """Name and version of one model that contributed to a record."""

    name: str
    version: str


class Span(_Strict):
    """A character span ``[start, end)`` in one text field."""

    field: TextField
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Mention(_Strict):
    """One entity mention found by NER, linked to its actor after resolution."""

    text: str
    label: EntityLabel
    field: TextField
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    actor_id: str | None = None
    score: float = Field(ge=0.0, le=1.0, description="NER confidence: mean top-label probability")
    source: Literal["ner", "role"] = Field(
        "ner", description="ner: found by the NER model; role: a role noun tied to a named holder")


class Sentiment(_Strict):
    """How the article portrays an actor (NewsMTSC labels).

    ``distribution`` is the article-level distribution: the mean of the actor's per-mention
    probabilities, for a person calibrated to document-level judgements where the model has a
    calibration (:mod:`actorwire.sentiment.targets`), so mixed portrayals stay visible; ``label`` is its most
    probable class, ``confidence`` that class's probability and ``score`` = P(positive) -
    P(negative), in [-1, 1].
    """

    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    distribution: dict[SentimentLabel, float] = Field(default_factory=dict)


class Actor(_Strict):
    """A canonical real-world actor of one article, with all of its mentions merged."""

    actor_id: str
    name: str
    kind: ActorKind
    salience: float = Field(ge=0.0, le=1.0)
    mention_count: int = Field(ge=0)
    in_headline: bool = False
    country: str | None = Field(None, description="ISO 3166 alpha-3 of an affiliated country")
    sentiment: Sentiment | None = Field(
        None, description="how the article portrays the actor; null on news.entities, and where no sentence "
                          "portrays it (named only in lists of names, such as a team sheet)")


class Stance(_Strict):
    """Directed stance of one actor toward another (SemEval-2016 labels), with its evidence."""

    source_actor_id: str
    target_actor_id: str
    label: StanceLabel
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Span


class Quote(_Strict):
    """An attributed statement: who (``speaker_actor_id``, found at ``source``) said (``cue``) what (``content``)."""

    speaker_actor_id: str | None
    cue: Span
    content: Span
    source: Span | None = Field(None, description="the source as written (a name, a pronoun, a role noun); "
                                                  "null when none was found (always with the lexicon rules)")


class ArticleText(_Strict):
    """Plain text of an article's fields after normalisation; every offset points into these."""

    headline: str
    body: str


class ArticleMeta(_Strict):
    """Identity and newswire metadata carried through every stage."""

    article_id: str = Field(description="the input ninjs uri")
    version: str
    published_at: str | None = Field(description="RFC 3339, UTC")
    language: str | None
    status: ArticleStatus
    pipeline_version: str
    embargoed: str | None = Field(None, description="RFC 3339, UTC: the input's embargo, kept for consumers")
    superseded_by: str | None = Field(
        None, description="status superseded: the newer version of the same uri already processed")


class EntityStage(_Strict):
    """Intermediate record on ``news.entities``: entity worker output, sentiment worker input.

    Validation holds the record to what the entity worker writes, so that a record forged or broken
    on the topic is dead-lettered by the sentiment worker instead of enriched (hostile-input trial:
    mentions past the end of the text, ``text[start:end]`` not the mention, a stance held by an
    actor that did not exist, a ``mention_count`` of 10^12 in the dashboard): every span lies in its
    field (``start <= end <= len``), every mention is the text at its offsets, every ``actor_id`` of
    a mention names one of ``actors`` (ids unique), and no actor counts more mentions than there are.
    """

    meta: ArticleMeta
    text: ArticleText
    sentences: list[Span] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    models: list[ModelInfo] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> EntityStage:
        texts = {"headline": self.text.headline, "body": self.text.body}
        for kind, spans in (("sentence", self.sentences), ("mention", self.mentions)):
            for n, span in enumerate(spans):
                if not span.start <= span.end <= len(texts[span.field]):
                    raise ValueError(f"{kind} {n} [{span.start}, {span.end}) is not within the {span.field} "
                                     f"({len(texts[span.field])} characters)")
        ids = [a.actor_id for a in self.actors]
        if len(set(ids)) != len(ids):
            raise ValueError("an actor_id occurs twice among the actors")
        known = set(ids)
        for n, m in enumerate(self.mentions):
            if texts[m.field][m.start : m.end] != m.text:
                raise ValueError(f"mention {n} {m.text[:40]!r} is not the {m.field} text at [{m.start}, {m.end})")
            if m.actor_id is not None and m.actor_id not in known:
                raise ValueError(f"mention {n} names actor {m.actor_id[:80]!r}, which is not among the actors")
        if any(a.mention_count > len(self.mentions) for a in self.actors):
            raise ValueError(f"an actor counts more mentions than the record's {len(self.mentions)}")
        return self


class EnrichedArticle(_Strict):
    """One record per input version on ``news.enriched`` (output contract v1)."""

    schema_version: str = SCHEMA_VERSION
    article_id: str
    version: str
    published_at: str | None
    language: str | None
    status: ArticleStatus
    pipeline_version: str
    embargoed: str | None = Field(None, description="RFC 3339, UTC: the input's embargo, kept for consumers")
    superseded_by: str | None = Field(
        None, description="status superseded: the newer version of the same uri already processed")
    models: list[ModelInfo]
    headline: str
    body: str
    tone: float | None = Field(None, ge=-1.0, le=1.0, description="article tone, mean sentence sentiment")
    mentions: list[Mention]
    actors: list[Actor]
    stances: list[Stance]
    quotes: list[Quote]


class ActorEvent(_Strict):
    """One record per (article version, actor) on ``news.actors``, keyed by ``actor_id``."""

    schema_version: str = SCHEMA_VERSION
    article_id: str
    version: str
    published_at: str | None
    pipeline_version: str
    embargoed: str | None = Field(None, description="RFC 3339, UTC: the article's embargo, kept for consumers")
    actor: Actor
    headline: str
    stances: list[Stance] = Field(description="stances whose source is this actor")


class SourceCoordinates(_Strict):
    """Where a message was read: topic, partition and offset (or a file and line offline)."""

    topic: str
    partition: int
    offset: int


class DeadLetter(_Strict):
    """A rejected input on ``news.deadletter``: why, where from, and the original bytes."""

    schema_version: str = SCHEMA_VERSION
    reason: str
    error_class: str
    stage: str
    source: SourceCoordinates
    key_base64: str | None
    original_base64: str


WindowName = Literal["1h", "1d"]


class StanceCount(_Strict):
    """Stances one actor (the holder) took toward ``target_actor_id``, counted by label (one per
    :class:`Stance` record)."""

    target_actor_id: str
    favor: int = Field(0, ge=0)
    against: int = Field(0, ge=0)
    none: int = Field(0, ge=0)


class AggregateContribution(_Strict):
    """What one article version adds to an actor's window. Kept per ``article_id`` so that a replayed
    event changes nothing and a newer ``version`` replaces the earlier contribution."""

    article_id: str
    version: str
    event_time: str = Field(description="RFC 3339, UTC: the instant the article is windowed on")
    event_time_source: Literal["published_at", "arrival"] = Field(
        description="published_at: the article's date; arrival: undated, the time the dashboard first saw it")
    mention_count: int = Field(ge=0)
    sentiment: SentimentLabel | None
    sentiment_score: float | None = Field(None, ge=-1.0, le=1.0)
    stances: list[StanceCount] = Field(default_factory=list)


class ActorAggregate(_Strict):
    """One actor in one tumbling window on the compacted ``news.actor-aggregates``, keyed
    ``{actor_id}|{window}|{window_start}``; a tombstone (null value) deletes a window past retention.

    The totals are functions of ``contributions`` (one per article), which the dashboard reads back
    on restart as its changelog."""

    schema_version: str = SCHEMA_VERSION
    actor_id: str
    name: str
    kind: ActorKind
    window: WindowName
    window_start: str = Field(description="RFC 3339, UTC, inclusive")
    window_end: str = Field(description="RFC 3339, UTC, exclusive")
    mention_count: int = Field(ge=0, description="sum of the actor's mentions over the window's articles")
    article_count: int = Field(ge=0)
    sentiment_counts: dict[SentimentLabel, int] = Field(description="articles by the actor's sentiment label")
    mean_sentiment: float | None = Field(None, ge=-1.0, le=1.0, description="mean sentiment score, null if none")
    stances: list[StanceCount] = Field(description="stances this actor held, by target")
    contributions: list[AggregateContribution]


TOPIC_MODELS: dict[str, type[BaseModel]] = {
    "ninjs-item": NinjsItem,
    "entity-stage": EntityStage,
    "enriched-article": EnrichedArticle,
    "actor-event": ActorEvent,
    "dead-letter": DeadLetter,
    "actor-aggregate": ActorAggregate,
}
