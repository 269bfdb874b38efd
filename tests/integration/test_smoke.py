"""smoke_test.yml, and add_exchange.yml ending with it: one Avro record per data type in the Confluent wire
format. Checked with the plain client and the registry's own schema, not with the module's decoder: the record
is where the playbook says, starts with magic byte 0 and the subject's schema id, and decodes to the token."""
import io
import json
import re
import struct

import fastavro
import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from helpers import run_playbook

pytestmark = pytest.mark.integration


def read(bootstrap_servers, topic, partition, offset):
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "it-smoke-reader",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        for dummy in range(30):
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error() and msg.offset() == offset:
                return msg.value()
    finally:
        consumer.close()
    raise AssertionError("no record at %s[%d]@%d" % (topic, partition, offset))


def groups(admin):
    return set(g.group_id for g in admin.list_consumer_groups().result().valid)


def check_records(out, bootstrap_servers, registry_urls, expected_topics):
    found = re.findall(r"(market\.[a-z0-9_.]+): (\d+) fields of (\S+) v(\d+) \(schema id (\d+)\) written at partition "
                       r"(\d+) offset (\d+) and read back identical", out)
    assert sorted(f[0] for f in found) == sorted(expected_topics), out[-3000:]
    for topic, fields, subject, version, schema_id, partition, offset in found:
        value = read(bootstrap_servers, topic, int(partition), int(offset))
        magic, wire_id = struct.unpack(">bI", value[:5])
        latest = httpx.get("%s/subjects/%s/versions/latest" % (registry_urls[1], subject), timeout=10).json()
        assert (magic, wire_id) == (0, latest["id"]) == (0, int(schema_id))
        record = fastavro.schemaless_reader(io.BytesIO(value[5:]), fastavro.parse_schema(json.loads(latest["schema"])))
        assert len(record) == int(fields) and record["symbol"] == "k2-smoke-test", record


def test_smoke_test_produces_reads_back_and_leaves_no_group(admin, bootstrap_servers, registry_urls):
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    before = groups(admin)
    rc, out, dummy = run_playbook("smoke_test.yml", {"asset_class": "crypto", "exchange": "binance"})
    assert rc == 0, out[-3000:]
    check_records(out, bootstrap_servers, registry_urls, ["market.crypto.%s.binance" % dt
                                                          for dt in ("trades", "quotes", "reference_data")])
    assert groups(admin) - before <= {"it-smoke-reader"}  # our own reader above; the playbook left none


def test_add_exchange_ends_with_the_smoke_test_on_the_dev_stack(admin, bootstrap_servers, registry_urls, unique):
    exchange = "sm" + unique
    rc, out, recap = run_playbook("add_exchange.yml", {"asset_class": "equities", "exchange": exchange,
                                                       "partitions": 2})
    assert rc == 0, out[-3000:]
    check_records(out, bootstrap_servers, registry_urls, ["market.equities.%s.%s" % (dt, exchange)
                                                          for dt in ("trades", "quotes", "reference_data")])
    names = [n for n in admin.list_topics(timeout=10).topics if n.endswith("." + exchange)]
    for future in admin.delete_topics(names).values():
        future.result(30)
