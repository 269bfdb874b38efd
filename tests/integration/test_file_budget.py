"""The dev broker's file budget under the benchmark's own churn: the 1,000-topic create/delete phase twice, then
three rounds of 300 topics x 10 partitions, back to back. The broker must stay up and answering throughout,
and its open descriptors (sampled from /proc every 50 ms) must stay below 70 % of its limit. Each phase
drains before the next: `devstack.py drain` waits until the broker has removed the partitions it deleted."""
import os
import sys
import time

import pytest
from confluent_kafka.admin import NewTopic

from conftest import DEVSTACK, devstack, service_pids

sys.path.insert(0, os.path.dirname(DEVSTACK))
from devstack import FdWatch  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.integration
BUDGET = 0.70


def wait_for(what, predicate, timeout=180):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out after %ds waiting for %s" % (timeout, what)
        time.sleep(0.2)


def churn(admin, topics, data_dir):
    """Create the topics, wait until the broker holds every partition on disk (its files open), delete them,
    wait until metadata no longer lists them, then drain the broker's pending deletions."""
    names = set(t.topic for t in topics)
    partitions = sum(t.num_partitions for t in topics)
    for start in range(0, len(topics), 500):
        for future in admin.create_topics(topics[start:start + 500], operation_timeout=120).values():
            future.result(180)
    prefix = os.path.commonprefix(sorted(names))
    wait_for("%d partitions on disk" % partitions, lambda: sum(
        1 for d in os.listdir(data_dir) if d.startswith(prefix) and not d.endswith("-delete")) >= partitions)
    listed = sorted(names)
    for start in range(0, len(listed), 500):
        for future in admin.delete_topics(listed[start:start + 500], operation_timeout=120).values():
            future.result(180)
    wait_for("the deleted topics to leave metadata", lambda: not names & set(admin.list_topics(timeout=30).topics))
    devstack("drain", "180")


def test_the_broker_survives_the_benchmark_churn_within_its_file_budget(admin, stack, unique):
    if stack["brokers"] != 1:
        pytest.fail("this test measures the single-node dev stack")
    broker = stack["nodes"][0]["name"]
    peaks = []
    phases = [("1,000 topics (1-10 partitions) #%d" % n,
               [NewTopic("fb.%s.%d.k%04d" % (unique, n, i), 1 + i % 10, 1) for i in range(1000)]) for n in (1, 2)]
    phases += [("300 topics x 10 partitions #%d" % n,
                [NewTopic("fb.%s.c%d.t%03d" % (unique, n, i), 10, 1) for i in range(300)]) for n in (1, 2, 3)]
    pid = service_pids()[broker]
    data_dir = os.path.join(stack["stack_dir"], "data", broker)
    for label, topics in phases:
        with FdWatch(pid) as watch:
            churn(admin, topics, data_dir)
        assert watch.alive and service_pids()[broker] == pid, "%s: the broker died during %s" % (broker, label)
        peaks.append((label, watch.peak, watch.limit))
        print("file budget: " + watch.line(label))
    assert all(peak < BUDGET * limit for dummy, peak, limit in peaks), peaks
    assert admin.list_topics(timeout=10).brokers, "the broker does not answer after the churn"
    assert not [n for n in admin.list_topics(timeout=10).topics if n.startswith("fb.%s." % unique)]
