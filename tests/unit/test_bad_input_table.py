"""Bad input, as a table (issue 29): every module, called as Ansible calls it (in this process, so an exception
that escapes a module fails the test with its traceback), with one malformed value at a time. Each case must
fail with one message that names the option and the value and says what to give. Kafka is an address nothing
listens on (a port this process holds unbound), so nothing could change; the connection options are refused
before any client is built, and the rest before any request is sent."""
import time

import pytest

from helpers import CLOSED, CLOSED_URL, call_module

pytestmark = pytest.mark.unit

KAFKA = dict(bootstrap_servers=CLOSED, request_timeout=5)
REGISTRY = dict(schema_registry_urls=[CLOSED_URL], schema_registry_timeout=5)
TRADE = {"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"}]}

# a valid request of each module that talks to Kafka, to which one bad connection option is added
KAFKA_MODULES = {
    "kafka_topic": dict(name="market.equities.trades.asx", partitions=3),
    "kafka_topic_info": dict(),
    "kafka_cluster_info": dict(),
    "kafka_consumer_group": dict(group="k2-writer", offsets=[{"topic": "t", "partition": 0, "offset": 1}]),
    "kafka_consumer_group_info": dict(),
    "kafka_record_scan": dict(topic="market.equities.trades.asx"),
    "kafka_smoke_test": dict(targets=[{"topic": "market.equities.trades.asx", "subject": "s-value"}]),
    "kafka_health": dict(checks=["kafka"]),
}
BAD_CONNECTIONS = [
    (dict(bootstrap_servers=""), "bootstrap_servers: '' is empty; give host:port"),
    (dict(bootstrap_servers="  "), "bootstrap_servers: '  ' is empty"),
    (dict(bootstrap_servers="http://127.0.0.1:9092"), "bootstrap_servers: 'http://127.0.0.1:9092' is a URL; give host:port "
                                                      "without a scheme, e.g. 127.0.0.1:9092"),
    (dict(bootstrap_servers="127.0.0.1:99999"), "bootstrap_servers: '127.0.0.1:99999' is not host:port (port 1-65535)"),
    (dict(bootstrap_servers="a b:9092"), "bootstrap_servers: 'a b:9092' is not host:port"),
    (dict(request_timeout=0), "request_timeout: 0 is out of range; give seconds from 1 to 300"),
    (dict(request_timeout=-1), "request_timeout: -1 is out of range"),
    (dict(request_timeout=301), "request_timeout: 301 is out of range"),
    (dict(ssl_cafile="/etc/hosts"), "ssl_cafile: set, but security_protocol PLAINTEXT does not use TLS, so it would "
                                    "be ignored; set security_protocol: SSL, or drop ssl_cafile"),
    (dict(sasl_username="k2-ops"), "sasl_username: set, but security_protocol PLAINTEXT does not use SASL"),
    (dict(security_protocol="SASL_SSL"), "security_protocol SASL_SSL needs sasl_mechanism, sasl_username, "
                                         "sasl_password"),
    (dict(security_protocol="SSL", ssl_cafile="/nonexistent/ca.pem"),
     "ssl_cafile: /nonexistent/ca.pem does not exist or is not a file"),
]

REGISTRY_MODULES = {
    "schema_subject": dict(subject="market.equities.trades-value", schema=TRADE),
    "schema_subject_info": dict(),
    "schema_registry_info": dict(),
    "kafka_health": dict(checks=["registry"]),
}
BAD_REGISTRIES = [
    (dict(schema_registry_urls=[]), "schema_registry_urls: expected at least one URL, e.g. http://127.0.0.1:8081"),
    (dict(schema_registry_urls=["ftp://registry:8081"]), "schema_registry_urls: 'ftp://registry:8081' is not an "
                                                         "http:// or https:// URL"),
    (dict(schema_registry_urls=["registry:8081"]), "schema_registry_urls: 'registry:8081' is not an http://"),
    (dict(schema_registry_urls=["http://"]), "schema_registry_urls: 'http:' is not an http://"),
    (dict(schema_registry_timeout=0), "schema_registry_timeout: 0 is out of range; give seconds from 1 to 3600"),
    (dict(schema_registry_timeout=-5), "schema_registry_timeout: -5 is out of range"),
    (dict(schema_registry_ca_path="/nonexistent/ca.pem"), "schema_registry_ca_path: /nonexistent/ca.pem does not "
                                                          "exist; give the path of the CA bundle"),
    (dict(schema_registry_client_cert="/nonexistent/c.pem"), "schema_registry_client_cert: /nonexistent/c.pem does "
                                                             "not exist or is not a file; give the path of the PEM file"),
    (dict(schema_registry_client_key="/nonexistent/k.pem"), "schema_registry_client_key: /nonexistent/k.pem does "
                                                            "not exist"),
    (dict(schema_registry_client_key="/etc/hosts"), "schema_registry_client_key: set without "
                                                    "schema_registry_client_cert; give both"),
]

LONG = "a" * 250
OWN = [
    # kafka_topic: names, counts Kafka's protocol cannot carry, configs, shapes
    ("kafka_topic", dict(name="", partitions=3), "name: expected a non-empty string"),
    ("kafka_topic", dict(name="..", partitions=3), "name: '.' and '..' are not legal topic names"),
    ("kafka_topic", dict(name=LONG, partitions=3), "name: expected at most 249 characters, got 250"),
    ("kafka_topic", dict(name="bad name", partitions=3), "name: expected only letters, digits"),
    ("kafka_topic", dict(name="t", partitions=0), "partitions: topic t: expected a positive integer, got 0"),
    ("kafka_topic", dict(name="t", partitions=-3), "partitions: topic t: expected a positive integer, got -3"),
    ("kafka_topic", dict(name="t", partitions=10 ** 12), "partitions: topic t: expected at most 2147483647 "
                                                         "(Kafka's int32), got 1000000000000"),
    ("kafka_topic", dict(name="t", partitions=2 ** 31), "expected at most 2147483647"),
    ("kafka_topic", dict(name="t", partitions=3, replication_factor=0), "replication_factor: topic t: expected a "
                                                                        "positive integer, got 0"),
    ("kafka_topic", dict(name="t", partitions=3, replication_factor=40000), "replication_factor: topic t: expected "
                                                                            "at most 32767 (Kafka's int16)"),
    ("kafka_topic", dict(topics=[{"name": "t", "partitions": 10 ** 12}]), "topics[0].partitions: topic t: expected "
                                                                          "at most 2147483647"),
    ("kafka_topic", dict(topics=[{"name": "t", "partitions": 1}, {"name": "t", "partitions": 2}]),
     "topics[1].name: topic t is listed twice (also at topics[0])"),
    ("kafka_topic", dict(topics="notalist"), "topics: expected a list of dicts, got the string 'notalist'; give a "
                                             "YAML list, e.g. topics: [{name: ...}]"),
    ("kafka_topic", dict(name="t", partitions=3, config={"retention.ms": "abc"}),
     "config.retention.ms: topic t: expected an integer from -1 to 9223372036854775807, got 'abc'"),
    ("kafka_topic", dict(name="t", partitions=3, config={"retention.ms": 10 ** 30}),
     "config.retention.ms: topic t: expected an integer from -1"),
    ("kafka_topic", dict(name="t", partitions=3, config={"retention.ms": -5}), "config.retention.ms: topic t: "
                                                                               "expected an integer from -1"),
    ("kafka_topic", dict(name="t", partitions=3, config={"min.insync.replicas": 0}),
     "config.min.insync.replicas: topic t: expected an integer from 1 to 2147483647, got 0"),
    ("kafka_topic", dict(name="t", partitions=3, config={"max.message.bytes": 2 ** 40}),
     "config.max.message.bytes: topic t: expected an integer from 0 to 2147483647"),
    ("kafka_topic", dict(name="t", partitions=3, config={"segment.bytes": "1GB"}),
     "config.segment.bytes: topic t: expected an integer"),
    ("kafka_topic", dict(name="t", partitions=3, config={"cleanup.policy": None}),
     "config.cleanup.policy: topic t: expected a string or a number, got nothing (null)"),
    ("kafka_topic", dict(name="t", partitions=3, config={"cleanup.policy": ["delete"]}),
     "config.cleanup.policy: topic t: expected a string or a number"),
    ("kafka_topic", dict(name="__consumer_offsets", state="absent"), "name: __consumer_offsets is an internal topic"),
    # kafka_topic_info, kafka_consumer_group_info
    ("kafka_topic_info", dict(names=[""]), "names[0]: expected a non-empty string"),
    ("kafka_topic_info", dict(names=["ok", "bad name"]), "names[1]: expected only letters, digits"),
    ("kafka_topic_info", dict(names=[LONG]), "names[0]: expected at most 249 characters"),
    ("kafka_topic_info", dict(pattern="(market"), "'(market' is not a valid regular expression"),
    ("kafka_consumer_group_info", dict(names=[""]), "names[0]: '' is not a consumer group id; give one such as"),
    ("kafka_consumer_group_info", dict(names=["g", " "]), "names[1]: ' ' is not a consumer group id"),
    ("kafka_consumer_group_info", dict(pattern="(k2"), "'(k2' is not a valid regular expression"),
    # kafka_consumer_group
    ("kafka_consumer_group", dict(group="", offsets=[]), "group: expected a consumer group id, got ''"),
    ("kafka_consumer_group", dict(group="g", offsets="x"), "offsets: expected a list of dicts, got the string 'x'"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": 0}]),
     "offsets[0]: expected {topic, partition, offset} with integers"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": "x", "offset": 1}]),
     "offsets[0]: expected {topic, partition, offset} with integers"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": 0, "offset": -1}]),
     "offsets[0]: offset must be from 0 to 9223372036854775807 (Kafka's int64), got -1"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": 0, "offset": 2 ** 70}]),
     "offsets[0]: offset must be from 0 to 9223372036854775807"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": 10 ** 12, "offset": 1}]),
     "offsets[0]: partition must be from 0 to 2147483647, got 1000000000000"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "t", "partition": -1, "offset": 1}]),
     "offsets[0]: partition must be from 0 to 2147483647, got -1"),
    ("kafka_consumer_group", dict(group="g", offsets=[{"topic": "bad name", "partition": 0, "offset": 1}]),
     "offsets[0].topic: expected only letters, digits"),
    ("kafka_consumer_group", dict(groups=[{"group": "", "offsets": []}]), "groups[0].group: expected a consumer "
                                                                          "group id"),
    ("kafka_consumer_group", dict(groups=[{"group": "a", "offsets": []}, {"group": "b", "offsets": [
        {"topic": "t", "partition": 0, "offset": -2}]}]), "groups[1].offsets[0]: offset must be from 0"),
    # kafka_record_scan
    ("kafka_record_scan", dict(topic=""), "topic: expected a non-empty string"),
    ("kafka_record_scan", dict(topic="bad name"), "topic: expected only letters, digits"),
    ("kafka_record_scan", dict(topic="t", partitions=[-1]), "partitions[0]: -1 is not a partition number; give 0 or "
                                                            "more"),
    ("kafka_record_scan", dict(topic="t", partitions=[0, 2 ** 31]), "partitions[1]: 2147483648 is not a partition "
                                                                    "number"),
    ("kafka_record_scan", dict(topic="t", max_records=0), "max_records: 0 is out of range; give 1 or more"),
    ("kafka_record_scan", dict(topic="t", max_records=-5), "max_records: -5 is out of range"),
    # kafka_smoke_test
    ("kafka_smoke_test", dict(targets="x"), "targets: expected a list of dicts, got the string 'x'; give a YAML list, "
                                            "e.g. targets: [{subject: ..., topic: ...}]"),
    ("kafka_smoke_test", dict(targets=[{"topic": "", "subject": "s"}]), "targets[0].topic: expected a non-empty "
                                                                        "string"),
    ("kafka_smoke_test", dict(targets=[{"topic": "t", "subject": ""}]), "targets[0].subject: '' is not a subject "
                                                                        "name"),
    ("kafka_smoke_test", dict(targets=[{"bogus": 1}]), "found in targets"),
    # schema_subject
    ("schema_subject", dict(subject="", schema=TRADE), "subject: '' is not a subject name; give one such as "
                                                       "market.equities.trades-value (leave it out for the global "
                                                       "level)"),
    ("schema_subject", dict(subject="s" * 300, schema=TRADE), "subject: the subject is 300 characters long; give at "
                                                              "most 255"),
    ("schema_subject", dict(subject="a\nb", schema=TRADE), "subject: 'a\\nb' holds control characters"),
    ("schema_subject", dict(subject="s", schema=42), "schema: expected the schema as JSON text, a dict or (a union) "
                                                     "a list, got int 42"),
    ("schema_subject", dict(subject="s", schema=True), "schema: expected the schema as JSON text"),
    ("schema_subject", dict(subject="s", schema={"type": "record", "name": "R"}),
     "schema: record R has no fields list; give \"fields\": [...]"),
    ("schema_subject", dict(subject="s", schema={"type": "array", "items": {"type": "record", "name": "I"}}),
     "schema: record I has no fields list"),
    ("schema_subject", dict(subject="s", schema="{not json"), "schema: not valid JSON"),
    ("schema_subject", dict(subject="s", schema={"type": "nosuchtype"}), "schema: not a valid Avro schema"),
    ("schema_subject", dict(subject="s", schema=TRADE, version=-1), "version: -1 is out of range; give from 1 to "
                                                                    "2147483647"),
    ("schema_subject", dict(subject="s", schema=TRADE, version=0), "version: 0 is out of range"),
    ("schema_subject", dict(subject="s", schema=TRADE, id=0), "id: 0 is out of range"),
    ("schema_subject", dict(subject="s", schema=TRADE, references=[{"bogus": 1}]),
     "references[0]: {'bogus': 1} is not a reference; give {name, subject, version}"),
    ("schema_subject", dict(subject="s", schema=TRADE, references=[{"name": "c", "subject": "c-value",
                                                                    "version": 0}]),
     "references[0]: {'name': 'c', 'subject': 'c-value', 'version': 0} is not a reference"),
    ("schema_subject", dict(subject="s", schema=TRADE, references=[{"name": "c", "subject": "", "version": 1}]),
     "references[0].subject: '' is not a subject name"),
    ("schema_subject", dict(subjects=[{"subject": "s", "schema": TRADE}], workers=0),
     "workers: 0 is out of range; give from 1 to 32"),
    ("schema_subject", dict(subjects=[{"subject": "s", "schema": TRADE}], workers=-1), "workers: -1 is out of range"),
    ("schema_subject", dict(subjects=[{"subject": "s", "schema": TRADE}], workers=1000), "workers: 1000 is out of "
                                                                                         "range"),
    ("schema_subject", dict(subjects=[{"subject": "", "schema": TRADE}]), "subjects[0].subject: '' is not a subject "
                                                                          "name"),
    ("schema_subject", dict(subjects=[{"subject": "s", "schema": TRADE, "version": -1}]),
     "subjects[0].version: -1 is out of range"),
    ("schema_subject", dict(subjects=[{"subject": "s", "schema": 42}]), "subjects[0] (s): schema: expected the "
                                                                        "schema as JSON text"),
    ("schema_subject", dict(subjects="x"), "subjects: expected a list of dicts, got the string 'x'"),
    # schema_subject_info
    ("schema_subject_info", dict(workers=0), "workers: 0 is out of range; give from 1 to 32"),
    ("schema_subject_info", dict(pattern="(market"), "'(market' is not a valid regular expression"),
    # kafka_health: thresholds in range and in order
    ("kafka_health", dict(checks=["disk"], disks=[], disk_warning=95, disk_critical=90),
     "disk_warning: 95.0 is above disk_critical (90.0), so the warning could never come first"),
    ("kafka_health", dict(checks=["lag"], lag_warning=6000, lag_critical=5000),
     "lag_warning: 6000 is above lag_critical (5000)"),
    ("kafka_health", dict(checks=["lag"], lag_warning=-1), "lag_warning: -1 is out of range; give 0 or more"),
    ("kafka_health", dict(checks=["lag"], lag_critical=-1), "lag_critical: -1 is out of range"),
    ("kafka_health", dict(checks=["lag"], lag_critical_for=-1), "lag_critical_for: -1 is out of range"),
    ("kafka_health", dict(checks=["kafka"], expected_brokers=0), "expected_brokers: 0 is out of range; give 1 or "
                                                                 "more"),
    ("kafka_health", dict(checks=["kafka"], expected_brokers=-1), "expected_brokers: -1 is out of range"),
    ("kafka_health", dict(checks=["disk"], disks=[], disk_warning=-1), "disk_warning: -1.0 is out of range; give "
                                                                       "from 0 to 100 (percent)"),
    ("kafka_health", dict(checks=["disk"], disks=[], disk_critical=150), "disk_critical: 150.0 is out of range"),
    ("kafka_health", dict(checks=["imbalance"], imbalance_warning=-5), "imbalance_warning: -5.0 is out of range"),
    ("kafka_health", dict(checks=["imbalance"], imbalance_min_messages=-1), "imbalance_min_messages: -1 is out of "
                                                                            "range"),
    ("kafka_health", dict(checks=["imbalance"], imbalance_min_bytes=-1), "imbalance_min_bytes: -1 is out of range"),
    ("kafka_health", dict(checks=["rate"], rate_spike_factor=-1), "rate_spike_factor: -1.0 is out of range; give 1 "
                                                                  "or more"),
    ("kafka_health", dict(checks=["rate"], rate_spike_factor=0.5), "rate_spike_factor: 0.5 is out of range"),
    ("kafka_health", dict(checks=["rate"], rate_min=-1), "rate_min: -1.0 is out of range"),
    ("kafka_health", dict(checks=["rate"], rate_interval=-1), "rate_interval: -1 is out of range"),
    ("kafka_health", dict(checks=["rate"], rate_baseline_window=-1), "rate_baseline_window: -1 is out of range"),
    ("kafka_health", dict(checks=["kafka"], wait_for="ok", wait_timeout=-1), "wait_timeout: -1 is out of range; give "
                                                                             "1 or more seconds"),
    ("kafka_health", dict(checks=["kafka"], wait_for="ok", wait_interval=0), "wait_interval: 0 is out of range"),
    ("kafka_health", dict(checks=["kafka"], managed_pattern="(market"), "'(market' is not a valid regular expression"),
    ("kafka_health", dict(checks=["disk"], disks=[{"bogus": 1}]), "disks.bogus. Supported parameters include"),
    ("kafka_health", dict(checks=["disk"], disks=[{"host": "b1", "path": "/data", "used_bytes": 5}]),
     "disks: the entry for b1:/data has no total_bytes, available_bytes; give total_bytes"),
    ("kafka_health", dict(checks=["disk"], disks="x"), "disks: expected a list of dicts, got the string 'x'"),
    # backup_folder: what deletes proves it deletes only what it owns
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, keep=-1),
     "keep: -1 is not a count of backups; give 0 to keep every backup"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, prune_pattern="*"),
     "prune_pattern: '*' would match any folder"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, prune_pattern="?*"),
     "prune_pattern: '?*' would match any folder"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, prune_pattern="backup-*"),
     "prune_pattern: 'backup-*' does not match the new backup's name 'kafka-1'"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, copies=[{"src": "/nonexistent/*.avsc",
                                                                                  "dest": "schemas/"}]),
     "copies[0].src: /nonexistent/*.avsc matches no file, so the backup would lack them"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="../x", data={}), "name: '../x' must be a plain folder name"),
    ("backup_folder", dict(dir="/tmp/k2-table", name=".hidden", data={}), "name: '.hidden' must be a plain folder "
                                                                          "name"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={"/etc/x.json": 1}),
     "data: '/etc/x.json' must be a relative path inside the backup folder"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, copies=[{"src": "/etc/hosts",
                                                                                  "dest": "../hosts"}]),
     "copies[0].dest: '../hosts' must be a relative path inside the backup folder"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={"manifest.json": {}}),
     "manifest.json is written by the module itself"),
    ("backup_folder", dict(dir="/tmp/k2-table", name="kafka-1", data={}, copies="x"),
     "copies: expected a list of dicts, got the string 'x'"),
]

CASES = ([pytest.param(m, dict(KAFKA, **REGISTRY, **dict(ok, **bad)), msg, id="%s-%s" % (m, msg[:40]))
          for m, ok in KAFKA_MODULES.items() for bad, msg in BAD_CONNECTIONS] +
         [pytest.param(m, dict(KAFKA, **dict(REGISTRY, **dict(ok, **bad))), msg, id="%s-%s" % (m, msg[:40]))
          for m, ok in REGISTRY_MODULES.items() for bad, msg in BAD_REGISTRIES] +
         [pytest.param(m, dict(KAFKA, **REGISTRY, **args) if m != "backup_folder" else args, msg,
                       id="%s-%s" % (m, msg[:40])) for m, args, msg in OWN])


def test_the_table_holds_at_least_150_cases():
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize("module, args, message", CASES)
def test_a_bad_input_fails_with_one_message_naming_the_option_the_value_and_the_fix(module, args, message):
    started = time.monotonic()
    result = call_module(module, **args)
    assert result.get("failed"), result
    assert message in result["msg"], result["msg"]
    assert not result.get("changed"), result
    # refused before any connection: nothing waited on the network
    assert time.monotonic() - started < 1.0, (module, time.monotonic() - started)
