"""The broker is killed (SIGKILL) in the middle of apply_topics.yml for 501 topics, then restarted: a rerun
converges with no error and no topic is left half-created or wrong. Runs late: it takes Kafka down."""
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import devstack
from helpers import COLLECTIONS, REPO, run_module, run_playbook

pytestmark = pytest.mark.integration


def test_broker_killed_mid_apply_then_rerun_converges(stack, admin, registry_urls, tmp_path, unique):
    asset = "kill" + unique
    config = {"asset_classes": {asset: {"exchanges": dict(("x%03d" % i, {"partitions": 2}) for i in range(167))}},
              "data_types": {"trades": {"schema_name": "trade", "config": {"retention.ms": 86400000}},
                             "quotes": {"schema_name": "quote", "config": {"retention.ms": 3600000}},
                             "reference_data": {"schema_name": "reference_data", "partitions": 1,
                                                "config": {"cleanup.policy": "compact"}}},
              "defaults": {"replication_factor": 1, "min_insync_replicas": 1},
              "schema_registry": {"compatibility": "BACKWARD"}}
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(config))
    prefix = "market.%s." % asset
    kafka = stack["nodes"][0]["name"]
    pid_file = os.path.join(stack["stack_dir"], "run", kafka + ".pid")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1")
    playbook = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventories/local",
         "playbooks/apply_topics.yml", "-e", "k2_topics_file=%s" % path], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        # synchronised on the run's own progress, not on timing: wait for its reconcile task to start (the
        # tasks after it, the verify's re-read of 501 topics among them, keep it running after the creates),
        # then kill the broker once the first topic exists
        for line in playbook.stdout:
            seen.append(line)
            if line.startswith("TASK [") and "Reconcile the selected topics in one call" in line:
                break
        assert playbook.poll() is None, "".join(seen)[-3000:]
        deadline = time.time() + 120
        while time.time() < deadline and playbook.poll() is None:
            if any(n.startswith(prefix) for n in admin.list_topics(timeout=10).topics):
                break
            time.sleep(0.05)
        with open(pid_file) as handle:
            os.kill(int(handle.read()), signal.SIGKILL)
        rest, dummy = playbook.communicate(timeout=600)
        first = "".join(seen) + rest
    finally:
        if playbook.poll() is None:
            playbook.kill()
        devstack("start", kafka)
    assert playbook.returncode != 0, first[-3000:]  # the kill interrupted the run
    created_before_kill = "changed" in first
    rc, out, recap = run_playbook("apply_topics.yml", {"k2_topics_file": str(path)})
    assert rc == 0, out[-4000:]
    topics = dict((n, m) for n, m in admin.list_topics(timeout=30).topics.items() if n.startswith(prefix))
    assert len(topics) == 501, (len(topics), created_before_kill)
    wrong = [n for n, m in topics.items() if len(m.partitions) != (1 if ".reference_data." in n else 2)]
    assert wrong == []
    # the verify step of the topics role already re-read every config in check mode; a third run is a no-op
    rc, out, recap = run_playbook("apply_topics.yml", {"k2_topics_file": str(path)})
    assert rc == 0 and recap["changed"] == 0, out[-3000:]
    for future in admin.delete_topics(sorted(topics)).values():
        future.result(60)
    for data_type in ("trades", "quotes", "reference_data"):
        run_module("schema_subject", subject="market.%s.%s-value" % (asset, data_type), state="absent",
                   permanent=True, schema_registry_urls=registry_urls)
