"""Entity worker: ``news.raw`` (ninjs) → ``news.entities`` (:class:`~actorwire.messages.EntityStage`);
items held by an embargo → ``news.embargoed`` (see :mod:`actorwire.embargo`)."""

from __future__ import annotations

from collections.abc import Sequence

from actorwire.decode import Rejected, decode_ninjs
from actorwire.messages import NinjsItem
from actorwire.pipeline import ARTICLES_AT_ONCE, Pipeline
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage, record_id


def remember_version(pipeline: Pipeline, raw: bytes, max_bytes: int) -> None:
    """Feed one already-processed ``news.raw`` record to the pipeline's version memory. It is
    decoded as the worker decodes (:func:`~actorwire.decode.decode_ninjs` with ``max_bytes``):
    records rejected then were dead-lettered and never seen as a version, so they are skipped now
    (hostile-input trial: a rejected version 5 superseded version 3 after a restart). Never
    raises for a record, however deep, long or malformed."""
    try:
        item = decode_ninjs(raw, max_bytes)
    except Rejected:
        return
    pipeline.versions.observe(item.uri, item.version)


def entity_stage(settings: Settings, pipeline: Pipeline) -> Stage:
    """The entity worker's :class:`Stage`; outputs are keyed by article uri.

    On each partition assignment the worker replays the partition's already-committed records into
    the version memory (``restore``), so a late older version is recognised after a restart too.
    """

    def output(item: NinjsItem, stage) -> Output:
        meta = stage.meta
        if meta.status == "embargoed":
            return Output(settings.topics.embargoed, item.uri.encode(),
                          item.model_dump_json(by_alias=True, exclude_none=True).encode(),
                          record_id(meta.article_id, meta.version, "embargoed"))
        return Output(settings.topics.entities, meta.article_id.encode(), stage.model_dump_json().encode(),
                      record_id(meta.article_id, meta.version, meta.pipeline_version))

    def process(items: Sequence[NinjsItem]) -> list[list[Output]]:
        return [[output(item, stage)] for item, stage in zip(items, pipeline.entities(items))]

    return Stage(name="entities", source_topic=settings.topics.raw, group_id=f"{settings.group_prefix}-entities",
                 decode=lambda raw: decode_ninjs(raw, settings.worker.max_message_bytes), process=process,
                 restore=lambda raw: remember_version(pipeline, raw, settings.worker.max_message_bytes),
                 chunk=ARTICLES_AT_ONCE)
