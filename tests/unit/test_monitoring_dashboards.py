"""The runbook's three Grafana dashboards, and the alert rules, against what the compose stack's scrape
configuration produces: every metric a panel or a rule queries must come from a job that docker/prometheus.yml
scrapes. The JMX exporter's names are expanded from its rules (tests/monitoring_queries.py);
tests/integration/test_monitoring_stack.py reads the same names from a live broker, so this expansion is checked
against the real agent."""
import json

import pytest

from monitoring_queries import (DASHBOARDS, alert_queries, jmx_names, job_matchers, load_yaml, metric_names,
                                panel_queries, produced_by_job)

pytestmark = pytest.mark.unit


def test_the_runbook_s_three_dashboards_exist_and_are_provisioned():
    titles = sorted(json.load(open(path))["title"] for path in DASHBOARDS)
    assert titles == ["K2 Consumer Lag", "K2 Kafka Overview", "K2 Topic Details"]
    uids = [json.load(open(path))["uid"] for path in DASHBOARDS]
    assert len(set(uids)) == 3
    provider = load_yaml("monitoring", "grafana", "provisioning", "dashboards", "k2.yml")["providers"][0]
    grafana = load_yaml("docker-compose.yml")["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    assert mounts["./monitoring/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./monitoring/grafana/provisioning"] == "/etc/grafana/provisioning"
    source = load_yaml("monitoring", "grafana", "provisioning", "datasources", "prometheus.yml")["datasources"][0]
    for path in DASHBOARDS:
        for panel in json.load(open(path))["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], (path, panel["title"])


def test_the_jmx_rules_expand_to_the_runbook_s_metric_names():
    names = jmx_names("kafka.yml")
    assert {"kafka_server_brokertopicmetrics_messagesin_total", "kafka_server_brokertopicmetrics_bytesin_total",
            "kafka_log_log_size", "kafka_network_requestmetrics_errors_total"} <= names


@pytest.mark.parametrize("source,title,expr", list(panel_queries()) + list(alert_queries()),
                         ids=lambda value: value if len(str(value)) < 40 else None)
def test_every_query_names_metrics_the_scrape_configuration_produces(source, title, expr):
    jobs = produced_by_job()
    names = metric_names(expr)
    assert names, "no metric found in %r" % expr
    for job in job_matchers(expr):
        assert job in jobs, "%s: %s queries job %r, which docker/prometheus.yml does not scrape" % (source, title, job)
    produced = set().union(*jobs.values())
    missing = sorted(names - produced)
    assert not missing, "%s: %s queries %s, which no scraped job produces" % (source, title, missing)


def test_the_metric_name_extraction():
    expr = ('100 * (max by (topic) (kafka_log_log_size{topic=~"$topic"}) - avg by (topic) (kafka_log_log_size))'
            ' / sum(rate(kafka_server_brokertopicmetrics_messagesin_total{topic!=""}[1h] offset 5m)) > 0'
            ' and on (topic) up{job="kafka"} == 1')
    assert metric_names(expr) == {"kafka_log_log_size", "kafka_server_brokertopicmetrics_messagesin_total", "up"}
    assert metric_names('topk(10, no_such_metric{a="b"})') == {"no_such_metric"}
