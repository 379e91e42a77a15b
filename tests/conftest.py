"""Shared fixtures. Integration tests (marker ``kafka``) use the real local broker, started here
through ``deploy/local/kafka.sh`` when it is not running; each test gets its own topics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def pipeline():
    """One pipeline with the packaged models, shared by the tests that need real models."""
    from actorwire.pipeline import Pipeline
    from actorwire.settings import Settings

    return Pipeline(Settings())


@pytest.fixture(scope="session")
def kafka_broker() -> str:
    """Bootstrap address of the real local broker (started if needed)."""
    subprocess.run([str(ROOT / "deploy/local/kafka.sh"), "start"], check=True, capture_output=True)
    return f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"


@pytest.fixture
def isolated(kafka_broker):
    """``settings`` whose topics and consumer groups are unique to one test, with the topics
    created, and ``env``: the same settings as environment variables for worker subprocesses
    (their health and metrics server off, so that workers started together do not compete for a port)."""
    from actorwire.admin import create_topics
    from actorwire.settings import KafkaSettings, Settings, Topics

    run = uuid.uuid4().hex[:8]
    topics = Topics(raw=f"t{run}.news.raw", entities=f"t{run}.news.entities", enriched=f"t{run}.news.enriched",
                    actors=f"t{run}.news.actors", deadletter=f"t{run}.news.deadletter",
                    embargoed=f"t{run}.news.embargoed",
                    actor_aggregates=f"t{run}.news.actor-aggregates", partitions=6)
    settings = Settings(kafka=KafkaSettings(bootstrap_servers=kafka_broker), topics=topics, group_prefix=f"t{run}")
    asyncio.run(create_topics(settings))
    env = {**os.environ, "ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka_broker, "ACTORWIRE_GROUP_PREFIX": f"t{run}",
           "ACTORWIRE_WORKER__TORCH_THREADS": "1", "ACTORWIRE_WORKER__HTTP_PORT": "0",
           **{f"ACTORWIRE_TOPICS__{k.upper()}": v for k, v in topics.model_dump().items() if isinstance(v, str)}}
    return SimpleNamespace(settings=settings, env=env)
