"""The dashboard against the real broker, looked at in a real browser (headless Chromium).

Articles enriched by the real models (the example articles through :class:`~actorwire.pipeline.Pipeline`,
dated now) are published as the sentiment worker would publish them; the page must show their actors,
a stance edge and highlighted mentions as they arrive (server-sent events, no reload), and a
restarted dashboard must rebuild the same aggregates from news.actor-aggregates, counting a
replayed event once.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from actorwire.dashboard.aggregates import window_start
from actorwire.decode import decode_ninjs
from actorwire.messages import ActorAggregate, EnrichedArticle
from actorwire.sentiment.worker import article_outputs
from actorwire.text import parse_date, rfc3339

from ..conftest import ROOT
from .test_worker_health import EXAMPLES, free_port, get, sample

pytestmark = pytest.mark.kafka
ARTIFACTS = ROOT / "runs" / "test-artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ATTACK = ' <img src=x onerror="window.__injected=1">'
ROWS = "return [...document.querySelectorAll('#actors tbody tr')].map(r => [r.dataset.actorId, +r.cells[2].textContent])"
COUNT = "return document.querySelectorAll(arguments[0]).length"


def enriched_now(pipeline) -> list[EnrichedArticle]:
    """The example articles through the real models, dated a minute apart within the current hour."""
    items = [decode_ninjs(line.encode(), 2_000_000) for line in EXAMPLES.read_text().splitlines() if line.strip()]
    articles = pipeline.run(items)
    assert len(articles) == 5 and all(a.status == "enriched" and a.actors for a in articles)
    hour = window_start(datetime.now(UTC), "1h")
    return [a.model_copy(update={"published_at": rfc3339(hour + timedelta(minutes=i))}) for i, a in enumerate(articles)]


def publish(settings, articles: list[EnrichedArticle]) -> None:
    """Publish each article and its actor events as the sentiment worker does."""
    async def send() -> None:
        producer = AIOKafkaProducer(acks="all", **settings.kafka.client_options())
        await producer.start()
        try:
            for article in articles:
                for out in article_outputs(settings, article):
                    await producer.send_and_wait(out.topic, out.value, key=out.key,
                                                 headers=[("actorwire-record-id", out.record_id.encode())])
        finally:
            await producer.stop()

    asyncio.run(send())


def read_aggregates(settings) -> dict[str, ActorAggregate | None]:
    """news.actor-aggregates from its start to its end, the last value per key."""
    async def read() -> dict:
        consumer = AIOKafkaConsumer(settings.topics.actor_aggregates, group_id=None, auto_offset_reset="earliest",
                                    **settings.kafka.client_options())
        await consumer.start()
        found: dict = {}
        try:
            for _ in range(6):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        found[r.key.decode()] = None if r.value is None else ActorAggregate.model_validate_json(r.value)
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())


def start_dashboard(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-m", "actorwire", "dashboard"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def wait_for(what: str, check, timeout: float, process: subprocess.Popen, log: Path) -> None:
    """Poll ``check()`` until true; fail with the dashboard's log when it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1400,1250"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


def until(driver, what: str, check, timeout: float = 20.0):
    """Poll ``check(driver)`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check(driver)
        if found:
            return found
        time.sleep(0.2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "dashboard-failed.png"))
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}; page: {driver.find_element('tag name', 'body').text[:2000]}")


def test_the_page_shows_live_actors_stances_and_mentions_and_a_restart_restores_the_aggregates(isolated, pipeline,
                                                                                              tmp_path):
    from selenium.webdriver.common.by import By

    settings, port = isolated.settings, free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**isolated.env, "ACTORWIRE_DASHBOARD__HTTP_HOST": "127.0.0.1", "ACTORWIRE_DASHBOARD__HTTP_PORT": str(port)}
    articles = enriched_now(pipeline)
    last = max(articles, key=lambda a: sum(s.label != "none" for s in a.stances))
    stance = next(s for s in last.stances if s.label != "none")  # the stance edge to look for
    first = [a for a in articles if a is not last]
    first[0] = first[0].model_copy(update={"headline": first[0].headline + ATTACK})  # offsets unchanged
    mentions = Counter()
    for a in first:
        for actor in a.actors:
            mentions[actor.actor_id] += actor.mention_count

    log = tmp_path / "dashboard.log"
    dashboard = start_dashboard(env, log)
    driver = None
    try:
        wait_for("/readyz 200", lambda: get(f"{base}/readyz")[0] == 200, 30, dashboard, log)
        publish(settings, first)
        driver = browser()
        driver.get(base + "/")

        # the top actors of the current hour: every actor of the four articles, most mentioned first
        def top(d) -> dict[str, int] | None:
            rows = d.execute_script(ROWS)
            expected = min(20, len(mentions))
            return dict(rows) if len(rows) == expected and rows[0][1] == max(mentions.values()) else None

        shown = until(driver, "the top actors", top)
        assert shown.items() <= mentions.items()
        assert driver.find_element(By.ID, "live").text == "live"

        # the fifth article arrives while the page is open: its stance edge and mentions appear
        publish(settings, [last])
        edge = f'#stance-edges li[data-source="{stance.source_actor_id}"][data-target="{stance.target_actor_id}"]' \
               f'[data-label="{stance.label}"]'
        until(driver, f"the stance edge {stance}", lambda d: d.execute_script(COUNT, edge))
        links = driver.execute_script(
            "return echarts.getInstanceByDom(document.getElementById('stance-chart')).getOption().series[0].links")
        assert {"source": stance.source_actor_id, "target": stance.target_actor_id, "stance": stance.label} in [
            {k: link[k] for k in ("source", "target", "stance")} for link in links]
        mention = next(m for m in last.mentions if m.actor_id == stance.source_actor_id)
        marks = until(driver, "a highlighted mention", lambda d: d.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(m => m.textContent)",
            f'li[data-article-id="{last.article_id}"] mark[data-actor-id="{mention.actor_id}"]'))
        assert mention.text in marks
        series = driver.execute_script(
            "return echarts.getInstanceByDom(document.getElementById('sentiment-chart')).getOption().series")
        assert series and all(len(s["data"]) >= 1 for s in series)

        # untrusted text is shown as text, never run
        attacked = driver.execute_script("return document.querySelector(arguments[0]).textContent",
                                         f'li[data-article-id="{first[0].article_id}"] h3')
        assert attacked.endswith(ATTACK)
        assert driver.execute_script("return window.__injected") is None
        tooltip = driver.execute_script(
            "return echarts.getInstanceByDom(document.getElementById('stance-chart')).getOption().tooltip[0]"
            ".formatter({dataType: 'edge', data: {source: '<b>x', target: 'y', stance: 'favor', value: 1}})")
        assert tooltip == "&lt;b&gt;x → y: favor ×1"
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.set_window_size(1400, driver.execute_script("return document.documentElement.scrollHeight") + 140)
        time.sleep(0.5)  # the charts follow the resize
        driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))

        # a restart rebuilds the state from the compacted topic; a replayed event is counted once
        before = get(f"{base}/api/actors?window=1d&start=all&limit=100")[1]
        assert stop(dashboard) == 0
        published = read_aggregates(settings)
        day = f"{stance.source_actor_id}|1d|{rfc3339(window_start(parse_date(last.published_at), '1d'))}"
        assert last.article_id in {c.article_id for c in published[day].contributions}
        publish(settings, [last])  # the same records again: at-least-once delivery
        dashboard = start_dashboard(env, log)
        wait_for("/readyz 200 after the restart", lambda: get(f"{base}/readyz")[0] == 200, 30, dashboard, log)
        wait_for("the replayed events consumed", lambda: sample(
            get(f"{base}/metrics")[1], "actorwire_messages_in_total", worker="dashboard",
            topic=settings.topics.actors) == len(last.actors), 30, dashboard, log)
        after = get(f"{base}/api/actors?window=1d&start=all&limit=100")[1]
        assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    finally:
        if driver is not None:
            driver.quit()
        code = stop(dashboard)
    assert code == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]

