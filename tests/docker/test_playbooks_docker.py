"""Every runbook playbook that leaves the services running, with inventories/docker against the compose stack,
each read back with the plain AdminClient / Consumer, HTTP to the registries, the docker CLI or the runbook's
own CLI inside k2-kafka. Each test works on its own names and a private copy of examples/k2-platform.
(recover_broker, recover_schema_registry and full_reset are in test_service_control.py.)"""
import glob
import io
import json
import os
import re
import struct

import fastavro
import httpx
import pytest
import yaml
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

from conftest import EXAMPLE_TOPICS, KAFKA, REGISTRIES, cluster_id, docker, managed_topics, play, wait_until
from helpers import topic_state

pytestmark = pytest.mark.docker
SUBJECT_HEADERS = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def partitions(admin, name):
    meta = admin.list_topics(name, timeout=10).topics.get(name)
    return None if meta is None or meta.error is not None else len(meta.partitions)


def read_one(bootstrap_servers, topic, partition, offset):
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "dk-reader", "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        for dummy in range(30):
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error() and msg.offset() == offset:
                return msg.value()
    finally:
        consumer.close()
    raise AssertionError("no record at %s[%d]@%d" % (topic, partition, offset))


def own_topics_yaml(platform_dir, asset_class, exchanges):
    """The platform's topics.yaml with one asset class of our own in place of its asset classes."""
    path = platform_dir / "config" / "kafka" / "topics.yaml"
    data = yaml.safe_load(path.read_text())
    data["asset_classes"] = {asset_class: {"exchanges": exchanges}}
    path.write_text(yaml.safe_dump(data))
    return path


def test_apply_topics_creates_the_managed_topics_and_reruns_unchanged(admin, platform_dir):
    rc, out, recap = play("apply_topics.yml", {"k2_platform_dir": str(platform_dir)})
    assert rc == 0, out[-4000:]
    data = yaml.safe_load(open(EXAMPLE_TOPICS))
    for name in managed_topics():
        asset_class, data_type, exchange = name.split(".")[1:]
        spec = data["data_types"][data_type]
        want = spec.get("partitions") or data["asset_classes"][asset_class]["exchanges"][exchange]["partitions"]
        config = dict((k, str(v)) for k, v in spec["config"].items())
        config["min.insync.replicas"] = str(data["defaults"]["min_insync_replicas"])
        assert topic_state(admin, name) == {"partitions": want, "config": config}, name
    rc, out, recap = play("apply_topics.yml", {"k2_platform_dir": str(platform_dir)})
    assert rc == 0 and recap["changed"] == 0, out[-4000:]


def test_add_exchange_with_the_smoke_test(admin, bootstrap_servers, registry_urls, platform_dir, unique,
                                          drop_topics):
    exchange = "dk" + unique
    names = ["market.equities.%s.%s" % (dt, exchange) for dt in ("trades", "quotes", "reference_data")]
    drop_topics.extend(names)
    before = (platform_dir / "config" / "kafka" / "topics.yaml").read_text()
    rc, out, recap = play("add_exchange.yml", {"asset_class": "equities", "exchange": exchange, "partitions": 2,
                                               "k2_smoke_test": True, "k2_platform_dir": str(platform_dir)})
    assert rc == 0, out[-4000:]
    assert [partitions(admin, n) for n in names] == [2, 2, 1]
    assert (platform_dir / "config" / "kafka" / "topics.yaml").read_text() == before   # write_config is off
    found = re.findall(r"(market\.[a-z0-9_.]+): (\d+) fields of (\S+) v(\d+) \(schema id (\d+)\) written at partition "
                       r"(\d+) offset (\d+) and read back identical", out)
    assert sorted(f[0] for f in found) == sorted(names), out[-3000:]
    for topic, fields, subject, version, schema_id, partition, offset in found:
        value = read_one(bootstrap_servers, topic, int(partition), int(offset))
        latest = httpx.get("%s/subjects/%s/versions/latest" % (registry_urls[1], subject), timeout=10).json()
        assert struct.unpack(">bI", value[:5]) == (0, latest["id"]) and latest["id"] == int(schema_id)
        record = fastavro.schemaless_reader(io.BytesIO(value[5:]), fastavro.parse_schema(json.loads(latest["schema"])))
        assert len(record) == int(fields) and record["symbol"] == "k2-smoke-test", record


def test_raise_partitions_grows_a_topic(admin, platform_dir, unique, drop_topics):
    name = "market.dk%s.trades.raise" % unique
    drop_topics.append(name)
    admin.create_topics([NewTopic(name, 2, 1)])[name].result(30)
    rc, out, recap = play("raise_partitions.yml", {"topic": name, "partitions": 4,
                                                   "k2_platform_dir": str(platform_dir)})
    assert rc == 0 and recap["changed"] == 1, out[-4000:]
    assert partitions(admin, name) == 4
    rc, out, recap = play("raise_partitions.yml", {"topic": name, "partitions": 3,
                                                   "k2_platform_dir": str(platform_dir)})
    assert rc != 0 and "Kafka cannot decrease partitions" in out, out[-3000:]
    assert partitions(admin, name) == 4


def test_register_schemas_registers_on_the_shared_registries(registry_urls, platform_dir, unique):
    asset_class = "dk" + unique
    own_topics_yaml(platform_dir, asset_class, {"xa": {"partitions": 1}})
    subjects = dict(("market.%s.%s-value" % (asset_class, dt), schema)
                    for dt, schema in (("trades", "trade"), ("quotes", "quote"), ("reference_data", "reference_data")))
    try:
        rc, out, recap = play("register_schemas.yml", {"k2_platform_dir": str(platform_dir)}, check=True)
        assert rc == 0 and recap["changed"] == 1, out[-4000:]
        assert not set(subjects) & set(httpx.get(registry_urls[0] + "/subjects", timeout=10).json())
        rc, out, recap = play("register_schemas.yml", {"k2_platform_dir": str(platform_dir)})
        assert rc == 0, out[-4000:]
        for url in registry_urls:   # both instances: they share state through Kafka
            for subject, schema in subjects.items():
                latest = httpx.get("%s/subjects/%s/versions/latest" % (url, subject), timeout=10).json()
                with open(str(platform_dir / "src" / "k2" / "schemas" / (schema + ".avsc"))) as handle:
                    wanted = json.load(handle)
                assert json.loads(latest["schema"])["fields"] == wanted["fields"], (url, subject)
        rc, out, recap = play("register_schemas.yml", {"k2_platform_dir": str(platform_dir)})
        assert rc == 0 and recap["changed"] == 0, out[-4000:]
    finally:
        for subject in subjects:
            httpx.delete("%s/subjects/%s" % (registry_urls[0], subject), timeout=10)
            httpx.delete("%s/subjects/%s?permanent=true" % (registry_urls[0], subject), timeout=10)


def test_backup_then_restore_brings_a_deleted_topic_back(admin, platform_dir, unique, drop_topics):
    extra = "market.dk%s.trades.extra" % unique
    drop_topics.append(extra)
    admin.create_topics([NewTopic(extra, 3, 1, config={"retention.ms": "3600000"})])[extra].result(30)
    rc, out, recap = play("backup.yml", {"k2_platform_dir": str(platform_dir)})
    assert rc == 0, out[-4000:]
    backups = glob.glob(str(platform_dir / "backups" / cluster_id(admin) / "kafka-*"))
    assert len(backups) == 1, backups
    manifest = json.load(open(os.path.join(backups[0], "manifest.json")))
    assert manifest["cluster_id"] == cluster_id(admin)
    saved = json.load(open(os.path.join(backups[0], "topics.json")))
    assert extra in json.dumps(saved) and all(n in json.dumps(saved) for n in managed_topics())

    admin.delete_topics([extra])[extra].result(30)
    assert wait_until(lambda: partitions(admin, extra) is None, timeout=30)
    rc, out, recap = play("restore.yml", {"backup": backups[0], "k2_platform_dir": str(platform_dir)})
    assert rc == 0, out[-4000:]
    assert topic_state(admin, extra) == {"partitions": 3, "config": {"retention.ms": "3600000"}}


def test_health_check_reports_ok_for_the_compose_stack(admin, registry_urls, tmp_path):
    rc, out, recap = play("health_check.yml", {"k2_health_report_dir": str(tmp_path),
                                               "k2_health_disk_warning": 99.9, "k2_health_disk_critical": 99.95})
    assert rc == 0 and "K2 Kafka health: OK" in out, out[-4000:]
    reports = sorted(p for p in os.listdir(str(tmp_path)) if p.startswith("health-localhost-") and p.endswith(".json"))
    data = json.load(open(str(tmp_path / reports[0])))
    assert data["status"] == "ok"
    assert cluster_id(admin) in json.dumps(data)
    for url in registry_urls:
        assert url in json.dumps(data), url


def test_diagnose_shows_lag_hot_partitions_and_the_services(admin, bootstrap_servers, unique, drop_topics):
    topic, group = "market.dk%s.trades.hot" % unique, "dk-%s-diag" % unique
    drop_topics.append(topic)
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(10):
        producer.produce(topic, value=b"%d" % i, partition=0 if i < 8 else 1)
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": group, "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 0)], asynchronous=False)
    consumer.close()
    try:
        rc, out, recap = play("diagnose.yml", {"group": group, "topic": topic})
        assert rc == 0, out[-4000:]
        assert "%s (" % group in out and "lag 5; %s 5" % topic in out, out[-4000:]
        assert "%s: 10 messages in 2 partitions" % topic in out
        assert re.search(r"p0\s+8\s+80\.0%.*HOT", out), out[-3000:]
        # the runbook's first diagnosis steps: docker compose ps and logs of each service
        for name in (KAFKA,) + REGISTRIES:
            assert re.search(r"%s\b.*\(healthy\)" % re.escape(name), out), (name, out[-5000:])
        logs = docker("logs", "--tail", "200", KAFKA).stdout + docker("logs", "--tail", "200", KAFKA).stderr
        assert logs.strip() and any(line.strip() in out for line in logs.splitlines()[-20:] if line.strip())
    finally:
        admin.delete_consumer_groups([group])[group].result(30)


def test_investigate_data_loss_runs_df_inside_k2_kafka(admin, bootstrap_servers, unique, drop_topics):
    topic = "market.dk%s.trades.loss" % unique
    drop_topics.append(topic)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(3):
        producer.produce(topic, key=b"BHP", value=json.dumps({"symbol": "BHP", "sequence_number": i}).encode())
    assert producer.flush(30) == 0
    rc, out, recap = play("investigate_data_loss.yml", {"topic": topic})
    assert rc == 0, out[-4000:]
    assert "no data loss found on %s" % topic in out, out[-4000:]
    # the broker's data folder exists only inside the container: the df line must be the container's
    data_dir = "/var/lib/kafka/data"
    assert not os.path.exists(data_dir)
    row = docker("exec", KAFKA, "df", "-P", "-k", data_dir).stdout.splitlines()[1].split()
    assert re.search(r"%s: %s\s+%s\s+\d+\s+\d+\s+\d+%%\s+%s" % (KAFKA, re.escape(row[0]), row[1], re.escape(row[5])),
                     out), (row, out[-4000:])
    assert "4. broker log errors" in out and "%s: " % KAFKA in out.split("4. broker log errors")[1]
