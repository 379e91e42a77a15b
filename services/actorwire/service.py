"""Process entry point of a stream worker: settings, thread budget, health and metrics server,
model warm-up, run loop."""

from __future__ import annotations

import asyncio
import logging

import torch

from actorwire.health import Telemetry, serving
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
    """Serve /healthz, /readyz and /metrics (unless ``worker.http_port`` is 0), load the models of
    worker ``name``, then consume until SIGTERM/SIGINT; returns when stopped.

    Raises :class:`OSError` when the health port cannot be bound (before any model is loaded).
    """
    torch.set_num_threads(settings.worker.torch_threads)
    telemetry = Telemetry.for_worker(name, settings.worker)
    with serving(telemetry, settings.worker):
        pipeline = Pipeline(settings)
        pipeline.warm_up("entities" if name == "entities" else "enrich")
        telemetry.models_loaded = True
        log.info("%s: models loaded", name)
        asyncio.run(_consume(name, settings, pipeline, telemetry))


async def _consume(name: str, settings: Settings, pipeline: Pipeline, telemetry: Telemetry) -> None:
    """The worker's consume loop; entity workers also run the embargo releaser (:mod:`actorwire.embargo`)."""
    worker = StreamWorker(build_stage(name, settings, pipeline), settings, telemetry)
    loops = [worker.run()]
    if name == "entities" and settings.embargo == "hold":
        from actorwire.embargo import EmbargoReleaser

        loops.append(EmbargoReleaser(settings, worker.stopping).run())
    await asyncio.gather(*loops)
