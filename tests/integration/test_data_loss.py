"""The runbook's "Data loss suspected" on the dev stack: Avro records with a deliberate gap in their
sequence_number are produced with the plain client, and the scan reports exactly that gap, with its offsets."""
import io
import json
import re
import struct

import fastavro
import httpx
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import NewTopic

from helpers import run_module, run_playbook

pytestmark = pytest.mark.integration
SCHEMA = {"type": "record", "name": "Tick", "namespace": "it.k2",
          "fields": [{"name": "symbol", "type": "string"},
                     {"name": "sequence_number", "type": ["null", "long"], "default": None}]}


def wire(schema_id, record):
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(SCHEMA), record)
    return struct.pack(">bI", 0, schema_id) + body.getvalue()


@pytest.fixture
def ticks(admin, bootstrap_servers, registry_urls, unique):
    """A two-partition topic: partition 0 has BHP 1, 2, 3, 5, 6 (4 lost) and CBA 10, 11, 12 interleaved; partition 1
    has NAB 1..4 with no gap. Returns (topic, offsets of BHP 3 and BHP 5)."""
    topic, subject = "it.%s.ticks" % unique, "it.%s.ticks-value" % unique
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    answer = httpx.post("%s/subjects/%s/versions" % (registry_urls[0], subject), json={"schema": json.dumps(SCHEMA)},
                        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, timeout=10)
    schema_id = answer.json()["id"]
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    sent = []
    for symbol, seq, partition in [("BHP", 1, 0), ("CBA", 10, 0), ("BHP", 2, 0), ("BHP", 3, 0), ("CBA", 11, 0),
                                   ("BHP", 5, 0), ("CBA", 12, 0), ("BHP", 6, 0),
                                   ("NAB", 1, 1), ("NAB", 2, 1), ("NAB", 3, 1), ("NAB", 4, 1)]:
        producer.produce(topic, key=symbol.encode(), value=wire(schema_id, {"symbol": symbol, "sequence_number": seq}),
                         partition=partition, on_delivery=lambda err, msg, s=(symbol, seq): sent.append((s, msg)))
        producer.flush(10)   # one at a time: offsets in this order
    offsets = dict((s, msg.offset()) for s, msg in sent if msg.partition() == 0)
    yield topic, offsets[("BHP", 3)], offsets[("BHP", 5)]
    admin.delete_topics([topic])[topic].result(30)
    httpx.delete("%s/subjects/%s" % (registry_urls[0], subject), timeout=10)
    httpx.delete("%s/subjects/%s?permanent=true" % (registry_urls[0], subject), timeout=10)


def test_the_scan_reports_exactly_the_gap_with_its_offsets(ticks, bootstrap_servers, registry_urls):
    topic, before, after = ticks
    result = run_module("kafka_record_scan", topic=topic, bootstrap_servers=bootstrap_servers,
                        schema_registry_urls=registry_urls)
    assert not result.get("failed"), result
    assert result["gaps"] == [{"partition": 0, "key": "BHP", "after_offset": before, "at_offset": after,
                               "after_sequence": 3, "next_sequence": 5, "missing": 1}]
    assert (result["records"], result["with_field"], result["out_of_order"], result["undecodable"]) == (12, 12, 0, 0)
    assert [(p["partition"], p["earliest_offset"], p["latest_offset"]) for p in result["partitions"]] == [
        (0, 0, 8), (1, 0, 4)]
    clean = run_module("kafka_record_scan", topic=topic, partitions=[1], bootstrap_servers=bootstrap_servers,
                       schema_registry_urls=registry_urls)
    assert clean["gaps"] == [] and clean["records"] == 4


def test_the_playbook_follows_the_runbook_s_four_steps_and_fails_on_loss(ticks):
    topic, before, after = ticks
    rc, out, dummy = run_playbook("investigate_data_loss.yml", {"topic": topic})
    assert rc != 0 and "DATA LOSS SUSPECTED on %s" % topic in out, out[-3000:]
    assert "partition 0 BHP: 3 at offset %d, then 5 at offset %d (1 missing)" % (before, after) in out
    assert "partitions 0, 1: nothing removed yet (earliest offset 0, 12 records)" in out
    disk = out.split("3. disk:")[1].split("4. broker log errors")[0]
    assert re.search(r"kafka: \S+ +\d+ +\d+ +\d+ +\d+% ", disk), disk   # df's row for the broker's data folder
    assert re.search(r"kafka: (no error lines|.*(ERROR|FATAL|Exception))", out.split("4. broker log errors")[1])
    rc, out, dummy = run_playbook("investigate_data_loss.yml", {"topic": "it.no.such.topic"})
    assert rc != 0 and "topic it.no.such.topic does not exist" in out
