"""The container files (deploy/container), checked without a Docker engine: the compose file parses,
its commands are commands of the real CLI, its settings are settings, and the Dockerfile keeps the
rules the Helm chart relies on (non-root, ports 8080 and 8088, the actorwire entry point, pinned installs)."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import click
import pytest
import yaml

from actorwire.cli import main
from actorwire.settings import Settings, is_setting

from .conftest import ROOT

CONTAINER = ROOT / "deploy" / "container"
WORKERS = {"entities", "sentiment"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((CONTAINER / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (CONTAINER / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def parse_cli(args: list[str]) -> click.Context:
    """Parse ``args`` with the real ``actorwire`` command line, as the container's entry point would,
    without running anything; raises :class:`click.UsageError` for what the CLI would refuse."""
    command: click.Command = main
    ctx = main.make_context("actorwire", list(args))
    while isinstance(command, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]  # click < 9 keeps the subcommand apart
        name, sub, rest = command.resolve_command(ctx, rest)
        assert name is not None and sub is not None  # resolve_command raises UsageError for unknown names
        command = sub
        ctx = command.make_context(name, rest, parent=ctx)
    return ctx


def test_compose_runs_the_broker_the_topics_both_workers_and_the_dashboard(compose):
    services = compose["services"]
    assert {"kafka", "topics", "dashboard", *WORKERS} <= set(services)
    kafka_version = re.search(r"<kafka.version>(.+)</kafka.version>", (ROOT / "deploy/local/pom.xml").read_text())[1]
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version}"  # the same broker as `make kafka-up`
    for name in WORKERS:
        assert services[name]["command"] == ["worker", name]
        assert services[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert services["dashboard"]["command"] == ["dashboard"]
    assert services["dashboard"]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert services["topics"]["command"] == ["topics", "create"]
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["topics", "entities", "sentiment", "dashboard", "ingest", "watch"])
def test_every_compose_command_is_a_valid_actorwire_command(compose, name):
    ctx = parse_cli(compose["services"][name]["command"])
    assert ctx.command.callback is not None


def test_the_cli_check_refuses_what_actorwire_refuses():
    with pytest.raises(click.UsageError):
        parse_cli(["worker", "enrich"])
    with pytest.raises(click.UsageError):
        parse_cli(["wrker", "entities"])


def test_compose_workers_reach_the_broker_and_are_locked_down(compose, monkeypatch):
    services = compose["services"]
    listeners = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",")
    for name in {"topics", "ingest", "watch", "dashboard", *WORKERS}:
        service = services[name]
        assert all(is_setting(variable) for variable in service["environment"]), service["environment"]
        for variable, value in service["environment"].items():
            monkeypatch.setenv(variable, str(value))
        bootstrap = Settings(_env_file=None).kafka.bootstrap_servers
        assert f"PLAINTEXT://{bootstrap}" in listeners
        assert service["read_only"] is True and "/tmp" in service["tmpfs"]
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"]
    for name in WORKERS:
        assert services[name]["ports"][0].endswith(":8080")  # the image's ACTORWIRE_WORKER__HTTP_PORT
        grace = float(services[name]["stop_grace_period"].rstrip("s"))
        assert grace > Settings(_env_file=None).worker.shutdown_timeout_s
    (examples,) = services["ingest"]["volumes"]
    source, target = examples.split(":")[:2]
    assert (CONTAINER / source / "articles.jsonl").is_file()
    assert services["ingest"]["command"][1] == f"{target}/articles.jsonl"


def test_compose_dashboard_serves_and_is_checked_on_its_own_port(compose, dockerfile, monkeypatch):
    service = compose["services"]["dashboard"]
    image_env = dict(re.findall(r"(ACTORWIRE_\w+)=(\S+)", " ".join(a for op, a in dockerfile if op == "ENV")))
    for variable, value in {**image_env, **service["environment"]}.items():
        monkeypatch.setenv(variable, str(value))
    settings = Settings(_env_file=None).dashboard
    assert settings.http_host == "0.0.0.0"  # the default 127.0.0.1 is unreachable through a published port
    (published,) = service["ports"]
    assert published == f"127.0.0.1:{settings.http_port}:{settings.http_port}"
    # the image's HEALTHCHECK probes a worker's port: the dashboard must bring its own
    check = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.http_port}/healthz" in check and "8080" not in check
    assert service["healthcheck"].get("disable") is not True
    grace = float(service["stop_grace_period"].rstrip("s"))
    assert grace > Settings(_env_file=None).worker.shutdown_timeout_s


def test_dockerfile_builds_a_pinned_non_root_image_of_the_actorwire_cli(dockerfile):
    froms = [args for op, args in dockerfile if op == "FROM"]
    args = dict(a.split("=", 1) for op, a in dockerfile if op == "ARG" and "=" in a)
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim")
    assert all(f.split()[0] == "${PYTHON_IMAGE}" for f in froms) and len(froms) == 2
    installs = [a for op, a in dockerfile if op == "RUN" and "pip install" in a]
    assert installs and all("-c constraints.txt" in a for a in installs)
    user = next(a for op, a in reversed(dockerfile) if op == "USER")
    assert user.split(":")[0] not in ("0", "root") and user.split(":")[0].isdigit()  # runAsNonRoot needs a numeric uid
    chart = yaml.safe_load((ROOT / "deploy/helm/actorwire/values.yaml").read_text())
    assert int(user.split(":")[0]) == chart["podSecurityContext"]["runAsUser"]

    entrypoint = json.loads(next(a for op, a in dockerfile if op == "ENTRYPOINT"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["actorwire"] and "actorwire" in scripts
    parse_cli(json.loads(next(a for op, a in dockerfile if op == "CMD")))

    env = " ".join(a for op, a in dockerfile if op == "ENV")
    port = re.search(r"ACTORWIRE_WORKER__HTTP_PORT=(\d+)", env)[1]
    dashboard_port = re.search(r"ACTORWIRE_DASHBOARD__HTTP_PORT=(\d+)", env)[1]
    assert "ACTORWIRE_DASHBOARD__HTTP_HOST=0.0.0.0" in env
    exposed = " ".join(a for op, a in dockerfile if op == "EXPOSE").split()
    assert exposed == [port, dashboard_port]
    assert port == str(chart["settings"]["httpPort"]) and dashboard_port == str(chart["dashboard"]["httpPort"])
    assert f"127.0.0.1:{port}/healthz" in next(a for op, a in dockerfile if op == "HEALTHCHECK")
    assert "HF_HUB_OFFLINE=1" in env and "/tmp" in env  # no hub access; caches on the writable /tmp


def test_dockerfile_copies_only_what_the_build_context_lets_through(dockerfile):
    allowed = [line[1:].rstrip("/") for line in (CONTAINER / "Dockerfile.dockerignore").read_text().splitlines()
               if line.startswith("!")]
    for op, args in dockerfile:
        if op == "COPY" and not args.startswith("--from"):
            *sources, _ = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/").removeprefix("./") in allowed, f"{source} is excluded from the build context"
