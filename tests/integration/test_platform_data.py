"""The example K2 checkout holds the platform's own topics.yaml and schemas (../shared/K2-PLATFORM.md).
Applying it creates the platform's six topics and six subjects with the platform's configs; the expected
values below are written from the platform's facts, not computed by the code under test."""
import json
import os

import httpx
import pytest
import yaml
from confluent_kafka.admin import ConfigResource, ResourceType

from helpers import REPO, run_module, run_playbook

pytestmark = pytest.mark.integration
EXAMPLE = os.path.join(REPO, "examples", "k2-platform")
STREAM = {"compression.type": "lz4", "retention.ms": "604800000", "cleanup.policy": "delete",
          "min.insync.replicas": "1"}
PLATFORM = {
    "market.equities.trades.asx": (30, STREAM), "market.equities.quotes.asx": (30, STREAM),
    "market.crypto.trades.binance": (40, STREAM), "market.crypto.quotes.binance": (40, STREAM),
    "market.equities.reference_data.asx": (1, {
        "cleanup.policy": "compact", "compression.type": "lz4", "min.compaction.lag.ms": "60000",
        "delete.retention.ms": "86400000", "segment.ms": "604800000", "min.insync.replicas": "1"}),
}
PLATFORM["market.crypto.reference_data.binance"] = PLATFORM["market.equities.reference_data.asx"]
SUBJECTS = dict(("market.%s.%s-value" % (ac, dt), schema) for ac in ("equities", "crypto")
                for dt, schema in (("trades", "trade"), ("quotes", "quote"), ("reference_data", "reference_data")))


def overrides(admin, names):
    resources = [ConfigResource(ResourceType.TOPIC, n) for n in names]
    return dict((r.name, dict((k, e.value) for k, e in f.result(15).items() if e.source == 1))
                for r, f in admin.describe_configs(resources).items())


def test_applying_the_platform_s_topics_yaml_gives_its_six_topics_and_six_subjects(admin, registry_urls):
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    meta = admin.list_topics(timeout=10).topics
    assert dict((n, len(meta[n].partitions)) for n in PLATFORM) == dict((n, p) for n, (p, dummy) in PLATFORM.items())
    assert overrides(admin, list(PLATFORM)) == dict((n, c) for n, (dummy, c) in PLATFORM.items())
    for subject, schema in SUBJECTS.items():
        # the file's schema is the subject's first version (and its latest on a fresh stack; a stack that kept an
        # earlier run's evolved trade schema has that as version 2)
        with open(os.path.join(EXAMPLE, "src", "k2", "schemas", schema + ".avsc")) as handle:
            text = json.dumps(json.load(handle))
        versions = httpx.get("%s/subjects/%s/versions" % (registry_urls[0], subject), timeout=10).json()
        first = httpx.get("%s/subjects/%s/versions/%d" % (registry_urls[0], subject, versions[0]), timeout=10).json()
        assert json.loads(first["schema"]) == json.loads(text), subject
    rc, out, recap = run_playbook("apply_topics.yml")
    assert rc == 0 and recap["changed"] == 0, out[-3000:]


def test_config_values_as_numbers_or_quoted_strings_are_the_same_config(tmp_path):
    """The platform quotes its values ("604800000"); a file with plain numbers asks for the same config."""
    with open(os.path.join(EXAMPLE, "config", "kafka", "topics.yaml")) as handle:
        data = yaml.safe_load(handle)
    for body in data["data_types"].values():
        body["config"] = dict((k, int(v) if str(v).isdigit() else v) for k, v in body["config"].items())
    assert data["data_types"]["trades"]["config"]["retention.ms"] == 604800000
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(data))
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    rc, out, recap = run_playbook("apply_topics.yml", {"k2_topics_file": str(path)})
    assert rc == 0 and recap["changed"] == 0 and "no change: all 6 topics match topics.yaml" in out, out[-3000:]


def test_the_trade_schema_evolves_as_avro_and_the_registry_allow(registry_urls, unique):
    """An optional field with a default is a new version under BACKWARD. Removing sequence_number's default is
    accepted too: a BACKWARD reader needs a default only for a field the writer lacked, and every old Trade
    carries sequence_number. A new field without a default is what BACKWARD refuses."""
    with open(os.path.join(EXAMPLE, "src", "k2", "schemas", "trade.avsc")) as handle:
        trade = json.load(handle)
    subject = "it%s.trades-value" % unique
    conn = {"schema_registry_urls": registry_urls}
    assert run_module("schema_subject", subject=subject, schema=trade, compatibility="BACKWARD", **conn)["version"] == 1
    v2 = json.loads(json.dumps(trade))
    v2["fields"].append({"name": "trade_id", "type": ["null", "string"], "default": None})
    assert run_module("schema_subject", subject=subject, schema=v2, **conn)["version"] == 2
    v3 = json.loads(json.dumps(v2))
    del [f for f in v3["fields"] if f["name"] == "sequence_number"][0]["default"]
    assert run_module("schema_subject", subject=subject, schema=v3, **conn)["version"] == 3
    bad = json.loads(json.dumps(v3))
    bad["fields"].append({"name": "settlement_date", "type": "string"})
    refused = run_module("schema_subject", subject=subject, schema=bad, **conn)
    assert refused["failed"] and "incompatible" in refused["msg"] and "nothing was registered" in refused["msg"]
    versions = httpx.get("%s/subjects/%s/versions" % (registry_urls[1], subject), timeout=10).json()
    assert versions == [1, 2, 3]
