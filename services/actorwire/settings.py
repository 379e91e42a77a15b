"""Configuration from environment variables (prefix ``ACTORWIRE_``) or a ``.env`` file (pydantic-settings).

Nested fields use ``__``: ``ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS=broker:9092``,
``ACTORWIRE_TOPICS__RAW=news.raw``. Every default works against ``make kafka-up`` on one machine.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PIPELINE_VERSION = "0.1.1"  # bump with any change of outputs (docs/runbook.md, Upgrades)
REQUEST_FRAMING = 4096  # bytes of a produce request besides one record's key, value and headers


class KafkaSettings(BaseModel):
    """Connection to the Kafka cluster. Secrets are ``SecretStr`` and never printed: ``repr``, ``str``
    and JSON show ``**********``, and validation errors leave input values out."""

    model_config = ConfigDict(hide_input_in_errors=True)

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    client_id_prefix: str = "actorwire"

    def client_options(self) -> dict:
        """Keyword arguments shared by aiokafka producers, consumers and admin clients.

        The result holds the SASL password in clear text: pass it to a client, never log it."""
        options: dict = {"bootstrap_servers": self.bootstrap_servers, "security_protocol": self.security_protocol}
        if self.security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile)
        if self.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.sasl_mechanism or "PLAIN"
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value() if self.sasl_password else None
        return options


class Topics(BaseModel):
    """Topic names and partition counts (created by ``actorwire topics create``)."""

    raw: str = "news.raw"
    entities: str = "news.entities"
    enriched: str = "news.enriched"
    actors: str = "news.actors"
    deadletter: str = "news.deadletter"
    embargoed: str = "news.embargoed"
    actor_aggregates: str = Field("news.actor-aggregates", description="compacted: per-actor window aggregates")
    partitions: int = Field(6, ge=1)

    def all(self) -> list[str]:
        return [self.raw, self.entities, self.enriched, self.actors, self.deadletter, self.embargoed,
                self.actor_aggregates]


class WorkerSettings(BaseModel):
    """Batching and resource limits of a stream worker."""

    batch_size: int = Field(16, ge=1, description="records polled and committed at once (the entity and sentiment "
                                                   "workers hand the models one article at a time)")
    batch_timeout_ms: int = Field(200, ge=1, description="longest wait to fill a batch")
    max_batch_bytes: int = Field(
        131_072, ge=1, description="input bytes handed to the models at once: records of a poll past it wait for "
                                   "the next batch (a record larger than it goes alone). Processing time grows with "
                                   "the text (about 0.2 ms per character through both stages on 2 cores, twice that "
                                   "with two workers sharing them), so this bounds a batch's time, which must stay "
                                   "under max_poll_interval_s")
    max_poll_interval_s: float = Field(
        300.0, gt=0, description="longest a batch may take before the broker hands the worker's partitions to "
                                 "another member of the group (Kafka's max.poll.interval.ms)")
    torch_threads: int = Field(2, ge=1, description="torch intra-op threads per worker process")
    max_message_bytes: int = Field(
        262_144, ge=1024, description="larger inputs are dead-lettered (replayable after raising it): one record "
                                      "of 256 kB of text takes up to ~100 s, under health_progress_window_s")
    max_consecutive_failures: int = Field(
        50, ge=0, description="records failing in processing in a row (none succeeding) after which the worker "
                              "stops instead of dead-lettering the stream; 0 never stops")
    shutdown_timeout_s: float = Field(
        20.0, gt=0, description="seconds allowed to close the Kafka clients on SIGTERM, after the batch in flight")
    http_host: str = Field("0.0.0.0", description="address of the /healthz, /readyz and /metrics server")
    http_port: int = Field(8080, ge=0, le=65535, description="port of the health and metrics server; 0 disables it")
    health_progress_window_s: float = Field(
        120.0, gt=0, description="seconds without consumer progress (a poll, or a chunk's outputs published: one "
                                 "article in the entity and sentiment workers) after which /healthz answers 503; "
                                 "must exceed the slowest article (the dashboard: the slowest batch)")
    version_memory: int = Field(
        200_000, ge=1, description="uris whose highest version the entity worker remembers (supersession)")
    health_loop_timeout_s: float = Field(
        5.0, gt=0, description="seconds the event loop may take to run a callback before /healthz answers 503")


    def max_request_bytes(self) -> int:
        """Largest request our producers send, in bytes: a dead letter carries its original in
        base64 (4/3 of its size), and ``news.raw`` holds whatever the broker accepted (1 MiB by
        default) however small ``max_message_bytes`` is; so at least 4 MiB."""
        return max(4 * 1024 * 1024, 2 * self.max_message_bytes)

    def max_record_bytes(self) -> int:
        """Largest record (key, value and headers before compression) a producer of ours can send:
        :meth:`max_request_bytes` less room for the request's own framing."""
        return self.max_request_bytes() - REQUEST_FRAMING

    def max_fetch_bytes(self) -> int:
        """Bytes a consumer fetches per partition: at least a record the broker accepts by default
        (1 MiB), which must be read to be dead-lettered."""
        return max(1024 * 1024, self.max_message_bytes) + 1024


class DashboardSettings(BaseModel):
    """The dashboard process (``actorwire dashboard``): window retention, the recent-articles view and
    its HTTP server (page, JSON API, server-sent events, /healthz, /readyz, /metrics)."""

    http_host: str = Field("127.0.0.1", description="address of the dashboard's HTTP server; 0.0.0.0 in a container")
    http_port: int = Field(8088, ge=1, le=65535, description="port of the dashboard's HTTP server")
    hourly_windows: int = Field(48, ge=1, description="1 h windows kept per actor (the newest ones)")
    daily_windows: int = Field(30, ge=1, description="1 d windows kept per actor (the newest ones)")
    recent_articles: int = Field(50, ge=1, description="enriched articles kept for the recent-articles view")
    max_event_streams: int = Field(500, ge=1, description="server-sent event streams (/events) open at once; "
                                                          "more answer 503 (each holds a connection)")

    def retention(self) -> dict[str, int]:
        """Windows kept per actor, by window name (``1h``, ``1d``)."""
        return {"1h": self.hourly_windows, "1d": self.daily_windows}


class Settings(BaseSettings):
    """All settings of every actorwire process."""

    # hide_input_in_errors: a mistyped setting must not print a neighbouring secret (the outer model's
    # config decides for nested models too)
    model_config = SettingsConfigDict(env_prefix="ACTORWIRE_", env_nested_delimiter="__", env_file=".env",
                                      extra="ignore", hide_input_in_errors=True)

    kafka: KafkaSettings = KafkaSettings()
    topics: Topics = Topics()
    worker: WorkerSettings = WorkerSettings()
    dashboard: DashboardSettings = DashboardSettings()
    ner_model: Literal["minilm", "spacy"] = "minilm"
    inference: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8", description="runtime of the taggers (NER, attribution): ONNX Runtime with int8 or fp32 "
                                 "weights (exported once, cached) or PyTorch eager; see actorwire.runtime")
    model_cache_dir: Path | None = Field(
        None, description="where exported ONNX graphs are cached; default $XDG_CACHE_HOME/actorwire")
    sentiment_model: Literal["minilm", "vader"] = Field(
        "minilm", description="target sentiment: the NewsMTSC model trained here (test-rw macro-F1 0.809) or "
                              "the VADER baseline (0.512)")
    stance_model: Literal["minilm", "rules"] = Field(
        "minilm", description="stance between actors: the DSA directed-sentiment model trained here or the "
                              "lexicon rules baseline (model card: services/actorwire/models/dsa)")
    attribution_model: Literal["minilm", "rules"] = Field(
        "minilm", description="quote attribution (source, cue, content): the PolNeAR tagger trained here or the "
                              "lexicon rules baseline (model card: services/actorwire/models/attribution)")
    sentiment_inference: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8", description="runtime of the target-sentiment model: int8 weights score as fp32 on NewsMTSC "
                                 "(test-rw 0.809 vs 0.808) and run faster")
    stance_inference: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8", description="runtime of the stance model: int8 weights halve its time and score within the "
                                 "noise of fp32 on DSA (valid 0.627 vs 0.628, test 0.598 vs 0.608; model card)")
    embargo: Literal["hold", "pass"] = Field(
        "hold", description="hold: an item embargoed into the future waits on topics.embargoed (offline: status "
                            "embargoed, not analysed) until its time; pass: enrich it now, keeping `embargoed`")
    languages: list[str] = Field(default_factory=lambda: ["en"], description="languages the models support")
    group_prefix: str = "actorwire"


def is_setting(name: str) -> bool:
    """Whether the environment variable ``name`` (e.g. ``ACTORWIRE_WORKER__HTTP_PORT``) sets a field of
    :class:`Settings`; pydantic-settings ignores every other ``ACTORWIRE_*`` name silently."""
    prefix = Settings.model_config["env_prefix"]
    if not name.startswith(prefix):
        return False
    model: type[BaseModel] | None = Settings
    for part in name[len(prefix):].lower().split(Settings.model_config["env_nested_delimiter"]):
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. An ``ACTORWIRE_*`` environment variable that names no
    setting (``ACTORWIRE_WORKER__BATCHSIZE``) is logged as a warning: it would change nothing, and a
    misspelt name in a deployment's extra variables went unnoticed (operations trial). Raises
    pydantic's ``ValidationError`` for a value a setting cannot take."""
    prefix = Settings.model_config["env_prefix"]
    for name in sorted(n for n in os.environ if n.upper().startswith(prefix) and not is_setting(n.upper())):
        logging.getLogger("actorwire.settings").warning("%s names no setting and is ignored (misspelt?)", name)
    return Settings()
