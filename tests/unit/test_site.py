"""Pure logic of a site: overrides of topics.yaml's defaults, service control, which hosts are down, and the
collection version that backups record."""
import os

import pytest
import yaml

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.site import (cluster_hosts, down_brokers, down_registries,
                                                                        service_commands, service_lines, service_views,
                                                                        site_defaults)
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics_model import topic_specs
from ansible_collections.k2.kafka_ops.plugins.module_utils.version import COLLECTION_VERSION

from helpers import REPO

pytestmark = pytest.mark.unit
EXAMPLE = os.path.join(REPO, "examples", "k2-platform", "config", "kafka", "topics.yaml")


def example():
    with open(EXAMPLE) as handle:
        return yaml.safe_load(handle)


def test_the_modules_report_galaxy_yml_s_version():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        assert COLLECTION_VERSION == yaml.safe_load(handle)["version"]


def test_a_production_site_s_replication_overrides_topics_yaml():
    specs = topic_specs(site_defaults(example(), 3, 2))
    assert set(s["replication_factor"] for s in specs) == {3}
    assert set(s["config"]["min.insync.replicas"] for s in specs) == {"2"}
    plain = topic_specs(site_defaults(example()))
    assert set(s["replication_factor"] for s in plain) == {1}


def test_min_insync_replicas_as_a_topic_config_can_be_switched_off_like_the_platform_s_init_script():
    specs = topic_specs(site_defaults(example(), 0, 0, False))
    assert not [s for s in specs if "min.insync.replicas" in s["config"]]


def test_a_bad_site_override_names_the_variable():
    with pytest.raises(K2Error, match="k2_topics_replication_factor: expected 0"):
        site_defaults(example(), "three")
    with pytest.raises(K2Error, match="min_insync_replicas"):
        site_defaults(example(), 1, 2)  # 2 in-sync replicas of 1 can never be met


def test_service_commands_for_each_kind_of_control():
    cmd = {"k2_service_control": "command", "k2_service_start_cmd": ["svc", "start"],
           "k2_service_stop_cmd": ["svc", "stop"], "k2_service_wipe_cmd": ["svc", "wipe"]}
    assert service_commands(cmd, "b1", "restart")["commands"] == [["svc", "stop"], ["svc", "start"]]
    assert service_commands(cmd, "b1", "wipe")["commands"] == [["svc", "wipe"]]
    systemd = service_commands({"k2_service_control": "systemd", "k2_service_name": "kafka"}, "b1", "restart")
    assert systemd == {"control": "systemd", "name": "kafka", "commands": []}
    compose = service_commands({"k2_service_control": "docker_compose", "k2_service_name": "kafka",
                                "k2_compose_file": "/srv/k2/docker-compose.yml"}, "k2-kafka", "restart")
    assert compose["commands"] == [["docker", "compose", "-f", "/srv/k2/docker-compose.yml", "restart", "kafka"]]


@pytest.mark.parametrize("command, start", [
    (None, ["docker", "compose", "-f", "/k2/dc.yml", "up", "--detach", "--wait", "kafka"]),
    ("docker compose", ["docker", "compose", "-f", "/k2/dc.yml", "up", "--detach", "--wait", "kafka"]),
    # v1 has no --wait; --no-recreate starts the stopped container itself (same id)
    ("docker-compose", ["docker-compose", "-f", "/k2/dc.yml", "up", "--detach", "--no-recreate", "kafka"]),
    (["/usr/bin/docker-compose"], ["/usr/bin/docker-compose", "-f", "/k2/dc.yml", "up", "--detach", "--no-recreate",
                                   "kafka"]),
])
def test_the_compose_command_is_the_inventory_s_and_v1_starts_without_wait(command, start):
    hostvars = {"k2_service_control": "docker_compose", "k2_service_name": "kafka", "k2_compose_file": "/k2/dc.yml"}
    if command is not None:
        hostvars["k2_compose_command"] = command
    assert service_commands(hostvars, "k2-kafka", "start")["commands"] == [start]
    base = start[:start.index("up")]
    assert service_commands(hostvars, "k2-kafka", "stop")["commands"] == [base + ["stop", "kafka"]]
    assert service_commands(hostvars, "k2-kafka", "logs")["commands"] == [
        base + ["logs", "--no-color", "--tail", "5000", "kafka"]]
    assert service_commands(hostvars, "k2-kafka", "wipe")["commands"] == [
        base + ["rm", "--force", "--stop", "-v", "kafka"]]
    assert service_commands(hostvars, "k2-kafka", "status")["commands"] == [base + ["ps", "-a", "kafka"]]
    hostvars["k2_broker_data_dir"] = "/var/lib/kafka/data"     # df runs inside the container
    assert service_commands(hostvars, "k2-kafka", "disk")["commands"] == [
        base + ["exec", "-T", "kafka", "df", "-P", "-k", "/var/lib/kafka/data"]]


@pytest.mark.parametrize("command, engine", [
    ("docker compose", ["docker"]), ("sudo docker compose", ["sudo", "docker"]), ("docker-compose", ["docker"]),
    ("/usr/bin/docker-compose", ["/usr/bin/docker"]), ("podman-compose", ["podman"]),
])
def test_the_wipe_removes_the_named_volumes_with_the_engine_of_the_compose_command(command, engine):
    """compose rm -v keeps named volumes: the wipe removes k2_compose_volumes after it, with the same engine."""
    hostvars = {"k2_service_control": "docker_compose", "k2_service_name": "kafka", "k2_compose_file": "/k2/dc.yml",
                "k2_compose_command": command, "k2_compose_volumes": ["k2_kafka-data"]}
    assert service_commands(hostvars, "k2-kafka", "wipe")["commands"] == [
        command.split() + ["-f", "/k2/dc.yml", "rm", "--force", "--stop", "-v", "kafka"],
        engine + ["volume", "rm", "--force", "k2_kafka-data"]]


def test_status_and_disk_of_systemd_and_command_hosts():
    systemd = {"k2_service_control": "systemd", "k2_service_name": "kafka", "k2_broker_data_dir": "/data"}
    assert service_commands(systemd, "b1", "status")["commands"] == [
        ["systemctl", "status", "--no-pager", "--lines", "0", "kafka"]]
    assert service_commands(systemd, "b1", "disk")["commands"] == [["df", "-P", "-k", "/data"]]
    command = {"k2_service_control": "command"}
    assert service_commands(command, "b1", "status")["commands"] == []     # diagnose leaves it out
    command["k2_service_status_cmd"] = ["svc", "status"]
    assert service_commands(command, "b1", "status")["commands"] == [["svc", "status"]]


@pytest.mark.parametrize("hostvars, action, needle", [
    ({}, "restart", "b1: k2_service_control is None; set it to systemd, docker_compose or command"),
    ({"k2_service_control": "command"}, "start", "b1: k2_service_start_cmd is not set"),
    ({"k2_service_control": "command", "k2_service_start_cmd": "svc start"}, "start", "not a list of strings"),
    ({"k2_service_control": "systemd"}, "wipe", "b1: k2_service_wipe_cmd is not set"),
    ({"k2_service_control": "docker_compose"}, "stop", "k2_compose_file is not set"),
    ({"k2_service_control": "docker_compose", "k2_compose_file": "dc.yml", "k2_compose_command": [1]}, "stop",
     "b1: k2_compose_command is \\[1\\]"),
    ({"k2_service_control": "systemd"}, "reboot", "k2_service_action: expected one of"),
    ({"k2_service_control": "systemd"}, "disk", "b1: k2_broker_data_dir is None; give the folder"),
    ({"k2_service_control": "docker_compose", "k2_compose_file": "dc.yml", "k2_compose_volumes": "k2_kafka-data"},
     "wipe", "b1: k2_compose_volumes is 'k2_kafka-data'; give the named volumes"),
])
def test_service_control_mistakes_name_the_host_and_the_variable(hostvars, action, needle):
    with pytest.raises(K2Error, match=needle.replace("(", r"\(")):
        service_commands(hostvars, "b1", action)


def test_down_brokers_are_those_missing_from_the_metadata_or_all_when_none_answers():
    per_host = {"k1": {"k2_broker_id": 1}, "k2": {"k2_broker_id": "2"}, "k3": {"k2_broker_id": 3}}
    assert down_brokers(["k1", "k2", "k3"], per_host, {"reachable": True, "broker_ids": [1, 3]}) == ["k2"]
    assert down_brokers(["k1", "k2", "k3"], per_host, {"reachable": True, "broker_ids": [1, 2, 3]}) == []
    assert down_brokers(["k1", "k2", "k3"], per_host, {"reachable": False}) == ["k1", "k2", "k3"]
    with pytest.raises(K2Error, match="k9: k2_broker_id is not set"):
        down_brokers(["k9"], {"k9": {}}, {"reachable": True, "broker_ids": []})


def test_down_registries_are_those_whose_url_did_not_answer():
    per_host = {"r1": {"k2_registry_url": "http://a:8081/"}, "r2": {"k2_registry_url": "http://b:8081"}}
    info = {"instances": [{"url": "http://a:8081", "reachable": True}, {"url": "http://b:8081", "reachable": False}]}
    assert down_registries(["r1", "r2"], per_host, info) == ["r2"]


def test_each_cluster_gets_only_its_own_service_hosts():
    inventory = os.path.join(os.path.dirname(__file__), "..", "..", "inventories", "example-regions", "hosts.yml")
    groups = yaml.safe_load(open(inventory))["all"]["children"]
    admins = list(groups["kafka_admin"]["hosts"])
    brokers = groups["kafka_broker"]["hosts"]
    eu = cluster_hosts(list(brokers), brokers, "k2-eu", admins)
    assert eu == ["kafka-1.eu.example.internal", "kafka-2.eu.example.internal", "kafka-3.eu.example.internal"]
    assert cluster_hosts(list(brokers), brokers, "k2-us", admins) == [h.replace(".eu.", ".us.") for h in eu]
    # one cluster: hosts need not name it
    assert cluster_hosts(["b1", "b2"], {"b1": {}, "b2": {}}, "localhost", ["localhost"]) == ["b1", "b2"]
    with pytest.raises(K2Error, match=r"2 clusters \(kafka_admin: a, b\) but b2 name no cluster; set k2_cluster"):
        cluster_hosts(["b1", "b2"], {"b1": {"k2_cluster": "a"}, "b2": {}}, "a", ["a", "b"])
    with pytest.raises(K2Error, match=r"b1: k2_cluster is 'c', which is not a host of kafka_admin \(a, b\)"):
        cluster_hosts(["b1"], {"b1": {"k2_cluster": "c"}}, "a", ["a", "b"])


def test_diagnose_shows_each_service_and_says_what_to_set_where_it_cannot():
    per_host = {"k2-kafka": {"k2_service_control": "docker_compose", "k2_service_name": "kafka",
                             "k2_compose_file": "/k2/dc.yml", "k2_compose_command": "docker-compose"},
                "b2": {"k2_service_control": "command"}}
    views = service_views(["k2-kafka", "b2"], per_host)
    assert [(v["host"], v["action"], v["argv"]) for v in views] == [
        ("k2-kafka", "status", ["docker-compose", "-f", "/k2/dc.yml", "ps", "-a", "kafka"]),
        ("k2-kafka", "logs", ["docker-compose", "-f", "/k2/dc.yml", "logs", "--no-color", "--tail", "5000", "kafka"]),
        ("b2", "status", None), ("b2", "logs", None)]
    assert "set k2_service_status_cmd" in views[2]["missing"] and "k2_service_logs_cmd is not set" in views[3]["missing"]
    results = [{"rc": 0, "stdout": "k2-kafka  Up (healthy)"},
               {"rc": 0, "stdout": "\n".join("line %d" % i for i in range(100))}]
    lines = service_lines(views, results, tail=3)
    assert lines[:6] == ["== k2-kafka status: docker-compose -f /k2/dc.yml ps -a kafka", "   k2-kafka  Up (healthy)",
                         "== k2-kafka logs: docker-compose -f /k2/dc.yml logs --no-color --tail 5000 kafka",
                         "   line 97", "   line 98", "   line 99"]
    assert lines[6].startswith("b2 status: not shown (b2: no status command") and len(lines) == 8
    failed = service_lines(views[:1], [{"rc": 1, "stdout": "", "stderr": "no such service: kafka\n"}])
    assert failed[1] == "   failed (rc 1): no such service: kafka"


def test_the_cluster_hosts_filter_takes_groups_and_defaults_what_the_inventory_lacks():
    from ansible_collections.k2.kafka_ops.plugins.filter.k2 import k2_cluster_hosts
    hostvars = {"b1": {"k2_cluster": "eu", "k2_broker_data_dir": "/d"}, "b2": {"k2_cluster": "us"},
                "r1": {"k2_cluster": "eu"}, "eu": {}, "us": {}}
    groups = {"kafka_admin": ["eu", "us"], "kafka_broker": ["b1", "b2"], "schema_registry": ["r1"]}
    assert k2_cluster_hosts(groups, "kafka_broker", hostvars, "eu") == ["b1"]
    assert k2_cluster_hosts(groups, ["kafka_broker", "schema_registry"], hostvars, "eu") == ["b1", "r1"]
    assert k2_cluster_hosts(groups, "kafka_broker", hostvars, "us", "k2_broker_data_dir") == []
    # no kafka_admin group and no broker group: the play's host is the one cluster, with no brokers
    assert k2_cluster_hosts({"schema_registry": ["r1"]}, "kafka_broker", hostvars, "localhost") == []
    assert k2_cluster_hosts({"schema_registry": ["r9"]}, "schema_registry", {"r9": {}}, "localhost") == ["r9"]
