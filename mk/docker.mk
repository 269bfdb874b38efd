# The compose stack on a local Docker engine (issue 23): engine, base image, images, stack, docker test layer.
#   make images        the base image and every local image (each reused while its inputs are unchanged)
#   make docker-up     images as needed, then the compose stack with them, waiting until every service is healthy
#   make docker-down   the stack's containers, network and volumes (project k2 only)
#   make test-docker   the docker layer: the docker Molecule scenario, then pytest -m docker (AWX jobs in the EE too,
#                      so the EE image is built or reused first); stack always down after
DOCKER_ENGINE := tools/docker/engine.sh
DOCKER_IMAGES := $(PYTHON) tools/docker/images.py
DOCKER_STACK := tools/docker/stack.sh
# v2's plugin when it answers, else Debian's v1; the inventory's k2_compose_command follows it (inventories/docker)
K2_COMPOSE_COMMAND ?= $(shell docker compose version > /dev/null 2>&1 && echo "docker compose" || echo docker-compose)
# The local images (tools/docker/images.py --env; tests/unit checks they agree). A caller's value wins, e.g.
# K2_KAFKA_IMAGE=confluentinc/cp-kafka:8.1.1 where a registry is reachable.
K2_KAFKA_IMAGE ?= k2-kafka:4.1.1
K2_SCHEMA_REGISTRY_IMAGE ?= k2-schema-registry:apicurio-3.0.9
K2_PROMETHEUS_IMAGE ?= k2-prometheus:2.42.0
K2_NODE_EXPORTER_IMAGE ?= k2-node-exporter:1.5.0
K2_JMX_AGENT_IMAGE ?= k2-jmx-agent:1.0.1
# Apicurio serves the Confluent API under /apis/ccompat/v7, Confluent's image at the root
K2_REGISTRY_API_PATH ?= $(if $(findstring confluentinc/,$(K2_SCHEMA_REGISTRY_IMAGE)),,/apis/ccompat/v7)
DOCKER_STACK_VARS := K2_COMPOSE_COMMAND K2_KAFKA_IMAGE K2_SCHEMA_REGISTRY_IMAGE K2_PROMETHEUS_IMAGE \
	K2_NODE_EXPORTER_IMAGE K2_JMX_AGENT_IMAGE K2_REGISTRY_API_PATH
DOCKER_TARGETS := images docker-up docker-down docker-wait test-docker molecule-docker
$(DOCKER_TARGETS): export K2_COMPOSE_COMMAND := $(K2_COMPOSE_COMMAND)
$(DOCKER_TARGETS): export K2_KAFKA_IMAGE := $(K2_KAFKA_IMAGE)
$(DOCKER_TARGETS): export K2_SCHEMA_REGISTRY_IMAGE := $(K2_SCHEMA_REGISTRY_IMAGE)
$(DOCKER_TARGETS): export K2_PROMETHEUS_IMAGE := $(K2_PROMETHEUS_IMAGE)
$(DOCKER_TARGETS): export K2_NODE_EXPORTER_IMAGE := $(K2_NODE_EXPORTER_IMAGE)
$(DOCKER_TARGETS): export K2_JMX_AGENT_IMAGE := $(K2_JMX_AGENT_IMAGE)
$(DOCKER_TARGETS): export K2_REGISTRY_API_PATH := $(K2_REGISTRY_API_PATH)

.PHONY: docker-engine base-image $(DOCKER_TARGETS) docker-env

docker-engine:
	$(DOCKER_ENGINE) install
	$(DOCKER_ENGINE) start

base-image: docker-engine
	tools/docker/base-image.sh

images: base-image
	@$(DOCKER_IMAGES)

docker-up: images
	@$(DOCKER_STACK) up

docker-wait:
	@$(DOCKER_STACK) wait

docker-down:
	@$(DOCKER_STACK) down

# what the docker targets export, as shell assignments: `eval "$(make -s docker-env)"` for a shell of one's own
docker-env:
	@$(foreach v,$(DOCKER_STACK_VARS),echo "export $(v)='$($(v))'";)

# The docker Molecule scenario brings the stack up and down itself (create/destroy), so it runs first, on
# free ports; then the stack comes up for pytest's docker layer and goes down whatever the tests' outcome.
molecule-docker: setup images
	@$(DOCKER_STACK) ports
	@started=$$(date +%s); $(VENV)/bin/molecule test -s docker; rc=$$?; \
	  echo "molecule docker scenario: $$(( $$(date +%s) - started )) s (exit $$rc)"; exit $$rc

test-docker: setup images ee-image
	@started=$$(date +%s); rc=0; \
	  $(MAKE) --no-print-directory molecule-docker || rc=$$?; \
	  if [ $$rc = 0 ]; then \
	    $(DOCKER_STACK) up || rc=$$?; \
	    if [ $$rc = 0 ]; then $(PY) -m pytest -m docker tests/docker || rc=$$?; fi; \
	    $(DOCKER_STACK) down || true; \
	  fi; \
	  echo "docker layer: $$(( $$(date +%s) - started )) s (exit $$rc)"; exit $$rc
