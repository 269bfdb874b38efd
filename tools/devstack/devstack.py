#!/usr/bin/env python3
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
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
POM = os.path.join(HERE, "pom.xml")
LOG4J = os.path.join(HERE, "log4j2.properties")
APICURIO = ("io.apicurio", "apicurio-registry-app", "3.0.9")
JMX_AGENT = ("io.prometheus.jmx", "jmx_prometheus_javaagent", "1.0.1")
JMX_RULES = os.path.join(REPO, "monitoring", "jmx")
ALERT_RULES = os.path.join(REPO, "monitoring", "prometheus", "alerts.yml")
CCOMPAT = "/apis/ccompat/v7"
MARKER = "-Dk2.devstack.service="
print = functools.partial(print, flush=True)  # noqa: A001 - progress lines interleave with stderr
JAVA_MIN = 17


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


# ---------------------------------------------------------------- layout


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
    return [item["name"] for item in _items(layout)]


def _items(layout):
    return layout["nodes"] + layout["registries"] + ([layout["prometheus"]] if layout.get("prometheus") else [])


def extra_ports(layout, name):
    """A service's ports besides its main one: [(port, what)]."""
    return [(item[key], what) for item in _items(layout) if item["name"] == name
            for key, what in (("sasl_port", "the SASL listener"), ("metrics_port", "the JMX exporter agent"))
            if item.get(key)]


def service_port(layout, name):
    for item in _items(layout):
        if item["name"] == name:
            return item["port"]
    raise StackError("unknown service %r; this stack has %s" % (name, ", ".join(services(layout))))


def log_path(name):
    return os.path.join(stack_dir(), "logs", name + ".log")


def pid_path(name):
    return os.path.join(stack_dir(), "run", name + ".pid")


# ---------------------------------------------------------------- processes


def our_pid(name):
    """The pid of service `name` if it runs and is the process we started (marker in its cmdline)."""
    try:
        with open(pid_path(name)) as handle:
            pid = int(handle.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    return pid if marker(name) in cmdline.split("\0") else None


def marker(name):
    """What a service's command line holds that no other process's does: a system property for the Java
    services, the stack's own config file for Prometheus."""
    if name == "prometheus":
        return "--config.file=" + os.path.join(stack_dir(), "config", "prometheus.yml")
    return "%s%s@%s" % (MARKER, name, stack_dir())


def spawn(name, argv):
    os.makedirs(os.path.dirname(pid_path(name)), exist_ok=True)
    os.makedirs(os.path.dirname(log_path(name)), exist_ok=True)
    with open(log_path(name), "ab") as log, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(argv, stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=stack_dir(), preexec_fn=_raise_file_limit)
    with open(pid_path(name), "w") as handle:
        handle.write(str(proc.pid))
    return proc.pid


def _raise_file_limit():
    """A broker with thousands of partitions keeps three files open per segment: lift the limit as far as
    this user may (root may raise the hard limit too)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in ((262144, 262144), (hard, hard)):
        if resource.RLIM_INFINITY not in (soft, hard) and soft >= wanted[0]:
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, wanted)
            return
        except (ValueError, OSError):
            continue


def stop_service(name, grace=30):
    pid = our_pid(name)
    if pid is None:
        _remove(pid_path(name))
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
    _remove(pid_path(name))
    return True


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def port_holder(port):
    """Who listens on 127.0.0.1:port, or None when it is free."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
        return None
    except OSError:
        pass
    finally:
        probe.close()
    try:
        out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % port], capture_output=True,
                             text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    return out or "an unknown process"


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_budget(pid):
    """{open, limit, percent}: the process's open descriptors (/proc/<pid>/fd) against its own limit."""
    try:
        opened = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/limits" % pid) as handle:
            limit = next(int(line.split()[3]) for line in handle if line.startswith("Max open files"))
    except (OSError, ValueError, StopIteration, IndexError):
        return None
    return {"open": opened, "limit": limit, "percent": round(100.0 * opened / limit, 1) if limit else None}


class FdWatch:
    """Context manager: the peak of a process's open descriptors while a block runs (sampled every 50 ms), and
    whether the process was alive throughout. For tests and benchmarks that must stay inside the file budget."""

    def __init__(self, pid):
        import threading
        self.pid, self.peak, self.alive, self._stop = pid, 0, True, threading.Event()
        self.limit = (fd_budget(pid) or {}).get("limit") or 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            budget = fd_budget(self.pid)
            if budget is None:
                self.alive = False
                return
            self.peak = max(self.peak, budget["open"])
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def line(self, label):
        return "%s: peak %d open files of %d (%.1f%%)%s" % (label, self.peak, self.limit, 100.0 * self.peak /
                                                            (self.limit or 1), "" if self.alive else ", PROCESS DIED")


def pending_deletes(node_name, topics=None):
    """Partition directories the broker still holds for deleted topics (each keeps its files open): renamed
    `-delete` ones and, given the topics in metadata, those of topics the metadata no longer has."""
    try:
        names = os.listdir(os.path.join(stack_dir(), "data", node_name))
    except OSError:
        return 0
    live = set(topics or [])
    return sum(1 for d in names if d.endswith("-delete") or (
        topics is not None and "-" in d and d.rsplit("-", 1)[1].isdigit() and not d.startswith("__cluster_metadata")
        and d.rsplit("-", 1)[0] not in live))


def tail(path, lines=25):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 16384))
            return "\n".join(handle.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log at %s)" % path


# ---------------------------------------------------------------- java and downloads


def find_java():
    candidates = []
    for var in ("K2_JAVA",):
        if os.environ.get(var):
            candidates.append(os.environ[var])
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if shutil.which("java"):
        candidates.append(shutil.which("java"))
    seen = []
    for java in candidates:
        try:
            out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r'version "(\d+)', out)
        major = int(match.group(1)) if match else 0
        seen.append("%s (%s)" % (java, major or "unknown version"))
        if major >= JAVA_MIN:
            return java
    raise StackError("the dev stack needs Java %d or newer (Kafka 4 and Apicurio 3.0 run on it); found: %s. "
                     "Install OpenJDK %d or set K2_JAVA/JAVA_HOME." % (JAVA_MIN, ", ".join(seen) or "none",
                                                                       JAVA_MIN))


def run_maven(args, what):
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (mvn) is not on PATH; it fetches %s from Maven Central. Install maven." % what)
    proc = subprocess.run([mvn, "-B", "-q"] + args, capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        lines = [l for l in (proc.stdout + proc.stderr).splitlines() if "ERROR" in l][:6]
        raise StackError("could not download %s with Maven (exit %d):\n  %s" % (what, proc.returncode,
                                                                                "\n  ".join(lines)))


def kafka_classpath():
    with open(POM, "rb") as handle:
        key = hashlib.sha256(handle.read()).hexdigest()[:12]
    cp_file = os.path.join(cache_dir(), "kafka-%s.classpath" % key)
    classpath = _read(cp_file)
    if classpath and all(os.path.exists(j) for j in classpath.split(os.pathsep)):
        return classpath, False
    os.makedirs(cache_dir(), exist_ok=True)
    run_maven(["-f", POM, "dependency:build-classpath", "-Dmdep.outputFile=" + cp_file],
              "Kafka's runtime classpath (org.apache.kafka:kafka_2.13, kafka-tools, log4j-slf4j-impl; "
              "see tools/devstack/pom.xml)")
    return _read(cp_file), True


def apicurio_runner():
    group, artifact, version = APICURIO
    home = os.path.join(cache_dir(), "apicurio-%s" % version)
    runner = os.path.join(home, "%s-%s-runner.jar" % (artifact, version))
    if os.path.exists(runner):
        return runner, False
    download = os.path.join(cache_dir(), "download")
    coords = "%s:%s:%s:tar.gz:all" % (group, artifact, version)
    archive = os.path.join(download, "%s-%s-all.tar.gz" % (artifact, version))
    os.makedirs(download, exist_ok=True)
    # get (not copy): the distribution's parent POM is not on Maven Central, so only a
    # non-transitive get of the attached archive resolves.
    run_maven(["-f", POM, "org.apache.maven.plugins:maven-dependency-plugin:2.8:get", "-Dtransitive=false",
               "-Dartifact=" + coords, "-Ddest=" + archive], "Apicurio Registry (%s)" % coords)
    partial = home + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(partial, filter="data")
    os.replace(partial, home)
    os.remove(archive)
    return runner, True


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


# ---------------------------------------------------------------- kafka


def kafka_metadata(host, port, wait=5.0):
    """One Metadata v4 request over the wire: brokers, cluster id, controller and topic names, or an OSError."""
    client = b"k2-devstack"
    request = struct.pack(">hhih", 3, 4, 7, len(client)) + client + struct.pack(">ib", -1, 0)
    with socket.create_connection((host, port), timeout=wait) as sock:
        sock.settimeout(wait)
        sock.sendall(struct.pack(">i", len(request)) + request)
        size = struct.unpack(">i", _recv(sock, 4))[0]
        data = _recv(sock, size)
    off = 8  # correlation id, throttle time
    count, = struct.unpack_from(">i", data, off)
    off += 4
    brokers = []
    for _ in range(count):
        node, hlen = struct.unpack_from(">ih", data, off)
        off += 6
        bhost = data[off:off + hlen].decode()
        off += hlen
        bport, rlen = struct.unpack_from(">ih", data, off)
        off += 6 + max(rlen, 0)
        brokers.append({"id": node, "host": bhost, "port": bport})
    clen, = struct.unpack_from(">h", data, off)
    off += 2
    cluster_id = data[off:off + clen].decode() if clen >= 0 else None
    off += max(clen, 0)
    controller, = struct.unpack_from(">i", data, off)
    off += 4
    topics = []
    count, = struct.unpack_from(">i", data, off)
    off += 4
    for _ in range(count):  # error code, name, is_internal, partitions [error, index, leader, replicas, isr]
        nlen, = struct.unpack_from(">h", data, off + 2)
        topics.append(data[off + 4:off + 4 + nlen].decode())
        off += 4 + nlen + 1
        parts, = struct.unpack_from(">i", data, off)
        off += 4
        for _ in range(parts):
            off += 10
            for _ in range(2):
                items, = struct.unpack_from(">i", data, off)
                off += 4 + 4 * max(items, 0)
    return {"brokers": brokers, "cluster_id": cluster_id, "controller_id": controller, "topics": topics}


def _recv(sock, size):
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise OSError("connection closed by the broker")
        buf += chunk
    return buf


def write_kafka_config(layout, node):
    data = os.path.join(stack_dir(), "data", node["name"])
    voters = ",".join("%d@127.0.0.1:%d" % (n["id"], n["controller_port"]) for n in layout["nodes"])
    rf = min(3, layout["brokers"])
    listeners = ["PLAINTEXT://127.0.0.1:%d" % node["port"]]
    if node.get("sasl_port"):
        listeners.append("SASL_PLAINTEXT://127.0.0.1:%d" % node["sasl_port"])
    lines = [
        "process.roles=broker,controller",
        "node.id=%d" % node["id"],
        "listeners=%s,CONTROLLER://127.0.0.1:%d" % (",".join(listeners), node["controller_port"]),
        "advertised.listeners=%s" % ",".join(listeners),
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "log.dirs=%s" % data,
        "num.partitions=1",
        "offsets.topic.replication.factor=%d" % rf,
        "offsets.topic.num.partitions=10",
        "transaction.state.log.replication.factor=%d" % rf,
        "transaction.state.log.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        # The file budget (the open-file limit is 20000 here and cannot be raised): a partition holds one open
        # file per log segment (its indexes are memory-mapped and their files closed), and a deleted partition
        # keeps its files until its delete delay has passed. The broker-wide delay is
        # log.segment.delete.delay.ms (60 s by default; `file.delete.delay.ms` is only its topic-level name and
        # does nothing here): 1 s frees deleted partitions as fast as the broker renames them.
        "log.segment.delete.delay.ms=1000",
    ]
    if layout.get("sasl"):
        lines += ["sasl.enabled.mechanisms=SCRAM-SHA-512",
                  "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
                  "org.apache.kafka.common.security.scram.ScramLoginModule required;"]
    if layout["brokers"] == 1:
        lines.append("controller.quorum.bootstrap.servers=127.0.0.1:%d" % node["controller_port"])
    else:
        lines.append("controller.quorum.voters=%s" % voters)
        # Leaders move back only by an explicit preferred leader election, as kafka_health's leaders check
        # advises: Kafka's own rebalance (every 300 s) would otherwise make the faults test's leader counts a race
        lines.append("auto.leader.rebalance.enable=false")
    path = os.path.join(stack_dir(), "config", node["name"] + ".properties")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path, data


def start_kafka_node(layout, node, java, classpath):
    config, data = write_kafka_config(layout, node)
    if not os.path.exists(os.path.join(data, "meta.properties")):
        cluster_file = os.path.join(stack_dir(), "cluster.id")
        cluster_id = _read(cluster_file)
        if not cluster_id:
            cluster_id = _java_out(java, classpath, ["kafka.tools.StorageTool", "random-uuid"]).split()[-1]
            with open(cluster_file, "w") as handle:
                handle.write(cluster_id)
        fmt = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", config, "--ignore-formatted"]
        if layout.get("sasl"):  # SCRAM users of a KRaft cluster are written at format time
            fmt += ["--add-scram", "SCRAM-SHA-512=[name=%s,password=%s]" % (layout["sasl"]["username"],
                                                                            layout["sasl"]["password"])]
        if layout["brokers"] == 1:
            fmt.append("--standalone")
        _java_out(java, classpath, fmt)
    argv = [java, "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-Djava.awt.headless=true", marker(node["name"]),
            "-Dlog4j2.configurationFile=" + LOG4J, "-Dk2.log.file=" + log_path(node["name"])]
    argv += jmx_agent_args(node, "kafka.yml") + ["-cp", classpath, "kafka.Kafka", config]
    return spawn(node["name"], argv)


def _java_out(java, classpath, args):
    proc = subprocess.run([java, "-Dlog4j2.configurationFile=" + LOG4J, "-Dk2.log.file=/dev/null",
                           "-cp", classpath] + args, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise StackError("kafka %s failed:\n%s" % (" ".join(args[:2]), (proc.stdout + proc.stderr)[-2000:]))
    return proc.stdout


def wait_kafka(layout, names, deadline):
    for node in layout["nodes"]:
        if node["name"] not in names:
            continue
        last = None
        while True:
            if our_pid(node["name"]) is None:
                raise StackError("%s exited during start-up. Last lines of %s:\n%s"
                                 % (node["name"], log_path(node["name"]), tail(log_path(node["name"]))))
            try:
                meta = kafka_metadata("127.0.0.1", node["port"])
                if len(meta["brokers"]) >= 1 and meta["controller_id"] >= 0:
                    break
            except (OSError, struct.error) as exc:
                last = exc
            if time.time() > deadline:
                raise StackError("%s did not answer a metadata request on 127.0.0.1:%d within %ds (%s). "
                                 "Last lines of %s:\n%s" % (node["name"], node["port"], timeout(), last,
                                                            log_path(node["name"]), tail(log_path(node["name"]))))
            time.sleep(0.5)
    if len(names) and layout["brokers"] > 1:
        while len(kafka_metadata("127.0.0.1", layout["nodes"][0]["port"])["brokers"]) < layout["brokers"]:
            if time.time() > deadline:
                raise StackError("not every Kafka node joined the cluster within %ds" % timeout())
            time.sleep(0.5)


# ---------------------------------------------------------------- registries


def start_registry(layout, reg, java, runner):
    argv = [java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", marker(reg["name"])]
    argv += jmx_agent_args(reg, "schema-registry.yml")
    argv += ["-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=%d" % reg["port"],
            "-Dapicurio.storage.kind=kafkasql",
            "-Dapicurio.kafkasql.bootstrap.servers=" + layout["bootstrap_servers"],
            "-Dapicurio.rest.deletion.artifact.enabled=true",
            "-Dapicurio.rest.deletion.artifact-version.enabled=true",
            "-Dapicurio.rest.deletion.group.enabled=true",
            "-Dquarkus.log.console.json=false", "-Dquarkus.banner.enabled=false",
            "-jar", runner]
    return spawn(reg["name"], argv)


def http(method, url, body=None, wait=5.0):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=wait) as resp:
        return json.loads(resp.read() or b"null")


def registry_url(reg):
    return "http://127.0.0.1:%d%s" % (reg["port"], CCOMPAT)


def wait_registries(layout, names, deadline):
    for reg in layout["registries"]:
        if reg["name"] not in names:
            continue
        last = None
        while True:
            if our_pid(reg["name"]) is None:
                raise StackError("%s exited during start-up. Last lines of %s:\n%s"
                                 % (reg["name"], log_path(reg["name"]), tail(log_path(reg["name"]))))
            try:
                http("GET", registry_url(reg) + "/subjects")
                break
            except (OSError, ValueError) as exc:
                last = exc
            if time.time() > deadline:
                raise StackError("%s did not answer GET /subjects on %s within %ds (%s). Last lines of %s:\n%s"
                                 % (reg["name"], registry_url(reg), timeout(), last, log_path(reg["name"]),
                                    tail(log_path(reg["name"]))))
            time.sleep(0.5)


def set_global_compatibility(layout):
    """Apicurio's default reads as NONE; the K2 registries run BACKWARD, like Confluent's default."""
    for reg in layout["registries"]:
        if our_pid(reg["name"]) is not None:
            url = registry_url(reg) + "/config"
            if http("GET", url).get("compatibilityLevel") != "BACKWARD":
                http("PUT", url, {"compatibility": "BACKWARD"})
            return


# ---------------------------------------------------------------- monitoring


def jmx_agent_args(item, rules):
    """-javaagent for the Prometheus JMX exporter, serving 127.0.0.1:<metrics_port>, when the stack monitors."""
    if not item.get("metrics_port"):
        return []
    return ["-javaagent:%s=127.0.0.1:%d:%s" % (jmx_agent(), item["metrics_port"], os.path.join(JMX_RULES, rules))]


def jmx_agent():
    group, artifact, version = JMX_AGENT
    jar = os.path.join(cache_dir(), "%s-%s.jar" % (artifact, version))
    if not os.path.exists(jar):
        os.makedirs(cache_dir(), exist_ok=True)
        run_maven(["-f", POM, "org.apache.maven.plugins:maven-dependency-plugin:2.8:get", "-Dtransitive=false",
                   "-Dartifact=%s:%s:%s" % JMX_AGENT, "-Ddest=" + jar + ".partial"],
                  "the Prometheus JMX exporter agent (%s:%s:%s)" % JMX_AGENT)
        os.replace(jar + ".partial", jar)
    return jar


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
    while True:
        if our_pid("prometheus") is None:
            raise StackError("prometheus exited during start-up. Last lines of %s:\n%s"
                             % (log_path("prometheus"), tail(log_path("prometheus"))))
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.time() > deadline:
            raise StackError("prometheus did not answer %s within %ds. Last lines of %s:\n%s"
                             % (url, timeout(), log_path("prometheus"), tail(log_path("prometheus"))))
        time.sleep(0.5)


# ---------------------------------------------------------------- commands


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


def layout_differs(layout):
    cluster = os.path.join(stack_dir(), "data")
    if not os.path.isdir(cluster):
        return False
    existing = set(os.listdir(cluster))
    return bool(existing) and not existing <= {n["name"] for n in layout["nodes"]}


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
            layout["prometheus"]["url"], ", ".join(str(p) for i in _items(layout)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
