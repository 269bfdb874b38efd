"""Where the dev stack lives and what it runs: settings from the environment, the stack folder (data, logs,
pids, stack.json), and the layout of services and ports planned from them and saved for later commands."""
import json
import os

TOOL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tools/devstack
REPO = os.path.dirname(os.path.dirname(TOOL_DIR))
CCOMPAT = "/apis/ccompat/v7"


class StackError(Exception):
    """A failure explained for a person: what went wrong and what to do."""


def env_int(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit():
        raise StackError("%s=%r: expected a port or count (digits only)" % (name, value))
    return int(value)


def stack_dir():
    return os.path.abspath(os.environ.get("K2_STACK_DIR") or os.path.join(REPO, ".stack"))


def cache_dir():
    default = os.path.join(os.path.expanduser("~"), ".cache", "k2-kafka-ops")
    return os.path.abspath(os.environ.get("K2_CACHE_DIR") or default)


def timeout():
    return env_int("K2_STACK_TIMEOUT", 180)


def plan_layout():
    """Services to run, from the environment. The result is saved so down/status need no environment."""
    brokers = env_int("BROKERS", env_int("K2_BROKERS", 1))
    if brokers not in (1, 3):
        raise StackError("BROKERS=%d: the dev stack runs 1 or 3 Kafka nodes" % brokers)
    if brokers == 1:
        nodes = [{"name": "kafka", "id": 1, "port": env_int("K2_KAFKA_PORT", 9092),
                  "controller_port": env_int("K2_CONTROLLER_PORT", 9093)}]
    else:
        # 19092/19192/19292: below Linux's ephemeral range (32768-60999), where an outgoing connection's
        # local port can take a listener's port at random
        nodes = [{"name": "kafka%d" % i, "id": i, "port": 19092 + (i - 1) * 100,
                  "controller_port": 19093 + (i - 1) * 100} for i in (1, 2, 3)]
    registries = [{"name": "registry%d" % i, "port": env_int("K2_REGISTRY%d_PORT" % i, 8080 + i)}
                  for i in (1, 2)]
    layout = {"brokers": brokers, "nodes": nodes, "registries": registries,
              "bootstrap_servers": ",".join("127.0.0.1:%d" % n["port"] for n in nodes),
              "schema_registry_urls": ["http://127.0.0.1:%d%s" % (r["port"], CCOMPAT) for r in registries],
              "stack_dir": stack_dir()}
    if os.environ.get("SASL") == "1" or os.environ.get("K2_SASL") == "1":
        # an extra SASL_PLAINTEXT listener (SCRAM-SHA-512) two ports above each broker's, and one user
        for node in nodes:
            node["sasl_port"] = node["port"] + 2
        layout["sasl"] = {"mechanism": "SCRAM-SHA-512",
                          "username": os.environ.get("K2_SASL_USERNAME") or "k2admin",
                          "password": os.environ.get("K2_SASL_PASSWORD") or "k2-dev-secret",
                          "bootstrap_servers": ",".join("127.0.0.1:%d" % n["sasl_port"] for n in nodes)}
    if os.environ.get("MONITORING") == "1" or os.environ.get("K2_MONITORING") == "1":
        # the JMX exporter agent's port: 312 above a broker's (9092 -> 9404), 1000 above a registry's
        for node in nodes:
            node["metrics_port"] = node["port"] + 312
        for reg in registries:
            reg["metrics_port"] = reg["port"] + 1000
        port = env_int("K2_PROMETHEUS_PORT", nodes[0]["port"] - 2)
        layout["prometheus"] = {"name": "prometheus", "port": port, "url": "http://127.0.0.1:%d" % port}
    return layout


def state_path():
    return os.path.join(stack_dir(), "stack.json")


def load_layout():
    try:
        with open(state_path()) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def save_layout(layout):
    os.makedirs(stack_dir(), exist_ok=True)
    with open(state_path(), "w") as handle:
        json.dump(layout, handle, indent=2)


def services(layout):
    return [item["name"] for item in service_items(layout)]


def service_items(layout):
    return layout["nodes"] + layout["registries"] + ([layout["prometheus"]] if layout.get("prometheus") else [])


def extra_ports(layout, name):
    """A service's ports besides its main one: [(port, what)]."""
    return [(item[key], what) for item in service_items(layout) if item["name"] == name
            for key, what in (("sasl_port", "the SASL listener"), ("metrics_port", "the JMX exporter agent"))
            if item.get(key)]


def service_port(layout, name):
    for item in service_items(layout):
        if item["name"] == name:
            return item["port"]
    raise StackError("unknown service %r; this stack has %s" % (name, ", ".join(services(layout))))


def log_path(name):
    return os.path.join(stack_dir(), "logs", name + ".log")


def pid_path(name):
    return os.path.join(stack_dir(), "run", name + ".pid")


def layout_differs(layout):
    cluster = os.path.join(stack_dir(), "data")
    if not os.path.isdir(cluster):
        return False
    existing = set(os.listdir(cluster))
    return bool(existing) and not existing <= {n["name"] for n in layout["nodes"]}


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""
