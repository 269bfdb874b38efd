"""Bad connections and registry failover: clear messages within the timeout, and the playbooks keep working
through registry 2 while registry 1 is down."""
import json
import time

import httpx
import pytest

from helpers import CLOSED, module_escapes, run_module, run_playbook

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("label,settings,needle", [
    ("unreachable broker", {"bootstrap_servers": CLOSED}, "refused the connection"),
    ("a port that is not Kafka (the registry's HTTP port)", {"bootstrap_servers": "REGISTRY"}, "did not answer"),
    ("TLS to a plaintext port", {"security_protocol": "SSL"}, "did not answer"),
])
def test_bad_connections_fail_clearly_within_request_timeout(bootstrap_servers, registry_urls, label, settings, needle):
    args = {"bootstrap_servers": bootstrap_servers, "request_timeout": 4}
    args.update(settings)
    if args["bootstrap_servers"] == "REGISTRY":
        args["bootstrap_servers"] = registry_urls[0].split("/")[2]
    started = time.time()
    result = run_module("kafka_topic_info", **args)
    elapsed = time.time() - started
    assert result.get("failed"), (label, result)
    assert needle in result["msg"] and args["bootstrap_servers"] in result["msg"], (label, result["msg"])
    assert module_escapes(result) == [] and "exception" not in result
    assert elapsed < 4 + 10, (label, elapsed)


def test_sasl_without_credentials_names_the_fields(bootstrap_servers):
    result = run_module("kafka_topic_info", bootstrap_servers=bootstrap_servers, security_protocol="SASL_PLAINTEXT")
    assert result["failed"] and "needs sasl_mechanism, sasl_username, sasl_password" in result["msg"]


def test_playbooks_keep_working_through_registry_2(stopped_service, registry_urls, bootstrap_servers, admin, tmp_path):
    stopped_service("registry1")
    assert httpx.get(registry_urls[1] + "/subjects", timeout=10).status_code == 200
    outputs = {}
    for playbook, extra in (("apply_topics.yml", {}), ("register_schemas.yml", {}),
                            ("add_exchange.yml", {"asset_class": "equities", "exchange": "failover", "partitions": 2}),
                            ("backup.yml", {"k2_backup_dir": str(tmp_path)}),
                            ("diagnose.yml", {"topic": "market.equities.trades.failover"})):
        rc, out, dummy = run_playbook(playbook, dict(extra, k2_connection={
            "bootstrap_servers": bootstrap_servers,
            "schema_registry_urls": registry_urls, "schema_registry_timeout": 3}))
        assert rc == 0, (playbook, out[-3000:])
        outputs[playbook] = out
    # read back what each did, through registry 2 and the plain client
    meta = admin.list_topics(timeout=10).topics
    for ac, ex in (("equities", "asx"), ("crypto", "binance"), ("equities", "failover")):
        assert all("market.%s.%s.%s" % (ac, dt, ex) in meta for dt in ("trades", "quotes", "reference_data"))
    assert len(meta["market.equities.trades.failover"].partitions) == 2
    subjects = set(httpx.get(registry_urls[1] + "/subjects", timeout=10).json())
    assert set("market.%s.%s-value" % (ac, dt) for ac in ("equities", "crypto")
               for dt in ("trades", "quotes", "reference_data")) <= subjects
    backups = list(tmp_path.glob("*/kafka-*"))  # <k2_backup_dir>/<cluster id>/kafka-*
    assert len(backups) == 1
    saved = json.loads((backups[0] / "subjects.json").read_text())["subjects"]
    assert "market.equities.trades-value" in [s["subject"] for s in saved]
    # add_exchange ended with the smoke test (inventories/local), which wrote one record per topic
    assert "market.equities.trades.failover: 1 messages in 2 partitions" in outputs["diagnose.yml"]
    rc, out, dummy = run_playbook("health_check.yml", {"k2_health_checks": ["registry"]})
    assert rc != 0 and "CRITICAL registry" in out and registry_urls[0] in out
    assert "registry %s answers" % registry_urls[1] in out
    created = [n for n in admin.list_topics(timeout=10).topics if n.endswith(".failover")]
    for future in admin.delete_topics(created).values():
        future.result(30)
