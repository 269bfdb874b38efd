"""kafka_topic and kafka_topic_info against the dev stack; every mutation is read back with the AdminClient."""
import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import ConfigResource, ResourceType

from conftest import wait_until
from helpers import CLOSED, module_escapes, topic_state as live

pytestmark = pytest.mark.integration


@pytest.fixture
def prefix(admin, unique):
    """Topics named it.<token>.*; whatever a test leaves is deleted afterwards."""
    token = "it.%s." % unique
    yield token
    names = [n for n in admin.list_topics(timeout=10).topics if n.startswith(token)]
    if names:
        for future in admin.delete_topics(names).values():
            future.result(30)


def test_check_then_create_then_rerun_is_unchanged(kafka_module, admin, prefix):
    name = prefix + "trades"
    args = dict(name=name, partitions=3, replication_factor=1, config={"retention.ms": 3600000,
                                                                       "compression.type": "lz4"})
    check = kafka_module("kafka_topic", check=True, diff=True, **args)
    assert check["changed"] and check["topics"][0]["action"] == "create", check
    assert check["diff"][0]["after"]["partitions"] == 3
    assert live(admin, name) is None

    created = kafka_module("kafka_topic", **args)
    assert created["changed"] and not created.get("failed"), created
    assert wait_until(lambda: live(admin, name)) == {
        "partitions": 3, "config": {"retention.ms": "3600000", "compression.type": "lz4"}}

    again = kafka_module("kafka_topic", **args)
    assert again["changed"] is False and again["topics"][0]["action"] == "none", again


def test_a_decrease_in_a_batch_of_ten_changes_nothing(kafka_module, admin, prefix):
    names = [prefix + "b%d" % i for i in range(10)]
    setup = kafka_module("kafka_topic", topics=[{"name": n, "partitions": 2} for n in names])
    assert setup["changed"], setup
    request = [{"name": n, "partitions": 4, "config": {"retention.ms": 1000}} for n in names]
    request[6]["partitions"] = 1
    result = kafka_module("kafka_topic", topics=request)
    assert result["failed"] and not result["changed"]
    assert "topic %s: partitions 1 requested but it has 2; Kafka cannot decrease partitions" % names[6] \
        in result["msg"]
    for name in names:
        assert live(admin, name) == {"partitions": 2, "config": {}}, name


def test_partitions_grow_and_config_drift_is_fixed(kafka_module, admin, prefix):
    name = prefix + "grow"
    kafka_module("kafka_topic", name=name, partitions=2, config={"retention.ms": 1000})
    # drift made by hand, as an operator would
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry
    res = ConfigResource(ResourceType.TOPIC, name, incremental_configs=[
        ConfigEntry("retention.ms", "99", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("segment.ms", "600000", incremental_operation=AlterConfigOpType.SET)])
    list(admin.incremental_alter_configs([res]).values())[0].result(10)
    assert live(admin, name)["config"] == {"retention.ms": "99", "segment.ms": "600000"}

    result = kafka_module("kafka_topic", diff=True, name=name, partitions=5, config={"retention.ms": 1000})
    assert result["changed"] and result["topics"][0]["actions"] == ["raise_partitions", "alter_config"], result
    assert result["diff"][0]["before"]["config"]["retention.ms"] == "99"
    assert live(admin, name) == {"partitions": 5, "config": {"retention.ms": "1000", "segment.ms": "600000"}}

    replaced = kafka_module("kafka_topic", name=name, partitions=5, config={"retention.ms": 1000},
                            config_mode="replace")
    assert replaced["changed"] and replaced["topics"][0]["after"]["config"] == {"retention.ms": "1000"}
    assert live(admin, name)["config"] == {"retention.ms": "1000"}
    assert kafka_module("kafka_topic", name=name, partitions=5, config={"retention.ms": 1000},
                        config_mode="replace")["changed"] is False


def test_absent_deletes_only_the_named_topic(kafka_module, admin, prefix):
    keep, drop = prefix + "keep", prefix + "drop"
    kafka_module("kafka_topic", topics=[{"name": keep, "partitions": 1}, {"name": drop, "partitions": 1}])
    check = kafka_module("kafka_topic", check=True, name=drop, state="absent")
    assert check["changed"] and live(admin, drop) is not None
    result = kafka_module("kafka_topic", name=drop, state="absent")
    assert result["changed"] and result["topics"][0]["action"] == "delete"
    assert wait_until(lambda: live(admin, drop) is None)
    assert live(admin, keep) is not None
    assert kafka_module("kafka_topic", name=drop, state="absent")["changed"] is False


@pytest.mark.parametrize("internal", ["__consumer_offsets", "kafkasql-journal"])
def test_internal_topics_are_refused(kafka_module, admin, internal):
    before = live(admin, internal)
    assert before is not None
    result = kafka_module("kafka_topic", name=internal, state="absent")
    assert result["failed"] and "internal topic" in result["msg"]
    assert live(admin, internal) == before


def test_broker_refusals_are_per_topic_and_change_nothing(kafka_module, admin, prefix):
    good, bad, badcfg = prefix + "good", prefix + "rf3", prefix + "badcfg"
    result = kafka_module("kafka_topic", topics=[
        {"name": good, "partitions": 1},
        {"name": bad, "partitions": 1, "replication_factor": 3},
        # a value only the broker refuses (the module checks numbers, not each key's list of names)
        {"name": badcfg, "partitions": 1, "config": {"compression.type": "zip"}}])
    assert result["failed"] and not result["changed"]
    assert "only 1 broker(s) are registered" in result["topic_errors"][bad]
    assert sorted(result["topic_errors"]) == sorted([bad, badcfg])
    assert "Invalid value zip for configuration compression.type" in result["msg"], result["msg"]
    assert all(live(admin, n) is None for n in (good, bad, badcfg))


def test_unknown_config_key_on_a_new_topic_is_refused_by_name(kafka_module, admin, prefix):
    result = kafka_module("kafka_topic", name=prefix + "x", partitions=1, config={"retention.mss": 1})
    assert result["failed"] and "Unknown topic config name: retention.mss" in result["msg"]
    assert live(admin, prefix + "x") is None


def test_topic_info_describes_partitions_configs_and_offsets(kafka_module, bootstrap_servers, prefix):
    name = prefix + "info"
    kafka_module("kafka_topic", name=name, partitions=3, config={"retention.ms": 1000})
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(5):
        producer.produce(name, value=b"x", partition=1)
    assert producer.flush(10) == 0
    info = kafka_module("kafka_topic_info", names=[name, prefix + "nope"], offsets=True)
    assert info["changed"] is False and info["missing"] == [prefix + "nope"]
    topic = info["topics"][0]
    assert (topic["name"], topic["partitions"], topic["replication_factor"]) == (name, 3, 1)
    assert topic["config"] == {"retention.ms": "1000"}
    assert [p["latest_offset"] for p in topic["partition_details"]] == [0, 5, 0]
    assert all(p["leader"] == 1 and p["isr"] == [1] for p in topic["partition_details"])
    listed = kafka_module("kafka_topic_info", pattern="^" + prefix.replace(".", r"\."))
    assert [t["name"] for t in listed["topics"]] == [name]


def test_an_unreachable_cluster_fails_clearly_within_the_timeout(kafka_module):
    started = time.time()
    result = kafka_module("kafka_topic", bootstrap_servers=CLOSED, request_timeout=3, name="x", partitions=1)
    assert result["failed"] and "Kafka at %s refused the connection (nothing listens there)" % CLOSED in result["msg"]
    assert module_escapes(result) == [] and time.time() - started < 15
