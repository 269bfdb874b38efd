"""What the monitoring files query and what the scrape configuration produces, shared by the static test
(tests/unit/test_monitoring_dashboards.py) and the live one (tests/integration/test_monitoring_stack.py)."""
import glob
import json
import os
import re

import yaml

from helpers import REPO

DASHBOARDS = sorted(glob.glob(os.path.join(REPO, "monitoring", "grafana", "dashboards", "*.json")))

# What each exporter of the compose stack serves (from their documentation; ours are read from our files below).
KAFKA_EXPORTER = {  # danielqsj/kafka-exporter v1.9.0, README "Metrics"
    "kafka_brokers", "kafka_topic_partitions", "kafka_topic_partition_current_offset",
    "kafka_topic_partition_oldest_offset", "kafka_topic_partition_in_sync_replica", "kafka_topic_partition_leader",
    "kafka_topic_partition_leader_is_preferred", "kafka_topic_partition_replicas",
    "kafka_topic_partition_under_replicated_partition", "kafka_consumergroup_current_offset",
    "kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag", "kafka_consumergroup_lag_sum",
    "kafka_consumergroup_members"}
NODE_EXPORTER = {"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_free_bytes"}
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
                "bool", "inf", "nan"}


def load_yaml(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return yaml.safe_load(handle)


def jmx_names(rules_file):
    """The metric names a JMX exporter rules file can produce: each rule's name with its $N expanded from the
    alternatives of the pattern's group N, lower-cased as lowercaseOutputName does."""
    config = load_yaml("monitoring", "jmx", rules_file)
    names = set()
    for rule in config["rules"]:
        groups = re.findall(r"\(([^()]*)\)", rule["pattern"])
        expanded = [rule["name"]]
        for number in sorted(set(re.findall(r"\$(\d)", rule["name"]))):
            choices = groups[int(number) - 1].split("|")
            assert all(re.match(r"^\w+$", c) for c in choices), (rule["name"], choices)
            expanded = [n.replace("$" + number, c) for n in expanded for c in choices]
        names.update(n.lower() if config.get("lowercaseOutputName") else n for n in expanded)
    return names


def health_names():
    """kafka_health's Prometheus text (module_utils/health_prometheus.py), served by node-exporter's textfile
    collector."""
    with open(os.path.join(REPO, "plugins", "module_utils", "health_prometheus.py")) as handle:
        return set(re.findall(r"# TYPE (\w+) gauge", handle.read()))


def produced_by_job():
    by_exporter = {"kafka": jmx_names("kafka.yml"), "schema-registry": jmx_names("schema-registry.yml"),
                   "kafka-exporter": KAFKA_EXPORTER, "kafka-node": NODE_EXPORTER | health_names(),
                   "prometheus": set()}
    # {job: names} for the jobs docker/prometheus.yml scrapes; Prometheus adds `up` for every target
    return dict((job["job_name"], by_exporter[job["job_name"]] | {"up"})
                for job in load_yaml("docker", "prometheus.yml")["scrape_configs"])


def metric_names(expr):
    """The metric names a PromQL expression selects (functions, keywords, labels and strings left out)."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)
    text = re.sub(r"\boffset\s+\w+", "", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        following = text[match.end():].lstrip()
        if match.group() not in PROMQL_WORDS and not following.startswith("("):
            names.add(match.group())
    return names


def job_matchers(expr):
    return set(re.findall(r'job="([^"]+)"', expr))


def panel_queries():
    for path in DASHBOARDS:
        with open(path) as handle:
            dashboard = json.load(handle)
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                yield os.path.basename(path), panel["title"], target["expr"]


def alert_queries():
    for group in load_yaml("monitoring", "prometheus", "alerts.yml")["groups"]:
        for rule in group["rules"]:
            yield "alerts.yml", rule["alert"], rule["expr"]
