"""`make bench`: figures measured on the running dev stack, each printed as a ratio against a baseline
measured in the same run. Not a test: it asserts nothing about time, it prints.

(a) no-op reconcile of 1,000 K2-style topics: one kafka_topic task vs one task per topic. The loop is timed
    at 100 and at 200 topics: the difference is the per-topic cost without ansible-playbook's start-up, and the
    1,000-topic loop is start-up + 1,000 x that cost.
(b) the same no-op reconcile vs the bare AdminClient describe calls it needs (the floor)
(c) creating 300 topics of 10 partitions: one kafka_topic task vs one bare create_topics batch; every timed
    call is checked to have created all 300 topics with 10 partitions
(d) backup.yml of 1,000 topics and 300 subjects x 3 versions vs the minimal reads it needs
(e) add_exchange.yml vs the same procedure done by hand in one process, as the runbook's Python does it
Between phases the broker drains (devstack.py drain: its deleted partitions are removed, decided from its
metadata and data directory); each phase prints the broker's peak open files against its limit.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, ".collections"))

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicCollection  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType  # noqa: E402

from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import KafkaAdmin  # noqa: E402
from ansible_collections.k2.kafka_ops.plugins.module_utils.topics import normalize_specs, reconcile  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "tools", "devstack"))
import devstack  # noqa: E402  pylint: disable=wrong-import-position

BOOTSTRAP = os.environ.get("K2_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
PREFIX = "bench.%d." % os.getpid()
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def k2_topics(count):
    """count K2-style topics: exchanges x (trades, quotes, reference_data), 1 to 10 partitions."""
    out = []
    for i in range(count):
        exchange, data_type = divmod(i, 3)
        dt = ("trades", "quotes", "reference_data")[data_type]
        out.append({"name": "%smarket.equities.%s.x%03d" % (PREFIX, dt, exchange), "partitions": 1 + i % 10,
                    "replication_factor": 1,
                    "config": {"retention.ms": "604800000", "compression.type": "lz4", "min.insync.replicas": "1"}})
    return out


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def playbook(tasks, variables, expect_noop=True):
    """Run ansible-playbook with one play on localhost; return wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vars.json"), "w") as handle:
            json.dump(variables, handle)
        path = os.path.join(tmp, "play.yml")
        with open(path, "w") as handle:
            json.dump([{"hosts": "localhost", "gather_facts": False, "connection": "local",
                        "vars_files": [os.path.join(tmp, "vars.json")], "tasks": tasks}], handle)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"))
        started = time.perf_counter()
        command = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", "ansible_python_interpreter=" + sys.executable, path]
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit("playbook failed:\n%s" % proc.stdout[-3000:])
    if expect_noop and "changed=0" not in proc.stdout:
        sys.exit("a no-op run reported changes:\n%s" % proc.stdout[-2000:])
    return elapsed


def bare_describe(names):
    client = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for future in client.describe_topics(TopicCollection(names)).values():
        future.result()
    resources = [ConfigResource(ResourceType.TOPIC, n) for n in names]
    for future in client.describe_configs(resources).values():
        future.result()


def module_reconcile(topics, check=False):
    result = reconcile(KafkaAdmin({"bootstrap_servers": BOOTSTRAP, "request_timeout": 60}),
                       normalize_specs(topics, "present", "topics"), check_mode=check)
    return result["changed"]


REGISTRY = (os.environ.get("K2_SCHEMA_REGISTRY_URLS") or "http://127.0.0.1:8081/apis/ccompat/v7").split(",")[0]


def register_subjects(count, versions):
    """count subjects with `versions` compatible versions each, registered over one keep-alive connection."""
    import httpx
    names = ["%ss%03d-value" % (PREFIX, i) for i in range(count)]
    with httpx.Client(base_url=REGISTRY, timeout=30) as http:
        for name in names:
            fields = [{"name": "symbol", "type": "string"}]
            for version in range(versions):
                if version:
                    fields.append({"name": "f%d" % version, "type": "int", "default": 0})
                schema = json.dumps({"type": "record", "name": "R", "fields": fields})
                http.post("/subjects/%s/versions" % name, json={"schema": schema}).raise_for_status()
    return names


def delete_subjects(names):
    import httpx
    with httpx.Client(base_url=REGISTRY, timeout=30) as http:
        for name in names:
            http.delete("/subjects/%s" % name)
            http.delete("/subjects/%s?permanent=true" % name)


def minimal_backup_reads(client, names, subjects):
    """What a backup must read, done directly: topics, configs, subjects with every version and level, groups."""
    import httpx
    bare_describe(names)
    with httpx.Client(base_url=REGISTRY, timeout=30) as http:
        listed = [n for n in http.get("/subjects", params={"subjectPrefix": PREFIX}).json()
                  if n.startswith(PREFIX)]  # Apicurio ignores subjectPrefix
        for name in listed:
            for version in http.get("/subjects/%s/versions" % name).json():
                http.get("/subjects/%s/versions/%s" % (name, version)).json()
            http.get("/config/%s" % name)
        http.get("/config")
        http.get("/mode")
    groups = [g.group_id for g in client.list_consumer_groups().result().valid]
    for group in groups:
        list(client.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]).values())[0].result()
    return len(listed) == len(subjects)


def run_playbook_file(playbook, extra_vars):
    """Wall seconds of ansible-playbook playbooks/<playbook> on the dev stack inventory; exits on failure."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"))
    started = time.perf_counter()
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "inventories/local", "playbooks/" + playbook, "-e",
                           json.dumps(extra_vars)], capture_output=True, text=True, env=env, cwd=REPO, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit("%s failed:\n%s" % (playbook, proc.stdout[-3000:]))
    return elapsed


def drain():
    """Wait until the broker has removed what was deleted, so the next phase starts inside the file budget."""
    devstack.cmd_drain(300)


def broker_pid():
    layout = devstack.load_layout()
    return devstack.our_pid(layout["nodes"][0]["name"])


def created(client, names, partitions):
    """Assert that every name exists with `partitions` partitions (a timed create must have done its work)."""
    for dummy in range(100):
        meta = client.list_topics(timeout=30).topics
        if all(n in meta and len(meta[n].partitions) == partitions for n in names):
            return True
        time.sleep(0.2)
    missing = [n for n in names if n not in meta or len(meta[n].partitions) != partitions]
    sys.exit("a timed create did not create %d of %d topics, e.g. %s" % (len(missing), len(names), missing[:3]))


def manual_add_exchange(client, exchange):
    """add_exchange by hand, as the runbook's Python snippets do it: create the three topics with their configs,
    check the asset class's subjects exist, describe the topics back."""
    import httpx
    stream = {"compression.type": "lz4", "retention.ms": "604800000", "cleanup.policy": "delete",
              "min.insync.replicas": "1"}
    reference = {"cleanup.policy": "compact", "compression.type": "lz4", "min.compaction.lag.ms": "60000",
                 "delete.retention.ms": "86400000", "segment.ms": "604800000", "min.insync.replicas": "1"}
    topics = [NewTopic("market.equities.%s.%s" % (dt, exchange), parts, 1, config=config)
              for dt, parts, config in (("trades", 30, stream), ("quotes", 30, stream), ("reference_data", 1, reference))]
    for future in client.create_topics(topics, operation_timeout=60).values():
        future.result()
    with httpx.Client(base_url=REGISTRY, timeout=30) as http:
        for dt in ("trades", "quotes", "reference_data"):
            http.get("/subjects/market.equities.%s-value/versions/latest" % dt).raise_for_status()
    created(client, [t.topic for t in topics[:2]], 30)
    for future in client.describe_topics(TopicCollection([t.topic for t in topics])).values():
        future.result()


def delete_all(client, prefix=PREFIX):
    names = [n for n in client.list_topics(timeout=30).topics if n.startswith(prefix)
             and (prefix != "market.equities." or n.endswith(".bench%d" % os.getpid()))]
    for start in range(0, len(names), 200):
        for future in client.delete_topics(names[start:start + 200], operation_timeout=60).values():
            try:
                future.result()
            except KafkaException as exc:  # already gone: a delete still propagating
                if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
    if names:  # the controller has committed the deletes; wait until the broker's metadata has them too
        deadline, gone = time.time() + 300, set(names)
        while gone & set(client.list_topics(timeout=30).topics):
            if time.time() > deadline:
                sys.exit("300 s after deleting them, the broker still lists %d bench topics"
                         % len(gone & set(client.list_topics(timeout=30).topics)))
            time.sleep(0.2)
        drain()


def wait_visible(client, names):
    for dummy in range(100):
        if set(names) <= set(client.list_topics(timeout=30).topics):
            return
        time.sleep(0.2)


def loop_playbook(topics, count):
    return playbook([{"name": "reconcile one topic", "loop": "{{ topics[:%d] }}" % count,
                      "k2.kafka_ops.kafka_topic": {
                          "bootstrap_servers": BOOTSTRAP, "name": "{{ item.name }}", "partitions": "{{ item.partitions }}",
                          "replication_factor": 1, "config": "{{ item.config }}"}}], {"topics": topics})


def main():
    client = AdminClient({"bootstrap.servers": BOOTSTRAP})
    topics = k2_topics(1000)
    names = [t["name"] for t in topics]
    figures, peaks = [], []
    delete_all(client, "bench.")  # what an interrupted earlier run left

    def phase(label):
        watch = devstack.FdWatch(broker_pid())
        peaks.append((label, watch))
        return watch
    try:
        # setup: create the 1,000 topics (untimed), then check they reconcile to a no-op
        with phase("setup: create 1,000 topics"):
            for start in range(0, len(topics), 250):
                module_reconcile(topics[start:start + 250])
            wait_visible(client, names)
            assert module_reconcile(topics) is False, "setup did not converge"

        # (a) one task vs a task per topic: the per-topic cost from loops of 100 and 200 (start-up cancels out)
        with phase("(a) no-op reconcile, one task and loops"):
            one = playbook([{"name": "reconcile 1,000 topics", "k2.kafka_ops.kafka_topic": {
                "bootstrap_servers": BOOTSTRAP, "topics": "{{ topics }}"}}], {"topics": topics})
            loop100, loop200 = loop_playbook(topics, 100), loop_playbook(topics, 200)
        each = (loop200 - loop100) / 100.0
        startup = max(loop100 - 100 * each, 0.0)
        loop1000 = startup + 1000 * each
        figures.append(("(a) no-op reconcile of 1,000 topics: one task %.1fs vs one task per topic %.1fs (loops of 100 "
                        "and 200 took %.1fs and %.1fs: %.3fs per topic after %.1fs of start-up)"
                        % (one, loop1000, loop100, loop200, each, startup), loop1000 / one, ">= 20x faster"))

        # (b) module logic vs the bare describe calls it needs, both in process, best of 3 (each a checked no-op)
        with phase("(b) no-op reconcile in process"):
            floor = min(timed(lambda: bare_describe(names))[0] for dummy in range(3))
            runs = [timed(lambda: module_reconcile(topics)) for dummy in range(3)]
        assert not any(changed for dummy, changed in runs), "a no-op reconcile changed something"
        mod = min(elapsed for elapsed, dummy in runs)
        figures.append(("(b) no-op reconcile in process: kafka_topic %.2fs vs bare describe_topics + describe_configs "
                        "%.2fs (floor)" % (mod, floor), mod / floor, "<= 2x the floor"))

        # (d) backup.yml of the 1,000 topics and 300 subjects x 3 versions vs the minimal reads it needs
        subjects = register_subjects(300, 3)
        with phase("(d) backup"), tempfile.TemporaryDirectory() as tmp:
            backup = run_playbook_file("backup.yml", {"k2_backup_dir": tmp, "k2_backup_subject_prefix": PREFIX,
                                                      "k2_backup_topic_pattern": "^" + PREFIX.replace(".", r"\.")})
            manifest = json.load(open(os.path.join(tmp, os.listdir(tmp)[0], "manifest.json")))
            assert manifest["counts"]["topics"] == 1000 and manifest["counts"]["subjects"] == 300, manifest["counts"]
            assert manifest["counts"]["versions"] == 900, manifest["counts"]
            reads_runs = [timed(lambda: minimal_backup_reads(client, names, subjects)) for dummy in range(2)]
        assert all(ok for dummy, ok in reads_runs), "the minimal reads did not see every subject"
        reads = min(elapsed for elapsed, dummy in reads_runs)
        figures.append(("(d) backup.yml of 1,000 topics + 300 subjects x 3 versions %.1fs vs the minimal reads in one "
                        "process %.1fs" % (backup, reads), backup / reads, "<= 2x"))
        delete_subjects(subjects)
        delete_all(client)

        # (e) add_exchange.yml end to end (3 topics, subjects verified) vs the same by hand in one process
        with phase("(e) add_exchange"):
            add = {"asset_class": "equities", "exchange": "bench%d" % os.getpid(), "partitions": 30,
                   "k2_smoke_test": False}
            first = run_playbook_file("add_exchange.yml", add)
            created(client, ["market.equities.trades.bench%d" % os.getpid()], 30)
            rerun = run_playbook_file("add_exchange.yml", add)
            delete_all(client, "market.equities.")  # only the bench exchange's topics end in benchNNN
            by_hand = timed(lambda: manual_add_exchange(client, "bench%d" % os.getpid()))[0]
            delete_all(client, "market.equities.")
        figures.append(("(e) add_exchange.yml %.1fs (its no-op rerun %.1fs) vs the same procedure by hand in one process "
                        "%.2fs" % (first, rerun, by_hand), first / by_hand,
                        "reported: ansible-playbook start-up dominates"))

        # (c) create 300 topics x 10 partitions: one task vs one bare create_topics batch
        many = [{"name": "%screate.a%03d" % (PREFIX, i), "partitions": 10, "replication_factor": 1, "config": {}}
                for i in range(300)]
        bare = [NewTopic("%screate.b%03d" % (PREFIX, i), 10, 1) for i in range(300)]

        def bare_create():
            for future in client.create_topics(bare, operation_timeout=120).values():
                future.result()
        bases, tasks = [], []
        with phase("(c) create 300 x 10, best of 3"):
            for dummy in range(3):  # best of 3, draining in between: one create is a fraction of a second
                bases.append(timed(bare_create)[0])
                created(client, [t.topic for t in bare], 10)
                elapsed, changed = timed(lambda: module_reconcile(many))
                assert changed, "kafka_topic created nothing"
                created(client, [t["name"] for t in many], 10)
                tasks.append(elapsed)
                delete_all(client)
        base, task = min(bases), min(tasks)
        figures.append(("(c) create 300 topics x 10 partitions: kafka_topic logic %.2fs vs bare create_topics %.2fs "
                        "(best of 3)" % (task, base), task / base, "<= 1.5x"))
        bare = [NewTopic("%screate.c%03d" % (PREFIX, i), 10, 1) for i in range(300)]
        many = [dict(t, name=t["name"].replace("create.a", "create.d")) for t in many]
        with phase("(c') create 300 x 10 through ansible-playbook"):
            base = timed(bare_create)[0]
            created(client, [t.topic for t in bare], 10)
            task = playbook([{"name": "create 300 topics", "k2.kafka_ops.kafka_topic": {
                "bootstrap_servers": BOOTSTRAP, "topics": "{{ topics }}"}}], {"topics": many}, expect_noop=False)
            created(client, [t["name"] for t in many], 10)
        figures.append(("(c') the same through ansible-playbook (one task, process start-up included) %.2fs vs bare "
                        "create_topics %.2fs" % (task, base), task / base, "for reference"))
    finally:
        delete_all(client)
    print("\nk2.kafka_ops benchmarks (dev stack at %s)" % BOOTSTRAP)
    for text, ratio, target in figures:
        print("  %s\n      ratio %.2fx   target %s" % (text, ratio, target))
    print("\nthe broker's open files per phase (its limit cannot be raised on these machines)")
    for label, watch in peaks:
        print("  " + watch.line(label))
    if any(not watch.alive for dummy, watch in peaks):
        sys.exit("the broker died during the benchmark")


if __name__ == "__main__":
    main()
