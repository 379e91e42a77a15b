"""SASL/SCRAM against the real local broker's SASL_PLAINTEXT listener (deploy/local/kafka.sh), with
the connection built from environment variables as in a deployment."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from actorwire.settings import Settings

pytestmark = pytest.mark.kafka
# the listener and the test user of deploy/local/kafka.sh (same variables, same defaults)
SASL_ADDRESS = f"127.0.0.1:{os.environ.get('KAFKA_SASL_PORT', '9094')}"
USER = os.environ.get("KAFKA_SCRAM_USER", "actorwire")
PASSWORD = os.environ.get("KAFKA_SCRAM_PASSWORD", "actorwire-local-secret")


@pytest.fixture
def sasl_listener(kafka_broker) -> str:
    host, port = SASL_ADDRESS.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        pytest.fail(f"no SASL listener on {SASL_ADDRESS}: the broker was started before it existed; "
                    "run `deploy/local/kafka.sh restart`")
    return SASL_ADDRESS


def scram_settings(monkeypatch, address: str, mechanism: str, password: str, topic: str) -> Settings:
    for name, value in {"ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS": address,
                        "ACTORWIRE_KAFKA__SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                        "ACTORWIRE_KAFKA__SASL_MECHANISM": mechanism, "ACTORWIRE_KAFKA__SASL_USERNAME": USER,
                        "ACTORWIRE_KAFKA__SASL_PASSWORD": password, "ACTORWIRE_TOPICS__RAW": topic}.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_produce_and_consume_over_sasl_scram(isolated, sasl_listener, monkeypatch, mechanism):
    settings = scram_settings(monkeypatch, sasl_listener, mechanism, PASSWORD, isolated.settings.topics.raw)
    value = f"over {mechanism} {uuid.uuid4()}".encode()

    async def round_trip() -> bytes:
        producer = AIOKafkaProducer(acks="all", **settings.kafka.client_options())
        await producer.start()
        try:
            await producer.send_and_wait(settings.topics.raw, value, key=b"sasl")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(settings.topics.raw, group_id=None, auto_offset_reset="earliest",
                                    **settings.kafka.client_options())
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), timeout=20)
        finally:
            await consumer.stop()
        return record.value

    assert asyncio.run(round_trip()) == value


def test_a_wrong_password_fails_without_revealing_it(isolated, sasl_listener, monkeypatch, caplog):
    wrong = f"wrong-{uuid.uuid4().hex}"
    settings = scram_settings(monkeypatch, sasl_listener, "SCRAM-SHA-256", wrong, isolated.settings.topics.raw)
    caplog.set_level(logging.DEBUG, logger="aiokafka")

    async def connect() -> None:
        producer = AIOKafkaProducer(request_timeout_ms=10000, **settings.kafka.client_options())
        try:
            await producer.start()
        finally:
            await producer.stop()

    with pytest.raises(KafkaConnectionError) as caught:
        asyncio.run(connect())
    assert "SaslAuthenticationFailed" in caplog.text  # refused for the credentials, not unreachable
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(settings)):
        assert wrong not in text
