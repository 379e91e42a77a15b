"""Sentiment/stance worker: ``news.entities`` → ``news.enriched`` (one per article version) and
``news.actors`` (one per article actor, keyed by ``actor_id``)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from actorwire.decode import Rejected
from actorwire.messages import EnrichedArticle, EntityStage
from actorwire.pipeline import ARTICLES_AT_ONCE, Pipeline, actor_events
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage, record_id


def article_outputs(settings: Settings, article: EnrichedArticle) -> list[Output]:
    """The enriched record and its actor events, each with a replay-stable record id."""
    parts = (article.article_id, article.version, article.pipeline_version)
    outputs = [Output(settings.topics.enriched, article.article_id.encode(), article.model_dump_json().encode(),
                      record_id(*parts))]
    outputs += [Output(settings.topics.actors, event.actor.actor_id.encode(), event.model_dump_json().encode(),
                       record_id(*parts, event.actor.actor_id)) for event in actor_events(article)]
    return outputs


def enrich_stage(settings: Settings, pipeline: Pipeline) -> Stage:
    """The sentiment worker's :class:`Stage`."""

    def decode(raw: bytes) -> EntityStage:
        try:
            return EntityStage.model_validate_json(raw)
        except ValidationError as exc:
            raise Rejected(f"not an entity-stage record: {exc.errors()[0]['msg']}", "ValidationError") from None

    def process(stages: Sequence[EntityStage]) -> list[list[Output]]:
        return [article_outputs(settings, article) for article in pipeline.enrich(stages)]

    return Stage(name="sentiment", source_topic=settings.topics.entities, group_id=f"{settings.group_prefix}-sentiment",
                 decode=decode, process=process, chunk=ARTICLES_AT_ONCE)
