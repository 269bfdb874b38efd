"""Pure logic of the dev stack tool: layout from the environment and its refusals."""
import importlib.util
import os

import pytest

pytestmark = pytest.mark.unit

SPEC = importlib.util.spec_from_file_location(
    "devstack", os.path.join(os.path.dirname(__file__), "..", "..", "tools", "devstack", "devstack.py"))
devstack = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(devstack)


def test_default_layout_is_one_node_and_two_registries(monkeypatch):
    for var in ("BROKERS", "K2_BROKERS", "K2_KAFKA_PORT", "K2_REGISTRY1_PORT", "K2_REGISTRY2_PORT"):
        monkeypatch.delenv(var, raising=False)
    layout = devstack.plan_layout()
    assert layout["bootstrap_servers"] == "127.0.0.1:9092"
    assert layout["schema_registry_urls"] == ["http://127.0.0.1:8081/apis/ccompat/v7",
                                              "http://127.0.0.1:8082/apis/ccompat/v7"]


def test_three_nodes_use_the_documented_ports(monkeypatch):
    monkeypatch.setenv("BROKERS", "3")
    layout = devstack.plan_layout()
    assert layout["bootstrap_servers"] == "127.0.0.1:19092,127.0.0.1:19192,127.0.0.1:19292"
    assert [n["controller_port"] for n in layout["nodes"]] == [19093, 19193, 19293]


@pytest.mark.parametrize("brokers", ["1", "3"])
def test_no_default_port_is_in_the_ephemeral_range(monkeypatch, brokers):
    """Linux hands 32768-60999 to outgoing connections: a listener there can find its port taken at random
    (CI failed once on 39094, the old SASL port of the third node)."""
    for var in ("K2_KAFKA_PORT", "K2_CONTROLLER_PORT", "K2_REGISTRY1_PORT", "K2_REGISTRY2_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BROKERS", brokers)
    monkeypatch.setenv("SASL", "1")
    monkeypatch.setenv("MONITORING", "1")
    layout = devstack.plan_layout()
    ports = [n[key] for n in layout["nodes"] for key in ("port", "controller_port", "sasl_port", "metrics_port")]
    ports += [r[key] for r in layout["registries"] for key in ("port", "metrics_port")]
    ports.append(layout["prometheus"]["port"])
    assert all(port < 32768 for port in ports), ports
    assert len(set(ports)) == len(ports), ports


def test_monitoring_adds_prometheus_and_an_agent_port_per_service(monkeypatch):
    for var in ("BROKERS", "K2_KAFKA_PORT", "K2_REGISTRY1_PORT", "K2_REGISTRY2_PORT", "K2_PROMETHEUS_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MONITORING", "1")
    layout = devstack.plan_layout()
    assert devstack.services(layout) == ["kafka", "registry1", "registry2", "prometheus"]
    assert layout["prometheus"]["url"] == "http://127.0.0.1:9090"
    assert devstack.extra_ports(layout, "kafka") == [(9404, "the JMX exporter agent")]
    assert "scrape_interval: 2s" in devstack.prometheus_config(layout)
    assert '"127.0.0.1:9081", "127.0.0.1:9082"' in devstack.prometheus_config(layout)
    monkeypatch.delenv("MONITORING")
    assert "prometheus" not in devstack.services(devstack.plan_layout())


def test_ports_are_overridable(monkeypatch):
    monkeypatch.delenv("BROKERS", raising=False)
    monkeypatch.setenv("K2_KAFKA_PORT", "19999")
    monkeypatch.setenv("K2_REGISTRY2_PORT", "18082")
    layout = devstack.plan_layout()
    assert layout["bootstrap_servers"] == "127.0.0.1:19999"
    assert layout["schema_registry_urls"][1].startswith("http://127.0.0.1:18082/")


@pytest.mark.parametrize("var,value,needle", [("BROKERS", "2", "1 or 3"), ("K2_KAFKA_PORT", "90x2", "digits")])
def test_bad_settings_are_explained(monkeypatch, var, value, needle):
    monkeypatch.setenv(var, value)
    with pytest.raises(devstack.StackError, match=needle):
        devstack.plan_layout()


def test_a_port_in_use_names_its_holder():
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        holder = devstack.port_holder(sock.getsockname()[1])
        # ss names the listening process: this one (the fallback text, "an unknown process", would not do)
        assert "pid=%d," % os.getpid() in holder, holder
    finally:
        sock.close()
