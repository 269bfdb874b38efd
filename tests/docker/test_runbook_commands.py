"""The runbook's own docker commands, run as written (without -it; there is no terminal): `docker compose ps`
(the inventory's compose command), and the appendix's `docker exec k2-kafka kafka-topics / kafka-consumer-groups /
kafka-console-producer / kafka-console-consumer ...`. What they print is checked against topics.yaml (the expected
topics computed here from the YAML), the plain AdminClient and docker inspect."""
import re
import shlex

import pytest
import yaml
from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import NewTopic

from conftest import EXAMPLE_TOPICS, KAFKA, REGISTRIES, compose, compose_command, health, kafka_cli, managed_topics, play, sh

pytestmark = pytest.mark.docker
BOOTSTRAP = ["--bootstrap-server", "localhost:9092"]   # inside k2-kafka, as the runbook writes it


def ps_rows(out):
    """{container name: the rest of its `compose ps` row} (v1: `Name Command State Ports`, v2: `NAME IMAGE ...`)."""
    rows = {}
    for line in out.splitlines():
        parts = line.split(None, 1)
        if parts and parts[0].startswith("k2-"):
            rows[parts[0]] = parts[1] if len(parts) > 1 else ""
    return rows


def test_compose_ps_shows_kafka_and_both_registries_healthy():
    rows = ps_rows(compose("ps").stdout)
    for name in (KAFKA,) + REGISTRIES:
        assert name in rows, rows
        assert "(healthy)" in rows[name] and "Exit" not in rows[name], (name, rows[name])
        assert health(name) == "healthy"   # docker's own view of the same healthcheck
    # the runbook's "Troubleshooting" and "Schema Registry Down" forms name the services
    assert set(ps_rows(compose("ps", "kafka").stdout)) == {KAFKA}
    assert set(ps_rows(compose("ps", "schema-registry-1", "schema-registry-2").stdout)) == set(REGISTRIES)
    # health-check.sh: docker compose ps | grep -E "(kafka|schema-registry)" | grep -v "Exit"
    piped = sh(["bash", "-o", "pipefail", "-c", " ".join(compose_argv_quoted()) +
                ' ps | grep -E "(kafka|schema-registry)" | grep -v "Exit"']).stdout
    assert {KAFKA, REGISTRIES[0], REGISTRIES[1]} <= set(ps_rows(piped)), piped


def compose_argv_quoted():
    return [shlex.quote(a) for a in compose_command()]


def test_kafka_topics_lists_exactly_the_managed_topics_after_apply_topics(admin, platform_dir):
    rc, out, recap = play("apply_topics.yml", {"k2_platform_dir": str(platform_dir)})
    assert rc == 0, out[-4000:]
    expected = managed_topics(platform_dir / "config" / "kafka" / "topics.yaml")
    assert len(expected) == 6   # 2 asset classes x 3 data types x 1 exchange each, in the platform's file
    listed = set(kafka_cli("kafka-topics", "--list", *BOOTSTRAP).stdout.split())
    market = set(n for n in listed if n.startswith("market."))
    assert market == expected, (sorted(market - expected), sorted(expected - market))
    others = listed - market
    # besides: Kafka's internal topics and the registries' own (Apicurio's kafkasql storage and its events)
    assert all(n.startswith("_") or n.startswith("kafkasql-") or n == "registry-events" for n in others), sorted(others)
    assert set(n for n in admin.list_topics(timeout=10).topics if n.startswith("market.")) == market


def test_kafka_topics_describe_shows_the_partitions_and_configs_of_topics_yaml(admin):
    topic = "market.equities.trades.asx"
    with open(EXAMPLE_TOPICS) as handle:
        data = yaml.safe_load(handle)
    want_partitions = data["asset_classes"]["equities"]["exchanges"]["asx"]["partitions"]
    out = kafka_cli("kafka-topics", "--describe", "--topic", topic, *BOOTSTRAP).stdout
    head = out.splitlines()[0]
    assert re.search(r"PartitionCount:\s*%d\b" % want_partitions, head), head
    assert re.search(r"ReplicationFactor:\s*%d\b" % data["defaults"]["replication_factor"], head), head
    configs = dict(kv.split("=", 1) for kv in head.split("Configs:")[1].strip().split(",") if "=" in kv)
    wanted = dict((k, str(v)) for k, v in data["data_types"]["trades"]["config"].items())
    wanted["min.insync.replicas"] = str(data["defaults"]["min_insync_replicas"])
    assert dict((k, configs.get(k)) for k in wanted) == wanted, configs
    rows = re.findall(r"Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]+)\s+Isr:\s*([\d,]*)", out)
    assert sorted(int(r[0]) for r in rows) == list(range(want_partitions)), out[-2000:]
    assert all(r[1] == "1" and r[2] == r[3] == "1" for r in rows), rows
    assert len(admin.list_topics(topic, timeout=10).topics[topic].partitions) == want_partitions


def test_console_producer_consumer_round_trip_and_consumer_groups(admin, bootstrap_servers, unique, drop_topics):
    topic, group = "market.dk%s.trades.runbook" % unique, "dk-%s-reader" % unique
    drop_topics.append(topic)
    admin.create_topics([NewTopic(topic, 3, 1)])[topic].result(30)
    records = ['{"symbol":"BHP","price":45.50,"n":%d,"token":"%s"}' % (i, unique) for i in range(10)]
    # echo '{"symbol":"BHP","price":45.50}' | docker exec -i k2-kafka kafka-console-producer --topic ... (ten lines)
    kafka_cli("kafka-console-producer", "--topic", topic, *BOOTSTRAP, input="\n".join(records) + "\n")
    # docker exec k2-kafka kafka-console-consumer --topic ... --from-beginning ... --max-messages 10
    read = kafka_cli("kafka-console-consumer", "--topic", topic, "--from-beginning", *BOOTSTRAP,
                     "--max-messages", "10", "--timeout-ms", "60000").stdout.split()
    assert sorted(read) == sorted(records), read
    # the plain client sees the same ten records
    offsets = [admin_end(bootstrap_servers, topic, p) for p in range(3)]
    assert sum(offsets) == 10, offsets

    # the same consumer in a group of our own, so kafka-consumer-groups has something to show
    kafka_cli("kafka-console-consumer", "--topic", topic, "--from-beginning", *BOOTSTRAP, "--max-messages", "10",
              "--timeout-ms", "60000", "--group", group)
    assert group in kafka_cli("kafka-consumer-groups", "--list", *BOOTSTRAP).stdout.split()
    out = kafka_cli("kafka-consumer-groups", "--describe", "--group", group, *BOOTSTRAP).stdout
    rows = [line.split() for line in out.splitlines() if line.startswith(group + " ")]
    described = dict((int(r[2]), (int(r[3]), int(r[4]), int(r[5]))) for r in rows if r[1] == topic)
    assert described == dict((p, (offsets[p], offsets[p], 0)) for p in range(3)), out
    committed = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(group)])[group].result(30)
    assert sorted((tp.partition, tp.offset) for tp in committed.topic_partitions) == list(enumerate(offsets))
    admin.delete_consumer_groups([group])[group].result(30)


def admin_end(bootstrap_servers, topic, partition):
    from confluent_kafka import Consumer
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "dk-offsets-probe"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        consumer.close()
