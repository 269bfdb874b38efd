# k2.kafka_ops — every entry point a person or CI uses. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COLL_LINK := .collections/ansible_collections/k2/kafka_ops
DEVSTACK := $(PYTHON) tools/devstack/devstack.py
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_NOCOLOR := 1

.PHONY: help setup demo test test-unit test-integration bench stack-up stack-down stack-status stack-wipe clean

help:
	@echo "make setup         create .venv, install requirements, link the collection"
	@echo "make demo          setup + dev stack + add an exchange (playbooks/add_exchange.yml) and show it"
	@echo "make test          setup + unit tests + integration tests on the dev stack (started and stopped if needed)"
	@echo "make bench         benchmarks on the dev stack, printed as ratios against same-run baselines"
	@echo "make stack-up|stack-down|stack-status|stack-wipe   the dev stack (BROKERS=3 for three Kafka nodes)"

setup: $(STAMP) $(COLL_LINK)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(COLL_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

stack-up:
	$(DEVSTACK) up

stack-down:
	$(DEVSTACK) down

stack-status:
	$(DEVSTACK) status

stack-wipe:
	$(DEVSTACK) wipe

demo: setup stack-up
	$(VENV)/bin/ansible-playbook playbooks/add_exchange.yml -e asset_class=equities -e exchange=nyse \
	  -e partitions=100 -e "name='New York Stock Exchange'" -e country=US -e timezone=America/New_York \
	  -e "trading_hours='09:30-16:00 EST'" -e "description='Largest US equities exchange'"
	@echo "The dev stack keeps running: 'make stack-status', 'make stack-down'."

test-unit: setup
	$(PY) -m pytest -m "unit or contract" tests/unit tests/contract

test-integration: setup
	$(DEVSTACK) run -- $(PY) -m pytest -m integration tests/integration

test: test-unit test-integration

bench: setup
	$(DEVSTACK) run -- $(PY) tests/bench/bench.py

clean:
	rm -rf $(VENV) .collections .pytest_cache
