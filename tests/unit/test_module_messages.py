"""Bad input and missing libraries give one message, never a traceback. The modules run as Ansible runs them
(JSON in, JSON out); nothing here needs a service: the connection is refused before any request."""
import json
import os
import subprocess
import sys

import pytest

from helpers import CLOSED, CLOSED_URL, COLLECTIONS, module_escapes, run_module

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("module, args", [
    ("kafka_topic_info", {"pattern": "(market"}),
    ("schema_subject_info", {"pattern": "(market", "schema_registry_urls": [CLOSED_URL]}),
    ("kafka_consumer_group_info", {"pattern": "(market"}),
    ("kafka_health", {"checks": ["kafka"], "managed_pattern": "(market"}),
])
def test_an_invalid_pattern_names_the_option_and_the_pattern(module, args):
    result = run_module(module, bootstrap_servers=CLOSED, request_timeout=2, **args)
    assert result.get("failed"), result
    assert "'(market' is not a valid regular expression" in result["msg"], result["msg"]
    assert module_escapes(result) == []


@pytest.mark.parametrize("option", ["ssl_cafile", "ssl_certfile", "ssl_keyfile"])
def test_a_missing_tls_file_is_a_message_not_a_traceback(option, tmp_path):
    missing = str(tmp_path / "missing.pem")
    result = run_module("kafka_topic_info", bootstrap_servers=CLOSED, security_protocol="SSL",
                        **{option: missing})
    assert result.get("failed") and result["msg"].startswith("%s: %s does not exist" % (option, missing)), result


def test_a_registry_only_health_check_builds_no_kafka_client(tmp_path):
    """A Kafka misconfiguration (here a missing CA file) must not fail a check that does not use Kafka."""
    result = run_module("kafka_health", checks=["registry"], security_protocol="SSL",
                        ssl_cafile=str(tmp_path / "missing.pem"), schema_registry_urls=[CLOSED_URL],
                        schema_registry_timeout=2, fail_on="never")
    assert not result.get("failed"), result
    assert [f["check"] for f in result["findings"]] == ["registry"] and result["status"] == "critical"


@pytest.mark.parametrize("module,args", [
    ("schema_subject", {"subject": "s-value", "schema": {"type": "string"}}),
    ("kafka_record_scan", {"topic": "market.equities.trades.asx", "bootstrap_servers": CLOSED}),
    ("kafka_smoke_test", {"targets": [], "bootstrap_servers": CLOSED}),
])
def test_without_fastavro_a_module_that_reads_avro_says_which_library_is_missing(tmp_path, module, args):
    blocker = tmp_path / "fastavro"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named fastavro (hidden by the test)')\n")
    payload = {"ANSIBLE_MODULE_ARGS": dict(args, schema_registry_urls=[CLOSED_URL], _ansible_remote_tmp="/tmp",
                                           _ansible_keep_remote_files=False)}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), COLLECTIONS]))
    proc = subprocess.run([sys.executable, "-m", "ansible_collections.k2.kafka_ops.plugins.modules." + module],
                          input=json.dumps(payload), capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    result = json.loads(proc.stdout)
    assert result.get("failed") and "Failed to import the required Python library (fastavro)" in result["msg"], result


@pytest.mark.parametrize("module, args, message", [
    ("kafka_health", {"checks": ["disk"], "disks": [{"bogus": 1}]}, "module: disks.bogus. Supported parameters include"),
    ("kafka_health", {"checks": ["disk"], "disks": [{"host": "b1", "path": "/data", "used_bytes": 5}]},
     "disks: the entry for b1:/data has no total_bytes, available_bytes; give total_bytes"),
    ("kafka_smoke_test", {"targets": [{"bogus": 1}]}, "found in targets"),
])
def test_list_entries_of_a_shape_the_spec_does_not_describe_are_refused_by_name(module, args, message):
    """Once a KeyError escaped (issue 29): each entry of disks and targets is checked against its suboptions."""
    result = run_module(module, bootstrap_servers=CLOSED, request_timeout=2, **args)
    assert result.get("failed") and message in result["msg"], result
    assert "exception" not in result or "K2Error" in result["exception"], result.get("exception")


def test_a_refused_connection_fails_fast_and_a_silent_listener_gets_the_whole_timeout():
    """Issue 29's slow failure: a cluster that refuses every bootstrap address is down (fail in about 1.5 s);
    one that accepts and does not answer may be slow, and keeps request_timeout."""
    import socket
    import time
    from helpers import call_module
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)
    try:
        started = time.monotonic()
        refused = call_module("kafka_cluster_info", bootstrap_servers=CLOSED, request_timeout=10)
        fast = time.monotonic() - started
        started = time.monotonic()
        quiet = call_module("kafka_cluster_info", bootstrap_servers="127.0.0.1:%d" % silent.getsockname()[1],
                            request_timeout=3)
        slow = time.monotonic() - started
    finally:
        silent.close()
    assert refused["failed"] and "refused the connection (nothing listens there)" in refused["msg"], refused
    assert fast < 4, fast
    assert quiet["failed"] and "did not answer a metadata request within request_timeout=3s" in quiet["msg"], quiet
    assert 2.9 <= slow < 8, slow
