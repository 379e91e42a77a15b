"""Process entry point of a stream worker: settings, thread budget, model warm-up, run loop."""

from __future__ import annotations

import asyncio
import logging

import torch

from actorwire.pipeline import Pipeline
from actorwire.settings import Settings
from actorwire.streaming import StreamWorker

log = logging.getLogger("actorwire.service")


def build_stage(name: str, settings: Settings, pipeline: Pipeline):
    """The :class:`~actorwire.streaming.Stage` of worker ``name`` (``entities`` | ``sentiment``)."""
    if name == "entities":
        from actorwire.entities.worker import entity_stage
        return entity_stage(settings, pipeline)
    from actorwire.sentiment.worker import enrich_stage
    return enrich_stage(settings, pipeline)


def run_worker(name: str, settings: Settings) -> None:
    """Load the models of worker ``name``, then consume until SIGTERM/SIGINT; exits 0 when stopped."""
    torch.set_num_threads(settings.worker.torch_threads)
    pipeline = Pipeline(settings)
    pipeline.warm_up("entities" if name == "entities" else "enrich")
    log.info("%s: models loaded", name)
    asyncio.run(StreamWorker(build_stage(name, settings, pipeline), settings).run())
