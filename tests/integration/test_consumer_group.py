"""kafka_consumer_group on the dev stack: check mode, commit, idempotent rerun, active groups left alone."""
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import NewTopic

from helpers import run_module

pytestmark = pytest.mark.integration


def test_offsets_are_committed_once_and_active_groups_are_skipped(admin, bootstrap_servers, unique):
    topic, group = "it.%s.offsets" % unique, "it-%s-group" % unique
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(10):
        producer.produce(topic, value=b"x", partition=i % 2)
    assert producer.flush(10) == 0
    conn = {"bootstrap_servers": bootstrap_servers, "request_timeout": 20}
    offsets = [{"topic": topic, "partition": 0, "offset": 1}, {"topic": topic, "partition": 1, "offset": 4}]
    try:
        check = run_module("kafka_consumer_group", check=True, diff=True, group=group, offsets=offsets, **conn)
        assert check["changed"] and check["diff"]["after"] == {topic + "-0": 1, topic + "-1": 4}, check
        assert run_module("kafka_consumer_group_info", names=[group], **conn)["groups"][0]["partitions"] == []
        done = run_module("kafka_consumer_group", group=group, offsets=offsets, **conn)
        assert done["changed"] and not done["skipped"], done
        info = run_module("kafka_consumer_group_info", names=[group], **conn)["groups"][0]
        assert [(p["partition"], p["committed_offset"], p["lag"]) for p in info["partitions"]] == [(0, 1, 4), (1, 4, 1)]
        assert run_module("kafka_consumer_group", group=group, offsets=offsets, **conn)["changed"] is False

        consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": group, "enable.auto.commit": False,
                             "session.timeout.ms": 6000})
        consumer.subscribe([topic])
        for dummy in range(20):
            consumer.poll(0.5)
            if run_module("kafka_consumer_group_info", names=[group], **conn)["groups"][0]["members"]:
                break
        active = run_module("kafka_consumer_group", group=group, offsets=[dict(offsets[0], offset=0)], **conn)
        consumer.close()
        assert active["skipped"] and active["changed"] is False and active["state"] == "STABLE", active
        info = run_module("kafka_consumer_group_info", names=[group], **conn)["groups"][0]
        assert info["partitions"][0]["committed_offset"] == 1
    finally:
        admin.delete_topics([topic])[topic].result(30)


def test_many_groups_in_one_task_read_back_with_the_plain_client(admin, bootstrap_servers, unique):
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    topic = "it.%s.groups" % unique
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(6):
        producer.produce(topic, value=b"x", partition=i % 2)
    assert producer.flush(10) == 0
    conn = {"bootstrap_servers": bootstrap_servers, "request_timeout": 20}
    groups = [{"group": "it-%s-g%d" % (unique, i),
               "offsets": [{"topic": topic, "partition": 0, "offset": i}, {"topic": topic, "partition": 1, "offset": 3}]}
              for i in range(3)]
    try:
        check = run_module("kafka_consumer_group", check=True, diff=True, groups=groups, **conn)
        assert check["changed"] and len(check["diff"]) == 3, check
        done = run_module("kafka_consumer_group", groups=groups, **conn)
        assert done["changed"] and [g["group"] for g in done["groups"]] == [g["group"] for g in groups], done
        for i, group in enumerate(groups):
            request = ConsumerGroupTopicPartitions(group["group"], [TopicPartition(topic, 0), TopicPartition(topic, 1)])
            committed = list(admin.list_consumer_group_offsets([request]).values())[0].result(10)
            assert sorted((tp.partition, tp.offset) for tp in committed.topic_partitions) == [(0, i), (1, 3)]
        assert run_module("kafka_consumer_group", groups=groups, **conn)["changed"] is False
        bad = run_module("kafka_consumer_group", groups=groups + [{"group": "x", "offsets": [{"topic": topic}]}], **conn)
        assert bad["failed"] and "groups[3].offsets[0]" in bad["msg"], bad
    finally:
        admin.delete_topics([topic])[topic].result(30)
        admin.delete_consumer_groups([g["group"] for g in groups])
