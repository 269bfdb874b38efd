"""The dev stack is real: a Kafka that stores and serves records, and two registries sharing one state."""
import json

import httpx
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import NewTopic

pytestmark = pytest.mark.integration

AVRO_HEADERS = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def test_topic_with_three_partitions_reads_back(admin, unique):
    name = "devstack.test.%s" % unique
    admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])[name].result(30)
    try:
        meta = admin.list_topics(name, timeout=10)
        assert sorted(meta.topics[name].partitions) == [0, 1, 2]
    finally:
        admin.delete_topics([name])[name].result(30)


def test_produce_and_consume_one_message(admin, bootstrap_servers, unique):
    name = "devstack.test.msg.%s" % unique
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(30)
    try:
        producer = Producer({"bootstrap.servers": bootstrap_servers})
        producer.produce(name, key=b"BHP", value=b'{"symbol":"BHP","price":45.50}')
        assert producer.flush(15) == 0
        consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "devstack-" + unique,
                             "auto.offset.reset": "earliest"})
        consumer.subscribe([name])
        msg = None
        for dummy in range(30):
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error():
                break
        consumer.close()
        assert msg is not None and msg.error() is None
        assert (msg.key(), msg.value()) == (b"BHP", b'{"symbol":"BHP","price":45.50}')
    finally:
        admin.delete_topics([name])[name].result(30)


def _schema(unique):
    return json.dumps({"type": "record", "name": "Probe", "namespace": "k2.test",
                       "fields": [{"name": "symbol", "type": "string"}, {"name": "run", "type": "string",
                                                                         "default": unique}]})


def test_schema_written_to_registry_1_reads_from_registry_2(registry_urls, unique):
    subject = "devstack.test.%s-value" % unique
    one, two = registry_urls
    resp = httpx.post("%s/subjects/%s/versions" % (one, subject), json={"schema": _schema(unique)},
                      headers=AVRO_HEADERS, timeout=10)
    assert resp.status_code == 200, resp.text
    schema_id = resp.json()["id"]
    try:
        got = httpx.get("%s/subjects/%s/versions/latest" % (two, subject), timeout=10).json()
        assert got["id"] == schema_id and got["version"] == 1
        assert json.loads(got["schema"]) == json.loads(_schema(unique))
    finally:
        httpx.delete("%s/subjects/%s" % (one, subject), timeout=10)
        httpx.delete("%s/subjects/%s?permanent=true" % (one, subject), timeout=10)


def test_global_compatibility_is_backward(registry_urls):
    for url in registry_urls:
        assert httpx.get(url + "/config", timeout=10).json()["compatibilityLevel"] == "BACKWARD"


def test_registry_2_serves_while_registry_1_is_stopped(registry_urls, stopped_service, unique):
    subject = "devstack.test.failover.%s-value" % unique
    one, two = registry_urls
    resp = httpx.post("%s/subjects/%s/versions" % (one, subject), json={"schema": _schema(unique)},
                      headers=AVRO_HEADERS, timeout=10)
    assert resp.status_code == 200, resp.text
    stopped_service("registry1")
    with pytest.raises(httpx.ConnectError):
        httpx.get(one + "/subjects", timeout=3)
    got = httpx.get("%s/subjects/%s/versions/latest" % (two, subject), timeout=10)
    assert got.status_code == 200 and got.json()["id"] == resp.json()["id"]
    httpx.delete("%s/subjects/%s" % (two, subject), timeout=10)
    httpx.delete("%s/subjects/%s?permanent=true" % (two, subject), timeout=10)
