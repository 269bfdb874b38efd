"""`make bench`: figures measured on the running dev stack, each printed as a ratio against a baseline
measured in the same run. Not a test: it asserts nothing about time, it prints.

Task times come from Ansible's own junit callback (task start to result, AnsiballZ start-up included); floors
are fresh Python processes (interpreter start-up and imports included) doing the bare calls, timed from outside.

(1) no-op reconcile of 1,000 K2-style topics: the kafka_topic task vs a fresh process that describes the same
    topics and their configs
(2) create 1,000 topics: the kafka_topic task vs a fresh process with one create_topics; both checked
(3) no-op register_schemas.yml with 300 subjects: the schema_subject task, and the playbook, vs a fresh process
    reading each subject's latest version and level over one connection
(4) backup.yml of 1,000 topics + 300 subjects x 3 versions: its module tasks, and the playbook, vs a fresh
    process doing the minimal reads
(5) apply_topics.yml on two clusters (a second dev stack) in one run vs the same playbook on one (--limit)
(a) the 1,000-topic no-op: one kafka_topic task vs one task per topic (loops of 100 and 200 give the
    per-topic cost without ansible-playbook's start-up; the 1,000-topic loop is start-up + 1,000 x that)
(e) add_exchange.yml vs the same procedure done by hand in one process, as the runbook's Python does it
Between phases the broker drains (devstack.py drain: its deleted partitions are removed, decided from its
metadata and data directory); each phase prints the broker's peak open files against its limit.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for helpers
from helpers import COLLECTIONS, REPO, run_playbook  # noqa: E402

sys.path.insert(0, COLLECTIONS)

from confluent_kafka import KafkaError, KafkaException, TopicCollection  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

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
    """Run ansible-playbook with one play on localhost; return (wall seconds, {task: seconds})."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vars.json"), "w") as handle:
            json.dump(variables, handle)
        path = os.path.join(tmp, "play.yml")
        with open(path, "w") as handle:
            json.dump([{"hosts": "localhost", "gather_facts": False, "connection": "local",
                        "vars_files": [os.path.join(tmp, "vars.json")], "tasks": tasks}], handle)
        wall, times, out = timed_playbook(["-i", "localhost,", "-e", "ansible_python_interpreter=" + sys.executable,
                                           path])
    if expect_noop and "changed=0" not in out:
        sys.exit("a no-op run reported changes:\n%s" % out[-2000:])
    return wall, times


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


def run_playbook_file(playbook, extra_vars):
    """Wall seconds of ansible-playbook playbooks/<playbook> on the dev stack inventory; exits on failure."""
    started = time.perf_counter()
    rc, out, dummy = run_playbook(playbook, extra_vars)
    elapsed = time.perf_counter() - started
    if rc != 0:
        sys.exit("%s failed:\n%s" % (playbook, out[-3000:]))
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
                          "replication_factor": 1, "config": "{{ item.config }}"}}], {"topics": topics})[0]


def junit_task_times(directory):
    """{"play: task": seconds, summed over hosts} from the junit callback's reports in `directory`."""
    from xml.etree import ElementTree
    out = {}
    for name in os.listdir(directory):
        for case in ElementTree.parse(os.path.join(directory, name)).iter("testcase"):
            task = case.get("name").split("] ", 1)[-1]  # "[host] play: task", counted over every host
            out[task] = out.get(task, 0.0) + float(case.get("time"))
    return out


def timed_playbook(args, cwd=REPO, env=None):
    """(wall seconds, {task: seconds}, output) of ansible-playbook `args`, with the junit callback on."""
    with tempfile.TemporaryDirectory() as reports:
        run_env = dict(env or os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
                       ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_OUTPUT_DIR=reports,
                       JUNIT_HIDE_TASK_ARGUMENTS="true", ANSIBLE_NOCOLOR="1")
        started = time.perf_counter()
        proc = subprocess.run([ANSIBLE_PLAYBOOK] + args, capture_output=True, text=True, env=run_env, cwd=cwd,
                              check=False)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit("ansible-playbook %s failed:\n%s" % (" ".join(args), proc.stdout[-3000:]))
        return wall, junit_task_times(reports), proc.stdout


def task_time(times, fragment):
    """The one task whose name contains `fragment` (exits when none or several do)."""
    found = [t for t in times if fragment in t]
    if len(found) != 1:
        sys.exit("expected one task named like %r, found %s" % (fragment, sorted(times)))
    return times[found[0]]


def fresh_process(code):
    """Wall seconds of a new Python process running `code`, which must print ok."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        sys.exit("floor process failed:\n%s%s" % (proc.stdout[-2000:], proc.stderr[-2000:]))
    return elapsed


FLOOR_DESCRIBE = """
import sys
from confluent_kafka import TopicCollection
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
names = %r
client = AdminClient({"bootstrap.servers": %r})
for future in client.describe_topics(TopicCollection(names)).values():
    future.result()
for future in client.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in names]).values():
    assert future.result()
print("ok")
"""

FLOOR_CREATE = """
from confluent_kafka.admin import AdminClient, NewTopic
client = AdminClient({"bootstrap.servers": %r})
for future in client.create_topics([NewTopic(n, 1, 1) for n in %r], operation_timeout=120).values():
    future.result()
print("ok")
"""

FLOOR_SUBJECTS = """
import httpx
with httpx.Client(base_url=%r, timeout=30) as http:
    for name in %r:
        assert http.get("/subjects/%%s/versions/latest" %% name).json()["version"] == 1
        http.get("/config/%%s" %% name)
print("ok")
"""

FLOOR_BACKUP = """
import httpx
from confluent_kafka import ConsumerGroupTopicPartitions, TopicCollection
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
names, prefix = %r, %r
client = AdminClient({"bootstrap.servers": %r})
for future in client.describe_topics(TopicCollection(names)).values():
    future.result()
for future in client.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in names]).values():
    future.result()
with httpx.Client(base_url=%r, timeout=30) as http:
    listed = [n for n in http.get("/subjects").json() if n.startswith(prefix)]
    versions = 0
    for name in listed:
        for version in http.get("/subjects/%%s/versions" %% name).json():
            http.get("/subjects/%%s/versions/%%s" %% (name, version)).json()
            versions += 1
        http.get("/config/%%s" %% name)
    http.get("/config")
    http.get("/mode")
assert len(listed) == 300 and versions == 900, (len(listed), versions)
for group in [g.group_id for g in client.list_consumer_groups().result().valid]:
    list(client.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]).values())[0].result()
print("ok")
"""


def schema_site(tmp, classes):
    """A site directory whose topics.yaml has `classes` asset classes x 3 data types: 3 x classes subjects."""
    site = os.path.join(tmp, "site")
    shutil.copytree(os.path.join(REPO, "examples", "k2-platform"), site)
    path = os.path.join(site, "config", "kafka", "topics.yaml")
    import yaml
    config = yaml.safe_load(open(path))
    config["asset_classes"] = dict(("c%03d" % i, {"exchanges": {"x": {"partitions": 1}}}) for i in range(classes))
    config["schema_registry"]["subject_pattern"] = PREFIX + "{asset_class}.{data_type}-value"
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)
    names = ["%sc%03d.%s-value" % (PREFIX, i, dt) for i in range(classes)
             for dt in ("trades", "quotes", "reference_data")]
    return site, names


def second_stack(tmp):
    """Start a second single-node dev stack on other ports; returns (its status, a function that stops it)."""
    env = dict(os.environ, K2_STACK_DIR=os.path.join(tmp, "stack-b"), BROKERS="1", K2_KAFKA_PORT="9592",
               K2_CONTROLLER_PORT="9593", K2_REGISTRY1_PORT="8581", K2_REGISTRY2_PORT="8582")
    for var in ("K2_KAFKA_BOOTSTRAP_SERVERS", "K2_SCHEMA_REGISTRY_URLS"):
        env.pop(var, None)
    tool = [sys.executable, os.path.join(REPO, "tools", "devstack", "devstack.py")]
    started = subprocess.run(tool + ["up"], env=env, capture_output=True, text=True, check=False)

    def stop():
        subprocess.run(tool + ["down"], env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        stop()
        sys.exit("the second dev stack did not start:\n%s%s" % (started.stdout, started.stderr))
    status = subprocess.run(tool + ["status", "--json"], env=env, capture_output=True, text=True, check=False)
    return json.loads(status.stdout), stop


def two_cluster_inventory(tmp, site, clusters):
    import yaml
    hosts = dict((name, {"k2_connection": {"bootstrap_servers": info["bootstrap_servers"], "request_timeout": 60,
                                           "schema_registry_urls": info["schema_registry_urls"]}})
                 for name, info in clusters.items())
    path = os.path.join(tmp, "regions.yml")
    with open(path, "w") as handle:
        yaml.safe_dump({"all": {"children": {"kafka_admin": {"hosts": hosts}},
                                "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                         "k2_environment": "dev", "k2_platform_dir": site}}}, handle)
    return path


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

        # (1) the no-op task against a fresh process describing the same; (a) one task against a task per topic
        with phase("(1)(a) no-op reconcile, one task, loops, floor"):
            runs = [playbook([{"name": "reconcile 1,000 topics", "k2.kafka_ops.kafka_topic": {
                "bootstrap_servers": BOOTSTRAP, "topics": "{{ topics }}"}}], {"topics": topics}) for dummy in range(3)]
            one = min(wall for wall, dummy in runs)
            task = min(task_time(times, "reconcile 1,000 topics") for dummy, times in runs)   # best of 3
            floor = min(fresh_process(FLOOR_DESCRIBE % (names, BOOTSTRAP)) for dummy in range(2))
            loop100, loop200 = loop_playbook(topics, 100), loop_playbook(topics, 200)
        figures.append(("(1) no-op reconcile of 1,000 topics: the kafka_topic task %.2fs vs a fresh process describing "
                        "the topics and their configs %.2fs" % (task, floor), task / floor, "<= 1.3x"))
        each = (loop200 - loop100) / 100.0
        startup = max(loop100 - 100 * each, 0.0)
        loop1000 = startup + 1000 * each
        figures.append(("(a) the same, one task %.1fs (ansible-playbook wall) vs one task per topic %.1fs (loops of "
                        "100 and 200 took %.1fs and %.1fs: %.3fs per topic after %.1fs of start-up)"
                        % (one, loop1000, loop100, loop200, each, startup), loop1000 / one, ">= 20x faster"))

        # (4) backup.yml of the 1,000 topics and 300 subjects x 3 versions vs the minimal reads in a fresh process
        subjects = register_subjects(300, 3)
        with phase("(4) backup"), tempfile.TemporaryDirectory() as tmp:
            wall, times, dummy = timed_playbook([
                "-i", "inventories/local", "playbooks/backup.yml", "-e",
                json.dumps({"k2_backup_dir": tmp, "k2_backup_subject_prefix": PREFIX,
                            "k2_backup_topic_pattern": "^" + PREFIX.replace(".", r"\.")})])
            folder = [os.path.join(d, f) for d in glob.glob(os.path.join(tmp, "*")) for f in os.listdir(d)]
            manifest = json.load(open(os.path.join(folder[0], "manifest.json")))
            assert manifest["counts"]["topics"] == 1000 and manifest["counts"]["subjects"] == 300, manifest["counts"]
            assert manifest["counts"]["versions"] == 900, manifest["counts"]
            reads = ("Read the cluster identity", "Read topics, partitions", "Read every subject",
                     "Read consumer group offsets", "Write the backup in one step")
            modules = sum(task_time(times, t) for t in reads)
            floor = min(fresh_process(FLOOR_BACKUP % (names, PREFIX, BOOTSTRAP, REGISTRY)) for dummy in range(2))
        figures.append(("(4) backup.yml of 1,000 topics + 300 subjects x 3 versions: its 5 module tasks %.2fs "
                        "(the playbook %.1fs, %d tasks) vs the minimal reads in a fresh process %.2fs"
                        % (modules, wall, len(times), floor), modules / floor, "<= 2x"))
        figures.append(("(4') the same, ansible-playbook's wall time %.1fs vs the floor %.2fs" % (wall, floor),
                        wall / floor, "for reference: ansible-playbook start-up and the site role included"))
        delete_subjects(subjects)
        delete_all(client)

        # (2) create 1,000 topics: the task vs a fresh process with one create_topics; both checked
        with phase("(2) create 1,000 topics, task and floor"):
            made = ["%screate.a%04d" % (PREFIX, i) for i in range(1000)]
            dummy, times = playbook([{"name": "create 1,000 topics", "k2.kafka_ops.kafka_topic": {
                "bootstrap_servers": BOOTSTRAP, "request_timeout": 120, "topics": "{{ topics }}"}}],
                {"topics": [{"name": n, "partitions": 1, "replication_factor": 1} for n in made]}, expect_noop=False)
            created(client, made, 1)
            task = task_time(times, "create 1,000 topics")
            delete_all(client)
            bare = ["%screate.b%04d" % (PREFIX, i) for i in range(1000)]
            floor = fresh_process(FLOOR_CREATE % (BOOTSTRAP, bare))
            created(client, bare, 1)
            delete_all(client)
        figures.append(("(2) create 1,000 topics: the kafka_topic task %.2fs vs a fresh process with one create_topics "
                        "%.2fs" % (task, floor), task / floor, "<= 1.5x"))

        # (3) no-op register_schemas.yml with 300 subjects vs a fresh process reading each subject's latest and level
        with phase("(3) register_schemas"), tempfile.TemporaryDirectory() as tmp:
            site, managed = schema_site(tmp, 100)
            args = ["-i", "inventories/local", "playbooks/register_schemas.yml", "-e", "k2_platform_dir=" + site]
            timed_playbook(args)  # registers the 300 subjects
            wall, times, out = timed_playbook(args)
            assert "changed=0" in out, out[-2000:]
            # the no-op's work is the plan step (check every subject); the apply and the read-back are skipped
            task = task_time(times, "Check every subject before changing anything")
            modules = sum(t for name, t in times.items() if "k2.kafka_ops.schemas" in name)
            floor = min(fresh_process(FLOOR_SUBJECTS % (REGISTRY, managed)) for dummy in range(2))
            delete_subjects(managed)
        figures.append(("(3) no-op register_schemas.yml, 300 subjects: the schema_subject task %.2fs (the schemas "
                        "role's tasks %.2fs; the playbook %.1fs) vs a fresh process reading each latest version and "
                        "level %.2fs" % (task, modules, wall, floor), task / floor, "<= 2x"))

        # (5) two clusters in one run vs one
        with phase("(5) two clusters"), tempfile.TemporaryDirectory() as tmp:
            other, stop = second_stack(tmp)
            try:
                site = os.path.join(tmp, "site")
                shutil.copytree(os.path.join(REPO, "examples", "k2-platform"), site)
                mine = {"bootstrap_servers": BOOTSTRAP, "schema_registry_urls": [REGISTRY]}
                inventory = two_cluster_inventory(tmp, site, {"k2-a": mine, "k2-b": other})
                args = ["-i", inventory, "playbooks/apply_topics.yml"]
                timed_playbook(args)  # converge both
                both = min(timed_playbook(args)[0] for dummy in range(3))
                alone = min(timed_playbook(args + ["--limit", "k2-a"])[0] for dummy in range(3))
            finally:
                stop()
        figures.append(("(5) apply_topics.yml on two clusters in one run %.1fs vs on one (--limit) %.1fs"
                        % (both, alone), both / alone, "<= 1.3x"))

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
    finally:
        delete_all(client)
    print("\nk2.kafka_ops benchmarks (dev stack at %s)" % BOOTSTRAP)
    print("\n| work | ratio | target |\n|---|---|---|")
    for text, ratio, target in figures:
        print("| %s | %.2fx | %s |" % (text, ratio, target))
    print("\nthe broker's open files per phase (its limit cannot be raised on these machines)")
    for label, watch in peaks:
        print("  " + watch.line(label))
    if any(not watch.alive for dummy, watch in peaks):
        sys.exit("the broker died during the benchmark")


if __name__ == "__main__":
    main()
