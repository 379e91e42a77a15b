"""Entity worker: ``news.raw`` (ninjs) → ``news.entities`` (:class:`~actorwire.messages.EntityStage`)."""

from __future__ import annotations

from collections.abc import Sequence

from actorwire.decode import decode_ninjs
from actorwire.messages import NinjsItem
from actorwire.pipeline import Pipeline
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage


def entity_stage(settings: Settings, pipeline: Pipeline) -> Stage:
    """The entity worker's :class:`Stage`; outputs are keyed by article uri."""

    def process(items: Sequence[NinjsItem]) -> list[list[Output]]:
        return [[Output(settings.topics.entities, s.meta.article_id.encode(), s.model_dump_json().encode(),
                        f"{s.meta.article_id}|{s.meta.version}|{s.meta.pipeline_version}")]
                for s in pipeline.entities(items)]

    return Stage(name="entities", source_topic=settings.topics.raw, group_id=f"{settings.group_prefix}-entities",
                 decode=lambda raw: decode_ninjs(raw, settings.worker.max_message_bytes), process=process)
