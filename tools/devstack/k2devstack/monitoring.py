"""MONITORING=1: the Prometheus JMX exporter agent in every Kafka node and registry, and Debian's Prometheus
scraping them with monitoring/prometheus/alerts.yml loaded."""
import functools
import json
import os
import shutil
import urllib.request

from .layout import REPO, StackError, stack_dir
from .maven import jmx_agent
from .processes import marker, spawn, wait_for

JMX_RULES = os.path.join(REPO, "monitoring", "jmx")
ALERT_RULES = os.path.join(REPO, "monitoring", "prometheus", "alerts.yml")


def jmx_agent_args(item, rules):
    """-javaagent for the Prometheus JMX exporter, serving 127.0.0.1:<metrics_port>, when the stack monitors."""
    if not item.get("metrics_port"):
        return []
    return ["-javaagent:%s=127.0.0.1:%d:%s" % (jmx_agent(), item["metrics_port"], os.path.join(JMX_RULES, rules))]


def prometheus_config(layout):
    """Scrape every 2 s (a test sees a rate within seconds); the runbook's alert rules loaded."""
    jobs = [("kafka", layout["nodes"]), ("schema-registry", layout["registries"])]
    lines = ["global:", "  scrape_interval: 2s", "  evaluation_interval: 2s",
             "rule_files:", "  - %s" % json.dumps(ALERT_RULES), "scrape_configs:"]
    for job, items in jobs:
        lines += ["  - job_name: %s" % job, "    static_configs:", "      - targets: %s" % json.dumps(
            ["127.0.0.1:%d" % i["metrics_port"] for i in items])]
    lines += ["  - job_name: prometheus", "    static_configs:",
              "      - targets: [\"127.0.0.1:%d\"]" % layout["prometheus"]["port"]]
    return "\n".join(lines) + "\n"


def start_prometheus(layout):
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.path.exists(binary):
        raise StackError("MONITORING=1 runs Prometheus, and it is not installed: `sudo apt-get install prometheus` "
                         "(Debian's package; `make promtool` installs it as root without starting its service)")
    path = os.path.join(stack_dir(), "config", "prometheus.yml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(prometheus_config(layout))
    argv = [binary, marker("prometheus"), "--web.listen-address=127.0.0.1:%d" % layout["prometheus"]["port"],
            "--storage.tsdb.path=" + os.path.join(stack_dir(), "prometheus-data"),
            "--storage.tsdb.retention.time=1d", "--web.enable-lifecycle"]
    return spawn("prometheus", argv)


def wait_prometheus(layout, deadline):
    url = layout["prometheus"]["url"] + "/-/ready"
    wait_for("prometheus", functools.partial(_ready, url), url, deadline)


def _ready(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False
