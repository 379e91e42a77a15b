"""run_batch: bad records are isolated and dead-lettered; the rest of the batch flows on."""

import base64

from actorwire.decode import Rejected
from actorwire.messages import DeadLetter, SourceCoordinates
from actorwire.streaming import Output, Stage, record_id, run_batch, within_budget


def decode(raw: bytes) -> str:
    if raw == b"garbage":
        raise Rejected("not an article", "ValueError")
    return raw.decode()


def process(items):
    if any(item == "poison" for item in items):
        raise RuntimeError("model failed on poison")
    return [[Output("out", None, item.upper().encode(), item)] for item in items]


def test_rejected_and_poison_records_are_dead_lettered_and_the_others_processed():
    stage = Stage("test", "in", "group", decode, process)
    records = [(SourceCoordinates(topic="in", partition=0, offset=n), b"k", value)
               for n, value in enumerate([b"a", b"garbage", b"poison", b"b"])]
    outputs = run_batch(stage, records, "dead")
    assert sorted(o.value for o in outputs if o.topic == "out") == [b"A", b"B"]
    letters = [DeadLetter.model_validate_json(o.value) for o in outputs if o.topic == "dead"]
    assert [(d.source.offset, d.error_class) for d in letters] == [(1, "ValueError"), (2, "RuntimeError")]
    assert "model failed on poison" in letters[1].reason
    assert base64.b64decode(letters[1].original_base64) == b"poison"
    assert {o.record_id for o in outputs if o.topic == "dead"} == {"deadletter|in|0|1", "deadletter|in|0|2"}


def test_a_record_whose_output_exceeds_the_request_limit_is_dead_lettered_and_the_others_published():
    def expand(items):  # one output per item, 1,000 times the input's size
        return [[Output("out", b"k", item.encode() * 1000, item), Output("other", None, b"small", item)]
                for item in items]

    stage = Stage("test", "in", "group", decode, expand)
    records = [(SourceCoordinates(topic="in", partition=0, offset=n), b"k", value)
               for n, value in enumerate([b"a", b"long" * 10, b"b"])]
    outputs = run_batch(stage, records, "dead", max_output_bytes=2_000)
    assert [(o.topic, o.record_id) for o in outputs if o.topic != "dead"] == \
        [("out", "a"), ("other", "a"), ("out", "b"), ("other", "b")]  # none of the oversized record's outputs
    (letter,) = [DeadLetter.model_validate_json(o.value) for o in outputs if o.topic == "dead"]
    assert (letter.source.offset, letter.error_class) == (1, "OutputTooLarge")
    assert letter.reason == "an output of 40041 bytes exceeds the 2000-byte limit of a record"
    assert base64.b64decode(letter.original_base64) == b"long" * 10
    assert len(run_batch(stage, records, "dead")) == 6  # offline: no limit


def test_a_batch_stops_at_the_byte_budget_and_each_partition_resumes_at_its_first_record_left_over():
    from types import SimpleNamespace

    from aiokafka import TopicPartition

    a, b, c = (TopicPartition("news.raw", p) for p in range(3))
    poll = [(a, SimpleNamespace(offset=10, value=b"x" * 60)), (a, SimpleNamespace(offset=11, value=b"x" * 60)),
            (b, SimpleNamespace(offset=5, value=b"x" * 30)), (b, SimpleNamespace(offset=6, value=None)),
            (c, SimpleNamespace(offset=7, value=b"x" * 50))]
    taken, held = within_budget(poll, 100)
    assert [(tp.partition, r.offset) for tp, r in taken] == [(0, 10), (1, 5), (1, 6)]
    assert held == {a: 11, c: 7}
    taken, held = within_budget(poll[1:2], 10)  # larger than the budget: goes alone
    assert [r.offset for _, r in taken] == [11] and held == {}


def test_record_ids_of_different_parts_never_coincide():
    assert record_id("urn:x", "1", "0.1.1") == "urn:x|1|0.1.1"  # plain parts read as they are
    assert record_id("urn:x|1", "2", "0.1.1") != record_id("urn:x", "1|2", "0.1.1")
    assert record_id("a%7Cb", "1") != record_id("a|b", "1")
    assert record_id("a|b", "1") == "a%7Cb|1"
