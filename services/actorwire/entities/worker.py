"""Entity worker: ``news.raw`` (ninjs) → ``news.entities`` (:class:`~actorwire.messages.EntityStage`);
items held by an embargo → ``news.embargoed`` (see :mod:`actorwire.embargo`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from actorwire.decode import decode_ninjs
from actorwire.messages import NinjsItem
from actorwire.pipeline import Pipeline
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage


def remember_version(pipeline: Pipeline, raw: bytes) -> None:
    """Feed one already-processed ``news.raw`` record to the pipeline's version memory (records
    that do not decode were dead-lettered then and are skipped now: this never raises for a record,
    however deep, long or malformed)."""
    try:
        obj = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
        uri, version = obj["uri"], obj.get("version", "1")
        if isinstance(uri, str) and isinstance(version, (str, int)) and not isinstance(version, bool):
            pipeline.versions.observe(uri, str(version))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return


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
                          f"{meta.article_id}|{meta.version}|embargoed")
        return Output(settings.topics.entities, meta.article_id.encode(), stage.model_dump_json().encode(),
                      f"{meta.article_id}|{meta.version}|{meta.pipeline_version}")

    def process(items: Sequence[NinjsItem]) -> list[list[Output]]:
        return [[output(item, stage)] for item, stage in zip(items, pipeline.entities(items))]

    return Stage(name="entities", source_topic=settings.topics.raw, group_id=f"{settings.group_prefix}-entities",
                 decode=lambda raw: decode_ninjs(raw, settings.worker.max_message_bytes), process=process,
                 restore=lambda raw: remember_version(pipeline, raw))
