"""The dashboard's HTTP server (aiohttp), on an event loop in a thread of its own so that a busy or
blocked Kafka loop shows up as a failing /healthz instead of a page that hangs.

Routes (all GET; JSON unless said otherwise; a bad parameter answers 400 ``{"error": ...}``):

``/``                           the page (``static/index.html``), ``/static/...`` its CSS, JS and ECharts
``/api/actors``                 top actors by mentions: ``window`` (``1h`` | ``1d``, default ``1h``),
                                ``start`` (a window start from ``starts``, in any RFC 3339 form;
                                ``all`` for every retained window; default the newest; a start with
                                no window gives no actors), ``kind``, ``limit`` (1 to 500, default 20)
``/api/actors/{actor_id}/series``  one actor's windows over time: ``window``
``/api/stances``                stance network (nodes, directed edges by label): ``window``, ``start``, ``kind``
``/api/articles``               recent enriched articles with highlight segments: ``limit`` (default
                                20, at most 500), ``actor`` (an actor id), ``kind``
``/events``                     server-sent events (at most ``max_streams`` at once, then 503):
                                ``aggregates`` ``{"actors": [ids]}`` and ``article``
                                ``{"article_ids": [ids]}`` whenever the state changes, ``resync`` after
                                a stream fell behind (the page then reloads what it shows); a comment
                                every 15 s keeps proxies from closing it
``/healthz``, ``/readyz``, ``/metrics``  as every worker (:mod:`actorwire.health`)
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from aiohttp import web

from actorwire.dashboard.aggregates import ALL, KINDS, WINDOWS, AggregateStore
from actorwire.dashboard.articles import RecentArticles
from actorwire.health import Telemetry
from actorwire.text import rfc3339

log = logging.getLogger("actorwire.dashboard.web")
STATIC = Path(str(files("actorwire.dashboard") / "static"))
KEEP_ALIVE_S = 15.0
SECURITY_HEADERS = {
    # the page loads scripts from this server only; ECharts sets inline styles on its elements
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class EventHub:
    """Fan-out of change notices to the connected ``/events`` streams, at most ``max_streams`` at
    once (each holds a connection and a file descriptor for as long as the client stays: thousands of
    idle clients exhausted the process's descriptors and /healthz stopped answering; hostile-input
    trial). Lives on the HTTP loop; other threads call :meth:`DashboardServer.notify`."""

    def __init__(self, on_clients: Callable[[int], None] = lambda n: None, max_streams: int = 500):
        self._queues: set[asyncio.Queue] = set()
        self._on_clients = on_clients
        self.max_streams = max_streams

    def full(self) -> bool:
        """Whether ``max_streams`` streams are open."""
        return len(self._queues) >= self.max_streams

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)
        self._queues.add(queue)
        self._on_clients(len(self._queues))
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._queues.discard(queue)
        self._on_clients(len(self._queues))

    def broadcast(self, event: dict | None) -> None:
        """Queue ``event`` (``{"type", ...}``; None closes every stream) for every stream. A stream
        too slow to keep up gets one ``resync`` notice in place of its backlog."""
        for queue in self._queues:
            if queue.full():
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "resync"})
            queue.put_nowait(event)


def _choice(request: web.Request, name: str, allowed, default: str | None) -> str | None:
    value = request.query.get(name) or default
    if value is not None and value not in allowed:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"{name} must be one of {', '.join(allowed)}"}),
                                 content_type="application/json")
    return value


def _start(request: web.Request) -> str | None:
    """The ``start`` parameter as the store names window starts (``2026-12-01T10:00:00Z``), ``all``,
    or ``None`` when absent; anything that is not an RFC 3339 date-time answers 400."""
    value = request.query.get("start") or None
    if value is None or value == ALL:
        return value
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(value)
        return rfc3339(moment)
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "start must be a window start such as "
                                                           "2026-12-01T10:00:00Z, or all"}),
                                 content_type="application/json") from None


def _limit(request: web.Request, default: int) -> int:
    try:
        value = int(request.query.get("limit", default))
    except ValueError:
        value = 0
    if not 1 <= value <= 500:
        raise web.HTTPBadRequest(text=json.dumps({"error": "limit must be an integer from 1 to 500"}),
                                 content_type="application/json")
    return value


def build_app(store: AggregateStore, articles: RecentArticles, telemetry: Telemetry, hub: EventHub) -> web.Application:
    """The aiohttp application of the routes in the module docstring."""

    @web.middleware
    async def secure(request: web.Request, handler):
        try:
            response = await handler(request)
        except web.HTTPException as error:  # 400, 404, 503 answers carry them too
            error.headers.update(SECURITY_HEADERS)
            raise
        if not response.prepared:  # /events sends its headers itself
            response.headers.update(SECURITY_HEADERS)
        return response

    app = web.Application(middlewares=[secure])

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def actors(request: web.Request) -> web.Response:
        window = _choice(request, "window", WINDOWS, "1h")
        return web.json_response(store.top_actors(window, _start(request), _choice(request, "kind", KINDS, None),
                                                  _limit(request, 20)))

    async def series(request: web.Request) -> web.Response:
        return web.json_response(store.series(request.match_info["actor_id"], _choice(request, "window", WINDOWS, "1h")))

    async def stances(request: web.Request) -> web.Response:
        window = _choice(request, "window", WINDOWS, "1h")
        return web.json_response(store.stance_graph(window, _start(request), _choice(request, "kind", KINDS, None)))

    async def recent(request: web.Request) -> web.Response:
        return web.json_response({"articles": articles.newest(_limit(request, 20), request.query.get("actor") or None,
                                                              _choice(request, "kind", KINDS, None))})

    async def events(request: web.Request) -> web.StreamResponse:
        if hub.full():
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": f"{hub.max_streams} event streams are open, the most allowed "
                                          "(ACTORWIRE_DASHBOARD__MAX_EVENT_STREAMS); try again later"}),
                content_type="application/json", headers={"Retry-After": "30"})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no", **SECURITY_HEADERS})
        await response.prepare(request)
        queue = hub.subscribe()
        try:
            await response.write(b"retry: 2000\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    break
                await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        except ConnectionResetError:  # the browser went away
            pass
        finally:
            hub.unsubscribe(queue)
        return response

    def probe(path: str):
        async def handler(request: web.Request) -> web.Response:
            # off this loop: liveness waits for the Kafka loop, and must not hold up other requests
            status, body, content_type = await asyncio.get_running_loop().run_in_executor(
                None, telemetry.answer, path, request.headers.get("Accept", ""))
            return web.Response(status=status, body=body, headers={"Content-Type": content_type})
        return handler

    async def close_streams(app: web.Application) -> None:
        hub.broadcast(None)

    app.on_shutdown.append(close_streams)
    app.router.add_get("/", page)
    app.router.add_get("/api/actors", actors)
    app.router.add_get("/api/actors/{actor_id}/series", series)
    app.router.add_get("/api/stances", stances)
    app.router.add_get("/api/articles", recent)
    app.router.add_get("/events", events)
    for path in ("/healthz", "/readyz", "/metrics"):
        app.router.add_get(path, probe(path))
    app.router.add_static("/static/", STATIC)
    return app


class DashboardServer:
    """:func:`build_app` served on ``host:port`` by an event loop in a daemon thread."""

    def __init__(self, store: AggregateStore, articles: RecentArticles, telemetry: Telemetry, host: str, port: int,
                 on_clients: Callable[[int], None] = lambda n: None, max_streams: int = 500):
        self.hub = EventHub(on_clients, max_streams)
        self.app = build_app(store, articles, telemetry, self.hub)
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Bind and serve; returns the bound port. Raises :class:`OSError` naming the address and
        the setting when the port cannot be bound."""
        loop = self._loop
        try:
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self.host, self.port)
            loop.run_until_complete(site.start())
        except OSError as exc:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()
            raise OSError(exc.errno, f"cannot serve the dashboard on {self.host}:{self.port}: {exc.strerror} "
                                     "(set ACTORWIRE_DASHBOARD__HTTP_PORT)") from exc
        self.port = self._runner.addresses[0][1]
        self._thread = threading.Thread(target=loop.run_forever, name="actorwire-dashboard-http", daemon=True)
        self._thread.start()
        log.info("dashboard on http://%s:%d/ (API /api/..., events /events, /healthz /readyz /metrics)",
                 self.host, self.port)
        return self.port

    def notify(self, event: dict) -> None:
        """Send a change notice (``{"type": ..., ...}``) to every ``/events`` stream; any thread."""
        if self._thread is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.hub.broadcast, event)

    def stop(self) -> None:
        """Close the event streams, stop serving and wait for the thread (bounded by aiohttp's
        shutdown timeout)."""
        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._thread = None
