"""Kafka itself stopped (runs last: the registries depend on it). A clear critical finding within the request
timeout, no traceback; then health waits for the restarted broker with wait_for."""
import time

import pytest

from conftest import devstack
from helpers import module_escapes, run_module

pytestmark = pytest.mark.integration


def test_kafka_stopped_is_one_clear_critical_finding_then_wait_for_recovers(stack, bootstrap_servers, registry_urls):
    kafka = stack["nodes"][0]["name"]
    devstack("stop", kafka)
    try:
        started = time.time()
        result = run_module("kafka_health", bootstrap_servers=bootstrap_servers, request_timeout=5,
                            schema_registry_urls=registry_urls, checks=["kafka", "partitions", "lag"])
        elapsed = time.time() - started
        assert result["failed"] and result["status"] == "critical"
        assert len(result["findings"]) == 1 and result["findings"][0]["check"] == "kafka"
        assert "Kafka unreachable" in result["msg"] and module_escapes(result) == []
        assert elapsed < 5 + 10, elapsed
    finally:
        devstack("start", kafka)
    healed = run_module("kafka_health", bootstrap_servers=bootstrap_servers, schema_registry_urls=registry_urls,
                        checks=["kafka", "partitions", "registry"], wait_for="ok", wait_timeout=120,
                        wait_interval=2)
    assert healed["status"] == "ok", healed["summary"]


def test_recover_broker_through_the_dev_stack_inventory_restarts_only_the_broker(stack, admin):
    """inventories/local lists the dev stack's services as hosts (devstack_hosts.py); recovery restarts the
    stopped broker on its host and leaves the registries' processes alone."""
    from conftest import service_pids
    from helpers import run_playbook
    kafka = stack["nodes"][0]["name"]
    devstack("stop", kafka)
    before = service_pids()
    try:
        rc, out, dummy = run_playbook("recover_broker.yml")
        after = service_pids()  # measured before the safety restart below, so only the playbook can have started it
    finally:
        devstack("start", kafka)  # a no-op when the playbook restarted it
    assert rc == 0 and "down: %s" % kafka in out and "localhost -> %s" % kafka in out, out[-3000:]
    assert before[kafka] is None and after[kafka] is not None
    assert [after[r["name"]] for r in stack["registries"]] == [before[r["name"]] for r in stack["registries"]]
    assert list(admin.list_topics(timeout=15).brokers) == [stack["nodes"][0]["id"]]
