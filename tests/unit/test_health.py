"""Health thresholds, imbalance maths and the checks with a fake cluster (plugins/module_utils/health.py)."""
import json
import re
import time
import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import lag_table
from ansible_collections.k2.kafka_ops.plugins.module_utils import health
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

from fakes import FakeClusterAdmin
from helpers import CLOSED_URL

pytestmark = pytest.mark.unit

CONFIG = {"asset_classes": {"equities": {"exchanges": {"asx": {"partitions": 3}}}},
          "data_types": {"trades": {"schema_name": "trade"}}, "defaults": {"replication_factor": 1}}
TOPIC = "market.equities.trades.asx"


@pytest.mark.parametrize("lag,status", [(0, "ok"), (1000, "ok"), (1001, "warning"), (1200, "warning"),
                                        (5000, "warning"), (5001, "critical"), (6000, "critical")])
def test_lag_thresholds_follow_the_runbook(lag, status):
    assert health.threshold_status(lag, 1000, 5000) == status


@pytest.mark.parametrize("counts,expected", [([100, 100, 100], 0.0), ([300, 0, 0], 200.0), ([120, 100, 80], 20.0),
                                             ([130, 90, 80], 30.0), ([5], None), ([0, 0], None)])
def test_imbalance_is_the_largest_partition_above_the_mean(counts, expected):
    assert health.imbalance_percent(counts) == expected


def test_overall_is_the_worst_and_the_summary_leads_with_it():
    findings = [health.finding("a", "ok", "x", message="fine"), health.finding("b", "warning", "y", message="meh"),
                health.finding("c", "critical", "z", message="down")]
    assert health.overall(findings) == "critical" and health.overall([]) == "ok"
    lines = health.summarize(findings)
    assert lines[0] == "K2 Kafka health: CRITICAL (1 critical, 1 warning, 1 ok)"
    assert lines[1].split() == ["CRITICAL", "c", "down"] and lines[2].split() == ["WARNING", "b", "meh"]


def test_lag_table_sums_per_topic_and_group():
    rows, per_topic, total = lag_table({("t", 0): 5, ("t", 1): 10, ("u", 0): 0}, {("t", 0): 15, ("t", 1): 10,
                                                                                  ("u", 0): 7})
    assert [r["lag"] for r in rows] == [10, 0, 7] and per_topic == {"t": 10, "u": 7} and total == 17


def run(admin, **options):
    options.setdefault("topics_config", CONFIG)
    options.setdefault("checks", ["kafka", "partitions", "drift", "lag", "imbalance"])
    return health.run_health(admin, [], options)


def by_check(result, check):
    return [f for f in result["findings"] if f["check"] == check]


def test_a_healthy_cluster_is_ok():
    admin = FakeClusterAdmin({TOPIC: {"partitions": 3, "replication_factor": 1}})
    result = run(admin)
    assert result["status"] == "ok", result["summary"]


def test_missing_short_and_unexpected_topics_are_drift():
    admin = FakeClusterAdmin({TOPIC: {"partitions": 2, "replication_factor": 1},
                              "market.equities.trades.nyse": {"partitions": 1, "replication_factor": 1}})
    drift = by_check(run(admin), "drift")
    assert [(f["status"], f["subject"]) for f in drift] == [("warning", TOPIC),
                                                            ("warning", "market.equities.trades.nyse")]
    assert drift[0]["value"] == 2 and drift[0]["threshold"] == 3
    gone = by_check(run(FakeClusterAdmin({})), "drift")
    assert gone[0]["status"] == "critical" and "missing from the cluster" in gone[0]["message"]


def test_lagging_groups_warn_then_go_critical():
    admin = FakeClusterAdmin({TOPIC: {"partitions": 3, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 1200), (TOPIC, 1): (0, 6000)},
                             groups={"slow": {(TOPIC, 0): 0}, "stuck": {(TOPIC, 1): 0}, "fine": {(TOPIC, 0): 1200}})
    lag = dict((f["subject"], f) for f in by_check(run(admin, imbalance_min_messages=10 ** 9,
                                                       lag_critical_for=0), "lag"))
    assert lag["slow"]["status"] == "warning" and lag["slow"]["value"] == 1200 and lag["slow"]["threshold"] == 1000
    assert lag["stuck"]["status"] == "critical" and lag["stuck"]["threshold"] == 5000
    assert lag["fine"]["status"] == "ok"
    # with the runbook's 5 minutes and no earlier sample, the stuck group is a warning that says so
    stuck = dict((f["subject"], f) for f in by_check(run(admin, imbalance_min_messages=10 ** 9), "lag"))["stuck"]
    assert stuck["status"] == "warning" and "above 5000, duration unknown" in stuck["message"]


def test_a_skewed_topic_is_an_imbalance_warning_and_small_topics_are_not_judged():
    skewed = FakeClusterAdmin({TOPIC: {"partitions": 3, "replication_factor": 1}},
                              offsets={(TOPIC, 0): (0, 300), (TOPIC, 1): (0, 0), (TOPIC, 2): (0, 0)})
    finding = by_check(run(skewed), "imbalance")[0]
    assert finding["status"] == "warning" and finding["value"] == 200.0 and "partition 0 holds 300" in \
        finding["message"]
    small = FakeClusterAdmin({TOPIC: {"partitions": 3, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 30)})
    assert by_check(run(small), "imbalance") == []


def test_under_replicated_and_min_isr_are_critical():
    admin = FakeClusterAdmin({TOPIC: {"partitions": 2, "replication_factor": 3,
                                      "config": {"min.insync.replicas": "2"}}}, brokers=3)
    admin.isr[(TOPIC, 1)] = [1]
    result = run(admin, topics_config=None, expected_brokers=3)
    assert [f["status"] for f in by_check(result, "under_replicated")] == ["critical"]
    assert by_check(result, "under_min_isr")[0]["value"] == 1
    assert result["kafka"]["under_replicated"] == 1


def test_missing_brokers_are_critical():
    result = run(FakeClusterAdmin({}, brokers=2), topics_config=None, expected_brokers=3)
    assert by_check(result, "kafka")[0]["status"] == "critical"


def test_kafka_down_is_one_critical_finding_not_an_exception():
    result = run(FakeClusterAdmin(down=True))
    assert result["status"] == "critical" and len(result["findings"]) == 1
    assert "Kafka unreachable" in result["findings"][0]["message"]


def test_an_unreachable_registry_is_a_critical_finding_and_a_registry_check_needs_no_kafka_client():
    options = {"topics_config": CONFIG, "checks": ["registry"]}
    result = health.run_health(None, health.registry_clients({"schema_registry_urls": [CLOSED_URL],
                                                              "schema_registry_timeout": 2}), options)
    assert [f["status"] for f in result["findings"]] == ["critical"]
    assert "registry %s unreachable" % CLOSED_URL in result["findings"][0]["message"]


@pytest.mark.parametrize("option", ["managed_pattern", "consumer_group_pattern"])
def test_an_invalid_pattern_is_refused_with_the_option_and_the_pattern(option):
    with pytest.raises(K2Error, match=r"%s: '\(market' is not a valid regular expression" % option):
        run(FakeClusterAdmin({}), **{option: "(market"})


def test_wait_for_polls_until_ok():
    admin = FakeClusterAdmin(down=True)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            admin.down = False
    result = health.run_health(admin, [], {"checks": ["kafka"], "wait_for": "ok", "wait_timeout": 60,
                                           "wait_interval": 1}, sleep=sleep)
    assert result["status"] == "ok" and result["attempts"] == 3


def test_group_offsets_are_set_only_where_they_differ_and_never_on_active_groups():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
    from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import set_group_offsets
    admin = FakeClusterAdmin(groups={"g": {(TOPIC, 0): 5, (TOPIC, 1): 7}})
    wanted = [{"topic": TOPIC, "partition": 0, "offset": 5}, {"topic": TOPIC, "partition": 1, "offset": 2}]
    check = set_group_offsets(admin, "g", wanted, check_mode=True)
    assert check["changed"] and check["after"] == {TOPIC + "-0": 5, TOPIC + "-1": 2}
    assert admin.groups["g"][(TOPIC, 1)] == 7
    assert set_group_offsets(admin, "g", wanted)["changed"] and admin.groups["g"][(TOPIC, 1)] == 2
    assert set_group_offsets(admin, "g", wanted)["changed"] is False
    admin.active.add("g")
    skipped = set_group_offsets(admin, "g", [{"topic": TOPIC, "partition": 0, "offset": 0}])
    assert skipped["skipped"] and not skipped["changed"] and admin.groups["g"][(TOPIC, 0)] == 5
    with pytest.raises(K2Error, match=r"offsets\[0\]: offset must be from 0 to 9223372036854775807 \(Kafka.s int64\), got -1"):
        set_group_offsets(admin, "g", [{"topic": TOPIC, "partition": 0, "offset": -1}])


def test_many_groups_take_one_commit_and_a_bad_entry_stops_all_before_any_read():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
    from ansible_collections.k2.kafka_ops.plugins.module_utils.groups import set_groups_offsets
    admin = FakeClusterAdmin(groups={"a": {(TOPIC, 0): 1}, "b": {(TOPIC, 0): 9}, "c": {(TOPIC, 0): 4}})
    admin.active.add("c")
    requests = [{"group": g, "offsets": [{"topic": TOPIC, "partition": 0, "offset": 4}]} for g in ("a", "b", "c")]
    results = set_groups_offsets(admin, requests)
    assert [(r["group"], r["changed"], r["skipped"]) for r in results] == [
        ("a", True, False), ("b", True, False), ("c", False, True)]
    assert [c for c in admin.calls if c[0] == "alter_group_offsets"] == [("alter_group_offsets", ["a", "b"])]
    assert admin.groups["a"][(TOPIC, 0)] == admin.groups["b"][(TOPIC, 0)] == 4
    assert not any(r["changed"] for r in set_groups_offsets(admin, requests))
    admin.calls.clear()
    bad = requests[:1] + [{"group": "b", "offsets": [{"topic": TOPIC, "partition": "x", "offset": 1}]}]
    with pytest.raises(K2Error, match=r"groups\[1\]\.offsets\[0\]: expected \{topic, partition, offset\}"):
        set_groups_offsets(admin, bad)
    assert admin.calls == []


def test_lag_above_critical_is_critical_only_after_it_lasted_the_window():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import lag_verdict
    assert lag_verdict([[100, 900]], 1000, 5000, 300) == ("ok", "")
    assert lag_verdict([[100, 3000]], 1000, 5000, 300) == ("warning", "")
    status, note = lag_verdict([[100, 6000]], 1000, 5000, 300)
    assert status == "warning" and "above 5000, duration unknown" in note
    assert lag_verdict([[0, 6000], [200, 7000]], 1000, 5000, 300) == (
        "warning", "; above 5000 for 200s, critical after 300s")
    assert lag_verdict([[0, 6000], [200, 7000], [310, 6500]], 1000, 5000, 300) == (
        "critical", "; above 5000 for 310s (critical after 300s)")
    # a dip below the threshold restarts the clock; samples more than twice the window apart break it
    assert lag_verdict([[0, 6000], [100, 10], [350, 6500]], 1000, 5000, 300)[0] == "warning"
    assert lag_verdict([[0, 6000], [301, 6500]], 1000, 5000, 300)[0] == "critical"   # a check every 5 minutes
    assert lag_verdict([[0, 6000], [601, 6500]], 1000, 5000, 300)[0] == "warning"
    assert lag_verdict([[0, 6000], [1, 6000]], 1000, 5000, 0)[0] == "critical"


def test_the_health_check_keeps_lag_samples_in_its_state_file(tmp_path):
    from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health import run_with_state
    admin = FakeClusterAdmin(topics={TOPIC: {"partitions": 1, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 9000)}, groups={"g": {(TOPIC, 0): 1000}})
    state = tmp_path / "state.json"
    options = {"checks": ["lag"], "lag_critical_for": 60, "state_file": str(state)}
    first = run_with_state(admin, [], dict(options, now=1000), check_mode=True)
    assert first["status"] == "warning" and not state.exists()          # check mode keeps nothing
    run_with_state(admin, [], dict(options, now=1000))
    second = run_with_state(admin, [], dict(options, now=1030))
    assert second["status"] == "warning" and "for 30s, critical after 60s" in by_check(second, "lag")[0]["message"]
    third = run_with_state(admin, [], dict(options, now=1065))
    assert third["status"] == "critical" and "above 5000 for 65s" in by_check(third, "lag")[0]["message"]
    assert [s[0] for s in json.loads(state.read_text())["lag"]["g"]] == [1000, 1030, 1065]
    state.write_text("[]")
    with pytest.raises(K2Error, match="is not a k2.kafka_ops health state"):
        run_with_state(admin, [], dict(options, now=1100))


def test_a_broker_leading_more_than_its_share_is_a_warning_with_the_advice_that_helps():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import leader_findings

    def live(leaders, preferred=None):
        preferred = preferred or leaders
        return {"t": {"partition_details": [{"partition": i, "leader": b, "replicas": [p, 9]}
                                            for i, (b, p) in enumerate(zip(leaders, preferred))]}}
    even = leader_findings(live([1, 2, 3, 1, 2, 3]), [1, 2, 3], 20)
    assert [(f["status"], f["message"]) for f in even] == [("ok", "leaders: broker 1 leads 2, broker 2 leads 2, "
                                                                  "broker 3 leads 2")]
    # broker 1 took over two partitions preferring brokers 2 and 3: an election moves them back
    skewed = leader_findings(live([1, 1, 1, 1, 2, 3, None], [1, 2, 3, 1, 2, 3, 1]), [1, 2, 3], 20)
    assert [(f["status"], f["subject"], f["value"]) for f in skewed] == [("warning", "broker 1", 100.0)]
    assert "leads 4 of 6 partitions" in skewed[0]["message"]
    assert "2 of them prefer another replica: run a preferred leader election" in skewed[0]["message"]
    # broker 1 is the preferred replica of all four: an election would change nothing
    assigned = leader_findings(live([1, 1, 1, 1, 2, 3]), [1, 2, 3], 20)
    assert [(f["status"], f["subject"]) for f in assigned] == [("warning", "broker 1")]
    assert "an election changes nothing" in assigned[0]["message"]
    assert "kafka-reassign-partitions" in assigned[0]["message"] and "run a preferred" not in assigned[0]["message"]
    assert leader_findings(live([1, 1]), [1], 20)[0]["status"] == "ok"   # one broker: nothing to balance


def test_a_topic_above_three_times_its_baseline_rate_is_a_warning():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import rate_findings
    first, state = rate_findings({"t": 0, "u": 0}, 1000, {})
    assert first[0]["status"] == "ok" and "first sample of 2 topic(s)" in first[0]["message"]
    steady, state = rate_findings({"t": 100, "u": 100}, 1010, state)     # 10/s each: the baseline
    assert steady[0]["status"] == "ok" and state["rates"]["t"] == [[1010, 10.0]]
    spike, state = rate_findings({"t": 450, "u": 390}, 1020, state)      # t 35/s (3.5x), u 29/s (2.9x)
    assert [(f["status"], f["subject"]) for f in spike] == [("warning", "t")]
    assert "35.0 messages/s, 3.5x its baseline of 10.0/s" in spike[0]["message"]
    quiet, dummy = rate_findings({"t": 445}, 1030, {"last": {"t": [1020, 440]}, "rates": {"t": [[1010, 0.1]]}})
    assert quiet[0]["status"] == "ok"   # 0.5/s is 5x a baseline of 0.1/s, but below rate_min (1/s)
    recreated, dummy = rate_findings({"t": 5}, 1040, state)                # offsets went back: no rate
    assert recreated[0]["status"] == "ok"


def test_with_rate_interval_both_samples_come_from_one_run():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health import run_health
    admin = FakeClusterAdmin(topics={TOPIC: {"partitions": 1, "replication_factor": 1}}, offsets={(TOPIC, 0): (0, 100)})
    slept = []

    def sleep(seconds):   # 500 messages arrive while the check waits
        slept.append(seconds)
        admin.offsets[(TOPIC, 0)] = (0, 600)
    state = {"rate": {"rates": {TOPIC: [[time.time() - 60, 10.0]]}}}
    result = run_health(admin, [], {"checks": ["rate"], "rate_interval": 5, "sleep": sleep, "state": state})
    rate = by_check(result, "rate")
    assert slept == [5] and rate[0]["status"] == "warning" and rate[0]["subject"] == TOPIC, rate
    assert result["state"]["rate"]["last"][TOPIC][1] == 600


def test_findings_in_prometheus_text_format_feed_the_alert_rules():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health import run_health
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_prometheus import prometheus_text
    admin = FakeClusterAdmin(topics={TOPIC: {"partitions": 1, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 1500)}, groups={'g"1': {(TOPIC, 0): 300}})
    admin.sizes = {(TOPIC, 0): 4096}
    result = run_health(admin, [], {"checks": ["kafka", "lag", "disk"], "lag_critical_for": 0})
    text = prometheus_text(result, now=1700000000)
    lines = text.splitlines()
    assert 'k2_health_status{cluster="fake"} 1' in lines
    assert 'k2_health_finding_status{cluster="fake",check="lag",subject="g\\"1"} 1' in lines
    assert 'k2_health_finding_value{cluster="fake",check="lag",subject="g\\"1"} 1200' in lines
    assert 'kafka_consumergroup_lag{consumergroup="g\\"1",topic="%s"} 1200' % TOPIC in lines
    assert 'k2_partition_size_bytes{cluster="fake",topic="%s",partition="0"} 4096' % TOPIC in lines
    assert lines[-1] == "k2_health_last_run_timestamp_seconds 1700000000" and text.endswith("\n")
    assert all(line.startswith("#") or re.match(r'^[a-z_][a-z0-9_]*(\{.*\})? -?[0-9.e+]+$', line) for line in lines), text


def test_sequence_gaps_per_partition_and_key_with_their_offsets():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.scan import sequence_gaps
    rows = [(0, 10, {"symbol": "BHP", "sequence_number": 1}), (0, 11, {"symbol": "CBA", "sequence_number": 7}),
            (0, 12, {"symbol": "BHP", "sequence_number": 2}), (0, 13, {"symbol": "BHP", "sequence_number": 5}),
            (0, 14, {"symbol": "CBA", "sequence_number": 8}), (0, 15, {"symbol": "BHP", "sequence_number": 5}),
            (1, 3, {"symbol": "BHP", "sequence_number": 40}), (1, 4, {"symbol": "BHP", "sequence_number": None}),
            (1, 5, {"symbol": "BHP", "sequence_number": 42})]
    gaps, counts = sequence_gaps(rows, "sequence_number", "symbol")
    assert gaps == [
        {"partition": 0, "key": "BHP", "after_offset": 12, "at_offset": 13, "after_sequence": 2, "next_sequence": 5,
         "missing": 2},
        {"partition": 1, "key": "BHP", "after_offset": 3, "at_offset": 5, "after_sequence": 40, "next_sequence": 42,
         "missing": 1}]
    assert counts == {"with_field": 8, "without_field": 1, "out_of_order": 1}


def test_the_data_loss_report_tells_a_purge_by_retention_from_a_loss():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.scan import loss_report
    day = 86400000
    topic = {"config": {"retention.ms": str(7 * day), "segment.ms": str(day), "cleanup.policy": "delete"}}
    scan = {"topic": "t", "field": "sequence_number", "records": 10, "gap_count": 0, "missing": 0,
            "without_field": 0, "gaps": [],
            "partitions": [{"partition": 0, "earliest_offset": 0, "latest_offset": 5, "oldest_timestamp_ms": None},
                           {"partition": 1, "earliest_offset": 40, "latest_offset": 90,
                            "oldest_timestamp_ms": 100 * day - int(6.5 * day)}]}
    purge = loss_report(topic, scan, 100 * day, {"kafka-1": "INFO ok\nERROR disk full\n"}, {"kafka-1": "hdr\n/dev/sda 1 2"})
    assert purge["verdict"] == "purge" and purge["lines"][0] == "no data loss on t: what is gone was purged by design"
    assert "   partition 0: nothing removed yet (earliest offset 0, 5 records)" in purge["lines"]
    assert any("partition 1: offsets below 40 are gone and the oldest record left is 6.5 days old: normal purge"
               in line for line in purge["lines"])
    assert "   kafka-1: ERROR disk full" in purge["lines"] and "   kafka-1: /dev/sda 1 2" in purge["lines"]
    scan["partitions"][1]["oldest_timestamp_ms"] = 100 * day - 2 * day   # 2 days old: retention does not explain it
    loss = loss_report(topic, scan, 100 * day)
    assert loss["verdict"] == "loss" and loss["lines"][0] == "DATA LOSS SUSPECTED on t"
    assert any("retention does not explain it" in line for line in loss["lines"])


def test_broker_disk_usage_warns_above_70_and_is_critical_above_90():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health import df_usage
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import disk_findings
    header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
    results = [{"k2_health_broker": "kafka-1", "rc": 0, "cmd": ["df", "-P", "-k", "/data/1"],
                "stdout": header + "/dev/sda1 1000 690 310 69% /data\n"},
               {"k2_health_broker": "kafka-2", "rc": 0, "cmd": ["df", "-P", "-k", "/data/2"],
                "stdout": header + "/dev/sdb1 1000 710 290 72% /data\n"},
               {"k2_health_broker": "kafka-3", "rc": 0, "cmd": ["df", "-P", "-k", "/data/3"],
                "stdout": header + "/dev/sdc1 1000 910 90 92% /data\n"},
               {"k2_health_broker": "kafka-4", "rc": 255, "msg": "host unreachable"}]
    disks = df_usage(results)
    assert disks[0] == {"host": "kafka-1", "path": "/data/1", "filesystem": "/dev/sda1", "mount": "/data",
                        "total_bytes": 1024000, "used_bytes": 706560, "available_bytes": 317440}
    found = disk_findings(disks, 70, 90)
    assert [(f["subject"], f["status"], f["value"]) for f in found] == [
        ("kafka-1:/data", "ok", 69.0), ("kafka-2:/data", "warning", 71.0), ("kafka-3:/data", "critical", 91.0),
        ("kafka-4", "warning", None)]
    assert "above 90%" in found[2]["message"] and "host unreachable" in found[3]["message"]
    # what the filter makes is what the module's disks option accepts, as the health role passes it
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.k2.kafka_ops.plugins.modules.kafka_health import OPTIONS
    assert ArgumentSpecValidator(OPTIONS).validate({"disks": disks}).error_messages == []


def test_the_imbalance_and_rate_checks_read_the_end_offsets_once_per_run():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health import run_health
    admin = FakeClusterAdmin(topics={TOPIC: {"partitions": 2, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 500), (TOPIC, 1): (0, 480)})
    reads = []
    original = admin.list_offsets
    admin.list_offsets = lambda parts, spec: reads.append(spec) or original(parts, spec)
    run_health(admin, [], {"checks": ["imbalance", "rate"]})
    assert sorted(reads) == ["earliest", "latest"]
    reads.clear()
    run_health(admin, [], {"checks": ["imbalance", "rate"], "rate_interval": 1, "sleep": lambda s: None})
    assert sorted(reads) == ["earliest", "latest", "latest"]   # the rate's second sample is read after the wait


def test_imbalance_is_judged_on_bytes_when_the_leaders_log_dirs_know_them():
    mib = 2 ** 20
    admin = FakeClusterAdmin({TOPIC: {"partitions": 3, "replication_factor": 1}},
                             offsets={(TOPIC, 0): (0, 1000), (TOPIC, 1): (0, 1000), (TOPIC, 2): (0, 1000)})
    admin.sizes = {(TOPIC, 0): 3 * mib, (TOPIC, 1): mib, (TOPIC, 2): mib}
    result = run(admin, checks=["imbalance"])
    finding = by_check(result, "imbalance")[0]
    # the messages are even (1000 each); the bytes are not: 3 MiB against a mean of 5/3 MiB
    assert finding["status"] == "warning" and finding["value"] == 80.0
    assert "partition 0 holds 3.0 MiB of 5.0 MiB" in finding["message"] and "log dirs" in finding["message"]
    assert result["partition_bytes"] == {TOPIC: {"0": 3 * mib, "1": mib, "2": mib}}
    # below imbalance_min_bytes the same topic is judged on its (even) messages
    small = by_check(run(admin, checks=["imbalance"], imbalance_min_bytes=10 * mib), "imbalance")[0]
    assert small["status"] == "ok" and small["value"] == 0.0 and "(offsets)" in small["message"]


def test_disk_usage_from_the_brokers_log_dirs():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.health_findings import log_dir_disk_findings
    gib = 2 ** 30
    admin = FakeClusterAdmin({}, brokers=2)
    for usable, expected in ((90 * gib, "ok"), (25 * gib, "warning"), (5 * gib, "critical")):
        admin.disk = (100 * gib, usable)
        disk = by_check(run(admin, checks=["disk"]), "disk")
        assert [(f["subject"], f["status"]) for f in disk] == [("broker 1:/data/1", expected),
                                                               ("broker 2:/data/2", expected)]
        assert disk[0]["value"] == 100 - usable / gib
    assert ("describe_log_dirs", [1, 2]) in admin.calls
    odd = log_dir_disk_findings({1: "cannot connect to broker h:9092", 2: [
        {"log_dir": "/d", "error": None, "total_bytes": None, "usable_bytes": None, "partitions": {}}]}, 70, 90)
    assert [f["status"] for f in odd] == ["warning", "warning"]
    assert "k2_health_disk_source: df" in odd[0]["message"] and "before 3.3" in odd[1]["message"]
    # df results, when given, are judged instead and the brokers are not asked
    admin.calls[:] = []
    run(admin, checks=["disk"], disks=[])
    assert not [c for c in admin.calls if c[0] == "describe_log_dirs"]


def test_scram_sha_256_follows_rfc_7677():
    from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_wire import Scram
    scram = Scram("SCRAM-SHA-256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO")
    assert scram.first() == b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    final = scram.final(b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    assert final == (b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    scram.verify(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "h:1")
    with pytest.raises(Exception, match="server signature"):
        scram.verify(b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "h:1")
