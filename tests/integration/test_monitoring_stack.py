"""The dev stack's monitoring (MONITORING=1, as make test runs it): the Prometheus JMX exporter agent in Kafka and
in the registries, scraped by Debian's Prometheus with monitoring/prometheus/alerts.yml loaded. Read back through
Prometheus's HTTP API, not through our code."""
import json
import time
import urllib.parse
import urllib.request

import pytest

from monitoring_queries import jmx_names, metric_names, panel_queries

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prometheus(stack):
    if not stack.get("prometheus"):
        pytest.fail("this dev stack runs without monitoring: start it with MONITORING=1 "
                    "(make stack-down; make stack-up MONITORING=1), as make test does")
    return stack["prometheus"]["url"]


def api(url, path, **params):
    with urllib.request.urlopen("%s/api/v1/%s?%s" % (url, path, urllib.parse.urlencode(params)), timeout=10) as resp:
        body = json.load(resp)
    assert body["status"] == "success", body
    return body["data"]


def query(url, expr):
    return api(url, "query", query=expr)["result"]


def wait_for(url, expr, deadline=45):
    """The first non-empty, non-zero result of `expr`, polled until the deadline."""
    end = time.time() + deadline
    while time.time() < end:
        result = query(url, expr)
        if result and float(result[0]["value"][1]) > 0:
            return result
        time.sleep(1)
    raise AssertionError("%s stayed empty or zero for %ds; last result %r" % (expr, deadline, query(url, expr)))


def test_every_target_is_up(prometheus):
    wait_for(prometheus, 'count(up{job="kafka"} == 1)')
    targets = api(prometheus, "targets")["activeTargets"]
    jobs = sorted(set(t["labels"]["job"] for t in targets))
    assert jobs == ["kafka", "prometheus", "schema-registry"]
    deadline = time.time() + 30
    while any(t["health"] != "up" for t in targets) and time.time() < deadline:
        time.sleep(1)
        targets = api(prometheus, "targets")["activeTargets"]
    assert [(t["labels"]["job"], t.get("lastError")) for t in targets if t["health"] != "up"] == []


def test_the_message_rate_is_non_zero_after_a_produce(prometheus, admin, bootstrap_servers, unique):
    from confluent_kafka import Producer
    from confluent_kafka.admin import NewTopic
    topic = "k2test.monitoring.%s" % unique
    admin.create_topics([NewTopic(topic, 3, 1)])[topic].result(30)
    try:
        rate = 'sum(rate(kafka_server_brokertopicmetrics_messagesin_total{topic="%s"}[1m]))' % topic
        assert query(prometheus, rate) == []  # the broker has no metric for a topic nothing was written to
        producer = Producer({"bootstrap.servers": bootstrap_servers, "linger.ms": 5})

        def produce(count):
            for number in range(count):
                producer.produce(topic, key=str(number % 30), value=b"x" * 100)
            assert producer.flush(30) == 0

        # The broker makes a topic's counter at its first write, and Prometheus's first sample of a counter has
        # no rate: a first write, a scrape of it, then the burst whose rate is measured.
        produce(100)
        total = 'sum(kafka_server_brokertopicmetrics_messagesin_total{topic="%s"})' % topic
        assert float(wait_for(prometheus, total)[0]["value"][1]) == 100
        produce(500)
        value = float(wait_for(prometheus, rate)[0]["value"][1])
        assert value > 0
        assert float(wait_for(prometheus, rate.replace("messagesin", "bytesin"))[0]["value"][1]) > 0
        deadline = time.time() + 30
        while float(query(prometheus, total)[0]["value"][1]) < 600 and time.time() < deadline:
            time.sleep(1)
        assert float(query(prometheus, total)[0]["value"][1]) == 600
        size = 'sum(kafka_log_log_size{topic="%s"})' % topic
        assert float(wait_for(prometheus, size)[0]["value"][1]) >= 600 * 100
    finally:
        admin.delete_topics([topic])[topic].result(30)


def test_every_dashboard_query_runs_and_the_broker_metrics_it_names_exist(prometheus):
    """Each panel's query is parsed and evaluated by the real Prometheus; every metric that the JMX rules promise
    (and a dashboard uses) is served by the live broker's agent."""
    wait_for(prometheus, 'count(up{job="kafka"} == 1)')
    promised = jmx_names("kafka.yml")
    used = set()
    for source, title, expr in panel_queries():
        query(prometheus, expr.replace("$topic", ".*").replace("$group", ".*"))  # 400 on a bad query
        used |= metric_names(expr) & promised
    assert len(used) >= 8, used
    present = set(s["__name__"] for s in api(prometheus, "series", **{"match[]": '{job="kafka"}'}))
    # a per-topic failure counter appears on the first failed request only
    assert sorted(used - present - {"kafka_server_brokertopicmetrics_failedproducerequests_total"}) == []


def test_the_runbook_s_alert_rules_are_loaded_and_evaluate(prometheus):
    groups = api(prometheus, "rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == 10
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] == "err"] == []
    assert wait_for(prometheus, 'count(up{job="schema-registry"} == 1)')[0]["value"][1] == "2"
    firing = [a["labels"]["alertname"] for a in api(prometheus, "alerts")["alerts"] if a["state"] == "firing"]
    assert "SchemaRegistryDown" not in firing


def test_a_stopped_registry_raises_schema_registry_down(prometheus, stack):
    """The alert pipeline end to end: the registry's agent stops answering, `up` drops to 0 and the runbook's
    SchemaRegistryDown goes pending (it fires after its `for: 1m`); it clears once the registry is back."""
    from conftest import devstack
    registry = stack["registries"][0]
    instance = "127.0.0.1:%d" % registry["metrics_port"]

    def alert_state():
        return [a["state"] for a in api(prometheus, "alerts")["alerts"]
                if a["labels"]["alertname"] == "SchemaRegistryDown" and a["labels"].get("instance") == instance]

    assert alert_state() == []
    devstack("stop", registry["name"])
    try:
        deadline = time.time() + 30
        while not alert_state() and time.time() < deadline:
            time.sleep(1)
        assert alert_state() in (["pending"], ["firing"])
        assert query(prometheus, 'up{job="schema-registry", instance="%s"}' % instance)[0]["value"][1] == "0"
    finally:
        devstack("start", registry["name"])
    deadline = time.time() + 30
    while alert_state() and time.time() < deadline:
        time.sleep(1)
    assert alert_state() == []
