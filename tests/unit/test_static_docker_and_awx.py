"""Static checks of the compose stack and the AWX definitions (tests/docker runs the stack itself)."""
import os
import re

import pytest
import yaml

from helpers import REPO

pytestmark = pytest.mark.unit


def load(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return yaml.safe_load(handle)


COMPOSE = load("docker-compose.yml")
IMAGE_VAR = re.compile(r"^\$\{(K2_[A-Z_]+_IMAGE):-([^}]+)\}$")


def image_of(service):
    """(variable, default image) of a service's `image: ${K2_..._IMAGE:-<the platform's image>}`."""
    match = IMAGE_VAR.match(COMPOSE["services"][service]["image"])
    assert match, (service, COMPOSE["services"][service]["image"])
    return match.groups()


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
# What has no local image (no registry here; not in Debian nor on Maven Central) waits behind a profile
PROFILES = {"lakehouse": LAKEHOUSE, "ui": {"grafana", "kafka-ui"}, "lag-exporter": {"kafka-exporter"}}
DEFAULT = {"jmx-agent", "kafka", "schema-registry-1", "schema-registry-2", "prometheus", "node-exporter"}


def test_compose_mirrors_the_platform_s_services_images_containers_and_ports():
    assert set(COMPOSE["services"]) == set(PLATFORM_SERVICES) | {"minio-init"} | MONITORING
    assert not any(COMPOSE["services"][name].get("ports") for name in MONITORING)
    for name, (image, container, ports) in PLATFORM_SERVICES.items():
        service = COMPOSE["services"][name]
        default = image_of(name)[1]
        assert default == image or default.startswith(image + ":"), (name, default)
        assert service["container_name"] == container
        assert [p.split(":")[0] for p in service["ports"]] == ports, name
    assert COMPOSE["services"]["schema-registry-2"]["ports"] == ["8082:8081"]


def test_the_platform_table_above_agrees_with_the_platform_s_own_file():
    """PLATFORM_SERVICES is written from ../shared/K2-PLATFORM.md; where that file is beside the checkout, every
    row of its compose table must match (a skip, reported by pytest, where it is not: never a silent pass)."""
    path = os.path.join(REPO, "..", "shared", "K2-PLATFORM.md")
    if not os.path.exists(path):
        pytest.skip("../shared/K2-PLATFORM.md is not beside this checkout; PLATFORM_SERVICES is the record")
    with open(path) as handle:
        rows = re.findall(r"^\| ([a-z0-9-]+)(?: \(\+ [a-z-]+\))? \| ([^|]+) \| (k2-[a-z0-9-]+) \| ([^|]+) \|",
                          handle.read(), re.M)
    assert sorted(r[0] for r in rows) == sorted(PLATFORM_SERVICES), rows
    for service, image, container, ports in rows:
        host_ports = [p.split()[0] for p in ports.split(",")]
        assert (image.strip().split(" ")[0], container, host_ports) == PLATFORM_SERVICES[service], service


def test_every_image_is_a_variable_whose_default_is_the_platform_s_and_make_sets_the_local_ones():
    """Users keep the platform's images; make's docker targets set the variables to images built here, and
    exactly the services outside every profile have one (tools/docker/images.py --env names the tags)."""
    variables = dict((name, image_of(name)[0]) for name in COMPOSE["services"])
    assert len(set(variables.values())) == len(variables) - 1  # both registries share one
    assert variables["schema-registry-1"] == variables["schema-registry-2"] == "K2_SCHEMA_REGISTRY_IMAGE"
    with open(os.path.join(REPO, "mk", "docker.mk")) as handle:
        made = dict(re.findall(r"^(K2_[A-Z_]+_IMAGE) \?= (\S+)$", handle.read(), re.M))
    assert set(made) == set(variables[name] for name in DEFAULT)
    import subprocess
    import sys
    out = subprocess.run([sys.executable, os.path.join(REPO, "tools", "docker", "images.py"), "--env"],
                         capture_output=True, text=True, check=True).stdout
    assert dict(line.split("=", 1) for line in out.split()) == made


def test_what_has_no_local_image_is_behind_a_profile_so_the_rest_starts_alone():
    for name, service in COMPOSE["services"].items():
        profiles = [p for p, names in PROFILES.items() if name in names]
        assert service.get("profiles", []) == profiles, name
        for dependency in service.get("depends_on", []):  # nothing default waits for a profiled service
            assert profiles or dependency in DEFAULT, (name, dependency)
    assert set(COMPOSE["services"]) - set().union(*PROFILES.values()) == DEFAULT


def test_the_runbook_s_appendix_commands_exist_on_both_kafka_images():
    """`docker exec -it k2-kafka kafka-topics ...` needs Confluent's image (apache/kafka ships kafka-topics.sh),
    or ours, which puts the same names on PATH (docker/kafka/config/tools.list)."""
    assert image_of("kafka")[1].startswith("confluentinc/cp-kafka:")
    with open(os.path.join(REPO, "docker", "kafka", "config", "tools.list")) as handle:
        tools = dict(line.split() for line in handle if line.strip())
    assert {"kafka-topics", "kafka-consumer-groups", "kafka-console-producer", "kafka-console-consumer",
            "kafka-broker-api-versions"} <= set(tools)


@pytest.mark.parametrize("name, fallback, probe", [
    ("kafka", "kafka-broker-api-versions --bootstrap-server localhost:9092 > /dev/null", "kafka/bin"),
    ("schema-registry-1", "curl -sf http://localhost:8081/subjects > /dev/null", "schema-registry/bin"),
    ("schema-registry-2", "curl -sf http://localhost:8081/subjects > /dev/null", "schema-registry/bin"),
    ("prometheus", "wget -qO- http://localhost:9090/-/ready > /dev/null", "prometheus"),
    ("node-exporter", "wget -qO- http://localhost:9100/metrics > /dev/null", "node-exporter"),
])
def test_healthchecks_are_the_image_s_cheap_probe_else_the_platform_s_command(name, fallback, probe):
    """No JVM every 10 s on our images (k2-healthcheck, a bash probe); the platform's images keep their command."""
    test = COMPOSE["services"][name]["healthcheck"]["test"]
    assert test == ["CMD-SHELL", "if command -v k2-healthcheck > /dev/null; then k2-healthcheck; else %s; fi" % fallback]
    assert os.access(os.path.join(REPO, "docker", probe, "k2-healthcheck"), os.X_OK)


def test_nothing_needs_privileges_or_a_raised_file_limit():
    for name, service in COMPOSE["services"].items():
        assert not ({"privileged", "cap_add", "ulimits", "blkio_config", "sysctls"} & set(service)), name
        assert not any("rslave" in v or "rshared" in v for v in service.get("volumes", [])), name


@pytest.mark.parametrize("name", sorted(COMPOSE["services"]))
def test_every_service_is_pinned_and_every_long_running_one_health_checked(name):
    service = COMPOSE["services"][name]
    image, dummy, tag = image_of(name)[1].rpartition(":")
    assert image and tag and tag != "latest", service["image"]
    if service.get("restart") != "no":  # minio-init and jmx-agent run once
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


def test_named_volumes_are_declared_and_used():
    used = set()
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/", "${")):  # a path, or a path from the environment
                used.add(source)
    assert used and used == set(COMPOSE["volumes"])


def test_the_project_is_k2_for_compose_v1_and_v2():
    """v1.29 rejects the top-level `name:`; both read COMPOSE_PROJECT_NAME from .env beside the file."""
    assert "name" not in COMPOSE
    with open(os.path.join(REPO, ".env")) as handle:
        assert "COMPOSE_PROJECT_NAME=k2" in handle.read().split()


def test_registries_depend_on_a_healthy_kafka_and_share_one_schemas_topic():
    for name in ("schema-registry-1", "schema-registry-2"):
        service = COMPOSE["services"][name]
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert service["environment"]["SCHEMA_REGISTRY_KAFKASTORE_TOPIC"] == "_schemas"


def test_docker_inventory_matches_the_compose_ports_and_follows_the_registry_s_api_path():
    inventory = load("inventories", "docker", "group_vars", "all.yml")
    assert inventory["k2_kafka_bootstrap_servers"] == "localhost:9092"
    suffix = "{{ k2_registry_api_path }}"
    assert all(u.endswith(suffix) for u in inventory["k2_schema_registry_urls"])
    ports = [p.split(":")[0] for n in ("schema-registry-1", "schema-registry-2") for p in COMPOSE["services"][n]["ports"]]
    assert [u[:-len(suffix)].rsplit(":", 1)[1] for u in inventory["k2_schema_registry_urls"]] == ports
    # Confluent's API at the root by default (the platform's image); make sets Apicurio's path
    assert "default('', true)" in inventory["k2_registry_api_path"]
    assert "default('docker compose', true)" in inventory["k2_compose_command"]


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
    """A site variable nothing reads (roles, playbooks, or the filters that read host variables) is a silent
    misconfiguration (k2_topics_replication_factor was one)."""
    code = ""
    for folder in ("roles", "playbooks", "plugins"):  # the filters read host variables too (k2_cluster)
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
            # k2_registry_api_path: read by the docker inventory's own registry URLs. Whole words only: k2_x is
            # not read because k2_x_y is
            excused = ("k2_connection", "k2_kafka_bootstrap_servers", "k2_schema_registry_urls", "k2_registry_api_path")
            if not re.search(r"\b%s\b" % var, code) and var not in excused:
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
