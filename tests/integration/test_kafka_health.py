"""kafka_health and kafka_consumer_group_info on the dev stack: real lag, real skew, a registry stopped."""
import os
import re
import shutil
import subprocess
import time

import pytest
import yaml
from confluent_kafka import Producer, TopicPartition
from confluent_kafka import ConsumerGroupTopicPartitions

from helpers import REPO, disk_thresholds_above_usage, disk_used_percent, run_module, run_playbook

pytestmark = pytest.mark.integration


@pytest.fixture
def k2(tmp_path, unique, admin, bootstrap_servers, registry_urls):
    """A small topics.yaml of its own (asset class it<token>), applied and registered; removed afterwards."""
    asset = "it" + unique
    config = {"asset_classes": {asset: {"exchanges": {"asx": {"partitions": 3}}}},
              "data_types": {"trades": {"schema_name": "trade"}},
              "defaults": {"replication_factor": 1, "min_insync_replicas": 1},
              "schema_registry": {"compatibility": "BACKWARD"}}
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(config))
    topic = "market.%s.trades.asx" % asset
    subject = "market.%s.trades-value" % asset
    conn = {"bootstrap_servers": bootstrap_servers, "schema_registry_urls": registry_urls}
    assert run_module("kafka_topic", name=topic, partitions=3, replication_factor=1, **conn)["changed"]
    with open(os.path.join(REPO, "examples", "k2-platform", "src", "k2", "schemas", "trade.avsc")) as handle:
        assert run_module("schema_subject", subject=subject, schema=handle.read(), **conn)["changed"]

    def health(**options):
        options.setdefault("topics_config", str(path))
        options.setdefault("managed_pattern", r"^market\.%s\." % asset)
        options.setdefault("consumer_groups", ["%s-group" % asset])
        options.setdefault("fail_on", "never")
        for key, value in conn.items():
            options.setdefault(key, value)
        return run_module("kafka_health", **options)

    yield {"topic": topic, "subject": subject, "health": health, "group": "%s-group" % asset, "path": path,
           "conn": conn}
    admin.delete_topics([topic])[topic].result(30)
    admin.delete_consumer_groups(["%s-group" % asset]) if hasattr(admin, "delete_consumer_groups") else None
    run_module("schema_subject", subject=subject, state="absent", permanent=True, **conn)


def produce(bootstrap_servers, topic, count, partition=None):
    producer = Producer({"bootstrap.servers": bootstrap_servers, "linger.ms": 20})
    for i in range(count):
        if partition is None:
            producer.produce(topic, key=b"k%d" % i, value=b"x")
        else:
            producer.produce(topic, key=b"BHP", value=b"x", partition=partition)
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0


def commit(admin, group, topic, offsets):
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p, o) for p, o in offsets.items()])
    list(admin.alter_consumer_group_offsets([request]).values())[0].result(30)


@pytest.fixture
def not_the_disk(stack):
    """The dev machine's disk is the machine's, not the stack's: the tests of a healthy stack set the disk
    thresholds above its measured usage (the disk check has tests of its own, with thresholds around it)."""
    return disk_thresholds_above_usage(os.path.join(stack["stack_dir"], "data"))


def test_a_healthy_stack_is_ok(k2, not_the_disk):
    result = k2["health"](**not_the_disk)
    assert [f["check"] for f in result["findings"] if f["check"] == "disk"] == ["disk"]
    assert result["status"] == "ok", "\n".join(result["summary"])
    assert result["changed"] is False and result["kafka"]["reachable"] and result["kafka"]["brokers"]
    assert all(r["reachable"] and r["missing_subjects"] == [] for r in result["registries"])
    assert result["summary"][0].startswith("K2 Kafka health: OK")


@pytest.mark.parametrize("lag,status", [(1200, "warning"), (6000, "critical")])
def test_consumer_lag_warns_at_1200_and_is_critical_at_6000_once_it_lasted(
        k2, admin, bootstrap_servers, lag, status, tmp_path):
    produce(bootstrap_servers, k2["topic"], lag, partition=0)
    produce(bootstrap_servers, k2["topic"], lag, partition=1)
    produce(bootstrap_servers, k2["topic"], lag, partition=2)
    commit(admin, k2["group"], k2["topic"], {0: lag, 1: lag, 2: 0})  # behind by `lag` on partition 2 only
    result = k2["health"](checks=["lag"])
    finding = [f for f in result["findings"] if f["check"] == "lag"][0]
    assert (finding["status"], finding["value"], finding["subject"]) == ("warning", lag, k2["group"]), finding
    if lag > 5000:   # no earlier sample: above 5000 is a warning that says the duration is unknown
        assert "above 5000, duration unknown" in finding["message"], finding
    state = {"state_file": str(tmp_path / "state.json"), "lag_critical_for": 2}   # a short window
    k2["health"](checks=["lag"], **state)
    deadline = time.time() + 30   # a wait on the condition: the lag has lasted lag_critical_for (2 s)
    while True:
        finding = [f for f in k2["health"](checks=["lag"], **state)["findings"] if f["check"] == "lag"][0]
        if finding["status"] == status and (lag < 5000 or "critical after 2s" in finding["message"]) \
                or time.time() > deadline:
            break
        time.sleep(0.5)
    assert finding["status"] == status, finding
    if lag > 5000:
        lasted = re.search(r"above 5000 for (\d+)s \(critical after 2s\)", finding["message"])
        assert lasted and 2 <= int(lasted.group(1)) <= 32, finding   # at least the window, at most the wait
    info = run_module("kafka_consumer_group_info", names=[k2["group"]], bootstrap_servers=bootstrap_servers)
    group = info["groups"][0]
    assert group["lag"] == lag and group["lag_per_topic"] == {k2["topic"]: lag}
    assert [(p["partition"], p["lag"]) for p in group["partitions"]] == [(0, 0), (1, 0), (2, lag)]
    failed = k2["health"](checks=["lag"], fail_on="warning", **state)
    assert failed["failed"] and failed["msg"].startswith("K2 Kafka health: %s" % status.upper())


def test_a_burst_above_three_times_the_baseline_rate_is_a_warning(k2, bootstrap_servers, tmp_path):
    state = {"checks": ["rate"], "state_file": str(tmp_path / "state.json")}

    def rate():
        return [f for f in k2["health"](**state)["findings"] if f["check"] == "rate"]
    first = rate()
    assert first[0]["status"] == "ok" and "first sample" in first[0]["message"], first
    for dummy in range(2):   # a steady 20 messages between checks makes the baseline
        produce(bootstrap_servers, k2["topic"], 20, partition=0)
        time.sleep(1)        # not a synchronisation (produce returns once the broker has the records): a rate needs time
        steady = rate()
        assert [f["status"] for f in steady] == ["ok"], steady
    produce(bootstrap_servers, k2["topic"], 600, partition=1)   # a burst, 30x the baseline
    time.sleep(1)            # the same interval as the baseline's, so the burst is 30x in rate, not only in count
    burst = rate()
    assert [(f["status"], f["subject"]) for f in burst] == [("warning", k2["topic"])], burst
    assert "x its baseline of" in burst[0]["message"]


def test_a_scheduled_check_writes_prometheus_text_that_promtool_accepts(k2, admin, bootstrap_servers, tmp_path):
    produce(bootstrap_servers, k2["topic"], 1500, partition=0)
    commit(admin, k2["group"], k2["topic"], {0: 300})
    path = tmp_path / "k2-health.prom"
    k2["health"](checks=["kafka", "lag"], prometheus_file=str(path))
    text = path.read_text()
    assert 'kafka_consumergroup_lag{consumergroup="%s",topic="%s"} 1200' % (k2["group"], k2["topic"]) in text
    assert 'k2_health_finding_status{cluster="%s",check="lag",subject="%s"} 1' % (
        admin.describe_cluster().result(10).cluster_id, k2["group"]) in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: make test-integration installs Debian's prometheus package for it"
    checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    in_check_mode = tmp_path / "check.prom"
    k2["health"](checks=["kafka", "lag"], prometheus_file=str(in_check_mode), check=True)
    assert not in_check_mode.exists()


@pytest.mark.parametrize("source", ["log_dirs", "df"])
def test_broker_disk_usage_crosses_lowered_thresholds(source, stack):
    """With the thresholds lowered around the dev disk's real usage, the same run warns, then is critical. log_dirs:
    the broker's own totals (DescribeLogDirs v4: used = total - usable); df: df on the broker hosts of
    inventories/local, whose k2_broker_data_dir is the node's (used / (used + available)). The expected percent
    is measured here with statvfs, not with our code."""
    percent = disk_used_percent(os.path.join(stack["stack_dir"], "data"))[source]
    low, lower = round(max(percent - 5, 0.5), 1), round(max(percent - 2, 1), 1)
    for warning, critical, expected in ((low, round((percent + 100) / 2, 2), "WARNING"), (low, lower, "CRITICAL")):
        request = {"k2_health_checks": ["disk"], "k2_health_fail_on": "never", "k2_health_disk_warning": warning,
                   "k2_health_disk_critical": critical, "k2_health_disk_source": source}
        rc, out, dummy = run_playbook("health_check.yml", request)
        assert rc == 0, out[-3000:]
        line = [l for l in out.splitlines() if " disk " in l and "used" in l]
        assert line and line[0].strip().strip('"').strip().startswith(expected), out[-3000:]
        assert ("log dir totals" in line[0]) == (source == "log_dirs"), line
        shown = float(line[0].split("%")[0].split()[-1])
        assert abs(shown - percent) < 1.0, (shown, percent)
    # and ok with both thresholds above the measured usage: the verdict follows the thresholds, not the machine
    above = disk_thresholds_above_usage(os.path.join(stack["stack_dir"], "data"))
    rc, out, dummy = run_playbook("health_check.yml", {"k2_health_checks": ["disk"], "k2_health_disk_source": source,
                                                       "k2_health_disk_warning": above["disk_warning"],
                                                       "k2_health_disk_critical": above["disk_critical"]})
    assert rc == 0 and "ok       disk" in out, out[-3000:]


def test_describe_log_dirs_sizes_match_the_segment_files_on_disk(k2, stack, bootstrap_servers):
    """kafka_wire's DescribeLogDirs, version 4 and version 1, against the broker's data folder read directly."""
    from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_wire import Connection
    produce(bootstrap_servers, k2["topic"], 500, partition=2)
    node = stack["nodes"][0]
    conn = Connection("127.0.0.1", node["port"], {}, 10)
    try:
        v4, v1 = conn.describe_log_dirs(), conn.describe_log_dirs(max_version=1)
    finally:
        conn.close()
    data = os.path.join(stack["stack_dir"], "data", node["name"])
    assert [d["log_dir"] for d in v4] == [data] and v4[0]["error"] is None
    fs = os.statvfs(data)
    assert v4[0]["total_bytes"] == fs.f_blocks * fs.f_frsize
    assert abs(v4[0]["usable_bytes"] - fs.f_bavail * fs.f_frsize) < 256 * 2 ** 20
    assert v1[0]["total_bytes"] is None and v1[0]["partitions"] == v4[0]["partitions"]
    for partition in range(3):
        folder = os.path.join(data, "%s-%d" % (k2["topic"], partition))
        on_disk = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".log"))
        assert v4[0]["partitions"][(k2["topic"], partition)] == on_disk
    assert v4[0]["partitions"][(k2["topic"], 2)] > 500 * 10 > v4[0]["partitions"][(k2["topic"], 0)]


def test_a_topic_skewed_in_bytes_is_an_imbalance_warning_with_its_partition_sizes(k2, bootstrap_servers, stack):
    """Even message counts, uneven bytes: judged on the leaders' log dirs once the topic is big enough. The sizes
    are compared with the broker's segment files, read here."""
    producer = Producer({"bootstrap.servers": bootstrap_servers, "linger.ms": 20})
    for partition, size in ((0, 4000), (1, 1000), (2, 1000)):
        for dummy in range(300):
            producer.produce(k2["topic"], value=b"x" * size, partition=partition)
    assert producer.flush(30) == 0
    result = k2["health"](checks=["imbalance"])
    finding = [f for f in result["findings"] if f["check"] == "imbalance"][0]
    assert finding["status"] == "warning" and "partition 0 holds" in finding["message"], finding
    assert "MiB" in finding["message"] and "log dirs" in finding["message"]
    sizes = result["partition_bytes"][k2["topic"]]
    data = os.path.join(stack["stack_dir"], "data", stack["nodes"][0]["name"])
    on_disk = {}
    for partition in range(3):
        folder = os.path.join(data, "%s-%d" % (k2["topic"], partition))
        on_disk[str(partition)] = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
                                      if f.endswith(".log"))
    assert sizes == on_disk
    assert sizes["0"] > 3 * sizes["1"] > 0 and finding["value"] == pytest.approx(
        100.0 * (sizes["0"] - sum(sizes.values()) / 3.0) / (sum(sizes.values()) / 3.0), abs=0.1)
    even = k2["health"](checks=["imbalance"], imbalance_min_bytes=10 ** 12)  # too small for bytes: messages
    assert [(f["status"], "(offsets)" in f["message"]) for f in even["findings"] if f["check"] == "imbalance"] == [
        ("ok", True)]


def test_a_topic_short_of_partitions_is_drift(k2, tmp_path):
    config = yaml.safe_load(k2["path"].read_text())
    next(iter(config["asset_classes"].values()))["exchanges"]["asx"]["partitions"] = 5
    k2["path"].write_text(yaml.safe_dump(config))
    result = k2["health"](checks=["drift"])
    drift = [f for f in result["findings"] if f["check"] == "drift"]
    assert [(f["status"], f["subject"], f["value"], f["threshold"]) for f in drift] == [
        ("warning", k2["topic"], 3, 5)]


def test_a_skewed_topic_is_an_imbalance_warning(k2, bootstrap_servers):
    produce(bootstrap_servers, k2["topic"], 300, partition=1)  # every key to one partition
    produce(bootstrap_servers, k2["topic"], 30, partition=0)
    result = k2["health"](checks=["imbalance"])
    finding = [f for f in result["findings"] if f["check"] == "imbalance"][0]
    assert finding["status"] == "warning" and finding["value"] > 20 and "partition 1 holds 300" in finding["message"]


def test_registry_1_stopped_is_critical_while_registry_2_is_ok(k2, registry_urls, stopped_service):
    stopped_service("registry1")
    result = k2["health"](checks=["registry"], schema_registry_timeout=3)
    status = dict((f["subject"], f["status"]) for f in result["findings"] if f["check"] == "registry")
    assert status == {registry_urls[0]: "critical", registry_urls[1]: "ok"}
    assert result["status"] == "critical"
