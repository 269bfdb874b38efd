"""Static checks of what cannot run here (no Docker engine): the compose stack, the AWX definitions."""
import os
import re

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def load(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return yaml.safe_load(handle)


COMPOSE = load("docker-compose.yml")


# The platform's compose services (../shared/K2-PLATFORM.md): image (tag where the platform pins one),
# container name, host ports; written from the platform's table, not from our compose file.
PLATFORM_SERVICES = {
    "kafka": ("confluentinc/cp-kafka:8.1.1", "k2-kafka", ["9092", "9093", "9997"]),
    "schema-registry-1": ("confluentinc/cp-schema-registry:8.1.1", "k2-schema-registry-1", ["8081"]),
    "schema-registry-2": ("confluentinc/cp-schema-registry:8.1.1", "k2-schema-registry-2", ["8082"]),
    "minio": ("minio/minio", "k2-minio", ["9000", "9001"]),
    "postgres": ("postgres:16-alpine", "k2-postgres", ["5432"]),
    "iceberg-rest": ("tabulario/iceberg-rest:0.8.0", "k2-iceberg-rest", ["8181"]),
    "prometheus": ("prom/prometheus:v2.49.1", "k2-prometheus", ["9090"]),
    "grafana": ("grafana/grafana:10.2.3", "k2-grafana", ["3000"]),
    "kafka-ui": ("provectuslabs/kafka-ui", "k2-kafka-ui", ["8080"]),
}
LAKEHOUSE = {"minio", "minio-init", "postgres", "iceberg-rest"}
# Ours, beside the platform's: the monitoring the runbook asks for (issue 15), none publishing a host port
MONITORING = {"jmx-agent", "kafka-exporter", "node-exporter"}


def test_compose_mirrors_the_platform_s_services_images_containers_and_ports():
    assert set(COMPOSE["services"]) == set(PLATFORM_SERVICES) | {"minio-init"} | MONITORING
    assert not any(COMPOSE["services"][name].get("ports") for name in MONITORING)
    for name, (image, container, ports) in PLATFORM_SERVICES.items():
        service = COMPOSE["services"][name]
        assert service["image"] == image or service["image"].startswith(image + ":"), (name, service["image"])
        assert service["container_name"] == container
        assert [p.split(":")[0] for p in service["ports"]] == ports, name
    assert COMPOSE["services"]["schema-registry-2"]["ports"] == ["8082:8081"]


def test_the_platform_table_in_shared_agrees_where_it_is_present():
    """CI lays ../shared beside the clone: the table above must match the platform's own file."""
    path = os.path.join(REPO, "..", "shared", "K2-PLATFORM.md")
    if not os.path.exists(path):
        return  # a clone without shared/: the table above is the record
    rows = re.findall(r"^\| ([a-z0-9-]+)(?: \(\+ [a-z-]+\))? \| ([^|]+) \| (k2-[a-z0-9-]+) \|", open(path).read(), re.M)
    assert rows, "no compose table found in K2-PLATFORM.md"
    for service, image, container in rows:
        assert service in PLATFORM_SERVICES, service
        assert (image.strip().split(" ")[0], container) == PLATFORM_SERVICES[service][:2], service


def test_the_lakehouse_is_a_profile_so_the_kafka_part_starts_alone():
    for name, service in COMPOSE["services"].items():
        assert (service.get("profiles") == ["lakehouse"]) == (name in LAKEHOUSE), name
        for dependency in service.get("depends_on", []):
            assert name in LAKEHOUSE or dependency not in LAKEHOUSE, (name, dependency)


def test_the_runbook_s_appendix_commands_exist_on_the_kafka_image():
    """`docker exec -it k2-kafka kafka-topics ...` needs Confluent's image (apache/kafka ships kafka-topics.sh)."""
    assert COMPOSE["services"]["kafka"]["image"].startswith("confluentinc/cp-kafka:")
    assert "kafka-broker-api-versions --bootstrap-server" in COMPOSE["services"]["kafka"]["healthcheck"]["test"][1]


@pytest.mark.parametrize("name", sorted(COMPOSE["services"]))
def test_every_service_is_pinned_and_every_long_running_one_health_checked(name):
    service = COMPOSE["services"][name]
    image, dummy, tag = service["image"].rpartition(":")
    assert image and tag and tag != "latest", service["image"]
    if service.get("restart") != "no":  # minio-init runs once
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


def test_named_volumes_are_declared_and_used():
    used = set()
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/", "${")):  # a path, or a path from the environment
                used.add(source)
    assert used and used == set(COMPOSE["volumes"])


def test_registries_depend_on_a_healthy_kafka_and_share_one_schemas_topic():
    for name in ("schema-registry-1", "schema-registry-2"):
        service = COMPOSE["services"][name]
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert service["environment"]["SCHEMA_REGISTRY_KAFKASTORE_TOPIC"] == "_schemas"


def test_docker_inventory_matches_the_compose_ports():
    inventory = load("inventories", "docker", "group_vars", "all.yml")
    assert inventory["k2_kafka_bootstrap_servers"] == "localhost:9092"
    ports = [p.split(":")[0] for n in ("schema-registry-1", "schema-registry-2") for p in COMPOSE["services"][n]["ports"]]
    assert [u.rsplit(":", 1)[1] for u in inventory["k2_schema_registry_urls"]] == ports


def test_awx_job_templates_cover_every_playbook_with_surveys_and_a_nightly_backup():
    templates = load("awx", "job_templates.yml")["k2_awx_job_templates"]
    playbooks = sorted("awx/playbooks/" + p for p in os.listdir(os.path.join(REPO, "playbooks")) if p.endswith(".yml"))
    runs = [t for t in templates if t.get("job_type", "run") == "run"]
    assert sorted(t["playbook"] for t in runs) == playbooks
    for plan in (t for t in templates if t.get("job_type") == "check"):  # a workflow's plan job
        assert plan["playbook"] in playbooks and plan["extra_vars"]["k2_plan_dir"]
    for template in templates:  # each runs the installed collection's playbook of the same name
        entry = load(*template["playbook"].split("/"))
        name = os.path.basename(template["playbook"])[:-4]
        assert [p["ansible.builtin.import_playbook"] for p in entry] == ["k2.kafka_ops." + name]
    surveyed = dict((t["playbook"], t["survey"]) for t in templates if "survey" in t)
    assert set(surveyed) == {"awx/playbooks/add_exchange.yml", "awx/playbooks/raise_partitions.yml",
                             "awx/playbooks/smoke_test.yml"}
    for survey in surveyed.values():
        assert all({"question_name", "variable", "type", "required"} <= set(q) for q in survey["spec"])
    backup = [t for t in templates if t["playbook"] == "awx/playbooks/backup.yml"][0]
    assert "FREQ=DAILY" in backup["schedule"]["rrule"]


def test_awx_workflows_plan_then_approve_then_apply_the_same_playbook():
    templates = dict((t["name"], t) for t in load("awx", "job_templates.yml")["k2_awx_job_templates"])
    workflows = load("awx", "workflows.yml")["k2_awx_workflows"]
    assert sorted(os.path.basename(templates[w["survey_from"]]["playbook"]) for w in workflows) == [
        "add_exchange.yml", "raise_partitions.yml"]
    for workflow in workflows:
        nodes = dict((n["identifier"], n) for n in workflow["nodes"])
        assert len(nodes) == len(workflow["nodes"]) == 3
        for node in nodes.values():
            assert ("job_template" in node) != ("approval" in node)
            assert all(target in nodes for target in node.get("success_nodes", []))
            if "job_template" in node:  # every job node runs a template whose playbook exists
                assert os.path.isfile(os.path.join(REPO, templates[node["job_template"]]["playbook"]))
        plan, approve, apply = nodes["plan"], nodes["approve"], nodes["apply"]
        assert plan["success_nodes"] == ["approve"] and approve["success_nodes"] == ["apply"]
        assert approve["approval"]["name"] and "success_nodes" not in apply
        assert templates[plan["job_template"]]["job_type"] == "check"
        assert templates[apply["job_template"]].get("job_type", "run") == "run"
        assert templates[plan["job_template"]]["playbook"] == templates[apply["job_template"]]["playbook"]
        assert templates[workflow["survey_from"]]["survey"]["spec"]


def test_execution_environment_pins_what_requirements_pin():
    ee = load("execution-environment.yml")
    assert ee["version"] == 3
    with open(os.path.join(REPO, "requirements.txt")) as handle:
        pins = set(line.strip() for line in handle if "==" in line and not line.startswith("#"))
    runtime = set(ee["dependencies"]["python"]) | {ee["dependencies"]["ansible_core"]["package_pip"]}
    assert pins == runtime


def test_runtime_requirements_are_what_the_collection_imports():
    """Every pinned runtime package is imported by plugins/ (no unused extras), and nothing else is needed."""
    imported = set()
    for folder, dummy, files in os.walk(os.path.join(REPO, "plugins")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as handle:
                    imported.update(re.findall(r"^\s*(?:import|from) (confluent_kafka|fastavro|yaml|ruamel|httpx|attrs|"
                                               r"cachetools|authlib)\b", handle.read(), re.M))
    with open(os.path.join(REPO, "requirements.txt")) as handle:
        pins = set(line.split("==")[0].strip() for line in handle if "==" in line and not line.startswith("#"))
    as_imported = {"confluent-kafka": "confluent_kafka", "fastavro": "fastavro", "PyYAML": "yaml",
                   "ruamel.yaml": "ruamel"}
    assert pins - {"ansible-core"} == set(as_imported), pins
    assert imported == set(as_imported.values()), imported


def test_every_variable_an_inventory_sets_is_read_by_a_role_or_playbook():
    """A site variable nothing reads is a silent misconfiguration (k2_topics_replication_factor was one)."""
    code = ""
    for folder in ("roles", "playbooks"):
        for base, dummy, files in os.walk(os.path.join(REPO, folder)):
            for name in files:
                with open(os.path.join(base, name)) as handle:
                    code += handle.read()
    unread = []
    for inventory in ("local", "docker", "example-prod", "example-regions"):
        text = ""
        for base, dummy, files in os.walk(os.path.join(REPO, "inventories", inventory)):
            for name in files:
                if name.endswith(".yml"):
                    with open(os.path.join(base, name)) as handle:
                        text += handle.read()
        for var in sorted(set(re.findall(r"\b(k2_[a-z_]+):", text))):
            if var not in code and var not in ("k2_connection", "k2_kafka_bootstrap_servers",
                                               "k2_schema_registry_urls"):
                unread.append("%s: %s" % (inventory, var))
    assert unread == []


def test_no_playbook_hides_an_inventory_variable_behind_a_play_var():
    """Play vars outrank inventory group_vars: a playbook that sets `k2_reset_method: delete` in `vars` silently
    ignores the inventory's `k2_reset_method: wipe` (it did, until a dev-stack reset kept its subjects)."""
    inventory_vars = set()
    for base, dummy, files in os.walk(os.path.join(REPO, "inventories")):
        for name in files:
            if name.endswith(".yml"):
                inventory_vars |= set(re.findall(r"\b(k2_[a-z_]+):", open(os.path.join(base, name)).read()))
    shadowed = []
    for name in sorted(os.listdir(os.path.join(REPO, "playbooks"))):
        if name.endswith(".yml"):
            for play in load("playbooks", name):
                shadowed += ["%s: %s" % (name, var) for var in (play.get("vars") or {}) if var in inventory_vars]
    assert shadowed == []
