"""The dashboard's aggregation, article view and HTTP server, without Kafka."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from actorwire.dashboard.aggregates import AggregateStore, aggregate_key, compare_versions, window_start
from actorwire.dashboard.articles import RecentArticles, article_view, excerpt_end, highlight
from actorwire.dashboard.service import DashboardMetrics, aggregate_stage, record_output
from actorwire.dashboard.web import DashboardServer
from actorwire.health import Telemetry
from actorwire.messages import ActorAggregate, ActorEvent, EnrichedArticle, Mention, SourceCoordinates
from actorwire.settings import Settings, WorkerSettings
from actorwire.streaming import run_batch

ARRIVAL = datetime(2026, 11, 30, 9, 41, 7, tzinfo=UTC)


def event(article: str = "urn:a1", version: str = "1", published: str | None = "2026-11-26T11:20:00Z",
          actor: str = "country:KEN", name: str = "Kenya", mentions: int = 2, label: str | None = "positive",
          score: float = 0.5, stances: tuple[tuple[str, str], ...] = ()) -> ActorEvent:
    """An actor event; ``stances`` are (target actor id, label) pairs held by ``actor``."""
    return ActorEvent.model_validate({
        "article_id": article, "version": version, "published_at": published, "pipeline_version": "0.1.0",
        "headline": "h",
        "actor": {"actor_id": actor, "name": name, "kind": actor.split(":")[0], "salience": 0.5,
                  "mention_count": mentions,
                  "sentiment": None if label is None else {"label": label, "score": score, "confidence": 0.9}},
        "stances": [{"source_actor_id": actor, "target_actor_id": target, "label": stance, "confidence": 0.6,
                     "evidence": {"field": "body", "start": 0, "end": 1}} for target, stance in stances]})


def store(hours: int = 48, days: int = 30) -> AggregateStore:
    return AggregateStore({"1h": hours, "1d": days})


def hour(s: AggregateStore, actor: str = "country:KEN", start: str = "2026-11-26T11:00:00Z") -> ActorAggregate | None:
    return s.record(aggregate_key(actor, "1h", start))


# -- versions and windows ----------------------------------------------------------------------

def test_versions_compare_numerically_when_both_are_integers_else_as_strings():
    assert compare_versions("10", "9") == 1  # as strings "10" < "9"
    assert compare_versions("2", "2") == 0 and compare_versions("1", "2") == -1
    assert compare_versions("1.10", "1.2") == 1 and compare_versions("2", "1.9") == 1  # dotted: part by part
    assert compare_versions("b", "a") == 1 and compare_versions("10a", "9a") == -1  # not integers: string order
    assert compare_versions("٣", "2") == 1  # a non-ASCII digit is not an integer version: string order


def test_tumbling_windows_are_utc_aligned_hours_and_days():
    t = datetime(2026, 11, 26, 10, 59, 59, tzinfo=UTC)
    assert window_start(t, "1h") == datetime(2026, 11, 26, 10, tzinfo=UTC)
    assert window_start(t.replace(hour=11, minute=0, second=0), "1h") == datetime(2026, 11, 26, 11, tzinfo=UTC)
    assert window_start(datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC), "1d") == datetime(2026, 11, 26, tzinfo=UTC)
    assert window_start(datetime(2026, 11, 27, 0, 0, 0, tzinfo=UTC), "1d") == datetime(2026, 11, 27, tzinfo=UTC)


def test_events_on_either_side_of_a_boundary_land_in_different_windows_and_offsets_count_as_utc():
    s = store()
    s.apply(event("urn:a", published="2026-11-26T10:59:59Z"), ARRIVAL)
    s.apply(event("urn:b", published="2026-11-26T11:00:00Z"), ARRIVAL)
    s.apply(event("urn:c", published="2026-11-27T00:30:00+01:00"), ARRIVAL)  # 23:30 UTC on the 26th
    assert hour(s, start="2026-11-26T10:00:00Z").article_count == 1
    assert hour(s, start="2026-11-26T11:00:00Z").article_count == 1
    assert hour(s, start="2026-11-26T23:00:00Z").article_count == 1
    day = s.record(aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z"))
    assert sorted(c.article_id for c in day.contributions) == ["urn:a", "urn:b", "urn:c"]
    assert (day.window_start, day.window_end) == ("2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z")


# -- idempotence -------------------------------------------------------------------------------

def test_a_replayed_event_changes_nothing_and_is_counted_once():
    s = store()
    first = s.apply(event(mentions=3), ARRIVAL)
    assert first.changed == {aggregate_key("country:KEN", "1h", "2026-11-26T11:00:00Z"),
                             aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")}
    again = s.apply(event(mentions=3), datetime(2026, 12, 1, tzinfo=UTC))
    assert not again.changed and not again.deleted
    record = hour(s)
    assert (record.article_count, record.mention_count) == (1, 3)
    assert record.sentiment_counts == {"negative": 0, "neutral": 0, "positive": 1}


def test_a_newer_version_replaces_the_earlier_contribution_and_an_older_one_is_ignored():
    s = store()
    s.apply(event(version="9", mentions=3, label="negative", score=-0.6, stances=(("country:ETH", "against"),)), ARRIVAL)
    s.apply(event("urn:other", mentions=1, label="positive", score=0.2), ARRIVAL)
    changed = s.apply(event(version="10", mentions=1, label="positive", score=0.4, stances=(("country:ETH", "favor"),)),
                      ARRIVAL)
    assert len(changed.changed) == 2
    record = hour(s)
    assert (record.article_count, record.mention_count) == (2, 2)
    assert record.sentiment_counts == {"negative": 0, "neutral": 0, "positive": 2}
    assert record.mean_sentiment == pytest.approx(0.3)
    assert [(x.target_actor_id, x.favor, x.against) for x in record.stances] == [("country:ETH", 1, 0)]
    assert not s.apply(event(version="9", mentions=3, label="negative", score=-0.6), ARRIVAL).changed
    assert hour(s).mention_count == 2


def test_a_newer_version_with_another_date_moves_the_article_and_deletes_the_emptied_window():
    s = store()
    s.apply(event(version="1", published="2026-11-26T11:20:00Z"), ARRIVAL)
    moved = s.apply(event(version="2", published="2026-11-27T08:00:00Z"), ARRIVAL)
    gone = {aggregate_key("country:KEN", "1h", "2026-11-26T11:00:00Z"),
            aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")}
    assert moved.deleted == gone
    assert moved.changed == {aggregate_key("country:KEN", "1h", "2026-11-27T08:00:00Z"),
                             aggregate_key("country:KEN", "1d", "2026-11-27T00:00:00Z")}
    assert all(s.record(key) is None for key in gone)
    assert s.starts("1d") == ["2026-11-27T00:00:00Z"]


def test_an_undated_article_is_windowed_on_its_first_arrival_and_stays_there():
    s = store()
    s.apply(event(published=None), ARRIVAL)
    key = aggregate_key("country:KEN", "1h", "2026-11-30T09:00:00Z")
    contribution = s.record(key).contributions[0]
    assert (contribution.event_time, contribution.event_time_source) == ("2026-11-30T09:41:07Z", "arrival")
    later = datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert not s.apply(event(published=None), later).changed  # a replay hours later changes nothing
    s.apply(event(version="2", published=None, mentions=5), later)  # a new undated version stays put
    assert s.record(key).mention_count == 5 and s.starts("1h") == ["2026-11-30T09:00:00Z"]


def test_retention_keeps_the_newest_windows_per_actor_and_drops_late_events():
    s = store(hours=2, days=30)
    s.apply(event("urn:10", published="2026-11-26T10:05:00Z"), ARRIVAL)
    s.apply(event("urn:11", published="2026-11-26T11:05:00Z"), ARRIVAL)
    late = s.apply(event("urn:09", published="2026-11-26T09:05:00Z"), ARRIVAL)
    assert late.late == ["1h"]  # older than both retained hours: dropped for 1h, counted for the day
    assert s.record(aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")).article_count == 3
    newer = s.apply(event("urn:12", published="2026-11-26T12:05:00Z"), ARRIVAL)
    assert newer.deleted == {aggregate_key("country:KEN", "1h", "2026-11-26T10:00:00Z")}
    assert s.starts("1h") == ["2026-11-26T12:00:00Z", "2026-11-26T11:00:00Z"]
    # another actor keeps its own windows
    s.apply(event("urn:10", actor="country:ETH", name="Ethiopia", published="2026-11-26T10:05:00Z"), ARRIVAL)
    assert s.record(aggregate_key("country:ETH", "1h", "2026-11-26T10:00:00Z")).article_count == 1


# -- restore from the compacted topic ----------------------------------------------------------

def publish(s: AggregateStore, applied, log: list) -> None:
    """Append what the stage would publish for ``applied`` to the topic ``log`` (key, value)."""
    for key in sorted(applied.changed | applied.deleted):
        record = s.record(key)
        log.append((key, None if record is None else ActorAggregate.model_validate_json(record.model_dump_json())))


def test_state_restored_from_published_records_equals_the_live_state_and_replays_stay_idempotent():
    live, topic = store(hours=2), []
    events = [event("urn:1", published="2026-11-26T10:05:00Z", stances=(("country:ETH", "against"),)),
              event("urn:2", published="2026-11-26T11:05:00Z"),
              event("urn:1", version="2", published="2026-11-26T11:30:00Z", mentions=4),  # moves 10h → 11h
              event("urn:3", published=None),
              event("urn:4", published="2026-11-26T12:00:00Z", actor="person:abiy-ahmed", name="Abiy Ahmed")]
    for e in events:
        publish(live, live.apply(e, ARRIVAL), topic)
    assert any(value is None for _, value in topic)  # the emptied 10h window was tombstoned
    restored = store(hours=2)
    assert not restored.restore(topic).changed  # a consistent topic needs no correction
    keys = {key for key, _ in topic}
    assert {k: restored.record(k) for k in keys} == {k: live.record(k) for k in keys}
    later = datetime(2026, 12, 2, tzinfo=UTC)
    for e in events:  # the uncommitted tail replayed after a restart
        assert not restored.apply(e, later).changed
    restored.apply(event("urn:2", version="2", published="2026-11-26T11:05:00Z", mentions=7), ARRIVAL)
    assert restored.record(aggregate_key("country:KEN", "1h", "2026-11-26T11:00:00Z")).mention_count == 11


def test_restore_keeps_only_the_newest_version_of_an_article_found_in_two_windows():
    s = store()
    s.apply(event(version="1", published="2026-11-26T10:05:00Z"), ARRIVAL)
    s.apply(event("urn:b", published="2026-11-26T10:10:00Z"), ARRIVAL)
    stale = s.record(aggregate_key("country:KEN", "1h", "2026-11-26T10:00:00Z"))
    s.apply(event(version="2", published="2026-11-26T11:05:00Z"), ARRIVAL)
    fresh = s.record(aggregate_key("country:KEN", "1h", "2026-11-26T11:00:00Z"))
    day = s.record(aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z"))
    # the crash case: the move's new window was published, the old window's update was not
    restored = store()
    corrections = restored.restore([(aggregate_key("country:KEN", "1h", stale.window_start), stale),
                                    (aggregate_key("country:KEN", "1h", fresh.window_start), fresh),
                                    (aggregate_key("country:KEN", "1d", day.window_start), day)])
    assert corrections.changed == {aggregate_key("country:KEN", "1h", stale.window_start)}
    assert [c.article_id for c in restored.record(aggregate_key("country:KEN", "1h", stale.window_start)).contributions] \
        == ["urn:b"]
    assert not restored.apply(event(version="1", published="2026-11-26T10:05:00Z"), ARRIVAL).changed


# -- queries -----------------------------------------------------------------------------------

def test_top_actors_stances_and_series_answer_for_the_selected_window_and_kind():
    s = store()
    s.apply(event("urn:1", actor="country:KEN", name="Kenya", mentions=2, stances=(("country:ETH", "favor"),)), ARRIVAL)
    s.apply(event("urn:1", actor="country:EGY", name="Egypt", mentions=3, label="negative", score=-0.5,
                  stances=(("country:ETH", "against"), ("country:ETH", "against"))), ARRIVAL)
    s.apply(event("urn:1", actor="person:abiy-ahmed", name="Abiy Ahmed", mentions=1), ARRIVAL)
    s.apply(event("urn:2", actor="country:KEN", name="Kenya", mentions=4, published="2026-11-25T08:00:00Z"), ARRIVAL)

    newest = s.top_actors("1h")
    assert newest["window_start"] == "2026-11-26T11:00:00Z"
    assert newest["starts"] == ["2026-11-26T11:00:00Z", "2026-11-25T08:00:00Z"]
    assert [a["actor_id"] for a in newest["actors"]] == ["country:EGY", "country:KEN", "person:abiy-ahmed"]
    assert [a["actor_id"] for a in s.top_actors("1h", kind="person")["actors"]] == ["person:abiy-ahmed"]
    everything = s.top_actors("1d", start="all")["actors"]
    assert everything[0]["actor_id"] == "country:KEN" and everything[0]["mention_count"] == 6
    assert everything[0]["article_count"] == 2

    graph = s.stance_graph("1h")
    assert graph["edges"] == [{"source": "country:EGY", "target": "country:ETH", "label": "against", "count": 2},
                              {"source": "country:KEN", "target": "country:ETH", "label": "favor", "count": 1}]
    ethiopia = next(n for n in graph["nodes"] if n["actor_id"] == "country:ETH")
    assert ethiopia == {"actor_id": "country:ETH", "name": "country:ETH", "kind": "country", "mention_count": 0}
    assert s.stance_graph("1h", kind="person")["edges"] == []

    series = s.series("country:KEN", "1h")
    assert [(p["window_start"], p["mention_count"]) for p in series["points"]] == [
        ("2026-11-25T08:00:00Z", 4), ("2026-11-26T11:00:00Z", 2)]


# -- the stage (decode, process, dead letters) -------------------------------------------------

def test_the_stage_publishes_each_changed_window_once_per_batch_and_dead_letters_bad_events():
    settings = Settings()
    s = store(hours=1)
    notices = []
    metrics = DashboardMetrics(Telemetry.for_worker("dashboard", WorkerSettings()).metrics.registry, s)
    stage = aggregate_stage(settings, s, metrics, notices.append, clock=lambda: ARRIVAL)
    records = [(SourceCoordinates(topic=settings.topics.actors, partition=0, offset=i), b"country:KEN", raw)
               for i, raw in enumerate([event("urn:1").model_dump_json().encode(),
                                        event("urn:2").model_dump_json().encode(),
                                        b'{"article_id": "urn:3"}',
                                        event("urn:4", published="soon").model_dump_json().encode(),
                                        event("urn:5", published="2026-11-26T12:00:00Z").model_dump_json().encode()])]
    outputs = run_batch(stage, records, settings.topics.deadletter)
    letters = [json.loads(o.value) for o in outputs if o.topic == settings.topics.deadletter]
    assert [(x["source"]["offset"], x["error_class"]) for x in letters] == [(2, "ValidationError"), (3, "ValueError")]
    assert "published_at is not a date" in letters[1]["reason"]
    published = {o.key.decode(): o.value for o in outputs if o.topic == settings.topics.actor_aggregates}
    assert published == {
        aggregate_key("country:KEN", "1h", "2026-11-26T11:00:00Z"): None,  # past retention (1 hour kept)
        aggregate_key("country:KEN", "1h", "2026-11-26T12:00:00Z"):
            s.record(aggregate_key("country:KEN", "1h", "2026-11-26T12:00:00Z")).model_dump_json().encode(),
        aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z"):
            s.record(aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")).model_dump_json().encode()}
    assert s.record(aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")).article_count == 3
    assert notices == [{"type": "aggregates", "actors": ["country:KEN"]}]
    # a replay publishes the windows as they are: the same records under the same ids
    again = run_batch(stage, records[:2], settings.topics.deadletter)
    assert {o.key.decode(): (o.value, o.record_id) for o in again} == {
        key: (record_output(settings, s, key).value, record_output(settings, s, key).record_id)
        for key in (aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z"),)}
    assert notices == [{"type": "aggregates", "actors": ["country:KEN"]}]  # nothing changed: no notice
    day = aggregate_key("country:KEN", "1d", "2026-11-26T00:00:00Z")
    assert record_output(settings, s, day).record_id == record_output(settings, s, day).record_id


def test_an_event_whose_window_ends_after_year_9999_is_dead_lettered_and_the_batch_published():
    # it failed the batch after the events before it had changed the state, and their aggregates
    # were never published (hostile-input trial)
    settings = Settings()
    s = store()
    metrics = DashboardMetrics(Telemetry.for_worker("dashboard", WorkerSettings()).metrics.registry, s)
    stage = aggregate_stage(settings, s, metrics, lambda notice: None, clock=lambda: ARRIVAL)
    raws = [event("urn:a", actor="person:a", published="2026-12-01T10:00:00Z"),
            event("urn:p", actor="person:p", published="9999-12-31T23:30:00Z"),
            event("urn:b", actor="person:b", published="2026-12-01T11:00:00Z")]
    records = [(SourceCoordinates(topic=settings.topics.actors, partition=3, offset=i), None,
                raw.model_dump_json().encode()) for i, raw in enumerate(raws)]
    outputs = run_batch(stage, records, settings.topics.deadletter)
    (letter,) = [json.loads(o.value) for o in outputs if o.topic == settings.topics.deadletter]
    assert (letter["source"]["offset"], letter["error_class"]) == (1, "OverflowError")
    assert "9999-12-31T23:30:00Z has no window" in letter["reason"]
    assert sorted(o.key.decode() for o in outputs if o.topic == settings.topics.actor_aggregates) == [
        aggregate_key("person:a", "1d", "2026-12-01T00:00:00Z"), aggregate_key("person:a", "1h", "2026-12-01T10:00:00Z"),
        aggregate_key("person:b", "1d", "2026-12-01T00:00:00Z"), aggregate_key("person:b", "1h", "2026-12-01T11:00:00Z")]


def test_a_batch_that_fails_after_changing_the_state_loses_none_of_its_windows():
    settings = Settings()

    class Failing(AggregateStore):
        def apply(self, event, arrival):
            if event.article_id == "urn:boom":
                raise RuntimeError("a bug in the store")
            return super().apply(event, arrival)

    s = Failing({"1h": 48, "1d": 30})
    metrics = DashboardMetrics(Telemetry.for_worker("dashboard", WorkerSettings()).metrics.registry, s)
    stage = aggregate_stage(settings, s, metrics, lambda notice: None, clock=lambda: ARRIVAL)
    raws = [event("urn:a", actor="person:a"), event("urn:b", actor="person:b"), event("urn:boom", actor="person:c")]
    records = [(SourceCoordinates(topic=settings.topics.actors, partition=0, offset=i), None,
                raw.model_dump_json().encode()) for i, raw in enumerate(raws)]
    outputs = run_batch(stage, records, settings.topics.deadletter)  # fails at urn:boom, then one by one
    assert [json.loads(o.value)["error_class"] for o in outputs if o.topic == settings.topics.deadletter] == \
        ["RuntimeError"]
    assert sorted(o.key.decode() for o in outputs if o.topic == settings.topics.actor_aggregates) == sorted(
        aggregate_key(actor, window, start) for actor in ("person:a", "person:b")
        for window, start in (("1h", "2026-11-26T11:00:00Z"), ("1d", "2026-11-26T00:00:00Z")))


# -- the article view --------------------------------------------------------------------------

def mention(text: str, whole: str, actor: str | None, field: str = "headline", label: str = "LOC") -> Mention:
    start = whole.index(text)
    return Mention(text=text, label=label, field=field, start=start, end=start + len(text), actor_id=actor, score=0.9)


def test_highlight_segments_join_to_the_text_and_skip_bad_or_overlapping_offsets():
    text = "<b>Kenya</b> & Egypt disagree"
    kenya, egypt = mention("Kenya", text, "country:KEN"), mention("Egypt", text, "country:EGY")
    wrong = Mention(text="Sudan", label="LOC", field="headline", start=0, end=5, actor_id="country:SDN", score=0.9)
    overlap = Mention(text="nya</b> &", label="LOC", field="headline", start=5, end=14, actor_id=None, score=0.9)
    actors = {"country:KEN": {"name": "Kenya", "kind": "country"}}
    parts = highlight(text, [egypt, wrong, overlap, kenya], actors)
    assert "".join(p["text"] for p in parts) == text
    assert [p["text"] for p in parts if "actor_id" in p] == ["Kenya", "Egypt"]
    assert parts[1] == {"text": "Kenya", "actor_id": "country:KEN", "name": "Kenya", "kind": "country", "label": "LOC"}
    assert parts[0] == {"text": "<b>"}  # markup-looking text stays text: the page puts it in a text node


def test_an_excerpt_never_cuts_a_mention():
    body = "word " * 100 + "Abiy Ahmed spoke " + "more " * 50
    abiy = mention("Abiy Ahmed", body, "person:abiy-ahmed", field="body", label="PER")
    assert excerpt_end(body, [abiy], limit=507) == abiy.start  # the last space before 507 is inside the name
    assert excerpt_end(body, [abiy], limit=513) == abiy.end
    assert excerpt_end("short", [], limit=503) == 5


def article(version: str = "1", status: str = "enriched", published: str | None = "2026-11-26T11:00:00Z",
            uri: str = "urn:a") -> EnrichedArticle:
    headline = "Kenya backs Ethiopia"
    return EnrichedArticle.model_validate({
        "article_id": uri, "version": version, "published_at": published, "language": "en", "status": status,
        "pipeline_version": "0.1.0", "models": [], "headline": headline, "body": "", "mentions": [
            mention("Kenya", headline, "country:KEN").model_dump()],
        "actors": [{"actor_id": "country:KEN", "name": "Kenya", "kind": "country", "salience": 1.0,
                    "mention_count": 1}], "stances": [], "quotes": []})


def test_recent_articles_keep_the_newest_version_drop_retractions_and_keep_the_newest_dates():
    recent = RecentArticles(capacity=2)
    assert recent.add(article("2"))
    assert not recent.add(article("1")) and not recent.add(article("2"))
    assert [a["version"] for a in recent.newest(10)] == ["2"]
    assert recent.add(article("3", status="retracted")) and recent.newest(10) == []
    recent.add(article(uri="urn:old", published="2026-11-20T00:00:00Z"))
    recent.add(article(uri="urn:new", published="2026-11-28T00:00:00Z"))
    recent.add(article(uri="urn:undated", published=None))
    assert [a["article_id"] for a in recent.newest(10)] == ["urn:new", "urn:old"]
    assert recent.newest(10, actor_id="country:ETH") == [] and len(recent.newest(10, kind="country")) == 2
    view = article_view(article())
    assert [p["text"] for p in view["headline"]] == ["Kenya", " backs Ethiopia"]


# -- the HTTP server ---------------------------------------------------------------------------

def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
            return response.status, json.loads(body) if "json" in response.headers["Content-Type"] else body
    except urllib.error.HTTPError as exc:
        body = exc.read().decode()
        return exc.code, json.loads(body) if "json" in exc.headers["Content-Type"] else body


@pytest.fixture
def served():
    s = store()
    s.apply(event(stances=(("country:ETH", "against"),)), ARRIVAL)
    recent = RecentArticles(5)
    recent.add(article())
    server = DashboardServer(s, recent, Telemetry.for_worker("dashboard", WorkerSettings()), "127.0.0.1", 0)
    port = server.start()
    yield server, f"http://127.0.0.1:{port}"
    server.stop()


def test_the_api_answers_json_and_refuses_bad_parameters(served):
    _, base = served
    status, actors = get(f"{base}/api/actors?window=1h&kind=country")
    assert status == 200 and [a["name"] for a in actors["actors"]] == ["Kenya"]
    assert get(f"{base}/api/actors?window=1w")[0] == 400
    assert get(f"{base}/api/actors?kind=planet") == (400, {"error": "kind must be one of person, organization, "
                                                                   "country, location, group"})
    assert get(f"{base}/api/articles?limit=-1")[0] == 400
    newest = actors["window_start"]
    for bad in ("garbage", "2026-12-02T10:00:00", "2026-13-01T00:00:00Z"):  # no zone, no such month
        assert get(f"{base}/api/actors?start={bad}") == (400, {"error": "start must be a window start such as "
                                                                        "2026-12-01T10:00:00Z, or all"})
        assert get(f"{base}/api/stances?start={bad}")[0] == 400
    same = newest.replace("Z", "%2B00:00")  # the same moment in another RFC 3339 form
    assert get(f"{base}/api/actors?start={same}")[1]["window_start"] == newest
    assert get(f"{base}/api/actors?start=all")[1]["actors"][0]["name"] == "Kenya"
    assert get(f"{base}/api/stances")[1]["edges"][0]["label"] == "against"
    assert get(f"{base}/api/actors/country:KEN/series?window=1d")[1]["points"][0]["mention_count"] == 2
    assert get(f"{base}/api/articles")[1]["articles"][0]["article_id"] == "urn:a"
    assert get(f"{base}/readyz") == (503, "models loading\n")
    with urllib.request.urlopen(f"{base}/", timeout=5) as page:
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert b"/static/vendor/echarts.min.js" in page.read()
    with urllib.request.urlopen(f"{base}/static/vendor/echarts.min.js", timeout=5) as script:
        assert len(script.read()) > 900_000
    for refused in (f"{base}/api/actors?limit=0", f"{base}/nope"):  # error answers carry the headers too
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(refused, timeout=5)
        assert answer.value.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in answer.value.headers["Content-Security-Policy"]


def test_event_streams_past_the_most_allowed_are_refused_and_a_closed_one_frees_its_place():
    server = DashboardServer(store(), RecentArticles(5), Telemetry.for_worker("dashboard", WorkerSettings()),
                             "127.0.0.1", 0, max_streams=2)
    base = f"http://127.0.0.1:{server.start()}"
    try:
        first, second = (urllib.request.urlopen(f"{base}/events", timeout=5) for _ in range(2))
        for stream in (first, second):
            assert stream.readline() == b"retry: 2000\n"  # subscribed
        status, body = get(f"{base}/events")
        assert status == 503 and "2 event streams are open" in body["error"]
        second.close()
        for _ in range(50):  # the server notices the closed stream at its next write
            server.notify({"type": "article", "article_ids": []})
            time.sleep(0.1)
            if not server.hub.full():
                break
        with urllib.request.urlopen(f"{base}/events", timeout=5) as third:
            assert third.readline() == b"retry: 2000\n"
        first.close()
    finally:
        server.stop()


def test_events_stream_a_notice_for_every_change(served):
    server, base = served
    lines: list[str] = []
    opened = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(f"{base}/events", timeout=10) as stream:
            opened.set()
            for raw in stream:
                lines.append(raw.decode().rstrip("\n"))
                if lines[-1].startswith("data:"):
                    return

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(5)
    for _ in range(50):  # until the stream is subscribed on the server's loop
        server.notify({"type": "article", "article_ids": ["urn:a"]})
        reader.join(0.1)
        if not reader.is_alive():
            break
    assert "event: article" in lines
    assert json.loads(lines[-1].removeprefix("data: ")) == {"type": "article", "article_ids": ["urn:a"]}
