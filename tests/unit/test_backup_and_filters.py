"""Backup/restore logic (module_utils/backup.py) on corrupt, partial and conflicting inputs, and the filters of
plugins/filter/k2.py as a playbook calls them (errors become AnsibleFilterError with the filter's name)."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.k2.kafka_ops.plugins.filter.k2 import FilterModule
from ansible_collections.k2.kafka_ops.plugins.module_utils import backup, restore

pytestmark = pytest.mark.unit
FILTERS = FilterModule().filters()
T = "market.equities.trades.asx"


def stat(path, checksum=None, exists=True):
    return {"item": path, "stat": {"exists": exists, "checksum": checksum}}


def test_manifest_problems_names_a_missing_a_corrupt_and_an_unlisted_file():
    files = {"topics.json": "aa", "schemas/trade.avsc": "bb"}
    problems = backup.manifest_problems(files, [stat("topics.json", "aa"), stat("schemas/trade.avsc", "XX")])
    assert problems == ["schemas/trade.avsc: sha256 XX, the manifest says bb", "subjects.json: not in the manifest"]
    assert backup.manifest_problems(files, [stat("topics.json", exists=False), stat("schemas/trade.avsc", "bb")]) == [
        "topics.json: missing", "subjects.json: not in the manifest"]
    whole = {"topics.json": "aa", "subjects.json": "cc"}
    assert backup.manifest_problems(whole, [stat("topics.json", "aa"), stat("subjects.json", "cc")]) == []


def test_restore_topics_creates_raises_and_never_shrinks_or_changes_replication():
    saved = [{"name": T, "partitions": 30, "replication_factor": 3, "config": {"retention.ms": "1"}},
             {"name": "market.crypto.trades.binance", "partitions": 40, "replication_factor": 1, "config": {}},
             {"name": "market.new.trades.x", "partitions": 2, "replication_factor": 1, "config": {}}]
    live = [{"name": T, "partitions": 20, "replication_factor": 1},
            {"name": "market.crypto.trades.binance", "partitions": 48, "replication_factor": 1}]
    plan = restore.restore_topics(saved, live)
    specs = dict((s["name"], s) for s in plan["topics"])
    assert specs[T]["partitions"] == 30 and specs[T]["replication_factor"] is None  # raise; rf untouched
    assert specs["market.crypto.trades.binance"]["partitions"] == 48                  # kept: never shrink
    assert specs["market.new.trades.x"] == {"name": "market.new.trades.x", "partitions": 2, "config": {},
                                            "replication_factor": 1}
    assert plan["conflicts"] == [
        "market.crypto.trades.binance: the cluster has 48 partitions, the backup 40; kept 48 (partitions never shrink)",
        "%s: the cluster has replication factor 1, the backup 3; left as it is" % T]


def test_restore_versions_in_order_and_the_id_map_of_what_moved():
    subjects = [{"subject": "b-value", "versions": [{"version": 2, "id": 7, "schema": "s2"},
                                                    {"version": 1, "id": 3, "schema": "s1"}]},
                {"subject": "a-value", "versions": [{"version": 1, "id": 1, "schema": "x", "schema_type": "JSON"}]}]
    order = restore.restore_versions(subjects)
    assert [(v["subject"], v["version"], v["schema_type"]) for v in order] == [
        ("a-value", 1, "JSON"), ("b-value", 1, "AVRO"), ("b-value", 2, "AVRO")]
    plan = restore.restore_subjects(subjects, [], import_ok=False)
    assert plan["backup_ids"] == [1, 3, 7]
    assert [(e["subject"], e.get("id")) for e in plan["entries"]] == [
        ("a-value", None), ("b-value", None), ("b-value", None)]
    results = [{"subject": "a-value", "id": 1}, {"subject": "b-value", "id": 11}, {"subject": "b-value", "id": 12}]
    assert restore.id_map(results, plan["backup_ids"]) == {"3": 11, "7": 12}


def test_the_restore_batch_orders_each_subjects_steps():
    saved = [{"subject": "s", "compatibility": "FULL",
              "versions": [{"version": 1, "id": 5, "schema": '{"type":"string"}'},
                           {"version": 2, "id": 9, "schema": '{"type":"int"}', "references": [{"name": "r"}]}]},
             {"subject": "c", "versions": [{"version": 1, "id": 2, "schema": '"int"'}]}]
    live = [{"subject": "s", "versions": [{"version": 1, "id": 5, "schema": '{"type":"long"}'}]},
            {"subject": "c", "versions": [{"version": 1, "id": 3, "schema": '"long"'}]}]
    plan = restore.restore_subjects(saved, live, import_ok=True, replace=False)
    assert plan["entries"] == []   # both conflict: left alone, not even their level
    plan = restore.restore_subjects(saved[:1], live, import_ok=True, replace=True)
    assert [(e["subject"], e.get("state"), e.get("mode"), e.get("id"), e.get("version"), e.get("compatibility"))
            for e in plan["entries"]] == [
        ("s", "absent", None, None, None, None), ("s", None, "IMPORT", None, None, None),
        ("s", None, None, 5, 1, None), ("s", None, None, 9, 2, None), ("s", None, "READWRITE", None, None, None),
        ("s", None, None, None, None, "FULL")]
    assert plan["entries"][3]["references"] == [{"name": "r"}] and "references" not in plan["entries"][2]
    assert plan["entries"][0]["permanent"] is True
    assert plan["backup_ids"] == [None] * 6


def test_backup_differences_reports_every_kind_of_difference():
    saved_t = [{"name": T, "partitions": 3, "replication_factor": 1, "config": {"retention.ms": "1"}},
               {"name": "market.gone.trades.x", "partitions": 1, "replication_factor": 1, "config": {}}]
    live_t = [{"name": T, "partitions": 4, "replication_factor": 1, "config": {"retention.ms": "2"}}]
    saved_s = [{"subject": "s", "compatibility": "FULL",
                "versions": [{"version": 1, "id": 1, "schema": '{"type": "string"}'},
                             {"version": 2, "id": 2, "schema": '{"type": "int"}'},
                             {"version": 3, "id": 3, "schema": '{"type": "long"}'}]},
               {"subject": "missing", "versions": []}]
    live_s = [{"subject": "s", "compatibility": "BACKWARD",
               "versions": [{"version": 1, "id": 9, "schema": '{"type":"string"}'},
                            {"version": 2, "id": 2, "schema": '{"type": "float"}'}]}]
    diffs = backup.backup_differences(saved_t, saved_s, live_t, live_s)
    assert diffs == ["topic %s: partitions 4, backup 3" % T, "topic %s: config retention.ms=2, backup 1" % T,
                     "topic market.gone.trades.x: missing", "subject s: version 1 has id 9, backup 1",
                     "subject s: version 2 has another schema", "subject s: version 3 missing",
                     "subject s: compatibility BACKWARD, backup FULL", "subject missing: missing"]
    assert "subject s: version 1 has id 9, backup 1" not in backup.backup_differences(saved_t, saved_s, live_t,
                                                                                      live_s, compare_ids=False)


def test_display_filters():
    topics = [{"name": T, "partitions": 3, "replication_factor": 1, "config": {"retention.ms": "1"},
               "partition_details": [{"partition": 0, "messages": 90}, {"partition": 1, "messages": 5},
                                     {"partition": 2, "messages": 5}]}]
    assert FILTERS["k2_topic_lines"](topics) == ["%s: 3 partitions, replication factor 1, retention.ms=1" % T]
    table = FILTERS["k2_partition_table"](topics)
    assert table[0] == "%s: 100 messages in 3 partitions" % T and "HOT (+170%)" in table[1] and "HOT" not in table[2]
    groups = [{"group_id": "g1", "state": "Stable", "members": [1], "lag": 5, "lag_per_topic": {T: 5}},
              {"group_id": "g2", "state": "Empty", "members": [], "lag": 50, "lag_per_topic": {T: 50}}]
    assert FILTERS["k2_lag_lines"](groups) == ["g2 (Empty, 0 members): lag 50; %s 50" % T,
                                               "g1 (Stable, 1 members): lag 5; %s 5" % T]
    assert FILTERS["k2_lag_lines"]([]) == ["no consumer groups"]
    assert FILTERS["k2_topics_named"](["a", "b"], partitions=4) == [{"name": "a", "partitions": 4},
                                                                    {"name": "b", "partitions": 4}]
    saved = [{"group_id": "k2-writer", "partitions": [{"topic": T, "partition": 1, "committed_offset": 7, "lag": 0}]},
             {"group_id": "apicurio-x", "partitions": [{"topic": T, "partition": 0, "committed_offset": 1}]},
             {"group_id": "idle", "partitions": []}]
    assert restore.restore_offsets(saved, "^(?!apicurio-)") == [
        {"group": "k2-writer", "offsets": [{"topic": T, "partition": 1, "offset": 7}]}]
    assert [g["group"] for g in restore.restore_offsets(saved)] == ["k2-writer", "apicurio-x"]


def test_the_restore_plan_filter_decides_everything_the_role_plays():
    data = {"topics": [{"name": T, "partitions": 3, "replication_factor": 1, "config": {}}],
            "subjects": {"global_compatibility": "BACKWARD",
                         "subjects": [{"subject": "a-value", "versions": [{"version": 1, "id": 5, "schema": '"string"'}]},
                                      {"subject": "b-value", "versions": [{"version": 1, "id": 6, "schema": '"int"'}]}]},
            "offsets": [{"group_id": "k2-writer", "partitions": [{"topic": T, "partition": 0, "committed_offset": 4}]}]}
    live = [{"subject": "b-value", "versions": [{"version": 1, "id": 9, "schema": '"long"'}]}]
    confluent = {"flavour": "confluent", "import_mode": True, "mode_writable_subject": True}
    switches = {"topics": "true", "schemas": "True", "offsets": "false", "use_import": "yes", "force_import": "no",
                "replace_subjects": "false", "group_pattern": None}
    plan = FILTERS["k2_restore_plan"](data, [], live, confluent, switches)
    assert plan["import"] is True and plan["groups"] == [] and plan["global_compatibility"] == "BACKWARD"
    assert [t["name"] for t in plan["topics"]] == [T] and plan["topic_conflicts"] == []
    assert [(s["subject"], s["path"]) for s in plan["subject_paths"]] == [("a-value", "import"), ("b-value", "conflict")]
    assert [e["subject"] for e in plan["entries"]] == ["a-value"] * 3            # IMPORT, v1 with id 5, READWRITE
    assert [s["subject"] for s in plan["expected_subjects"]] == ["a-value"]       # the conflict is left out
    assert "the registry (confluent) imports with the original ids and versions" in plan["report"]
    assert plan["conflict_message"][0].endswith("-e confirm=REPLACE-1 (or reset with -e k2_reset_reinit=false before restoring).")
    assert plan["match_line"] == "none: topics, partitions, configs, subjects, versions and ids match the backup"
    unknown = FILTERS["k2_restore_plan"](data, None, [], {"flavour": "unknown"}, {"topics": False, "offsets": True})
    assert unknown["import"] is False and unknown["topics"] == [] and [g["group"] for g in unknown["groups"]] == ["k2-writer"]
    assert any("rerun with -e k2_restore_force_import=true" in line for line in unknown["report"])
    forced = FILTERS["k2_restore_plan"](data, None, [], {"flavour": "unknown"}, {"force_import": "true"})
    assert forced["import"] is True
    off = FILTERS["k2_restore_plan"](data, None, [], confluent, {"use_import": False, "schemas": True})
    assert off["import"] is False and "k2_restore_use_import=false" in off["report"][-3]


def test_filter_errors_name_the_filter():
    with pytest.raises(AnsibleFilterError, match="k2_topics: topics.yaml is invalid"):
        FILTERS["k2_topics"]({"asset_classes": {}, "data_types": {"trades": {}}})
    with pytest.raises(AnsibleFilterError, match="k2_raise_plan: partitions: expected a positive integer"):
        FILTERS["k2_raise_plan"]("", -1, "", "equities")


def test_service_filters_read_only_k2_variables_of_the_hosts():
    hostvars = {"b1": {"k2_broker_id": 1, "k2_service_control": "command", "k2_service_start_cmd": ["s"],
                       "k2_service_stop_cmd": ["t"], "ansible_host": "10.0.0.1"},
                "b2": {"k2_broker_id": 2}}
    assert FILTERS["k2_down_brokers"](["b1", "b2"], hostvars, {"reachable": True, "broker_ids": [2]}) == ["b1"]
    assert FILTERS["k2_service_control"](hostvars["b1"], "b1", "restart")["commands"] == [["t"], ["s"]]
    regs = {"r1": {"k2_registry_url": "http://r1:8081"}}
    assert FILTERS["k2_down_registries"](["r1"], regs, {"instances": [{"url": "http://r1:8081",
                                                                       "reachable": False}]}) == ["r1"]
