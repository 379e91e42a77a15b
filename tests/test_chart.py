"""The Helm chart (deploy/helm/actorwire), rendered by helm and checked on the parsed manifests.

helm comes from ``$HELM`` (set by ``make chart-check``, which builds the pinned version into .tools/),
else .tools/helm-*/helm, else ``helm`` on PATH; without any, these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from actorwire.settings import Settings, is_setting

from .conftest import ROOT

CHART = ROOT / "deploy" / "helm" / "actorwire"
WORKERS = {"aw-actorwire-entities", "aw-actorwire-sentiment"}
DASHBOARD = "aw-actorwire-dashboard"


def find_helm() -> str | None:
    if os.environ.get("HELM"):
        return os.environ["HELM"]  # named explicitly: a wrong path must fail, not skip
    built = sorted(ROOT.glob(".tools/helm-*/helm"))
    return str(built[-1]) if built else shutil.which("helm")


_found = find_helm()
if _found is None:
    pytest.skip("helm is not installed (`make chart-check` builds it into .tools/)", allow_module_level=True)
HELM: str = _found

Manifest = dict[str, Any]


def helm_template(tmp_path: Path, values: dict | None = None, *files: Path) -> subprocess.CompletedProcess:
    """Run ``helm template`` with ``values`` (as a values file) after ``files``; never raises."""
    args = [HELM, "template", "aw", str(CHART), "--namespace", "news"]
    for f in files:
        args += ["-f", str(f)]
    if values is not None:
        path = tmp_path / "values.yaml"
        path.write_text(yaml.safe_dump(values))
        args += ["-f", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def render(tmp_path: Path, values: dict | None = None, *files: Path) -> list[Manifest]:
    result = helm_template(tmp_path, values, *files)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_error(tmp_path: Path, values: dict) -> str:
    result = helm_template(tmp_path, values)
    assert result.returncode != 0, "helm template should have failed"
    return result.stderr


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(deployment: Manifest) -> Manifest:
    (worker,) = deployment["spec"]["template"]["spec"]["containers"]
    return worker


def env(deployment: Manifest) -> dict[str, Manifest]:
    return {e["name"]: e for e in container(deployment).get("env", [])}


def check_hardened(deployment: Manifest) -> None:
    """The security baseline every pod (workers and dashboard) must keep."""
    pod = deployment["spec"]["template"]["spec"]
    security = container(deployment)["securityContext"]
    assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"]["drop"] == ["ALL"]
    assert security["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    mounts = {m["mountPath"]: m["name"] for m in container(deployment)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_one_hardened_deployment_per_worker_with_probes_service_and_pdb(tmp_path):
    manifests = render(tmp_path)
    deployments = of_kind(manifests, "Deployment")
    assert set(deployments) == WORKERS | {DASHBOARD}
    services, pdbs = of_kind(manifests, "Service"), of_kind(manifests, "PodDisruptionBudget")
    assert set(pdbs) == WORKERS  # a PDB on the single dashboard pod would either block drains or do nothing
    for worker in ("entities", "sentiment"):
        deployment = deployments[f"aw-actorwire-{worker}"]
        pod = deployment["spec"]["template"]
        worker_container = container(deployment)
        assert worker_container["args"] == ["worker", worker]
        assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == worker
        for label in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                      "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"):
            assert label in deployment["metadata"]["labels"], label
        check_hardened(deployment)
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert pod["spec"]["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"

        (port,) = worker_container["ports"]
        assert port["name"] == "http" and port["containerPort"] == 8080
        assert env(deployment)["ACTORWIRE_WORKER__HTTP_PORT"]["value"] == "8080"
        for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            assert worker_container[probe]["httpGet"] == {"path": path, "port": "http"}, probe
        assert worker_container["livenessProbe"]["timeoutSeconds"] > 5  # the worker's event-loop check takes up to 5 s

        shutdown = float(env(deployment)["ACTORWIRE_WORKER__SHUTDOWN_TIMEOUT_S"]["value"])
        assert pod["spec"]["terminationGracePeriodSeconds"] > shutdown

        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items()
        service = services[f"aw-actorwire-{worker}"]
        assert service["spec"]["selector"] == selector
        assert service["spec"]["ports"][0]["targetPort"] == "http"
        assert pdbs[f"aw-actorwire-{worker}"]["spec"]["selector"]["matchLabels"] == selector
    assert deployments["aw-actorwire-entities"]["spec"]["replicas"] == 1
    assert deployments["aw-actorwire-sentiment"]["spec"]["replicas"] == 3
    assert not {"HorizontalPodAutoscaler", "ScaledObject", "ServiceMonitor"} & {m["kind"] for m in manifests}


def test_every_environment_variable_is_a_setting_the_worker_reads(tmp_path, monkeypatch):
    values = {"kafka": {"bootstrapServers": "b1:9092,b2:9092"}, "groupPrefix": "newsroom", "nerModel": "spacy",
              "topics": {"raw": "in.raw", "actorAggregates": "in.aggregates", "partitions": 12},
              "settings": {"batchSize": 8, "shutdownTimeoutSeconds": 15, "httpPort": 9100,
                           "healthProgressWindowSeconds": 90},
              "extraEnvVars": [{"name": "ACTORWIRE_WORKER__MAX_MESSAGE_BYTES", "value": "4000000"}]}
    deployment = of_kind(render(tmp_path, values), "Deployment")["aw-actorwire-entities"]
    variables = env(deployment)
    unknown = [name for name in variables if not is_setting(name)]
    assert not unknown, f"not settings (would be ignored): {unknown}"
    for name, variable in variables.items():
        monkeypatch.setenv(name, variable["value"])
    settings = Settings(_env_file=None)
    assert settings.kafka.bootstrap_servers == "b1:9092,b2:9092" and settings.group_prefix == "newsroom"
    assert settings.ner_model == "spacy" and settings.topics.raw == "in.raw" and settings.topics.partitions == 12
    assert settings.topics.actor_aggregates == "in.aggregates"  # `actorwire topics create` in a worker pod creates it
    assert settings.worker.batch_size == 8 and settings.worker.shutdown_timeout_s == 15
    assert settings.worker.http_port == 9100 and settings.worker.http_host == "0.0.0.0"
    assert settings.worker.health_progress_window_s == 90 and settings.worker.max_message_bytes == 4000000
    assert container(deployment)["ports"][0]["containerPort"] == 9100


def test_sasl_credentials_come_from_the_existing_secret_only(tmp_path):
    values = {"kafka": {"securityProtocol": "SASL_SSL", "saslMechanism": "SCRAM-SHA-256",
                        "existingSecret": "kafka-creds", "secretKeys": {"saslPassword": "pw", "caCert": "ca.pem"}}}
    manifests = render(tmp_path, values)
    assert not of_kind(manifests, "Secret")  # the chart never holds a credential itself
    for deployment in of_kind(manifests, "Deployment").values():
        variables = env(deployment)
        assert variables["ACTORWIRE_KAFKA__SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert variables["ACTORWIRE_KAFKA__SASL_MECHANISM"]["value"] == "SCRAM-SHA-256"
        assert variables["ACTORWIRE_KAFKA__SASL_PASSWORD"] == {
            "name": "ACTORWIRE_KAFKA__SASL_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "kafka-creds", "key": "pw"}}}
        assert variables["ACTORWIRE_KAFKA__SASL_USERNAME"]["valueFrom"]["secretKeyRef"] == {
            "name": "kafka-creds", "key": "sasl-username"}
        cafile = Path(variables["ACTORWIRE_KAFKA__SSL_CAFILE"]["value"])
        mounts = {m["name"]: m["mountPath"] for m in container(deployment)["volumeMounts"]}
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        tls = volumes["kafka-tls"]["secret"]
        assert tls["secretName"] == "kafka-creds" and tls["items"] == [{"key": "ca.pem", "path": "ca.pem"}]
        assert cafile == Path(mounts["kafka-tls"]) / "ca.pem"
        assert "ACTORWIRE_KAFKA__SSL_CERTFILE" not in variables
        check_hardened(deployment)


def test_sasl_without_an_existing_secret_is_refused(tmp_path):
    error = render_error(tmp_path, {"kafka": {"securityProtocol": "SASL_PLAINTEXT"}})
    assert "kafka.existingSecret" in error


def test_hpa_and_keda_together_fail_with_a_clear_message(tmp_path):
    both = {"entities": {"autoscaling": {"hpa": {"enabled": True}, "keda": {"enabled": True}}}}
    error = render_error(tmp_path, both)
    assert "entities.autoscaling.hpa.enabled and entities.autoscaling.keda.enabled are mutually exclusive" in error


def test_keda_scales_a_worker_on_its_consumer_group_lag(tmp_path):
    values = {"kafka": {"securityProtocol": "SASL_PLAINTEXT", "saslMechanism": "SCRAM-SHA-512",
                        "existingSecret": "kafka-creds"},
              "sentiment": {"autoscaling": {"keda": {"enabled": True, "maxReplicas": 4, "lagThreshold": 100}}}}
    manifests = render(tmp_path, values)
    (scaled,) = of_kind(manifests, "ScaledObject").values()
    assert scaled["spec"]["scaleTargetRef"]["name"] == "aw-actorwire-sentiment"
    assert scaled["spec"]["maxReplicaCount"] == 4
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == "actorwire-sentiment"
    assert trigger["metadata"]["topic"] == "news.entities"
    assert trigger["metadata"]["lagThreshold"] == "100" and trigger["metadata"]["sasl"] == "scram_sha512"
    auth = of_kind(manifests, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    assert {(r["parameter"], r["name"], r["key"]) for r in auth["spec"]["secretTargetRef"]} == {
        ("username", "kafka-creds", "sasl-username"), ("password", "kafka-creds", "sasl-password")}
    deployments = of_kind(manifests, "Deployment")
    assert "replicas" not in deployments["aw-actorwire-sentiment"]["spec"]  # owned by the autoscaler
    assert deployments["aw-actorwire-entities"]["spec"]["replicas"] == 1
    assert not of_kind(manifests, "HorizontalPodAutoscaler")


def test_hpa_scales_on_cpu(tmp_path):
    manifests = render(tmp_path, {"entities": {"autoscaling": {"hpa": {"enabled": True, "maxReplicas": 6}}}})
    (hpa,) = of_kind(manifests, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "aw-actorwire-entities"}
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert "replicas" not in of_kind(manifests, "Deployment")["aw-actorwire-entities"]["spec"]


@pytest.mark.parametrize("values, setting", [
    ({"entities": {"replicaCount": 7}}, "entities.replicaCount is 7"),
    ({"sentiment": {"autoscaling": {"hpa": {"enabled": True, "maxReplicas": 8}}}},
     "sentiment.autoscaling.hpa.maxReplicas is 8"),
    ({"topics": {"partitions": 3}, "entities": {"autoscaling": {"keda": {"enabled": True}}}},
     "entities.autoscaling.keda.maxReplicas is 6"),
])
def test_more_replicas_than_partitions_is_refused(tmp_path, values, setting):
    assert setting in render_error(tmp_path, values)


def test_a_grace_period_shorter_than_the_shutdown_timeout_is_refused(tmp_path):
    error = render_error(tmp_path, {"terminationGracePeriodSeconds": 20})
    assert "terminationGracePeriodSeconds (20) must exceed settings.shutdownTimeoutSeconds (20)" in error


def test_scaling_the_entity_workers_to_zero_is_refused_while_they_release_embargoes(tmp_path):
    to_zero = {"entities": {"autoscaling": {"keda": {"enabled": True, "minReplicas": 0}}}}
    assert "minReplicas 0 with embargo hold" in render_error(tmp_path, to_zero)
    assert of_kind(render(tmp_path, {**to_zero, "embargo": "pass"}), "ScaledObject")


def test_gpu_limit_only_where_asked(tmp_path):
    deployments = of_kind(render(tmp_path, {"entities": {"gpu": {"enabled": True, "count": 2}}}), "Deployment")
    entities = container(deployments["aw-actorwire-entities"])["resources"]
    assert entities["limits"] == {"memory": "2Gi", "nvidia.com/gpu": 2}
    assert entities["requests"] == {"cpu": "1", "memory": "1536Mi"}
    assert "nvidia.com/gpu" not in container(deployments["aw-actorwire-sentiment"])["resources"]["limits"]


def test_image_reference_tag_digest_and_pull_secrets(tmp_path):
    digest = "sha256:" + "ab" * 32
    values = {"image": {"registry": "registry.example", "repository": "nlp/actorwire", "pullSecrets": ["regcred"]},
              "sentiment": {"image": {"digest": digest}}}
    deployments = of_kind(render(tmp_path, values), "Deployment")
    assert container(deployments["aw-actorwire-entities"])["image"] == "registry.example/nlp/actorwire:0.1.0"
    assert container(deployments["aw-actorwire-sentiment"])["image"] == f"registry.example/nlp/actorwire@{digest}"
    assert deployments["aw-actorwire-entities"]["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_service_monitor_scrapes_the_metrics_port_of_each_worker(tmp_path):
    manifests = render(tmp_path, {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}})
    monitors, services = of_kind(manifests, "ServiceMonitor"), of_kind(manifests, "Service")
    assert set(monitors) == set(services) == WORKERS | {DASHBOARD}
    for name, monitor in monitors.items():
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["path"] == "/metrics" and endpoint["port"] == services[name]["spec"]["ports"][0]["name"]
        assert monitor["spec"]["selector"]["matchLabels"] == services[name]["spec"]["selector"]
        assert monitor["metadata"]["labels"]["release"] == "prom"


@pytest.mark.parametrize("values, complaint", [
    ({"kafka": {"securityProtocol": "SASL"}}, "securityProtocol"),
    ({"entites": {"replicaCount": 1}}, "entites"),
    ({"image": {"digest": "latest"}}, "digest"),
    ({"entities": {"replicaCount": -1}}, "replicaCount"),
    ({"dashboard": {"replicaCount": 2}}, "replicaCount"),  # exactly one dashboard: nothing to set
    ({"dashboard": {"autoscaling": {"hpa": {"enabled": True}}}}, "autoscaling"),
    ({"dashboard": {"ingress": {"pathType": "prefix"}}}, "pathType"),
])
def test_values_schema_rejects_mistakes(tmp_path, values, complaint):
    error = render_error(tmp_path, values)
    assert "schema" in error and complaint in error


@pytest.mark.parametrize("values_file", sorted((CHART / "ci").glob("*-values.yaml")), ids=lambda p: p.name)
def test_ci_value_combinations_render_hardened_pods(tmp_path, values_file):
    deployments = of_kind(render(tmp_path, None, values_file), "Deployment")
    assert deployments
    for deployment in deployments.values():
        check_hardened(deployment)
        assert all(is_setting(name) for name in env(deployment))


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_is_one_hardened_pod_replaced_never_rolled(tmp_path):
    manifests = render(tmp_path)
    deployment = of_kind(manifests, "Deployment")[DASHBOARD]
    spec, pod = deployment["spec"], deployment["spec"]["template"]
    # it restores every partition's state: exactly one process, the old one gone before the new one starts
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    dashboard = container(deployment)
    assert dashboard["args"] == ["dashboard"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "dashboard"
    check_hardened(deployment)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert dashboard["resources"]["requests"] and dashboard["resources"]["limits"]["memory"]

    (port,) = dashboard["ports"]
    assert port == {"name": "http", "containerPort": 8088, "protocol": "TCP"}
    variables = env(deployment)
    assert variables["ACTORWIRE_DASHBOARD__HTTP_HOST"]["value"] == "0.0.0.0"  # 127.0.0.1 would refuse the probes
    assert variables["ACTORWIRE_DASHBOARD__HTTP_PORT"]["value"] == "8088"
    assert variables["ACTORWIRE_TOPICS__ACTOR_AGGREGATES"]["value"] == "news.actor-aggregates"
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert dashboard[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    startup = dashboard["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # reading back news.actor-aggregates
    assert dashboard["livenessProbe"]["timeoutSeconds"] > 5
    shutdown = float(variables["ACTORWIRE_WORKER__SHUTDOWN_TIMEOUT_S"]["value"])
    assert pod["spec"]["terminationGracePeriodSeconds"] > shutdown

    service = of_kind(manifests, "Service")[DASHBOARD]
    assert service["spec"]["ports"] == [{"name": "http", "port": 8088, "targetPort": "http", "protocol": "TCP"}]
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]
    assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert not of_kind(manifests, "Ingress")  # opt-in


def test_dashboard_stays_single_when_the_workers_autoscale(tmp_path):
    values = {"kafka": {"securityProtocol": "SASL_PLAINTEXT", "existingSecret": "kafka-creds"},
              "entities": {"autoscaling": {"keda": {"enabled": True}}},
              "sentiment": {"autoscaling": {"hpa": {"enabled": True}}},
              "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}
    manifests = render(tmp_path, values)
    spec = of_kind(manifests, "Deployment")[DASHBOARD]["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}  # the workers' strategy is not its
    targets = [m["spec"]["scaleTargetRef"]["name"] for m in manifests
               if m["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")]
    assert sorted(targets) == sorted(WORKERS)
    assert DASHBOARD not in of_kind(manifests, "PodDisruptionBudget")


def test_dashboard_environment_is_settings_the_dashboard_reads(tmp_path, monkeypatch):
    values = {"kafka": {"bootstrapServers": "b1:9092"}, "groupPrefix": "newsroom",
              "topics": {"actors": "in.actors", "enriched": "in.enriched", "actorAggregates": "in.aggregates"},
              "settings": {"batchSize": 32, "healthProgressWindowSeconds": 90},
              "dashboard": {"httpPort": 9000, "hourlyWindows": 24, "dailyWindows": 7, "recentArticles": 20,
                            "service": {"port": 80},
                            "extraEnvVars": [{"name": "ACTORWIRE_WORKER__MAX_MESSAGE_BYTES", "value": "4000000"}]},
              "extraEnvVars": [{"name": "ACTORWIRE_WORKER__HEALTH_LOOP_TIMEOUT_S", "value": "8"}]}
    manifests = render(tmp_path, values)
    deployment = of_kind(manifests, "Deployment")[DASHBOARD]
    variables = env(deployment)
    unknown = [name for name in variables if not is_setting(name)]
    assert not unknown, f"not settings (would be ignored): {unknown}"
    assert not any(name.startswith(("ACTORWIRE_NER_", "ACTORWIRE_WORKER__HTTP_", "ACTORWIRE_WORKER__TORCH"))
                   for name in variables)  # worker-only settings stay with the workers
    for name, variable in variables.items():
        monkeypatch.setenv(name, variable["value"])
    settings = Settings(_env_file=None)
    assert settings.dashboard.http_host == "0.0.0.0" and settings.dashboard.http_port == 9000
    assert settings.dashboard.retention() == {"1h": 24, "1d": 7} and settings.dashboard.recent_articles == 20
    assert settings.topics.actors == "in.actors" and settings.topics.enriched == "in.enriched"
    assert settings.topics.actor_aggregates == "in.aggregates" and settings.group_prefix == "newsroom"
    assert settings.worker.batch_size == 32 and settings.worker.health_progress_window_s == 90
    assert settings.worker.max_message_bytes == 4000000 and settings.worker.health_loop_timeout_s == 8
    assert container(deployment)["ports"][0]["containerPort"] == 9000
    (port,) = of_kind(manifests, "Service")[DASHBOARD]["spec"]["ports"]
    assert port["port"] == 80 and port["targetPort"] == "http"
    assert "ACTORWIRE_WORKER__MAX_MESSAGE_BYTES" not in env(of_kind(manifests, "Deployment")["aw-actorwire-entities"])


@pytest.mark.parametrize("kafka", [
    {"securityProtocol": "SASL_SSL", "saslMechanism": "SCRAM-SHA-512", "existingSecret": "kafka-creds",
     "secretKeys": {"caCert": "ca.crt"}},
    {"securityProtocol": "SSL", "existingSecret": "kafka-tls",
     "secretKeys": {"caCert": "ca.crt", "clientCert": "tls.crt", "clientKey": "tls.key"}},
], ids=["sasl-ssl", "mtls"])
def test_dashboard_connects_to_kafka_exactly_like_the_workers(tmp_path, kafka):
    deployments = of_kind(render(tmp_path, {"kafka": kafka}), "Deployment")

    def kafka_wiring(deployment: Manifest) -> tuple:
        variables = [e for e in container(deployment)["env"] if e["name"].startswith("ACTORWIRE_KAFKA__")]
        volumes = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "kafka-tls"]
        mounts = [m for m in container(deployment)["volumeMounts"] if m["name"] == "kafka-tls"]
        return variables, volumes, mounts

    dashboard = kafka_wiring(deployments[DASHBOARD])
    assert dashboard == kafka_wiring(deployments["aw-actorwire-entities"])
    assert dashboard == kafka_wiring(deployments["aw-actorwire-sentiment"])
    variables, volumes, mounts = dashboard
    by_name = {e["name"]: e for e in variables}
    assert by_name["ACTORWIRE_KAFKA__SECURITY_PROTOCOL"]["value"] == kafka["securityProtocol"]
    assert by_name["ACTORWIRE_KAFKA__SSL_CAFILE"]["value"] == f"{mounts[0]['mountPath']}/ca.crt"
    assert volumes[0]["secret"]["secretName"] == kafka["existingSecret"]
    if kafka["securityProtocol"].startswith("SASL"):
        assert by_name["ACTORWIRE_KAFKA__SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "kafka-creds", "key": "sasl-password"}
    else:
        assert "ACTORWIRE_KAFKA__SASL_PASSWORD" not in by_name
        assert by_name["ACTORWIRE_KAFKA__SSL_KEYFILE"]["value"] == f"{mounts[0]['mountPath']}/tls.key"


def test_dashboard_disabled_leaves_only_the_workers(tmp_path):
    values = {"dashboard": {"enabled": False, "ingress": {"enabled": True, "host": "news.example.com"}},
              "metrics": {"serviceMonitor": {"enabled": True}}}
    manifests = render(tmp_path, values)
    assert not [m for m in manifests if m["metadata"]["labels"].get("app.kubernetes.io/component") == "dashboard"]
    assert not of_kind(manifests, "Ingress")
    assert set(of_kind(manifests, "Deployment")) == set(of_kind(manifests, "Service")) == WORKERS
    assert set(of_kind(manifests, "ServiceMonitor")) == WORKERS


def test_dashboard_ingress_routes_its_host_to_the_dashboard_service(tmp_path):
    values = {"dashboard": {"ingress": {"enabled": True, "className": "nginx", "host": "news.example.com",
                                        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"},
                                        "tls": {"enabled": True}}},
              "commonAnnotations": {"example.com/owner": "newsroom"}}
    manifests = render(tmp_path, values)
    (ingress,) = of_kind(manifests, "Ingress").values()
    assert ingress["metadata"]["name"] == DASHBOARD
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt",
                                                  "example.com/owner": "newsroom"}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["news.example.com"], "secretName": f"{DASHBOARD}-tls"}]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "news.example.com"
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    service = of_kind(manifests, "Service")[DASHBOARD]
    assert path["backend"]["service"] == {"name": service["metadata"]["name"],
                                          "port": {"name": service["spec"]["ports"][0]["name"]}}

    plain = {"dashboard": {"ingress": {"enabled": True, "tls": {"enabled": False, "secretName": "unused"}}}}
    (ingress,) = of_kind(render(tmp_path, plain), "Ingress").values()
    assert "tls" not in ingress["spec"] and "ingressClassName" not in ingress["spec"]
    assert "host" not in ingress["spec"]["rules"][0]  # every host

    named = {"dashboard": {"ingress": {"enabled": True, "host": "news.example.com",
                                       "tls": {"enabled": True, "secretName": "news-cert"}}}}
    (ingress,) = of_kind(render(tmp_path, named), "Ingress").values()
    assert ingress["spec"]["tls"][0]["secretName"] == "news-cert"


def test_dashboard_tls_without_a_host_is_refused(tmp_path):
    error = render_error(tmp_path, {"dashboard": {"ingress": {"enabled": True, "tls": {"enabled": True}}}})
    assert "dashboard.ingress.tls.enabled needs dashboard.ingress.host" in error
