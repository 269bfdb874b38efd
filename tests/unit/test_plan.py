"""Change plans: the items modules return with their check-mode results, the reviewer's Markdown, and every kind
of drift at apply."""
import copy
import json

import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.plan import (build_plan, group_items, plan_drift, plan_markdown,
                                                                        subject_items, topic_items)

pytestmark = pytest.mark.unit
T = "market.equities.trades.asx"
TOPICS = {"changed": True, "topics": [
    {"name": T, "action": "raise_partitions", "actions": ["raise_partitions", "alter_config"],
     "before": {"partitions": 30, "replication_factor": 1, "config": {"retention.ms": "604800000"}},
     "after": {"partitions": 40, "replication_factor": 1, "config": {"retention.ms": "3600000"}}},
    {"name": "market.equities.quotes.asx", "action": "none", "actions": []},
    {"name": "market.equities.trades.nyse", "action": "create", "actions": ["create"], "before": None,
     "after": {"partitions": 100, "replication_factor": 1, "config": {}}}]}
SUBJECTS = {"changed": True, "subjects": [
    {"subject": "market.equities.trades-value", "changed": True, "actions": ["register"], "latest_version": 1,
     "compatibility": "BACKWARD", "id": None, "version": None},
    {"subject": "market.equities.quotes-value", "changed": False, "actions": [], "latest_version": 1}]}
GROUPS = {"changed": True, "groups": [{"group": "k2-writer", "changed": True, "before": {T + "-0": 5},
                                       "after": {T + "-0": 9}}]}


def planned(result, items):
    """A module's check-mode result as it registers: its own result with its plan items (services.py)."""
    return dict(result, plan=items(result))


STEPS = [planned(TOPICS, topic_items), planned(SUBJECTS, subject_items), planned(GROUPS, group_items),
         {"skipped": True}]


def plan(steps=None, cluster="c1", request=None):
    return build_plan(STEPS if steps is None else steps, cluster, "raise_partitions", "k2-eu",
                      request or {"partitions": 40}, created="2026-11-29T00:00:00Z")


def test_items_carry_action_before_after_and_the_warnings_a_reviewer_needs():
    made = plan()
    assert [(i["kind"], i["name"], i["action"]) for i in made["items"]] == [
        ("topic", T, "raise_partitions+alter_config"), ("topic", "market.equities.trades.nyse", "create"),
        ("subject", "market.equities.trades-value", "register"), ("group", "k2-writer", "set_offsets")]
    warnings = made["items"][0]["warnings"]
    assert warnings[0].startswith("keys move to new partitions")
    assert "retention.ms drops from 604800000 to 3600000: older records are purged" in warnings
    assert made["summary"] == {"topic raise_partitions+alter_config": 1, "topic create": 1, "subject register": 1,
                               "group set_offsets": 1}
    assert made["inputs"]["request"] == {"partitions": "40"}   # -e partitions=40 and {"partitions": 40} agree
    with pytest.raises(K2Error, match="kind must be one of topic, subject, group"):
        build_plan([{"plan": [{"kind": "broker", "name": "b1"}]}], "c1", "x", "h")


def test_the_markdown_reads_like_a_change_request(tmp_path):
    text = plan_markdown(plan())
    lines = text.splitlines()
    assert lines[0] == "# Change plan: raise_partitions on k2-eu"
    assert lines[2] == "**1 group set_offsets, 1 subject register, 1 topic create, 1 topic raise_partitions+alter_config**"
    assert "## Topics (2)" in text and "## Schema Registry subjects (1)" in text and "## Consumer group offsets (1)" in text
    row = [line for line in lines if line.startswith("| %s |" % T)][0]
    assert "partitions=30, replication_factor=1, config=(retention.ms=604800000)" in row
    assert "keys move to new partitions" in row
    empty = plan_markdown(plan(steps=[]))
    assert "**no changes**" in empty and "applying this plan is a no-op" in empty


def test_drift_names_another_cluster_a_changed_site_a_changed_request_and_a_drifted_cluster(tmp_path):
    topics_file = tmp_path / "topics.yaml"
    topics_file.write_text("a: 1\n")
    approved = build_plan(STEPS, "c1", "raise_partitions", "k2-eu", {"partitions": 40}, str(topics_file), str(tmp_path))
    approved = json.loads(json.dumps(approved))   # as read back from plan.json
    same = build_plan(STEPS, "c1", "raise_partitions", "k2-eu", {"partitions": "40"}, str(topics_file), str(tmp_path))
    assert plan_drift(approved, same) == []
    other = build_plan(STEPS, "c2", "raise_partitions", "k2-us", {"partitions": 40}, str(topics_file), str(tmp_path))
    assert plan_drift(approved, other) == ["another cluster: the plan was made for cluster c1, this is cluster c2 (k2-us)"]
    topics_file.write_text("a: 2\n")
    drifted = copy.deepcopy(TOPICS)
    drifted["topics"][0]["before"]["partitions"] = 35
    drifted["topics"].append({"name": "market.x.trades.y", "action": "delete", "actions": ["delete"],
                              "before": {"partitions": 1}, "after": None})
    now = build_plan([planned(drifted, topic_items)], "c1", "raise_partitions", "k2-eu", {"partitions": 41},
                     str(topics_file), str(tmp_path))
    out = plan_drift(approved, now)
    assert out[0].startswith("topics.yaml changed since the plan (sha256 ")
    assert out[1] == 'request partitions: the plan has "40", this run "41"'
    assert any(line.startswith("the cluster drifted: topic %s was planned as raise_partitions+alter_config "
                               "(partitions=30," % T) and "now raise_partitions+alter_config (partitions=35," in line
               for line in out)
    assert any("topic market.x.trades.y now needs delete" in line for line in out)
    assert any("subject market.equities.trades-value was planned to register, and now needs nothing" in line
               for line in out)
    assert plan_drift({}, now)[0].startswith("there is no approved plan for k2-eu")
    assert plan_drift({"format": 0}, now)[0].startswith("the approved plan is not a k2.kafka_ops plan file")
