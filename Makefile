# actorwire — every workflow is a make target; see README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
AW := $(VENV)/bin/actorwire
PY := $(VENV)/bin/python
INPUT ?= examples/articles.jsonl
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup kafka-up kafka-down kafka-reset topics run test test-unit schemas bench clean

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

run: setup kafka-up topics ## the whole pipeline on $(INPUT), with a live summary; Ctrl-C stops it
	deploy/local/run.sh "$(INPUT)"

test: setup kafka-up ## unit and integration tests (the integration tests use the real broker)
	$(PY) -m pytest -q

test-unit: setup
	$(PY) -m pytest -q -m "not kafka"

schemas: setup ## regenerate schemas/*.json from the pydantic models
	$(AW) schemas

clean:
	rm -rf $(VENV) runs .pytest_cache
