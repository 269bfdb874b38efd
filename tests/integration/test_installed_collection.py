"""The collection as users get it: built into a tarball, installed into a collections path outside this
repository, its playbooks run as k2.kafka_ops.<name> from a site directory that holds a copy of the example K2
checkout, and nowhere else. Every result is read back from the cluster, the registry or the site's files.

Runs late (zw): recover_broker stops and restarts the dev stack's Kafka."""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

import httpx
import pytest
import yaml

from conftest import devstack, service_pids
from helpers import REPO, run_playbook

pytestmark = pytest.mark.integration
BIN = os.path.dirname(sys.executable)
EXAMPLE = os.path.join(REPO, "examples", "k2-platform")


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball and install it into a fresh collections path; returns that path."""
    build = tmp_path_factory.mktemp("build")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(build), REPO],
                   check=True, capture_output=True, cwd=str(build))
    tarball = glob.glob(str(build / "k2-kafka_ops-*.tar.gz"))
    assert len(tarball) == 1, tarball
    collections = tmp_path_factory.mktemp("collections")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(collections),
                    tarball[0]],
                   check=True, capture_output=True, cwd=str(build))
    root = collections / "ansible_collections" / "k2" / "kafka_ops"
    assert (root / "MANIFEST.json").is_file()
    for absent in ("galaxy.yml", "tools"):  # what the tarball lacks, so nothing may read it
        assert not (root / absent).exists(), absent
    return collections


@pytest.fixture(scope="module")
def site(tmp_path_factory, stack):
    """A site directory: a copy of the example K2 checkout plus an inventory naming the services as hosts."""
    path = tmp_path_factory.mktemp("site") / "k2"
    shutil.copytree(EXAMPLE, str(path))
    tool = [sys.executable, os.path.join(REPO, "tools", "devstack", "devstack.py")]

    def host(name, **extra):
        return dict(extra, ansible_connection="local", ansible_python_interpreter=sys.executable,
                    k2_service_control="command", k2_service_start_cmd=tool + ["start", name],
                    k2_service_stop_cmd=tool + ["stop", name])

    inventory = {"all": {
        "children": {
            "kafka_admin": {"hosts": {"localhost": {"ansible_connection": "local",
                                                    "ansible_python_interpreter": sys.executable}}},
            "kafka_broker": {"hosts": dict((n["name"], host(n["name"], k2_broker_id=n["id"]))
                                           for n in stack["nodes"])},
            "schema_registry": {"hosts": dict((r["name"], host(r["name"], k2_registry_url=u))
                                              for r, u in zip(stack["registries"], stack["schema_registry_urls"]))}},
        "vars": {"k2_environment": "dev",
                 "k2_connection": {"bootstrap_servers": stack["bootstrap_servers"], "request_timeout": 30,
                                   "schema_registry_urls": stack["schema_registry_urls"],
                                   "schema_registry_timeout": 10}}}}
    (path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    return path


def play(installed, site, name, extra_vars=None):
    """ansible-playbook -i inventory.yml k2.kafka_ops.<name>, from the site directory, with only the installed
    collection on the collections path. Fails the test on any [WARNING]."""
    rc, out, dummy = run_playbook("k2.kafka_ops." + name, extra_vars, inventory="inventory.yml", cwd=site,
                                  collections=installed, scrub=("ANSIBLE_",), no_warnings=True)
    return rc, out


def test_installed_playbooks_from_a_site_directory(installed, site, admin, registry_urls, unique):
    example_sum = sha256(os.path.join(EXAMPLE, "config", "kafka", "topics.yaml"))

    rc, out = play(installed, site, "apply_topics")
    assert rc == 0, out[-3000:]
    topics = set(admin.list_topics(timeout=10).topics)
    for ac, ex in (("equities", "asx"), ("crypto", "binance")):
        for dt in ("trades", "quotes", "reference_data"):
            assert "market.%s.%s.%s" % (ac, dt, ex) in topics

    exchange = "s" + unique
    rc, out = play(installed, site, "add_exchange", {"asset_class": "crypto", "exchange": exchange, "partitions": 2,
                                                     "exchange_name": "Site Exchange", "write_config": True})
    assert rc == 0, out[-3000:]
    written = yaml.safe_load((site / "config" / "kafka" / "topics.yaml").read_text())
    assert written["asset_classes"]["crypto"]["exchanges"][exchange] == {"name": "Site Exchange", "partitions": 2}
    assert sha256(os.path.join(EXAMPLE, "config", "kafka", "topics.yaml")) == example_sum  # not the collection's
    meta = admin.list_topics(timeout=10).topics
    assert len(meta["market.crypto.trades.%s" % exchange].partitions) == 2

    rc, out = play(installed, site, "raise_partitions", {"asset_class": "crypto", "exchange": exchange,
                                                         "partitions": 3, "update_config": True})
    assert rc == 0, out[-3000:]
    meta = admin.list_topics(timeout=10).topics
    counts = [len(meta["market.crypto.%s.%s" % (dt, exchange)].partitions)
              for dt in ("trades", "quotes", "reference_data")]
    assert counts == [3, 3, 1]
    written = yaml.safe_load((site / "config" / "kafka" / "topics.yaml").read_text())
    assert written["asset_classes"]["crypto"]["exchanges"][exchange]["partitions"] == 3

    rc, out = play(installed, site, "backup")
    assert rc == 0, out[-3000:]
    backups = sorted(glob.glob(str(site / "backups" / "*" / "kafka-*")))
    assert len(backups) == 1, backups
    manifest = json.loads(open(os.path.join(backups[0], "manifest.json")).read())
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        assert manifest["collection_version"] == yaml.safe_load(handle)["version"]
    assert {"topics.yaml", "schemas/trade.avsc", "topics.json", "subjects.json"} <= set(manifest["files"])
    saved = json.loads(open(os.path.join(backups[0], "topics.json")).read())
    assert "market.crypto.trades.%s" % exchange in [t["name"] for t in saved]

    rc, out = play(installed, site, "restore", {"backup": os.path.relpath(backups[0], str(site))})
    assert rc == 0, out[-3000:]
    assert "changed=0" in out, out[-3000:]  # the cluster already holds exactly the backup
    subjects = httpx.get(registry_urls[0] + "/subjects", timeout=10).json()
    assert "market.crypto.trades-value" in subjects


def test_installed_recover_broker_restarts_only_the_broker_that_is_down(installed, site, admin, stack):
    broker = stack["nodes"][0]["name"]
    devstack("stop", broker)
    before = service_pids()
    try:
        rc, out = play(installed, site, "recover_broker")
        after = service_pids()  # measured before the safety restart below, so only the playbook can have started it
    finally:
        devstack("start", broker)  # a no-op when the playbook restarted it
    assert rc == 0, out[-3000:]
    assert "down: %s" % broker in out and "localhost -> %s" % broker in out, out[-3000:]
    assert before[broker] is None and after[broker] is not None
    others = [s for s in before if s != broker]
    assert [after[s] for s in others] == [before[s] for s in others]
    meta = admin.list_topics(timeout=10)
    assert list(meta.brokers) == [stack["nodes"][0]["id"]]
    assert not [p for t in meta.topics.values() for p in t.partitions.values() if len(p.isrs) < len(p.replicas)]

    rc, out = play(installed, site, "recover_broker")  # nothing down: nothing restarted
    assert rc == 0 and "every host is up; nothing to restart" in out, out[-3000:]
    assert service_pids() == after
