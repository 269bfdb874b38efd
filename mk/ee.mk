# The AWX execution environment (issue 23): built with ansible-builder, jobs run in it with ansible-runner.
#   make ee-image    build (or reuse) the EE image: $(K2_EE_IMAGE), from $(K2_EE_DEFINITION) on $(K2_EE_BASE_IMAGE)
#   make test-ee     run AWX's job templates (health check, backup) in that image against the compose stack
# Defaults: the Debian variant on the locally made base, since no registry is reachable here. With a registry:
#   make ee-image K2_EE_DEFINITION=execution-environment.yml K2_EE_BASE_IMAGE=quay.io/centos/centos:stream9
.PHONY: ee-image test-ee
K2_EE_DEFINITION ?= tools/ee/execution-environment.debian.yml
K2_EE_BASE_IMAGE ?= k2-ee-base:bookworm
K2_EE_IMAGE ?= k2-kafka-ops-ee:$(shell sed -n 's/^version: *//p' galaxy.yml)
export K2_EE_IMAGE

ee-image: base-image $(COLLECTION_TARBALL)
	$(PY) tools/ee/build_ee.py --definition $(K2_EE_DEFINITION) --base-image $(K2_EE_BASE_IMAGE) --tag $(K2_EE_IMAGE)

test-ee: ee-image
	$(PY) -m pytest -m docker tests/docker/test_ee_runner.py
