"""How a worker cuts and processes its polls: a poll of long records is cut at ``worker.max_batch_bytes``
(the rest is fetched again, every record is processed once, and the offsets committed reach the end of
each partition); a stage in chunks publishes each chunk before it processes the next, and ends its
batch after the chunk in hand when a rebalance revokes its partitions."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from actorwire.decode import decode_ninjs
from actorwire.messages import DeadLetter
from actorwire.streaming import Output, Stage, StreamWorker

from .test_deadletter_replay import read_all

pytestmark = pytest.mark.kafka


async def run_until_stopped(worker: StreamWorker, records: list[tuple[int, bytes]]) -> dict[int, int]:
    """Produce ``records`` ((partition, value)) to the worker's input topic, run ``worker`` until its
    stage stops it, and return its group's committed offset of each partition written."""
    settings, topic = worker.settings, worker.stage.source_topic
    producer = AIOKafkaProducer(**settings.kafka.client_options())
    await producer.start()
    for partition, value in records:
        await producer.send_and_wait(topic, value, partition=partition)
    await producer.stop()
    await asyncio.wait_for(worker.run(), timeout=90)
    consumer = AIOKafkaConsumer(group_id=worker.stage.group_id, **settings.kafka.client_options())
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in sorted({p for p, _ in records})}
    finally:
        await consumer.stop()


def test_batches_stay_within_the_byte_budget_and_every_record_is_processed_once(isolated):
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.batch_size, settings.worker.max_batch_bytes, settings.worker.http_port = 16, 250, 0
    values = [f"{n:03d}".encode() * 33 for n in range(12)]  # 99 bytes each: at most two per batch
    batches: list[list[bytes]] = []

    def process(items):
        batches.append(list(items))
        if sum(map(len, batches)) == len(values):
            worker.stop()
        return [[Output(settings.topics.entities, None, item, f"budget|{item[:3].decode()}")] for item in items]

    worker = StreamWorker(Stage("entities", settings.topics.raw, f"{settings.group_prefix}-budget", lambda raw: raw,
                                process), settings)
    committed = asyncio.run(run_until_stopped(worker, [(n % 2, value) for n, value in enumerate(values)]))
    assert all(sum(map(len, batch)) <= 250 for batch in batches) and len(batches) >= 6
    assert sorted(item for batch in batches for item in batch) == values
    assert committed == {0: 6, 1: 6}


def test_a_record_over_max_message_bytes_is_dead_lettered_and_the_partition_flows(isolated):
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.http_port = 0
    # 800 kB: news.raw takes it (the broker's default limit is 1 MiB), its dead letter is over 1 MiB before compression
    big = b'{"uri": "big", "bodies": [{"value": "' + os.urandom(400_000).hex().encode() + b'"}]}'
    small = [b'{"uri": "small-%d", "headlines": [{"value": "Kenya backed Uganda."}]}' % n for n in range(3)]
    seen: list[str] = []
    worker: StreamWorker | None = None

    def process(items):
        seen.extend(item.uri for item in items)
        if len(seen) == len(small):
            worker.stop()
        return [[] for _ in items]

    stage = Stage("entities", settings.topics.raw, f"{settings.group_prefix}-oversize",
                  lambda raw: decode_ninjs(raw, settings.worker.max_message_bytes), process)

    async def scenario() -> None:
        nonlocal worker
        producer = AIOKafkaProducer(max_request_size=settings.worker.max_request_bytes(),
                                    **settings.kafka.client_options())
        await producer.start()
        for value in (small[0], big, *small[1:]):
            await producer.send_and_wait(settings.topics.raw, value, partition=0)
        await producer.stop()
        worker = StreamWorker(stage, settings)
        await asyncio.wait_for(worker.run(), timeout=90)

    asyncio.run(scenario())
    letters = [DeadLetter.model_validate_json(r.value)
               for r in asyncio.run(read_all(settings, settings.topics.deadletter, expected=1, timeout_s=10))]
    assert seen == ["small-0", "small-1", "small-2"]
    assert len(letters) == 1 and str(settings.worker.max_message_bytes) in letters[0].reason
    assert letters[0].source.offset == 1 and len(letters[0].original_base64) > 1_000_000


def test_a_record_whose_output_the_producer_would_refuse_is_dead_lettered_and_the_partition_flows(isolated):
    # 250 kB of "Kenya. " made a 6.4 MB entity record: the producer refused it and the worker stopped,
    # again at every restart (hostile-input trial)
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.http_port = 0
    values = [b"small-0", b"bomb", b"small-1"]

    def process(items):
        if items[-1] == b"small-1":
            worker.stop()
        return [[Output(settings.topics.entities, item, item * (2_000_000 if item == b"bomb" else 1), item.decode())]
                for item in items]

    worker = StreamWorker(Stage("entities", settings.topics.raw, f"{settings.group_prefix}-bomb", lambda raw: raw,
                                process), settings)
    assert asyncio.run(run_until_stopped(worker, [(0, value) for value in values])) == {0: 3}
    published = asyncio.run(read_all(settings, settings.topics.entities, expected=2, timeout_s=10))
    assert sorted(r.value for r in published) == [b"small-0", b"small-1"]
    (letter,) = [DeadLetter.model_validate_json(r.value)
                 for r in asyncio.run(read_all(settings, settings.topics.deadletter, expected=1, timeout_s=10))]
    assert (letter.source.offset, letter.error_class) == (1, "OutputTooLarge")


def test_a_stage_in_chunks_of_one_publishes_each_record_before_it_processes_the_next(isolated):
    # ... and counts each published chunk as progress for /healthz, so the health window has to
    # cover the slowest record, not the whole batch
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.http_port = 0
    released = threading.Event()  # set once the first record's output is on the topic
    waited: list[bool] = []
    polled: list[int] = []
    started: dict[bytes, float] = {}
    progress: list[float] = []
    worker: StreamWorker | None = None

    def process(items):
        polled.append(len(items))
        started[items[0]] = time.monotonic()
        if items == [b"slow"]:
            progress.append(worker.last_progress)
            waited.append(released.wait(timeout=30))
            worker.stop()
        return [[Output(settings.topics.entities, None, item, f"chunk|{item.decode()}")] for item in items]

    stage = Stage("entities", settings.topics.raw, f"{settings.group_prefix}-chunks", lambda raw: raw, process,
                  chunk=1)

    async def scenario() -> None:
        nonlocal worker
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        for value in (b"fast", b"slow"):
            await producer.send_and_wait(settings.topics.raw, value, partition=0)
        await producer.stop()
        worker = StreamWorker(stage, settings)
        run = asyncio.ensure_future(worker.run())
        first = await read_all(settings, settings.topics.entities, expected=1, timeout_s=60)
        released.set()
        await asyncio.wait_for(run, timeout=60)
        assert [r.value for r in first] == [b"fast"]

    asyncio.run(scenario())
    assert polled == [1, 1] and waited == [True]
    assert started[b"fast"] < progress[0] < started[b"slow"]


def test_a_rebalance_ends_a_chunked_batch_after_the_record_in_hand_and_nothing_is_lost(isolated):
    # worker A holds record 2 of a poll of 12 until a second member's join makes it revoke its
    # partitions: A publishes and commits records 0-2 only, the rebalance goes on, and A or B
    # processes the rest (fetched again from the committed offsets)
    settings = isolated.settings.model_copy(deep=True)
    settings.worker.batch_size, settings.worker.http_port = 16, 0
    values = [f"r{n:02d}".encode() for n in range(12)]
    seen: dict[str, list[bytes]] = {"a": [], "b": []}
    revoked_in_hand: list[bool] = []
    while_revoking: list[bytes] = []  # records A started while its revocation waited
    workers: dict[str, StreamWorker] = {}

    def processor(name: str):
        def process(items):
            seen[name].extend(items)
            if name == "a" and workers["a"]._revoking:
                while_revoking.extend(items)
            if name == "a" and items == [values[2]]:
                deadline = time.monotonic() + 60
                while not workers["a"]._revoking and time.monotonic() < deadline:
                    time.sleep(0.05)
                revoked_in_hand.append(workers["a"]._revoking)
            if len({v for vs in seen.values() for v in vs}) == len(values):
                for worker in workers.values():
                    worker.stop()
            return [[Output(settings.topics.entities, None, item, f"rebalance|{item.decode()}")] for item in items]
        return process

    def stage(name: str) -> Stage:
        return Stage("entities", settings.topics.raw, f"{settings.group_prefix}-rebalance", lambda raw: raw,
                     processor(name), chunk=1)

    async def scenario() -> list:
        producer = AIOKafkaProducer(**settings.kafka.client_options())
        await producer.start()
        for value in values:
            await producer.send_and_wait(settings.topics.raw, value, partition=0)
        await producer.stop()
        workers["a"] = StreamWorker(stage("a"), settings)
        run_a = asyncio.ensure_future(workers["a"].run())
        while len(seen["a"]) < 3:
            await asyncio.sleep(0.05)
        workers["b"] = StreamWorker(stage("b"), settings)
        run_b = asyncio.ensure_future(workers["b"].run())
        await asyncio.wait_for(asyncio.gather(run_a, run_b), timeout=120)
        return await read_all(settings, settings.topics.entities, expected=len(values), timeout_s=30)

    published = asyncio.run(scenario())
    assert revoked_in_hand == [True] and while_revoking == []
    assert {r.value for r in published} == set(values)
    assert {v for vs in seen.values() for v in vs} == set(values)
