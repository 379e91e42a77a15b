"""The actor dashboard: windowed per-actor aggregates of ``news.actors`` on the compacted
``news.actor-aggregates``, and a live web page over them (``actorwire dashboard``).

:mod:`~actorwire.dashboard.aggregates` and :mod:`~actorwire.dashboard.articles` hold the state (pure,
no Kafka); :mod:`~actorwire.dashboard.service` wires them to Kafka; :mod:`~actorwire.dashboard.web`
serves the page, the JSON API and the server-sent events.
"""
