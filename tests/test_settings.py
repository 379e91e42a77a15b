"""Settings from the environment, and secrets that never show in reprs, JSON, logs or errors."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from actorwire.settings import KafkaSettings, Settings

PASSWORD = "s3cr3t-Pa55word-not-for-logs"


@pytest.fixture
def sasl_env(monkeypatch) -> None:
    """The variables the Helm chart sets from its existing Secret."""
    for name, value in {"ACTORWIRE_KAFKA__BOOTSTRAP_SERVERS": "kafka-0:9094,kafka-1:9094",
                        "ACTORWIRE_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
                        "ACTORWIRE_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
                        "ACTORWIRE_KAFKA__SASL_USERNAME": "actorwire",
                        "ACTORWIRE_KAFKA__SASL_PASSWORD": PASSWORD,
                        "ACTORWIRE_WORKER__HTTP_PORT": "9100"}.items():
        monkeypatch.setenv(name, value)


def test_nested_environment_variables_configure_kafka_and_the_worker(sasl_env):
    settings = Settings(_env_file=None)
    assert settings.kafka.bootstrap_servers == "kafka-0:9094,kafka-1:9094"
    assert settings.kafka.sasl_mechanism == "SCRAM-SHA-512" and settings.kafka.sasl_username == "actorwire"
    assert settings.worker.http_port == 9100


def test_the_password_is_masked_in_repr_str_json_and_logs(sasl_env, caplog):
    settings = Settings(_env_file=None)
    assert settings.kafka.sasl_password.get_secret_value() == PASSWORD
    with caplog.at_level(logging.INFO):
        logging.getLogger("actorwire.test").info("settings: %s / %r", settings, settings.kafka)
    shown = [repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump()),
             repr(settings.kafka), settings.kafka.model_dump_json(), caplog.text]
    for text in shown:
        assert PASSWORD not in text
    assert "**********" in settings.model_dump_json()


def test_the_password_reaches_the_kafka_client_options_only(sasl_env):
    options = Settings(_env_file=None).kafka.client_options()
    assert options["sasl_plain_password"] == PASSWORD
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and options["security_protocol"] == "SASL_SSL"


@pytest.mark.parametrize("kafka", [{"sasl_password": 12345678901, "sasl_mechanism": "SCRAM-SHA-256"},
                                   {"sasl_password": PASSWORD, "sasl_mechanism": PASSWORD}])
def test_validation_errors_leave_secrets_out(kafka):
    secret = str(kafka["sasl_password"])
    for build in (lambda: Settings(_env_file=None, kafka=kafka), lambda: KafkaSettings(**kafka)):
        with pytest.raises(ValidationError) as caught:
            build()
        assert secret not in str(caught.value) and secret not in repr(caught.value)
        assert "kafka" in str(caught.value) or "sasl_" in str(caught.value)


def test_a_bad_setting_ends_a_command_with_its_variable_named_and_a_misspelt_one_is_warned(monkeypatch, caplog,
                                                                                            tmp_path):
    from click.testing import CliRunner

    from actorwire.cli import main
    from actorwire.settings import get_settings

    monkeypatch.setenv("ACTORWIRE_WORKER__BATCH_SIZE", "-1")
    monkeypatch.setenv("ACTORWIRE_WORKER__BATCHSIZE", "4")
    get_settings.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="actorwire.settings"):
            result = CliRunner().invoke(main, ["watch", "--limit", "1", "--timeout", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: invalid settings: ACTORWIRE_WORKER__BATCH_SIZE: "
                                     "Input should be greater than or equal to 1")
    assert "ACTORWIRE_WORKER__BATCHSIZE names no setting and is ignored" in caplog.text
