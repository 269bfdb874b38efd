"""Every cluster of a site in one run: a second dev stack on its own ports beside the first, one kafka_admin host
per cluster, and the playbooks run on both at once (Ansible forks) from a site directory. Read back with the
plain AdminClient and plain HTTP on each cluster, and from the site's files."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys

import httpx
import pytest
import yaml
from confluent_kafka.admin import AdminClient, NewPartitions

from conftest import DEVSTACK
from helpers import REPO, run_playbook

pytestmark = pytest.mark.integration


def free_ports(count):
    """Ports nothing listens on now, chosen by the kernel (not fixed numbers that may be taken)."""
    sockets = [socket.socket() for dummy in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [str(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="module")
def second_stack(tmp_path_factory):
    """A second single-node dev stack (Kafka and two registries), stopped by its own process ids afterwards."""
    ports = dict(zip(("K2_KAFKA_PORT", "K2_CONTROLLER_PORT", "K2_REGISTRY1_PORT", "K2_REGISTRY2_PORT"), free_ports(4)))
    env = dict(os.environ, K2_STACK_DIR=str(tmp_path_factory.mktemp("stack-b")), BROKERS="1", **ports)
    for var in ("K2_KAFKA_BOOTSTRAP_SERVERS", "K2_SCHEMA_REGISTRY_URLS", "SASL", "K2_SASL", "MONITORING", "K2_MONITORING"):
        env.pop(var, None)

    def tool(*args):
        return subprocess.run([sys.executable, DEVSTACK] + list(args), env=env, capture_output=True, text=True,
                              timeout=300, check=False)
    started = tool("up")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        info = json.loads(tool("status", "--json").stdout)
        assert info["running"] and info["bootstrap_servers"] == "127.0.0.1:" + ports["K2_KAFKA_PORT"], info
        yield info
    finally:
        stopped = tool("down")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory, stack, second_stack):
    path = tmp_path_factory.mktemp("regions") / "k2"
    shutil.copytree(os.path.join(REPO, "examples", "k2-platform"), str(path))

    def cluster(info):
        return {"k2_connection": {"bootstrap_servers": info["bootstrap_servers"], "request_timeout": 30,
                                  "schema_registry_urls": info["schema_registry_urls"], "schema_registry_timeout": 10}}
    inventory = {"all": {
        "children": {"kafka_admin": {"hosts": {"k2-a": cluster(stack), "k2-b": cluster(second_stack)}}},
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "k2_environment": "dev", "k2_platform_dir": str(path)}}}
    (path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (path / "site.yml").write_text(yaml.safe_dump([
        {"name": "Topics", "ansible.builtin.import_playbook": "k2.kafka_ops.apply_topics"},
        {"name": "Exchange", "ansible.builtin.import_playbook": "k2.kafka_ops.add_exchange"},
        {"name": "Backup", "ansible.builtin.import_playbook": "k2.kafka_ops.backup"}]))
    return path


def play(site, target, extra_vars=None, limit=None):
    """ansible-playbook -i inventory.yml <target> from the site directory; only the inventory speaks."""
    rc, out, dummy = run_playbook(target, extra_vars, inventory="inventory.yml", cwd=site, limit=limit,
                                  scrub=("ANSIBLE_", "K2_"), no_warnings=True)
    return rc, out


def partitions(admin, topic):
    return len(admin.list_topics(topic, timeout=10).topics[topic].partitions)


def test_one_run_applies_adds_and_backs_up_every_cluster_and_a_refusal_on_one_changes_neither(
        site, stack, second_stack, unique):
    admins = {"k2-a": AdminClient({"bootstrap.servers": stack["bootstrap_servers"]}),
              "k2-b": AdminClient({"bootstrap.servers": second_stack["bootstrap_servers"]})}
    registries = {"k2-a": stack["schema_registry_urls"][0], "k2-b": second_stack["schema_registry_urls"][0]}
    exchange = "m" + unique
    topic = "market.equities.trades.%s" % exchange

    rc, out = play(site, "site.yml", {"asset_class": "equities", "exchange": exchange, "partitions": 4,
                                      "exchange_name": "Both Regions", "write_config": True})
    assert rc == 0, out[-4000:]
    assert "k2-a" in out and "k2-b" in out
    written = yaml.safe_load((site / "config" / "kafka" / "topics.yaml").read_text())
    assert written["asset_classes"]["equities"]["exchanges"][exchange] == {"name": "Both Regions", "partitions": 4}
    for host, admin in admins.items():
        names = set(admin.list_topics(timeout=10).topics)
        assert {"market.%s.%s.%s" % (ac, dt, ex) for ac, ex in (("equities", "asx"), ("crypto", "binance"))
                for dt in ("trades", "quotes", "reference_data")} <= names, host
        assert partitions(admin, topic) == 4, host
        subjects = httpx.get(registries[host] + "/subjects", timeout=10).json()
        assert {"market.equities.trades-value", "market.crypto.quotes-value"} <= set(subjects), host

    cluster_ids = {}
    for host, admin in admins.items():
        cluster_ids[host] = admin.describe_cluster().result(10).cluster_id
    assert cluster_ids["k2-a"] != cluster_ids["k2-b"]
    for host, cluster_id in cluster_ids.items():
        backups = glob.glob(str(site / "backups" / cluster_id / "kafka-*"))
        assert len(backups) == 1, (host, backups)
        manifest = json.loads(open(os.path.join(backups[0], "manifest.json")).read())
        assert manifest["cluster_id"] == cluster_id and manifest["inventory_host"] == host
        with open(os.path.join(backups[0], "topics.json")) as handle:
            saved = dict((t["name"], t["partitions"]) for t in json.load(handle))
        assert saved[topic] == 4

    # cluster b was raised out of band: asking both for 5 is a decrease on b, so neither changes
    admins["k2-b"].create_partitions([NewPartitions(topic, 6)])[topic].result(30)
    before = (site / "config" / "kafka" / "topics.yaml").read_text()
    rc, out = play(site, "k2.kafka_ops.raise_partitions", {"topic": topic, "partitions": 5})
    assert rc != 0 and "k2-b" in out, out[-4000:]
    assert "decrease" in out or "fewer" in out, out[-4000:]
    assert partitions(admins["k2-a"], topic) == 4 and partitions(admins["k2-b"], topic) == 6
    assert (site / "config" / "kafka" / "topics.yaml").read_text() == before

    # one cluster on its own with --limit
    rc, out = play(site, "k2.kafka_ops.raise_partitions", {"topic": topic, "partitions": 5}, limit="k2-a")
    assert rc == 0, out[-4000:]
    assert partitions(admins["k2-a"], topic) == 5 and partitions(admins["k2-b"], topic) == 6

    # the health report names each cluster
    rc, out = play(site, "k2.kafka_ops.health_check", {"k2_health_report_dir": str(site / "reports"),
                                                       "k2_health_fail_on": "never"})
    assert rc == 0, out[-4000:]
    for host, cluster_id in cluster_ids.items():
        assert "%s (%s): " % (host, cluster_id) in out, out[-4000:]
        report = glob.glob(str(site / "reports" / ("health-%s-*.json" % host)))
        assert len(report) == 1 and json.loads(open(report[0]).read())["cluster"] == host
        assert json.loads(open(report[0]).read())["kafka"]["cluster_id"] == cluster_id
