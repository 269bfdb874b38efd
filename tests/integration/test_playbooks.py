"""The runbook playbooks, run with ansible-playbook against the dev stack; results read back from the cluster."""
import glob
import json
import os
import re
import shutil

import httpx
import pytest
import yaml
from confluent_kafka.admin import NewTopic

from helpers import CLOSED, REPO, disk_thresholds_above_usage, run_playbook

pytestmark = pytest.mark.integration
EXAMPLE_TOPICS = os.path.join(REPO, "examples", "k2-platform", "config", "kafka", "topics.yaml")


@pytest.fixture
def topics_file(tmp_path):
    """A private copy of the example topics.yaml, so playbooks that write it never touch the repository's."""
    path = tmp_path / "topics.yaml"
    shutil.copy(EXAMPLE_TOPICS, path)
    return path


@pytest.fixture
def cleanup(admin):
    names = []
    yield names
    existing = [n for n in admin.list_topics(timeout=10).topics if any(n.startswith(p) for p in names)]
    if existing:
        for future in admin.delete_topics(existing).values():
            future.result(30)


def partitions(admin, name):
    meta = admin.list_topics(name, timeout=10).topics.get(name)
    return None if meta is None or meta.error is not None else len(meta.partitions)


def test_add_exchange_creates_verifies_and_reruns_unchanged(admin, topics_file, unique, cleanup):
    exchange = "x" + unique
    cleanup.append("market.equities.")
    args = {"asset_class": "equities", "exchange": exchange, "partitions": 4, "exchange_name": "Test Exchange",
            "k2_topics_file": str(topics_file)}
    rc, out, recap = run_playbook("add_exchange.yml", args)
    assert rc == 0, out[-3000:]
    assert recap["changed"] >= 1
    assert "[WARNING]" not in out, out  # the main job runs without a warning (reserved `name`, loop `item`)
    for data_type, count in (("trades", 4), ("quotes", 4), ("reference_data", 1)):
        assert partitions(admin, "market.equities.%s.%s" % (data_type, exchange)) == count
    assert "market.equities.trades.%s: 4 partitions, replication factor 1" % exchange in out
    rc, out, recap = run_playbook("add_exchange.yml", args)
    assert rc == 0 and recap["changed"] == 0, out[-3000:]
    assert "partitions: 30" in topics_file.read_text() and exchange not in topics_file.read_text()


def test_add_exchange_write_config_keeps_comments_and_order(topics_file, unique, cleanup):
    exchange = "w" + unique
    cleanup.append("market.crypto.")
    before = topics_file.read_text()
    rc, out, dummy = run_playbook("add_exchange.yml", {"asset_class": "crypto", "exchange": exchange, "partitions": 2,
                                                       "country": "GLOBAL", "write_config": True,
                                                       "k2_topics_file": str(topics_file)})
    assert rc == 0, out[-3000:]
    after = topics_file.read_text()
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert removed == [], removed
    assert "# Kafka topics and Schema Registry subjects of the K2 market-data platform." in after
    assert 'retention.ms: "604800000"      # 7 days' in after and "      # coinbase:" in after
    entry = yaml.safe_load(after)["asset_classes"]["crypto"]["exchanges"][exchange]
    assert entry == {"partitions": 2, "country": "GLOBAL"}
    assert after.index("binance:") < after.index(exchange + ":")


def test_add_exchange_with_other_values_than_topics_yaml_stops_and_shows_the_difference(admin, topics_file):
    rc, out, dummy = run_playbook("add_exchange.yml", {"asset_class": "equities", "exchange": "asx", "partitions": 99,
                                                       "k2_topics_file": str(topics_file)})
    assert rc != 0 and "partitions: topics.yaml has 30, asked for 99" in out
    assert partitions(admin, "market.equities.trades.asx") in (None, 30)


def test_raise_partitions_grows_and_refuses_a_decrease(admin, unique, cleanup):
    name = "market.it%s.trades.raise" % unique
    cleanup.append(name)
    admin.create_topics([NewTopic(name, 2, 1)])[name].result(30)
    rc, out, recap = run_playbook("raise_partitions.yml", {"topic": name, "partitions": 5})
    assert rc == 0 and recap["changed"] == 1, out[-3000:]
    assert partitions(admin, name) == 5 and "keys" in out
    rc, out, dummy = run_playbook("raise_partitions.yml", {"topic": name, "partitions": 3})
    assert rc != 0 and "Kafka cannot decrease partitions" in out
    assert partitions(admin, name) == 5
    rc, out, dummy = run_playbook("raise_partitions.yml", {"topic": name + ".missing", "partitions": 3})
    assert rc != 0, out[-2000:]
    assert "not raised, these topics do not exist: %s.missing" % name in out, out[-2000:]
    assert partitions(admin, name + ".missing") is None


def test_raise_partitions_of_an_asset_class_or_data_type_raises_every_exchange(admin, unique, cleanup, tmp_path):
    """-e asset_class=... -e partitions=N raises every exchange of the class and every data type without a fixed
    count (the old playbook reconciled to topics.yaml's counts and ignored N)."""
    ac = "it%s" % unique
    cleanup.append("market.%s." % ac)
    data = yaml.safe_load(open(EXAMPLE_TOPICS))
    data["asset_classes"] = {ac: {"exchanges": {"xa": {"partitions": 2}, "xb": {"partitions": 3}}}}
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(data))
    rc, out, dummy = run_playbook("apply_topics.yml", {"k2_topics_file": str(path)})
    assert rc == 0, out[-3000:]
    rc, out, dummy = run_playbook("raise_partitions.yml", {"k2_topics_file": str(path), "asset_class": ac,
                                                           "partitions": 5, "update_config": True})
    assert rc == 0, out[-3000:]
    counts = dict(("%s.%s" % (dt, ex), partitions(admin, "market.%s.%s.%s" % (ac, dt, ex)))
                  for dt in ("trades", "quotes", "reference_data") for ex in ("xa", "xb"))
    assert counts == {"trades.xa": 5, "quotes.xa": 5, "reference_data.xa": 1,
                      "trades.xb": 5, "quotes.xb": 5, "reference_data.xb": 1}
    written = yaml.safe_load(path.read_text())["asset_classes"][ac]["exchanges"]
    assert written == {"xa": {"partitions": 5}, "xb": {"partitions": 5}}
    rc, out, dummy = run_playbook("raise_partitions.yml", {"k2_topics_file": str(path), "data_type": "trades",
                                                           "asset_class": ac, "partitions": 7})
    assert rc == 0, out[-3000:]
    assert [partitions(admin, "market.%s.%s.xb" % (ac, dt)) for dt in ("trades", "quotes")] == [7, 5]


def test_register_schemas_check_mode_registers_nothing_and_real_run_is_idempotent(registry_urls, unique, tmp_path):
    ac = "it%s" % unique
    data = yaml.safe_load(open(EXAMPLE_TOPICS))
    data["asset_classes"] = {ac: {"exchanges": {"xa": {"partitions": 1}}}}
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(data))
    wanted = set("market.%s.%s-value" % (ac, dt) for dt in ("trades", "quotes", "reference_data"))
    rc, out, recap = run_playbook("register_schemas.yml", {"k2_topics_file": str(path)}, check=True)
    assert rc == 0 and recap["changed"] == 1 and all(s in out for s in wanted), out[-3000:]
    assert not wanted & set(httpx.get(registry_urls[1] + "/subjects", timeout=10).json())  # check mode: none
    rc, out, recap = run_playbook("register_schemas.yml", {"k2_topics_file": str(path)})
    assert rc == 0, out[-3000:]
    assert wanted <= set(httpx.get(registry_urls[1] + "/subjects", timeout=10).json())
    rc, out, recap = run_playbook("register_schemas.yml", {"k2_topics_file": str(path)})
    assert rc == 0 and recap["changed"] == 0 and "no change: all 3 subjects up to date" in out


def test_check_mode_writes_deletes_and_restarts_nothing(admin, unique, cleanup, tmp_path, stack):
    """--check reports what it would do; no playbook writes, deletes or restarts anything (the backup block used
    to run with check_mode: false, old backups beyond k2_backup_keep included)."""
    from conftest import devstack, service_pids
    old = ["kafka-20200101-000000", "kafka-20200102-000000"]
    for name in old:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    rc, out, recap = run_playbook("backup.yml", {"k2_backup_dir": str(tmp_path), "k2_backup_keep": 1}, check=True)
    assert rc == 0 and "check mode, nothing written" in out, out[-3000:]
    assert sorted(os.listdir(str(tmp_path))) == old

    name = "market.it%s.trades.check" % unique
    cleanup.append(name)
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    backups = tmp_path / "delete"
    rc, out, recap = run_playbook("delete_topics.yml", {"topics": name, "confirm": name,
                                                        "k2_backup_dir": str(backups)}, check=True)
    assert rc == 0, out[-3000:]
    assert partitions(admin, name) == 1 and not backups.exists()

    devstack("stop", "registry2")
    try:
        rc, out, recap = run_playbook("recover_schema_registry.yml", check=True)
        assert rc == 0 and "down: registry2" in out, out[-3000:]
        assert service_pids()["registry2"] is None  # reported, not restarted
    finally:
        devstack("start", "registry2")


def test_full_reset_caps_the_deletions_of_a_generic_cluster(admin, bootstrap_servers):
    """k2_reset_method=delete on a cluster with the six managed topics and k2_max_deletes=2: refused, nothing
    deleted (the cap never applied before: k2_guard_count defaulted to 0)."""
    from helpers import run_module
    cluster = run_module("kafka_cluster_info", bootstrap_servers=bootstrap_servers)
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    before = sorted(n for n in admin.list_topics(timeout=10).topics if n.startswith("market."))
    rc, out, dummy = run_playbook("full_reset.yml", {"k2_reset_method": "delete", "k2_max_deletes": 2,
                                                     "confirm": "RESET-" + cluster["cluster_id"]})
    assert rc != 0 and "more than k2_max_deletes=2" in out, out[-3000:]
    assert sorted(n for n in admin.list_topics(timeout=10).topics if n.startswith("market.")) == before


def test_health_check_writes_reports_and_fails_on_critical(tmp_path, stack):
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    above = disk_thresholds_above_usage(os.path.join(stack["stack_dir"], "data"))  # the stack's verdict, not the disk's
    rc, out, dummy = run_playbook("health_check.yml", {"k2_health_report_dir": str(tmp_path),
                                                       "k2_health_disk_warning": above["disk_warning"],
                                                       "k2_health_disk_critical": above["disk_critical"]})
    assert rc == 0 and "K2 Kafka health: OK" in out, out[-3000:]
    files = sorted(os.listdir(tmp_path))
    reports = [f for f in files if f.startswith("health-localhost-")]
    assert [r.rsplit(".", 1)[1] for r in reports] == ["json", "md"]
    assert "health-state-localhost.json" in files   # the samples the lag and rate checks keep between runs
    data = json.loads((tmp_path / reports[0]).read_text())
    assert data["status"] == "ok" and data["findings"]
    rc, out, dummy = run_playbook("health_check.yml", {"k2_connection": {"bootstrap_servers": CLOSED,
                                                                         "request_timeout": 3,
                                                                         "schema_registry_urls": registry_placeholder()}})
    assert rc != 0 and "K2 Kafka health: CRITICAL" in out


def registry_placeholder():
    return ["http://127.0.0.1:8081/apis/ccompat/v7"]


def test_delete_topics_guards_prod_confirmation_and_cap(admin, unique, cleanup, tmp_path):
    names = ["market.it%s.trades.del%d" % (unique, i) for i in range(3)]
    cleanup.append("market.it%s." % unique)
    for future in admin.create_topics([NewTopic(n, 1, 1) for n in names]).values():
        future.result(30)
    pattern = r"^market\.it%s\.trades\.del" % unique
    base = {"pattern": pattern, "k2_backup_dir": str(tmp_path)}
    for extra, needle in (({"k2_environment": "prod", "confirm": 3}, "k2_environment is prod"),
                          ({}, "without confirmation: rerun with -e confirm=3"),
                          ({"confirm": 3, "k2_max_deletes": 2}, "more than k2_max_deletes=2")):
        rc, out, dummy = run_playbook("delete_topics.yml", dict(base, **extra))
        assert rc != 0 and needle in out, out[-2000:]
        assert all(partitions(admin, n) == 1 for n in names)
    rc, out, dummy = run_playbook("delete_topics.yml", dict(base, confirm=3))
    assert rc == 0, out[-3000:]
    assert all(partitions(admin, n) is None for n in names)
    backups = glob.glob(os.path.join(str(tmp_path), "*", "kafka-*"))  # <k2_backup_dir>/<cluster id>/kafka-*
    assert len(backups) == 1
    saved = json.loads((tmp_path / backups[0] / "topics.json").read_text())
    assert set(names) <= set(t["name"] for t in saved)


def test_delete_topics_never_touches_internal_topics(admin):
    rc, out, dummy = run_playbook("delete_topics.yml", {"topics": "__consumer_offsets", "confirm": "__consumer_offsets"})
    assert rc != 0 and "never deleted" in out
    assert partitions(admin, "__consumer_offsets")


def test_cleanup_test_topics_targets_names_with_test(admin, unique, tmp_path, cleanup):
    names = ["it%s.TEST.a" % unique, "it%s.latest.b" % unique]
    keep = "it%s.prod.c" % unique
    cleanup.append("it%s." % unique)
    for future in admin.create_topics([NewTopic(n, 1, 1) for n in names + [keep]]).values():
        future.result(30)
    existing = sorted(n for n in admin.list_topics(timeout=10).topics if "test" in n.lower() and not n.startswith("__"))
    # the runbook's selection, over the whole cluster, in check mode: it lists every "test" topic, deletes none
    rc, out, dummy = run_playbook("cleanup_test_topics.yml", {"confirm": len(existing), "k2_backup_dir": str(tmp_path),
                                                              "k2_max_deletes": 1000}, check=True)
    assert rc == 0, out[-3000:]
    listed = re.search(r"Topics that would be deleted\] \*+\nok: \[localhost\] => \{\n\s+\"msg\": (\[.*?\])\n\}", out, re.S)
    assert listed and sorted(json.loads(listed.group(1))) == existing and names[0] in existing, out[-3000:]
    assert sorted(n for n in admin.list_topics(timeout=10).topics if "test" in n.lower()
                  and not n.startswith("__")) == existing
    # the deletion itself on this test's own topics only (other tests' "test" topics are not this test's to delete)
    rc, out, dummy = run_playbook("cleanup_test_topics.yml", {"pattern": r"(?i)^it%s\.test\." % unique, "confirm": names[0],
                                                              "k2_backup_dir": str(tmp_path)})
    assert rc == 0, out[-3000:]
    assert all(partitions(admin, n) is None for n in names[:1]) and partitions(admin, keep) == 1
    assert partitions(admin, names[1]) == 1  # "latest" holds "test": the runbook's pattern takes it, ours does not


def test_diagnose_prints_lag_and_a_partition_table(bootstrap_servers):
    """The counts are read here with a plain consumer's watermarks (other tests may have produced to the topic)."""
    from confluent_kafka import Consumer, TopicPartition
    topic = "market.equities.trades.asx"
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "it-diagnose-watermarks"})
    try:
        ids = sorted(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
        marks = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in ids]
    finally:
        consumer.close()
    rc, out, dummy = run_playbook("diagnose.yml", {"topic": topic})
    assert rc == 0, out[-3000:]
    assert "%s: %d messages in %d partitions" % (topic, sum(h - lo for lo, h in marks), len(ids)) in out, out[-3000:]
    assert "Consumer lag per group" in out


def test_recover_schema_registry_restarts_only_the_stopped_instance_on_its_host(stack, registry_urls):
    from conftest import devstack, service_pids
    devstack("stop", "registry1")
    before = service_pids()
    try:
        rc, out, dummy = run_playbook("recover_schema_registry.yml")
        after = service_pids()  # measured before the safety restart below, so only the playbook can have started it
    finally:
        devstack("start", "registry1")  # no-op when the playbook restarted it
    assert rc == 0, out[-3000:]
    assert "down: registry1" in out and "localhost -> registry1" in out and "registry1 is back" in out, out[-3000:]
    assert before["registry1"] is None and after["registry1"] is not None
    assert {k: v for k, v in after.items() if k != "registry1"} == {k: v for k, v in before.items() if k != "registry1"}
    assert httpx.get(registry_urls[0] + "/subjects", timeout=10).status_code == 200
