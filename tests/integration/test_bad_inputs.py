"""A table of bad inputs across modules and playbooks. Each case asserts the message a person gets, then
reads the cluster and the registry back to show nothing changed."""
import hashlib
import json
import os

import httpx
import pytest
from confluent_kafka.admin import ConfigResource, NewTopic, ResourceType

from helpers import REPO, escaped_exceptions, run_module, run_playbook

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def tracebacks_shown(monkeypatch):
    """ansible-core 2.19 prints no traceback at -vvv; with this, an exception escaping a module or a plugin
    shows in the output, where escaped_exceptions finds it."""
    monkeypatch.setenv("ANSIBLE_DISPLAY_TRACEBACK", "error")


@pytest.fixture
def world(admin, bootstrap_servers, registry_urls, unique, tmp_path):
    """One existing topic (3 partitions, retention.ms=3600000) and one subject (v1), named for this test."""
    topic = "it.bad.%s.t" % unique
    subject = "it.bad.%s-value" % unique
    admin.create_topics([NewTopic(topic, 3, 1, config={"retention.ms": "3600000"})])[topic].result(30)
    with open(os.path.join(REPO, "examples", "k2-platform", "src", "k2", "schemas", "trade.avsc")) as handle:
        schema = json.load(handle)
    conn = {"bootstrap_servers": bootstrap_servers, "schema_registry_urls": registry_urls, "request_timeout": 20}
    assert run_module("schema_subject", subject=subject, schema=schema, compatibility="BACKWARD", **conn)["changed"]

    def snapshot():
        """The whole cluster and registry, not only this test's names: a bad input that changed anything
        anywhere shows. Every topic's partitions and dynamic configs, every subject's versions, the levels."""
        topics = dict((n, len(m.partitions)) for n, m in admin.list_topics(timeout=10).topics.items())
        resources = [ConfigResource(ResourceType.TOPIC, n) for n in sorted(topics) if not n.startswith("__")]
        configs = dict((res.name, dict((k, e.value) for k, e in future.result(20).items() if e.source == 1))
                       for res, future in admin.describe_configs(resources).items())
        base = registry_urls[0]
        subjects = dict((s, httpx.get("%s/subjects/%s/versions" % (base, s), timeout=10).json())
                        for s in httpx.get(base + "/subjects", timeout=10).json())
        levels = {"global": httpx.get(base + "/config", timeout=10).json(),
                  subject: httpx.get("%s/config/%s" % (base, subject), timeout=10).json()}
        return {"topics": topics, "configs": configs, "subjects": subjects, "levels": levels}

    info = {"topic": topic, "subject": subject, "schema": schema, "conn": conn, "snapshot": snapshot,
            "tmp": tmp_path, "unique": unique}
    yield info
    admin.delete_topics([topic])[topic].result(30)
    run_module("schema_subject", subject=subject, state="absent", permanent=True, **conn)


def topic_module(w, **args):
    return run_module("kafka_topic", **dict(w["conn"], **args))


def bad_topics_yaml(w, text):
    path = w["tmp"] / "topics.yaml"
    path.write_text(text)
    return run_playbook("apply_topics.yml", {"k2_topics_file": str(path)})


def backup_dir(w, topics, subjects, tamper=None):
    """A backup folder as backup.yml writes it, optionally tampered with after the manifest was written."""
    folder = w["tmp"] / "kafka-20260101-000000"
    folder.mkdir()
    files = {"topics.json": json.dumps(topics), "subjects.json": json.dumps(subjects)}
    for name, text in files.items():
        (folder / name).write_text(text)
    manifest = {"files": dict((n, hashlib.sha256(t.encode()).hexdigest()) for n, t in files.items())}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if tamper:
        tamper(folder)
    return folder


VALID_YAML = open(os.path.join(REPO, "examples", "k2-platform", "config", "kafka", "topics.yaml")).read()


def case_invalid_topic_name(w):
    return topic_module(w, name="it.bad.%s.bad name!" % w["unique"], partitions=1), "expected only letters"


def case_partitions_zero(w):
    return topic_module(w, name=w["topic"] + "z", partitions=0), "expected a positive integer, got 0"


def case_decrease(w):
    return topic_module(w, name=w["topic"], partitions=2), "partitions 2 requested but it has 3; Kafka cannot decrease"


def case_replication_beyond_brokers(w):
    result = topic_module(w, name=w["topic"] + "rf", partitions=1, replication_factor=3)
    return result, "The target replication factor of 3 cannot be reached because only 1 broker(s) are registered"


def case_duplicate_topic(w):
    result = topic_module(w, topics=[{"name": w["topic"] + "d", "partitions": 1},
                                     {"name": w["topic"] + "d", "partitions": 2}])
    return result, "topics[1].name: topic %sd is listed twice" % w["topic"]


def case_unknown_config_key(w):
    return topic_module(w, name=w["topic"], config={"retention.mss": 1}), "unknown config key retention.mss"


def case_invalid_config_value(w):
    result = topic_module(w, name=w["topic"], config={"retention.ms": "one hour"})
    return result, ("config.retention.ms: topic %s: expected an integer from -1 to 9223372036854775807, got 'one hour'"
                    % w["topic"])


def case_malformed_topics_yaml(w):
    rc, out, dummy = bad_topics_yaml(w, VALID_YAML.replace("  equities:\n", "  equities:\n\t", 1))
    line = VALID_YAML.splitlines().index("  equities:") + 2  # the tab starts the next line
    needle = "%s is not valid YAML at line %d, column 1" % (w["tmp"] / "topics.yaml", line)
    return {"failed": rc != 0, "msg": out}, needle


def case_topics_yaml_schema_error(w):
    text = VALID_YAML.replace("asset_classes:\n", "asset_classes:\n  bad%s:\n    exchanges:\n      zz:\n"
                                                  "        partitions: 100x\n" % w["unique"], 1)
    rc, out, dummy = bad_topics_yaml(w, text)
    return {"failed": rc != 0, "msg": out}, ("asset_classes.bad%s.exchanges.zz.partitions: expected a positive "
                                             "integer, got '100x'" % w["unique"])


def case_invalid_avro(w):
    bad = dict(w["schema"], fields=w["schema"]["fields"] + [{"name": "x", "type": "strin"}])
    result = run_module("schema_subject", subject=w["subject"], schema=bad, **w["conn"])
    return result, "not a valid Avro schema: UnknownType: com.k2.market_data.strin"


def case_incompatible_schema(w):
    bad = dict(w["schema"], fields=w["schema"]["fields"] + [{"name": "settlement_date", "type": "string"}])
    result = run_module("schema_subject", subject=w["subject"], schema=bad, **w["conn"])
    return result, "is incompatible with its latest version at compatibility level BACKWARD"


def case_unknown_compatibility_level(w):
    result = run_module("schema_subject", subject=w["subject"], compatibility="SIDEWAYS", **w["conn"])
    return result, "value of compatibility must be one of: NONE, BACKWARD"


def case_restore_corrupt_backup(w):
    folder = backup_dir(w, [{"name": w["topic"] + "r", "partitions": 1, "replication_factor": 1, "config": {}}],
                        {"subjects": []}, tamper=lambda f: (f / "topics.json").write_text("[]"))
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(folder)})
    return {"failed": rc != 0, "msg": out}, "is corrupt or partial, nothing was restored: topics.json: sha256"


def case_restore_partial_backup(w):
    folder = backup_dir(w, [], {"subjects": []}, tamper=lambda f: (f / "subjects.json").unlink())
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(folder)})
    return {"failed": rc != 0, "msg": out}, "subjects.json: missing"


def case_restore_conflicting_partitions(w):
    folder = backup_dir(w, [{"name": w["topic"], "partitions": 1, "replication_factor": 1,
                             "config": {"retention.ms": "3600000"}}], {"subjects": []})
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(folder)})
    # not a failure: the conflict is reported and the topic keeps its 3 partitions
    return {"failed": rc == 0, "msg": out}, "the cluster has 3 partitions, the backup 1; kept 3"


def case_full_reset_without_confirm(w):
    rc, out, dummy = run_playbook("full_reset.yml", {"k2_max_deletes": 100000})
    return {"failed": rc != 0, "msg": out}, "without confirmation: rerun with -e confirm=RESET-"


def case_full_reset_on_prod(w):
    rc, out, dummy = run_playbook("full_reset.yml", {"k2_environment": "prod", "confirm": "RESET-x"})
    return {"failed": rc != 0, "msg": out}, "k2_environment is prod"


def case_raise_missing_topic(w):
    rc, out, dummy = run_playbook("raise_partitions.yml", {"topic": w["topic"] + "missing", "partitions": 4})
    return {"failed": rc != 0, "msg": out}, "do not exist"


def case_add_exchange_bad_partitions(w):
    rc, out, dummy = run_playbook("add_exchange.yml", {"asset_class": "bad" + w["unique"], "exchange": "zz",
                                                       "partitions": "many"})
    return {"failed": rc != 0, "msg": out}, "partitions=<positive integer>"


CASES = [case_invalid_topic_name, case_partitions_zero, case_decrease, case_replication_beyond_brokers,
         case_duplicate_topic, case_unknown_config_key, case_invalid_config_value, case_malformed_topics_yaml,
         case_topics_yaml_schema_error, case_invalid_avro, case_incompatible_schema,
         case_unknown_compatibility_level, case_restore_corrupt_backup, case_restore_partial_backup,
         case_restore_conflicting_partitions, case_full_reset_without_confirm, case_full_reset_on_prod,
         case_raise_missing_topic, case_add_exchange_bad_partitions]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[5:] for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(world, case):
    before = world["snapshot"]()
    result, message = case(world)
    assert result.get("failed"), result
    text = result.get("msg", "")
    assert message in " ".join(text.split()), text[-3000:]
    assert escaped_exceptions(text) == [] and escaped_exceptions(result.get("exception") or "") == [], text[-3000:]
    assert world["snapshot"]() == before
