"""Topic administration: create the project's topics idempotently."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from actorwire.settings import Settings

log = logging.getLogger("actorwire.admin")


async def create_topics(settings: Settings, partitions: int | None = None) -> list[str]:
    """Create every topic of ``settings.topics`` that does not exist yet; returns the ones created.

    ``news.deadletter`` keeps records for 30 days; ``news.actor-aggregates`` is compacted (the latest
    record per key stays: the dashboard's changelog); the others use the broker's retention.
    """
    configs = {settings.topics.deadletter: {"retention.ms": str(30 * 86400 * 1000)},
               settings.topics.actor_aggregates: {"cleanup.policy": "compact"}}
    admin = AIOKafkaAdminClient(**settings.kafka.client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        count = partitions or settings.topics.partitions
        wanted = [NewTopic(name, num_partitions=count, replication_factor=1, topic_configs=configs.get(name, {}))
                  for name in settings.topics.all() if name not in existing]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
        return [t.name for t in wanted]
    finally:
        await admin.close()
