"""The k2.kafka_ops dev stack: a real Kafka (KRaft) and two Apicurio registries as local processes.

No Docker: the Kafka runtime classpath and Apicurio's runnable distribution come from Maven Central
(resolved with `mvn`, cached) and run on the machine's Java. Every process is started with a marker
system property and a pid file, and is stopped by that pid only.

Commands: up, down, status [--json], drain [SECONDS], wipe [SERVICE], stop SERVICE, start SERVICE, run -- COMMAND...
(`run` starts what is not running, runs COMMAND with K2_KAFKA_BOOTSTRAP_SERVERS and K2_SCHEMA_REGISTRY_URLS
set to this stack, then stops only what it started).
Environment: BROKERS (1 or 3), K2_KAFKA_PORT, K2_CONTROLLER_PORT, K2_REGISTRY1_PORT, K2_REGISTRY2_PORT,
K2_STACK_DIR (data, logs, pids), K2_CACHE_DIR (downloads), K2_JAVA (a java binary), K2_STACK_TIMEOUT,
MONITORING=1 (the Prometheus JMX exporter agent in every Kafka node and registry, and Debian's Prometheus
scraping them with monitoring/prometheus/alerts.yml loaded; K2_PROMETHEUS_PORT, default the first Kafka port - 2).
Standard library only, so it runs before any virtualenv exists.
"""
import functools
import json
import os
import shutil
import struct
import subprocess
import sys
import time

from .kafka import kafka_metadata, pending_deletes, start_kafka_node, wait_kafka
from .layout import (StackError, extra_ports, layout_differs, load_layout, log_path, plan_layout, save_layout,
                     service_items, service_port, services, stack_dir, state_path, timeout)
from .maven import apicurio_runner, find_java, kafka_classpath
from .monitoring import start_prometheus, wait_prometheus
from .processes import fd_budget, our_pid, port_holder, rss_kib, stop_service, tail
from .registry import http, registry_url, set_global_compatibility, start_registry, wait_registries

print = functools.partial(print, flush=True)  # noqa: A001 - progress lines interleave with stderr


def cmd_up(only=None):
    started = time.time()
    layout = load_layout()
    running = layout and any(our_pid(s) for s in services(layout))
    if running:
        if os.environ.get("BROKERS") and plan_layout()["brokers"] != layout["brokers"]:
            raise StackError("a dev stack with %d node(s) already runs from %s; `make stack-down` first"
                             % (layout["brokers"], stack_dir()))
    else:
        layout = plan_layout()
        if layout_differs(layout):
            raise StackError("%s holds data of a stack with a different node count; `make stack-wipe` first"
                             % stack_dir())
        save_layout(layout)
    todo = [s for s in services(layout) if only in (None, s) and our_pid(s) is None]
    if not todo:
        print("dev stack already running (nothing started)")
        cmd_status()
        return []
    for name in todo:
        for port, what in extra_ports(layout, name):
            if port_holder(port):
                raise StackError("port %d, %s of %s, is already in use by: %s"
                                 % (port, what, name, port_holder(port)))
        holder = port_holder(service_port(layout, name))
        if holder:
            raise StackError("port %d, needed by %s, is already in use by: %s. Stop that process or set "
                             "another port (K2_KAFKA_PORT, K2_REGISTRY1_PORT, ...)."
                             % (service_port(layout, name), name, holder))
    java = find_java()
    try:
        start_services(layout, todo, java)
    except BaseException:
        for name in reversed(todo):  # leave nothing half-started behind
            stop_service(name)
        raise
    print("started %s in %.1fs" % (", ".join(todo), time.time() - started))
    cmd_status()
    return todo


def start_services(layout, todo, java):
    deadline = time.time() + timeout()
    kafka_todo = [n for n in layout["nodes"] if n["name"] in todo]
    if kafka_todo:
        classpath, fetched = kafka_classpath()
        print("kafka classpath: %s" % ("downloaded" if fetched else "cached"))
        for node in kafka_todo:
            start_kafka_node(layout, node, java, classpath)
        wait_kafka(layout, todo, deadline)
    reg_todo = [r for r in layout["registries"] if r["name"] in todo]
    if reg_todo:
        runner, fetched = apicurio_runner()
        print("apicurio registry: %s" % ("downloaded" if fetched else "cached"))
        for reg in reg_todo:
            start_registry(layout, reg, java, runner)
        wait_registries(layout, todo, deadline)
        set_global_compatibility(layout)
    if "prometheus" in todo:
        start_prometheus(layout)
        wait_prometheus(layout, deadline)


def cmd_down(only=None):
    layout = load_layout()
    if not layout:
        print("dev stack: nothing to stop (no %s)" % state_path())
        return
    order = list(reversed(services(layout)))  # registries before Kafka
    stopped = [name for name in order if only in (None, name) and stop_service(name)]
    print("stopped: %s" % (", ".join(stopped) or "nothing was running"))


def describe(layout):
    items = []
    for name in services(layout):
        pid = our_pid(name)
        item = {"service": name, "port": service_port(layout, name), "pid": pid, "running": pid is not None,
                "rss_kib": rss_kib(pid) if pid else 0, "log": log_path(name),
                "files": fd_budget(pid) if pid else None}
        if name in [n["name"] for n in layout["nodes"]]:
            item["pending_deletes"] = pending_deletes(name)
        items.append(item)
    return items


def cmd_status(as_json=False):
    layout = load_layout()
    if not layout:
        if as_json:
            print(json.dumps({"running": False}))
        else:
            print("dev stack: not set up (no %s)" % state_path())
        return 3
    items = describe(layout)
    up = all(i["running"] for i in items)
    if as_json:
        out = dict(layout, running=up, services=items)
        print(json.dumps(out, indent=2))
        return 0 if up else 3
    for item in items:
        state = "running pid %d, %d MiB" % (item["pid"], item["rss_kib"] // 1024) if item["running"] else "stopped"
        if item["files"]:
            state += ", %(open)d of %(limit)d open files (%(percent)s%%)" % item["files"]
        if item.get("pending_deletes"):
            state += ", %d deleted partitions not yet removed" % item["pending_deletes"]
        print("  %-10s 127.0.0.1:%-5d %s" % (item["service"], item["port"], state))
    print("  bootstrap_servers:    %s" % layout["bootstrap_servers"])
    if layout.get("sasl"):
        print("  SASL_PLAINTEXT:       %s (SCRAM-SHA-512, user %s)" % (layout["sasl"]["bootstrap_servers"],
                                                                       layout["sasl"]["username"]))
    print("  schema_registry_urls: %s" % ", ".join(layout["schema_registry_urls"]))
    if layout.get("prometheus"):
        print("  prometheus:           %s (scrapes the JMX exporter agents on %s)" % (
            layout["prometheus"]["url"], ", ".join(str(p) for i in service_items(layout)
                                                   for p, w in extra_ports(layout, i["name"]) if "JMX" in w)))
    print("  total resident memory: %d MiB" % (sum(i["rss_kib"] for i in items) // 1024))
    print("  logs: %s" % os.path.join(stack_dir(), "logs"))
    return 0 if up else 3


def cmd_drain(wait=120.0):
    """Wait until every Kafka node has removed the partitions it deleted (no `-delete` directories left), so the
    next phase of a test or benchmark starts inside the file budget. Decided from the broker's data, not a sleep."""
    layout = load_layout()
    if not layout:
        raise StackError("no dev stack set up in %s" % stack_dir())
    deadline = time.time() + wait
    while True:
        topics = kafka_metadata("127.0.0.1", layout["nodes"][0]["port"])["topics"]
        pending = dict((n["name"], pending_deletes(n["name"], topics)) for n in layout["nodes"])
        if not any(pending.values()):
            files = dict((n["name"], fd_budget(our_pid(n["name"])) if our_pid(n["name"]) else None)
                         for n in layout["nodes"])
            print("drained: no deleted partitions left; open files %s" % ", ".join(
                "%s %s" % (k, "%(open)d/%(limit)d" % v if v else "stopped") for k, v in sorted(files.items())))
            return 0
        if time.time() > deadline:
            raise StackError("after %ds the brokers still hold deleted partitions (%s); look at the broker log (%s)"
                             % (wait, ", ".join("%s: %d" % kv for kv in sorted(pending.items())),
                                log_path(layout["nodes"][0]["name"])))
        time.sleep(0.5)


def check_alive(layout):
    """[] when every service runs and answers; else one explanation per dead or silent service, with its log."""
    problems = []
    for node in layout["nodes"]:
        if our_pid(node["name"]) is None:
            problems.append("%s is not running" % node["name"])
            continue
        try:
            kafka_metadata("127.0.0.1", node["port"])
        except (OSError, struct.error) as exc:
            problems.append("%s runs but does not answer on 127.0.0.1:%d (%s)" % (node["name"], node["port"], exc))
    for reg in layout["registries"]:
        if our_pid(reg["name"]) is None:
            problems.append("%s is not running" % reg["name"])
            continue
        try:
            http("GET", registry_url(reg) + "/subjects")
        except (OSError, ValueError) as exc:
            problems.append("%s runs but does not answer %s (%s)" % (reg["name"], registry_url(reg), exc))
    if layout.get("prometheus") and our_pid("prometheus") is None:
        problems.append("prometheus is not running")
    return ["%s. Last lines of %s:\n%s" % (p, log_path(p.split()[0]), tail(log_path(p.split()[0])))
            for p in problems]


def cmd_run(command):
    """Run `command` with the stack up; afterwards check that every service is still alive and answering (a
    green run with a dead broker behind it is a failure), then stop exactly the services this call started."""
    started = cmd_up()
    layout = load_layout()
    env = dict(os.environ, K2_KAFKA_BOOTSTRAP_SERVERS=layout["bootstrap_servers"],
               K2_SCHEMA_REGISTRY_URLS=",".join(layout["schema_registry_urls"]))
    for name in ("MONITORING", "K2_MONITORING"):  # for this stack only, not for stacks the command starts
        env.pop(name, None)
    if layout.get("prometheus"):
        env["K2_PROMETHEUS_URL"] = layout["prometheus"]["url"]
    try:
        code = subprocess.call(command, env=env)
        dead = check_alive(layout)
        for problem in dead:
            print("devstack: after the run, %s" % problem, file=sys.stderr)
        if not dead:
            print("devstack: every service is still running and answering after the run")
        return code or (1 if dead else 0)
    finally:
        if started:
            for name in reversed(started):
                stop_service(name)
            print("stopped what this run started: %s" % ", ".join(reversed(started)))


def cmd_wipe(only=None):
    """Stop and delete everything, or with `only` the data of one stopped service (a Kafka node's log
    directory; a registry keeps its state in Kafka, so it has nothing of its own to wipe)."""
    if only is None:
        cmd_down()
        shutil.rmtree(stack_dir(), ignore_errors=True)
        print("wiped %s" % stack_dir())
        return
    if our_pid(only) is not None:
        raise StackError("%s is running; stop it first (devstack.py stop %s)" % (only, only))
    data = os.path.join(stack_dir(), "data", only)
    shutil.rmtree(data, ignore_errors=True)
    print("wiped %s" % (data if only.startswith("kafka") else "%s (nothing of its own: its state is in Kafka)" % only))


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command == "up":
            cmd_up()
        elif command == "down":
            cmd_down()
        elif command == "status":
            return cmd_status(as_json="--json" in rest)
        elif command == "drain":
            return cmd_drain(float(rest[0]) if rest else 120.0)
        elif command == "wipe" and len(rest) <= 1:
            if rest:
                layout = load_layout()
                if not layout:
                    raise StackError("no dev stack set up in %s; nothing to wipe" % stack_dir())
                service_port(layout, rest[0])
            cmd_wipe(*rest)
        elif command == "run" and rest[:1] == ["--"] and len(rest) > 1:
            return cmd_run(rest[1:])
        elif command in ("start", "stop") and len(rest) == 1:
            layout = load_layout()
            if not layout:
                raise StackError("no dev stack set up in %s; run `make stack-up` first" % stack_dir())
            service_port(layout, rest[0])
            (cmd_up if command == "start" else cmd_down)(rest[0])
        else:
            raise StackError("usage: devstack.py up|down|status [--json]|drain [SECONDS]|wipe [SERVICE]|start SERVICE|"
                             "stop SERVICE|"
                             "run -- COMMAND...")
    except StackError as exc:
        print("devstack: %s" % exc, file=sys.stderr)
        return 1
    return 0
