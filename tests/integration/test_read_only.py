"""Info modules and check mode never write, to Kafka or to the registry. Every info module, then every playbook
with --check, runs against the dev stack with two recorders that are not our code:
- a recording HTTP proxy in front of each registry (the playbooks' registry URLs point at it);
- a sitecustomize that wraps confluent-kafka's AdminClient, Producer and Consumer in every Python process the
  run starts (the modules' too), and logs each call.
The test fails on any registry request other than a GET, a compatibility test or a schema lookup (POST
/subjects/{subject} without /versions), and on any mutating admin call that is not validate_only, any produce
and any offset commit. It first proves the recorders see writes: a real apply is recorded as writes. Not
proxied: the registry URLs of the inventory's registry hosts (k2_registry_url), which only the recover and
reset roles' waits use, and which those reach directly."""
import json
import os
import re
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError

import pytest

from helpers import registry_writes, run_module, run_playbook

pytestmark = pytest.mark.integration

SITECUSTOMIZE = r'''
import json, os
LOG = os.environ.get("K2_TEST_KAFKA_CALLS")
if LOG:
    import confluent_kafka
    import confluent_kafka.admin

    def _wrap(cls, name):
        original = getattr(cls, name)

        def call(self, *args, **kwargs):
            with open(LOG, "a") as handle:
                handle.write(json.dumps({"call": "%s.%s" % (cls.__name__, name),
                                         "validate_only": bool(kwargs.get("validate_only"))}) + "\n")
            return original(self, *args, **kwargs)
        setattr(cls, name, call)

    for _name in [n for n in dir(confluent_kafka.admin.AdminClient) if not n.startswith("_")]:
        if callable(getattr(confluent_kafka.admin.AdminClient, _name)):
            _wrap(confluent_kafka.admin.AdminClient, _name)
    def _recording(base, name):
        # Producer and Consumer are C types: their methods cannot be replaced, so the names are subclassed
        def call(self, *args, **kwargs):
            with open(LOG, "a") as handle:
                handle.write(json.dumps({"call": "%s.%s" % (base.__name__, name), "validate_only": False}) + "\n")
            return getattr(base, name)(self, *args, **kwargs)
        return type(base.__name__, (base,), {name: call})

    confluent_kafka.Producer = _recording(confluent_kafka.Producer, "produce")
    confluent_kafka.Consumer = _recording(confluent_kafka.Consumer, "commit")
'''

# AdminClient calls that change the cluster unless validate_only (create/alter), or always (delete, offsets)
MUTATING = re.compile(r"^AdminClient\.(create_|delete_|alter_|incremental_alter_|elect_)|^Producer\.produce$|"
                      r"^Consumer\.commit$")
VALIDATABLE = re.compile(r"^AdminClient\.(create_topics|create_partitions|alter_configs|incremental_alter_configs)$")


def kafka_writes(calls):
    validated = [c for c in calls if VALIDATABLE.search(c["call"]) and c["validate_only"]]
    return [c for c in calls if MUTATING.search(c["call"]) and c not in validated]


class Recorder:
    """The proxies and the call log; `.env` makes a process (and the modules it runs) recorded."""

    def __init__(self, folder, registry_urls):
        self.requests, self.servers = [], []
        (folder / "site").mkdir()
        (folder / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.calls_file = folder / "kafka-calls.jsonl"
        urls = [self._proxy(url) for url in registry_urls]
        self.env = {"PYTHONPATH": str(folder / "site"), "K2_TEST_KAFKA_CALLS": str(self.calls_file),
                    "K2_SCHEMA_REGISTRY_URLS": ",".join(urls)}
        self.urls = urls

    def _proxy(self, target):
        requests = self.requests
        origin = re.match(r"^https?://[^/]+", target).group(0)
        prefix = target.rstrip("/")[len(origin):]

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                path = self.path.split("?")[0]
                requests.append((self.command, path[len(prefix):] if path.startswith(prefix) else path))
                request = urllib.request.Request(origin + self.path, data=body, method=self.command,
                                                 headers={"Content-Type": self.headers.get("Content-Type") or
                                                          "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data = answer.status, answer.read()
                except HTTPError as exc:
                    status, data = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return "http://127.0.0.1:%d%s" % (server.server_address[1], prefix)

    def kafka_calls(self):
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def reset(self):
        del self.requests[:]
        if self.calls_file.exists():
            self.calls_file.unlink()

    def close(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def recorder(tmp_path, registry_urls):
    made = Recorder(tmp_path, registry_urls)
    yield made
    made.close()


def test_the_recorders_see_writes(recorder, bootstrap_servers, unique):
    """Without this, a recorder that saw nothing would pass every test below."""
    name = "market.ro%s.trades.x" % unique
    try:
        result = run_module("kafka_topic", env=recorder.env, bootstrap_servers=bootstrap_servers, name=name,
                            partitions=1)
        assert result.get("changed"), result
        assert [c["call"] for c in kafka_writes(recorder.kafka_calls())] == ["AdminClient.create_topics"]
        subject = "ro%s-value" % unique
        result = run_module("schema_subject", env=recorder.env, schema_registry_urls=recorder.urls[:1],
                            subject=subject, schema={"type": "record", "name": "R", "fields": []})
        assert result.get("changed"), result
        assert ("POST", "/subjects/%s/versions" % subject) in registry_writes(recorder.requests)
    finally:
        run_module("kafka_topic", bootstrap_servers=bootstrap_servers, name=name, state="absent")
        run_module("schema_subject", schema_registry_urls=recorder.urls[:1], subject="ro%s-value" % unique,
                   state="absent", permanent=True)


INFO_MODULES = [
    ("kafka_cluster_info", {}),
    ("kafka_topic_info", {"offsets": True, "config": "all"}),
    ("kafka_consumer_group_info", {}),
    ("schema_registry_info", {}),
    ("schema_subject_info", {}),
    ("kafka_health", {"fail_on": "never"}),
    ("kafka_record_scan", {"topic": "market.equities.trades.asx", "max_records": 100}),
]


def test_every_info_module_only_reads(recorder, bootstrap_servers):
    rc, out, dummy = run_playbook("apply_topics.yml")      # a platform's cluster: its topics and subjects
    assert rc == 0, out[-3000:]
    for module, args in INFO_MODULES:
        result = run_module(module, env=recorder.env, bootstrap_servers=bootstrap_servers,
                            schema_registry_urls=recorder.urls, **args)
        assert not result.get("failed"), (module, result.get("msg"))
    calls = recorder.kafka_calls()
    assert any(c["call"] == "AdminClient.list_topics" for c in calls), calls[:5]   # the recorder was in
    assert kafka_writes(calls) == [] and registry_writes(recorder.requests) == [], (
        kafka_writes(calls), registry_writes(recorder.requests))


def check_runs(cluster_id, backup):
    return [
        ("apply_topics.yml", {}), ("register_schemas.yml", {}),
        ("add_exchange.yml", {"asset_class": "equities", "exchange": "rocheck", "partitions": 2,
                              "k2_smoke_test": False}),
        ("raise_partitions.yml", {"topic": "market.equities.trades.asx", "partitions": 64}),
        ("delete_topics.yml", {"topics": "market.equities.trades.asx", "confirm": "market.equities.trades.asx"}),
        ("cleanup_test_topics.yml", {}),
        ("backup.yml", {}), ("restore.yml", {"backup": backup}),
        ("full_reset.yml", {"confirm": "RESET-" + cluster_id, "k2_reset_method": "delete"}),
        ("health_check.yml", {"k2_health_fail_on": "never"}), ("diagnose.yml", {}),
        ("investigate_data_loss.yml", {"topic": "market.equities.trades.asx"}),
        ("smoke_test.yml", {"asset_class": "equities", "exchange": "asx"}),
        ("recover_broker.yml", {}), ("recover_schema_registry.yml", {}),
    ]


def test_every_playbook_in_check_mode_sends_no_write(recorder, admin, tmp_path):
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    rc, out, dummy = run_playbook("backup.yml", {"k2_backup_dir": str(tmp_path / "backups")})
    assert rc == 0, out[-3000:]
    backup = sorted(p for p in (tmp_path / "backups").glob("*/kafka-*") if p.is_dir())[-1]
    cluster_id = admin.describe_cluster().result(10).cluster_id
    recorder.reset()

    def check(run):
        playbook, extra = run
        rc, out, dummy = run_playbook(playbook, dict(extra, k2_backup_dir=str(tmp_path / "backups")), check=True,
                                      env=recorder.env)
        return playbook, rc, out

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = list(pool.map(check, check_runs(cluster_id, str(backup))))
    failed = [(p, out[-2500:]) for p, rc, out in done if rc != 0]
    assert failed == [], failed
    calls = recorder.kafka_calls()
    assert any(c["call"] == "AdminClient.list_topics" for c in calls), calls[:5]
    assert any(m == "GET" for m, dummy in recorder.requests), recorder.requests[:5]
    assert kafka_writes(calls) == [], kafka_writes(calls)
    assert registry_writes(recorder.requests) == [], registry_writes(recorder.requests)
    assert os.listdir(str(tmp_path / "backups" / cluster_id)) == [backup.name]   # check mode wrote no backup
