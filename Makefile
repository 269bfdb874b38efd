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

.PHONY: help setup build demo test test-unit test-monitoring promtool test-integration test-faults stack-tests molecule \
	lint sanity ee bench \
	stack-up stack-down stack-status stack-wipe clean
MOLECULE_SCENARIOS := default raise_partitions backup_restore full_reset
BUILD := build
COLLECTION_TARBALL := $(BUILD)/k2-kafka_ops-0.1.0.tar.gz
# outside this checkout: inside it, ansible-test would take its file list from git, which ignores build/
SANITY_ROOT := $(or $(TMPDIR),/tmp)/k2-kafka-ops-sanity

help:
	@echo "make setup         create .venv, install requirements, link the collection"
	@echo "make demo          setup + dev stack + add an exchange (playbooks/add_exchange.yml) and show it"
	@echo "make test          setup + unit/contract + integration + molecule + faults (3 nodes, SASL) + lint + sanity + ee"
	@echo "make build         build the collection tarball into build/ (what AWX and ansible-galaxy install)"
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
	  -e partitions=100 -e "exchange_name='New York Stock Exchange'" -e country=US -e timezone=America/New_York \
	  -e "trading_hours='09:30-16:00 EST'" -e "description='Largest US equities exchange'"
	@echo "The dev stack keeps running: 'make stack-status', 'make stack-down'."

test-unit: setup
	$(PY) -m pytest -n 2 -m "unit or contract" tests/unit tests/contract

# A stack of its own (.stack-test, wiped first), never one started by hand with other settings; MONITORING=1: it
# also runs Prometheus and the JMX exporter agents (tests/integration/test_monitoring_stack.py)
TEST_STACK := K2_STACK_DIR=$(CURDIR)/.stack-test
test-integration: setup promtool
	$(TEST_STACK) $(DEVSTACK) wipe
	$(TEST_STACK) MONITORING=1 $(DEVSTACK) run -- $(MAKE) --no-print-directory stack-tests

# Everything that needs the dev stack, in one stack run: pytest integration, then every Molecule scenario.
stack-tests:
	$(PY) -m pytest -m integration tests/integration --durations=25
	for scenario in $(MOLECULE_SCENARIOS); do $(VENV)/bin/molecule test -s $$scenario || exit 1; done

molecule: setup
	$(DEVSTACK) run -- sh -c 'for s in $(MOLECULE_SCENARIOS); do $(VENV)/bin/molecule test -s $$s || exit 1; done'

lint: setup
	# ansible-lint installs this collection into ~/.ansible/collections on its first run and resolves modules
	# from that copy afterwards; drop the copy so it checks the working tree as it is now
	rm -rf $$HOME/.ansible/collections/ansible_collections/k2/kafka_ops
	$(VENV)/bin/ansible-lint --nocolor
	$(VENV)/bin/yamllint -s .
	$(PY) tools/ci/check_docs.py
	$(VENV)/bin/ansible-playbook --syntax-check playbooks/*.yml > /dev/null
	$(VENV)/bin/molecule syntax -s docker
	@echo "lint: ansible-lint (production), yamllint, ansible-doc, syntax-check, molecule docker syntax: passed"

build: $(COLLECTION_TARBALL)

$(COLLECTION_TARBALL): setup
	rm -rf $(BUILD) && mkdir -p $(BUILD)
	$(VENV)/bin/ansible-galaxy collection build --output-path $(BUILD)

# ansible-test sanity on the built and installed collection. ansible-test bootstraps pip in its venvs from a
# host these machines cannot reach; tools/sanity/get_pip_from_pypi.py stands in for that script (see it).
sanity: $(COLLECTION_TARBALL)
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	$(VENV)/bin/ansible-galaxy collection install --force -p $(SANITY_ROOT) $(COLLECTION_TARBALL)
	mkdir -p $$HOME/.ansible/test/cache
	cp tools/sanity/get_pip_from_pypi.py $$HOME/.ansible/test/cache/get_pip_24_2.py
	cd $(SANITY_ROOT)/ansible_collections/k2/kafka_ops && \
	  $(CURDIR)/$(VENV)/bin/ansible-test sanity --python 3.11 --color no

ee: $(COLLECTION_TARBALL)
	$(VENV)/bin/ansible-builder create -f execution-environment.yml --context $(BUILD)/ee --output-filename Containerfile -v 1
	test -f $(BUILD)/ee/Containerfile && grep -q k2-kafka_ops-0.1.0.tar.gz $(BUILD)/ee/Containerfile
	test -f $(BUILD)/ee/_build/k2-kafka_ops-0.1.0.tar.gz
	grep -q confluent-kafka==2.16.1 $(BUILD)/ee/_build/requirements.txt
	@echo "ee: ansible-builder wrote $(BUILD)/ee with the collection and its pinned requirements"
	$(MAKE) --no-print-directory ee-image
	# the image as AWX starts it: the installed collection and its Python libraries, read back inside it
	docker run --rm $(K2_EE_IMAGE) ansible-galaxy collection list k2.kafka_ops | grep -E '^k2\.kafka_ops +0\.1\.0'
	docker run --rm $(K2_EE_IMAGE) python3 -c 'import confluent_kafka, fastavro, yaml, ansible_runner; print("ee: confluent-kafka", confluent_kafka.version()[0])'
	docker run --rm $(K2_EE_IMAGE) ansible-doc k2.kafka_ops.kafka_topic > /dev/null
	@echo "ee: $(K2_EE_IMAGE) built on $(K2_EE_BASE_IMAGE); the collection and its libraries answer inside it"

# Three Kafka nodes with a SASL/SCRAM listener, in a stack of its own (ports 19092/19192/19292, SASL +2,
# registries 18081/18082), started and stopped around the fault tests.
FAULT_STACK := K2_STACK_DIR=$(CURDIR)/.stack-faults BROKERS=3 SASL=1 K2_REGISTRY1_PORT=18081 K2_REGISTRY2_PORT=18082
test-faults: setup
	$(FAULT_STACK) $(DEVSTACK) run -- $(PY) -m pytest -m faults tests/integration/faults

# promtool comes from Debian's prometheus package; installed here when missing (as root, waiting for apt's lock),
# its service not started
promtool:
	@command -v promtool >/dev/null || { \
	  test "$$(id -u)" = 0 || { echo "promtool is missing: sudo apt-get install prometheus"; exit 1; }; \
	  echo "installing Debian's prometheus package for promtool (its service is not started)"; \
	  tools/apt_install.sh prometheus; }

# The runbook's alert rules: promtool checks them and runs their unit tests (each alert at its threshold)
test-monitoring: promtool
	promtool check rules monitoring/prometheus/alerts.yml
	cd monitoring/prometheus && promtool test rules alerts_test.yml

include mk/docker.mk mk/ee.mk

# The README's test command: every layer runs (tools/ci/layers.sh), the stacks started and stopped as needed, and
# one summary line per layer at the end; it fails when any layer failed.
# test-faults+lint+sanity: lint and sanity (CPU, no service) run beside the fault stack's layer (mostly waits on
# its three brokers); they share no port, stack or build folder (ee, which rebuilds build/, runs after)
TEST_LAYERS := test-unit test-monitoring test-integration test-faults+lint+sanity test-docker ee
test:
	@MAKE="$(MAKE)" tools/ci/layers.sh $(TEST_LAYERS)

bench: setup
	$(DEVSTACK) run -- $(PY) tests/bench/bench.py

clean:
	rm -rf $(VENV) .collections .pytest_cache $(BUILD) .stack-test
