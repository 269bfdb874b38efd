"""Fixtures for tests against the running dev stack (tools/devstack). They fail, never skip, when it is down."""
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from helpers import REPO, run_module

DEVSTACK = os.path.join(REPO, "tools", "devstack", "devstack.py")


# The tests that stop, kill, wipe or fill part of the stack run last, in this order, whatever their file names;
# every other test runs first, in collection order, and must not depend on another's leftovers.
LAST = ("test_file_budget.py", "test_installed_collection.py", "test_broker_killed.py", "test_backup_reset_restore.py",
        "test_kafka_down.py")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = os.path.basename(str(item.fspath))
        return LAST.index(name) + 1 if name in LAST else 0
    items.sort(key=rank)   # stable: the order within each file and among the others is kept


def devstack(*args):
    """Run a devstack command (e.g. devstack("stop", "registry1")); raise with its output on failure."""
    proc = subprocess.run([sys.executable, DEVSTACK] + list(args), capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 3) or (args[0] != "status" and proc.returncode):
        raise AssertionError("devstack %s failed:\n%s%s" % (" ".join(args), proc.stdout, proc.stderr))
    return proc.stdout


def service_pids():
    """{service: pid or None} of the running dev stack, read from devstack status."""
    info = json.loads(devstack("status", "--json"))
    return dict((s["service"], s["pid"]) for s in info.get("services", []))


@pytest.fixture(scope="session")
def stack():
    info = json.loads(devstack("status", "--json"))
    if not info.get("running"):
        pytest.fail("the dev stack is not running: `make stack-up` (or run the tests through `make test`)")
    return info


@pytest.fixture(scope="session")
def bootstrap_servers(stack):
    return stack["bootstrap_servers"]


@pytest.fixture(scope="session")
def registry_urls(stack):
    return list(stack["schema_registry_urls"])


@pytest.fixture(scope="session")
def admin(bootstrap_servers):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap_servers})


@pytest.fixture
def unique():
    """A short unique token so tests never collide with each other or with a previous run's leftovers."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def stopped_service(stack):
    """Stop a dev-stack service for one test and start it again afterwards, whatever the test did."""
    stopped = []

    def stop(name):
        devstack("stop", name)
        stopped.append(name)

    yield stop
    for name in stopped:
        devstack("start", name)


def wait_until(predicate, timeout=30.0, interval=0.2):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def kafka_module(bootstrap_servers):
    """run a Kafka module against the dev stack: kafka_module("kafka_topic", name=..., check=True)."""
    def run(module, **args):
        args.setdefault("bootstrap_servers", bootstrap_servers)
        args.setdefault("request_timeout", 20)
        return run_module(module, **args)
    return run
