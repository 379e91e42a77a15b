"""A readable live view of ``news.enriched`` for people (``actorwire watch``, used by ``make run``),
or its records as JSON lines for tools (``actorwire watch --json``)."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid

from aiokafka import AIOKafkaConsumer

from actorwire.messages import EnrichedArticle
from actorwire.settings import Settings


def summarise(article: EnrichedArticle, max_actors: int = 8, max_stances: int = 6) -> str:
    """Several lines: headline and status, actors with kind and sentiment, stances, quote counts
    (all, and those whose speaker is an actor)."""
    names = {a.actor_id: a.name for a in article.actors}
    lines = [f"▶ {article.headline or article.article_id}  [{article.status}, {article.published_at or 'undated'}]"]
    if article.actors:
        parts = []
        for a in article.actors[:max_actors]:
            s = a.sentiment
            parts.append(f"{a.name} ({a.kind}{', ' + s.label + f' {s.score:+.2f}' if s else ''})")
        more = f" +{len(article.actors) - max_actors} more" if len(article.actors) > max_actors else ""
        lines.append("  actors:  " + "; ".join(parts) + more)
    for st in article.stances[:max_stances]:
        lines.append(f"  stance:  {names.get(st.source_actor_id, st.source_actor_id)} → "
                     f"{names.get(st.target_actor_id, st.target_actor_id)}: {st.label} ({st.confidence:.2f})")
    if len(article.stances) > max_stances:
        lines.append(f"  stance:  +{len(article.stances) - max_stances} more")
    if article.quotes:
        attributed = sum(q.speaker_actor_id is not None for q in article.quotes)
        lines.append(f"  quotes:  {len(article.quotes)}, {attributed} attributed to an actor")
    if article.tone is not None:
        lines.append(f"  tone:    {article.tone:+.2f}")
    return "\n".join(lines)


async def watch_enriched(settings: Settings, limit: int | None, timeout: float | None, from_beginning: bool,
                         as_json: bool = False) -> int:
    """Print summaries (:func:`summarise`), or with ``as_json`` each record's value as it is (one
    ``EnrichedArticle`` JSON per line), until ``limit`` articles, ``timeout`` seconds of silence, or
    SIGINT/SIGTERM (Ctrl-C); returns the count."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    consumer = AIOKafkaConsumer(settings.topics.enriched, group_id=f"{settings.group_prefix}-watch-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest" if from_beginning else "latest",
                                enable_auto_commit=False, **settings.kafka.client_options())
    await consumer.start()
    seen, last = 0, time.monotonic()
    try:
        while (limit is None or seen < limit) and not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    print(record.value.decode() if as_json
                          else summarise(EnrichedArticle.model_validate_json(record.value)), flush=True)
                    seen += 1
                    last = time.monotonic()
            if timeout is not None and time.monotonic() - last > timeout:
                break
    finally:
        try:
            await asyncio.wait_for(consumer.stop(), timeout=5)
        except Exception:  # noqa: BLE001 - never hang when asked to stop (aiokafka#1101)
            pass
    return seen
