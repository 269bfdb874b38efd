"""The topic planner with a fake admin client: whole-request validation, batching, check mode."""
import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.results import diff_entries
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics import is_internal, normalize_specs, reconcile

from fakes import FakeAdmin

pytestmark = pytest.mark.unit


def specs(*items, **kw):
    return normalize_specs([dict(i) for i in items], kw.get("state", "present"), "topics")


def test_create_then_rerun_is_a_no_op():
    admin = FakeAdmin()
    request = specs({"name": "t1", "partitions": 3, "config": {"retention.ms": 1000}})
    result = reconcile(admin, request)
    assert result["changed"] and result["topics"][0]["action"] == "create"
    assert admin.topics["t1"]["config"] == {"retention.ms": "1000"}
    again = reconcile(admin, request)
    assert not again["changed"] and again["topics"][0]["action"] == "none"


def test_check_mode_validates_with_the_broker_and_writes_nothing():
    admin = FakeAdmin()
    result = reconcile(admin, specs({"name": "t1", "partitions": 3}), check_mode=True)
    assert result["changed"]
    assert ("create_topics:validate", ["t1"]) in admin.calls
    assert admin.writes() == [] and admin.topics == {}


def test_a_decrease_in_a_batch_refuses_the_whole_batch():
    live = dict(("t%d" % i, {"partitions": 5, "replication_factor": 1}) for i in range(10))
    admin = FakeAdmin(live)
    request = [{"name": "t%d" % i, "partitions": 6} for i in range(10)]
    request[4]["partitions"] = 2
    with pytest.raises(K2Error) as info:
        reconcile(admin, specs(*request))
    assert "topic t4: partitions 2 requested but it has 5; Kafka cannot decrease partitions" in str(info.value)
    assert "nothing was changed" in str(info.value)
    assert admin.writes() == [] and all(t["partitions"] == 5 for t in admin.topics.values())


def test_all_changes_go_in_one_call_per_kind():
    admin = FakeAdmin({"old": {"partitions": 1, "replication_factor": 1}, "grow": {"partitions": 1,
                                                                                   "replication_factor": 1}})
    reconcile(admin, specs({"name": "a", "partitions": 1}, {"name": "b", "partitions": 1},
                           {"name": "grow", "partitions": 4, "config": {"retention.ms": "1"}}) +
              specs({"name": "old"}, state="absent"))
    assert admin.writes() == [("create_topics", ["a", "b"]), ("create_partitions", ["grow"]),
                              ("alter_topic_configs", ["grow"]), ("delete_topics", ["old"])]
    assert [c[0] for c in admin.calls if c[0].startswith("describe")] == ["describe_topics",
                                                                          "describe_topic_configs"]


def test_config_merge_keeps_and_replace_resets_undeclared_overrides():
    live = {"t": {"partitions": 1, "replication_factor": 1, "config": {"retention.ms": "5", "segment.bytes": "9"}}}
    admin = FakeAdmin(live)
    merged = reconcile(admin, specs({"name": "t", "config": {"retention.ms": 7}}))
    assert merged["topics"][0]["after"]["config"] == {"retention.ms": "7", "segment.bytes": "9"}
    assert admin.topics["t"]["config"] == {"retention.ms": "7", "segment.bytes": "9"}
    replaced = reconcile(admin, specs({"name": "t", "config": {"retention.ms": 7}}), config_mode="replace")
    assert replaced["topics"][0]["actions"] == ["alter_config"]
    assert admin.topics["t"]["config"] == {"retention.ms": "7"}


def test_equal_values_are_not_a_change_whatever_their_type():
    admin = FakeAdmin({"t": {"partitions": 2, "replication_factor": 1, "config": {"retention.ms": "1000"}}})
    assert not reconcile(admin, specs({"name": "t", "partitions": 2, "config": {"retention.ms": 1000}}))["changed"]


def test_unknown_and_read_only_keys_are_rejected_by_name():
    admin = FakeAdmin({"t": {"partitions": 1, "replication_factor": 1}})
    with pytest.raises(K2Error, match="topic t: unknown config key retention.mss"):
        reconcile(admin, specs({"name": "t", "config": {"retention.mss": 1}}))
    with pytest.raises(K2Error, match="config key message.format.version.internal is read-only"):
        reconcile(admin, specs({"name": "t", "config": {"message.format.version.internal": 1}}))
    assert admin.writes() == []


def test_replication_factor_drift_fails_or_warns_never_silently():
    admin = FakeAdmin({"t": {"partitions": 1, "replication_factor": 1}})
    with pytest.raises(K2Error, match="replication_factor 3 requested but the live topic has 1"):
        reconcile(admin, specs({"name": "t", "replication_factor": 3}))
    result = reconcile(admin, specs({"name": "t", "replication_factor": 3}), replication_factor_mismatch="warn")
    assert not result["changed"] and "replication_factor 3 requested" in result["warnings"][0]


def test_broker_refusal_changes_nothing_and_names_the_topic():
    admin = FakeAdmin(refuse={"b": "Unknown topic config name: bogus"})
    with pytest.raises(K2Error) as info:
        reconcile(admin, specs({"name": "a", "partitions": 1}, {"name": "b", "partitions": 1}))
    assert "the broker refused 1 topic(s), nothing was changed: b: Unknown topic config name: bogus" in str(info.value)
    assert admin.writes() == []


def test_partial_failure_says_what_was_applied():
    admin = FakeAdmin(fail={"b": "Policy violation"})
    with pytest.raises(K2Error) as info:
        reconcile(admin, specs({"name": "a", "partitions": 1}, {"name": "b", "partitions": 1}))
    assert info.value.details["applied"] == ["a"] and info.value.details["topic_errors"] == {"b": "Policy violation"}
    assert info.value.details["changed"] is True


def test_absent_deletes_only_what_is_named_and_is_idempotent():
    admin = FakeAdmin({"a": {"partitions": 1, "replication_factor": 1}, "b": {"partitions": 1,
                                                                              "replication_factor": 1}})
    assert reconcile(admin, specs({"name": "a"}, state="absent"))["changed"]
    assert sorted(admin.topics) == ["b"]
    assert not reconcile(admin, specs({"name": "a"}, state="absent"))["changed"]


@pytest.mark.parametrize("name", ["__consumer_offsets", "__transaction_state", "_schemas", "_confluent-metrics",
                                  "kafkasql-journal"])
def test_internal_topics_can_never_be_deleted(name):
    assert is_internal(name)
    with pytest.raises(K2Error, match="internal topic"):
        specs({"name": name}, state="absent")


@pytest.mark.parametrize("item,message", [
    ({"name": "bad name", "partitions": 1}, "topics[0].name: expected only letters"),
    ({"name": "t", "partitions": 0}, "topics[0].partitions: topic t: expected a positive integer, got 0"),
    ({"name": "t", "replication_factor": -1}, "topics[0].replication_factor: topic t: expected a positive integer"),
    ({"name": "t", "config": {"retention.ms": [1]}}, "topics[0].config.retention.ms: topic t: expected a string"),
])
def test_bad_requests_name_field_value_and_fix(item, message):
    with pytest.raises(K2Error, match="nothing was changed") as info:
        specs(item)
    assert message in str(info.value)


def test_a_duplicate_topic_is_refused():
    with pytest.raises(K2Error, match=r"topics\[1\].name: topic t is listed twice"):
        specs({"name": "t", "partitions": 1}, {"name": "t", "partitions": 2})


def test_a_missing_topic_needs_partitions():
    with pytest.raises(K2Error, match="topic t does not exist and partitions is not set"):
        reconcile(FakeAdmin(), specs({"name": "t"}))


def test_diff_has_one_entry_per_changed_topic():
    admin = FakeAdmin({"same": {"partitions": 1, "replication_factor": 1}})
    result = reconcile(admin, specs({"name": "same", "partitions": 1}, {"name": "new", "partitions": 2}),
                       check_mode=True)
    entries = diff_entries(result["topics"], "name")
    assert [e["before_header"] for e in entries] == ["new"]
    assert entries[0]["before"] == {} and entries[0]["after"]["partitions"] == 2


def test_a_topic_metadata_does_not_show_yet_is_re_read_not_recreated():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import TOPIC_EXISTS, Refusal

    class Lagging(FakeAdmin):
        hidden = 1

        def describe_topics(self, names):
            seen = FakeAdmin.describe_topics(self, names)
            if self.hidden:
                self.hidden -= 1
                seen.pop("t", None)
            return seen

        def create_topics(self, specs, validate_only=False):
            if validate_only and any(s["name"] in self.topics for s in specs):
                self.calls.append(("create_topics:validate", [s["name"] for s in specs]))
                return dict((s["name"], Refusal("Topic 't' already exists.", TOPIC_EXISTS)) for s in specs)
            return FakeAdmin.create_topics(self, specs, validate_only)

    admin = Lagging({"t": {"partitions": 2, "replication_factor": 1}})
    result = reconcile(admin, specs({"name": "t", "partitions": 2}), wait=5)
    assert not result["changed"] and result["topics"][0]["action"] == "none"
    assert admin.writes() == []
