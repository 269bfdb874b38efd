"""The docker layer: the compose stack (`make docker-up`) on the local Docker engine, driven through
inventories/docker, and read back with code that is not ours: the docker CLI, the runbook's own Kafka CLI inside
k2-kafka, the plain confluent_kafka AdminClient and HTTP to the registries.

Tests that stop, restart or wipe services carry `@pytest.mark.disrupts_stack`; they run after every other test of
the layer, in the order they are written. At the end the layer checks the stack is healthy again (and brings it
back with `make docker-up` if not), then prints its own duration."""
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from helpers import COLLECTIONS, REPO, escaped_exceptions, run_playbook

INVENTORY = "inventories/docker"
KAFKA = "k2-kafka"
REGISTRIES = ("k2-schema-registry-1", "k2-schema-registry-2")
SERVICES = (KAFKA,) + REGISTRIES
EXAMPLE = os.path.join(REPO, "examples", "k2-platform")
EXAMPLE_TOPICS = os.path.join(EXAMPLE, "config", "kafka", "topics.yaml")
COMPOSE_FILE = os.path.join(REPO, "docker-compose.yml")
_CLOCK = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "disrupts_stack: stops, restarts or wipes compose services; runs last in "
                                       "the docker layer, in file order")


def pytest_collection_modifyitems(config, items):
    """Stack-disrupting tests last (stable: every other test keeps its order, and so do they)."""
    ours = [i for i in items if "disrupts_stack" in i.keywords]
    if ours:
        rest = [i for i in items if "disrupts_stack" not in i.keywords]
        items[:] = rest + ours


def pytest_terminal_summary(terminalreporter):
    if _CLOCK.get("start"):
        end = _CLOCK.get("end") or time.time()
        terminalreporter.write_line("docker layer (tests/docker): %d tests in %.0f s (%.1f min), stack check at the "
                                    "end included" % (_CLOCK.get("tests", 0), end - _CLOCK["start"],
                                                      (end - _CLOCK["start"]) / 60.0))


def docker_env():
    """make's docker variables (`make -s docker-env`: compose command, local images, the registries' API path) for
    whatever the caller did not set, as `make test-docker` exports them. The playbooks' compose commands must see
    the images `make docker-up` used, or `up` would recreate the containers with the platform's images."""
    if all(os.environ.get(v) for v in ("K2_COMPOSE_COMMAND", "K2_KAFKA_IMAGE", "K2_REGISTRY_API_PATH")):
        return
    out = subprocess.run(["make", "-s", "docker-env"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name, value in re.findall(r"^export (\w+)='(.*)'$", out, re.M):
        os.environ.setdefault(name, value)


@functools.lru_cache(maxsize=None)
def inventory():
    """What the playbooks see in inventories/docker (templated by Ansible itself): bootstrap servers, compose
    command and file, and each registry host's URL in inventory order."""
    docker_env()
    expr = ('{{ {"bootstrap": k2_kafka_bootstrap_servers, "compose": k2_compose_command, "file": k2_compose_file,'
            ' "registries": groups.schema_registry | map("extract", hostvars, "k2_registry_url") | list} | to_json }}')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-i", INVENTORY,
                           "-m", "ansible.builtin.debug", "-a", "msg=" + expr], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    try:
        result = json.loads(proc.stdout.split("=>", 1)[1])["msg"]   # localhost | SUCCESS => {...}
    except (ValueError, KeyError, IndexError):
        raise AssertionError("could not read %s:\n%s\n%s" % (INVENTORY, proc.stdout[-2000:], proc.stderr[-2000:]))
    return json.loads(result) if isinstance(result, str) else result


def compose_command():
    """The inventory's k2_compose_command as argv, with its compose file, as site.py builds it."""
    value = inventory()["compose"]
    return (list(value) if isinstance(value, list) else shlex.split(str(value))) + ["-f", inventory()["file"]]


def sh(argv, input=None, timeout=180, check=True, cwd=REPO):
    proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    if check and proc.returncode:
        raise AssertionError("%s: rc %d\n%s\n%s" % (
            " ".join(argv), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return proc


def docker(*args, **kwargs):
    return sh(["docker"] + list(args), **kwargs)


def compose(*args, **kwargs):
    """The inventory's compose command on its docker-compose.yml, from the repository root (where the runbook runs
    `docker compose ...`)."""
    return sh(compose_command() + list(args), **kwargs)


def kafka_cli(*args, **kwargs):
    """One of the runbook's appendix commands, as written (without -t): docker exec [-i] k2-kafka kafka-topics ..."""
    stdin = ["-i"] if kwargs.get("input") is not None else []
    return docker("exec", *(stdin + [KAFKA] + list(args)), **kwargs)


def inspect(name):
    proc = docker("inspect", name, check=False)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None


def health(name):
    info = inspect(name)
    if info is None:
        return "missing"
    state = info["State"]
    return (state.get("Health") or {}).get("Status") or state["Status"]


def wait_until(predicate, timeout=60.0, interval=0.5):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def all_healthy(names=SERVICES):
    return all(health(n) == "healthy" for n in names)


def play(playbook, extra_vars=None, check=False, allow_warnings=False, timeout=900):
    """ansible-playbook -i inventories/docker; no [WARNING] unless allowed, and no exception escaping a module
    or plugin (tracebacks are on: a deliberate failure's K2Error shows one too, and is allowed)."""
    rc, out, recap = run_playbook(playbook, extra_vars, check=check, inventory=INVENTORY, timeout=timeout,
                                  env={"ANSIBLE_DISPLAY_TRACEBACK": "error"})
    if not allow_warnings:
        assert "[WARNING]" not in out, out[-6000:]
    assert escaped_exceptions(out) == [], out[-6000:]
    return rc, out, recap


@pytest.fixture(scope="session", autouse=True)
def stack():
    """The compose stack, healthy; the layer fails (never skips) without it. At the end: healthy again."""
    _CLOCK["start"] = time.time()
    docker_env()
    if docker("info", check=False).returncode:
        pytest.fail("no Docker engine answers: make docker-engine (or run the layer through make test-docker)")
    if not wait_until(all_healthy, timeout=120, interval=2):
        pytest.fail("the compose stack is not up and healthy (%s): make docker-up"
                    % ", ".join("%s %s" % (n, health(n)) for n in SERVICES))
    yield {"services": SERVICES}
    if not wait_until(all_healthy, timeout=180, interval=2):
        sh(["make", "docker-up"], timeout=900, check=False)
    healthy = wait_until(all_healthy, timeout=180, interval=2)
    _CLOCK["end"] = time.time()
    assert healthy, "the compose stack is not healthy after the docker layer: %s" % ", ".join(
        "%s %s" % (n, health(n)) for n in SERVICES)


@pytest.fixture(autouse=True)
def _count_tests():
    _CLOCK["tests"] = _CLOCK.get("tests", 0) + 1
    yield


@pytest.fixture(scope="session")
def bootstrap_servers():
    return inventory()["bootstrap"]


@pytest.fixture(scope="session")
def registry_urls():
    """Each registry host's k2_registry_url, in the order of the inventory (schema-registry-1, -2)."""
    return [str(u).rstrip("/") for u in inventory()["registries"]]


@pytest.fixture(scope="session")
def admin(bootstrap_servers):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap_servers})


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:8]


@pytest.fixture
def platform_dir(tmp_path):
    """A private copy of examples/k2-platform (a K2 checkout): playbooks that write topics.yaml or backups there
    never touch the repository's."""
    path = tmp_path / "k2"
    shutil.copytree(EXAMPLE, str(path), ignore=shutil.ignore_patterns("backups", ".k2-plans"))
    return path


@pytest.fixture
def drop_topics(admin):
    """Topics (or name prefixes ending in '.') a test creates; deleted at its end, whatever happened."""
    names = []
    yield names
    existing = [n for n in admin.list_topics(timeout=10).topics
                if any(n == p or (p.endswith(".") and n.startswith(p)) for p in names)]
    if existing:
        for future in admin.delete_topics(existing, operation_timeout=30).values():
            future.result(60)


def managed_topics(path=EXAMPLE_TOPICS):
    """market.{asset_class}.{data_type}.{exchange} for every combination in a topics.yaml, computed here."""
    with open(str(path)) as handle:
        data = yaml.safe_load(handle)
    return set("market.%s.%s.%s" % (ac, dt, ex) for ac, spec in data["asset_classes"].items()
               for ex in spec["exchanges"] for dt in data["data_types"])


def cluster_id(admin):
    return admin.describe_cluster(request_timeout=10).result(30).cluster_id


def partitions_in_sync(admin):
    """(every partition has a leader and its ISR equals its replicas, the offending partitions) from metadata."""
    bad = []
    for name, meta in admin.list_topics(timeout=10).topics.items():
        for pid, part in meta.partitions.items():
            if part.leader < 0 or sorted(part.isrs) != sorted(part.replicas):
                bad.append((name, pid, part.leader, part.isrs, part.replicas))
    return not bad, bad


def started_at(name):
    info = inspect(name)
    return (info["Id"], info["State"]["StartedAt"]) if info else (None, None)
