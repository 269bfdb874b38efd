"""The stack's Kafka nodes (KRaft, broker and controller in one process): their config, storage format and
start, a Metadata request over the wire to see them answer, and the partitions they have yet to delete."""
import functools
import os
import socket
import struct
import subprocess
import time

from .layout import TOOL_DIR, StackError, log_path, read_text, stack_dir, timeout
from .monitoring import jmx_agent_args
from .processes import marker, spawn, wait_for

LOG4J = os.path.join(TOOL_DIR, "log4j2.properties")


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
        cluster_id = read_text(cluster_file)
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
        if node["name"] in names:
            wait_for(node["name"], functools.partial(_has_controller, node["port"]),
                     "a metadata request on 127.0.0.1:%d" % node["port"], deadline, (OSError, struct.error))
    if len(names) and layout["brokers"] > 1:
        while len(kafka_metadata("127.0.0.1", layout["nodes"][0]["port"])["brokers"]) < layout["brokers"]:
            if time.time() > deadline:
                raise StackError("not every Kafka node joined the cluster within %ds" % timeout())
            time.sleep(0.5)


def _has_controller(port):
    meta = kafka_metadata("127.0.0.1", port)
    return len(meta["brokers"]) >= 1 and meta["controller_id"] >= 0


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
