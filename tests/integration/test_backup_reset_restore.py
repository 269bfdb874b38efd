"""backup -> full_reset -> restore on the dev stack, then the read-back shows no difference. Runs late: the
reset wipes the whole dev stack. Also: a corrupt or partial backup is refused and changes nothing."""
import glob
import json
import os
import pathlib
import shutil

import httpx
import pytest
from confluent_kafka.admin import NewPartitions, NewTopic

from helpers import run_module, run_playbook, topic_state

pytestmark = pytest.mark.integration


def test_backup_full_reset_restore_round_trip(admin, bootstrap_servers, registry_urls, tmp_path, unique):
    conn = {"schema_registry_urls": registry_urls}
    rc, out, dummy = run_playbook("apply_topics.yml")
    assert rc == 0, out[-3000:]
    # state beyond topics.yaml: an extra topic with an override, a second schema version, a subject level
    extra = "market.it%s.trades.extra" % unique
    admin.create_topics([NewTopic(extra, 3, 1, config={"retention.ms": "3600000"})])[extra].result(30)
    with open(os.path.join(REPO_SCHEMAS, "trade.avsc")) as handle:
        trade = json.load(handle)
    trade["fields"].append({"name": "trade_id", "type": ["null", "string"], "default": None})
    assert run_module("schema_subject", subject="market.equities.trades-value", schema=trade,
                      compatibility="FULL", **conn)["version"] == 2

    group = "it-%s-writer" % unique  # an idle consumer group part-way through the extra topic
    run_module("kafka_consumer_group", group=group, offsets=[{"topic": extra, "partition": 1, "offset": 0}],
               bootstrap_servers=bootstrap_servers)
    rc, out, dummy = run_playbook("backup.yml", {"k2_backup_dir": str(tmp_path)})
    assert rc == 0, out[-3000:]
    backups = glob.glob(str(tmp_path / "*" / "kafka-*"))
    assert len(backups) == 1, backups
    backup = pathlib.Path(backups[0])
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"]["topics"] >= 7 and set(manifest["files"]) >= {"topics.json", "subjects.json",
                                                                            "consumer_offsets.json", "topics.yaml",
                                                                            "schemas/trade.avsc"}
    cluster_before = manifest["cluster_id"]

    # the documented path for a restore with the backup's ids: reset without re-initialising
    rc, out, dummy = run_playbook("full_reset.yml", {"confirm": "RESET-" + cluster_before, "k2_max_deletes": 100000,
                                                     "k2_reset_reinit": False,
                                                     "k2_backup_dir": str(tmp_path / "pre-reset")})
    assert rc == 0, out[-4000:]
    assert topic_state(admin, extra) is None
    assert not [n for n in admin.list_topics(timeout=10).topics if n.startswith("market.")]
    assert httpx.get(registry_urls[1] + "/subjects", timeout=10).json() == []

    rc, out, dummy = run_playbook("restore.yml", {"backup": str(backup)}, check=True)
    assert rc == 0, out[-3000:]
    assert topic_state(admin, extra) is None

    rc, out, dummy = run_playbook("restore.yml", {"backup": str(backup), "k2_restore_offsets": True})
    assert rc == 0, out[-4000:]
    assert "none: topics, partitions, configs, subjects, versions" in out
    assert "market.equities.trades-value: register" in out and "(apicurio) cannot import with ids" in out
    restored = run_module("kafka_consumer_group_info", names=[group], bootstrap_servers=bootstrap_servers)
    assert [(p["topic"], p["partition"], p["committed_offset"]) for p in restored["groups"][0]["partitions"]] == [
        (extra, 1, 0)]
    assert topic_state(admin, extra) == {"partitions": 3, "config": {"retention.ms": "3600000"}}
    assert httpx.get(registry_urls[1] + "/subjects/market.equities.trades-value/versions",
                     timeout=10).json() == [1, 2]
    level = httpx.get(registry_urls[0] + "/config/market.equities.trades-value", timeout=10).json()
    assert level["compatibilityLevel"] == "FULL"

    # a conflict: the live topic has more partitions than the backup -> reported, kept, nothing shrinks
    admin.create_partitions([NewPartitions(extra, 5)])[extra].result(30)
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(backup)})
    assert rc == 0 and "the cluster has 5 partitions, the backup 3; kept 5" in out, out[-3000:]
    assert topic_state(admin, extra)["partitions"] == 5

    # corrupt and partial backups are refused before anything changes
    admin.delete_topics([extra])[extra].result(30)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(backup, corrupt)
    (corrupt / "topics.json").write_text((corrupt / "topics.json").read_text().replace('"3600000"', '"1"'))
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(corrupt)})
    assert rc != 0 and "is corrupt or partial, nothing was restored: topics.json: sha256" in out
    partial = tmp_path / "partial"
    shutil.copytree(backup, partial)
    (partial / "subjects.json").unlink()
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(partial)})
    assert rc != 0 and "subjects.json: missing" in out
    (partial / "manifest.json").unlink()
    rc, out, dummy = run_playbook("restore.yml", {"backup": str(partial)})
    assert rc != 0 and "has no manifest.json" in out
    assert topic_state(admin, extra) is None


REPO_SCHEMAS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples", "k2-platform", "src", "k2", "schemas")


def test_full_reset_refuses_without_confirm_and_on_prod(admin):
    before = sorted(n for n in admin.list_topics(timeout=10).topics if n.startswith("market."))
    rc, out, dummy = run_playbook("full_reset.yml", {"k2_max_deletes": 100000})
    assert rc != 0 and "rerun with -e confirm=RESET-" in out
    rc, out, dummy = run_playbook("full_reset.yml", {"k2_environment": "prod", "confirm": "RESET-whatever"})
    assert rc != 0 and "k2_environment is prod" in out
    assert sorted(n for n in admin.list_topics(timeout=10).topics if n.startswith("market.")) == before
