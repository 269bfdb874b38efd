"""schema_subject and schema_subject_info against the dev stack's two registries; read back with plain HTTP."""
import json
import os

import httpx
import pytest

from helpers import CLOSED_URL, REPO

pytestmark = pytest.mark.integration

with open(os.path.join(REPO, "examples", "k2-platform", "src", "k2", "schemas", "trade.avsc")) as handle:
    TRADE = json.load(handle)


def evolve(schema, field):
    out = json.loads(json.dumps(schema))
    out["fields"].append(field)
    return out


@pytest.fixture
def registry(registry_urls):
    def run(module, **args):
        from helpers import run_module
        args.setdefault("schema_registry_urls", registry_urls)
        return run_module(module, **args)
    return run


@pytest.fixture
def subject(registry_urls, unique):
    name = "it.%s.trades-value" % unique
    yield name
    for permanent in ("false", "true"):
        httpx.delete("%s/subjects/%s?permanent=%s" % (registry_urls[-1], name, permanent), timeout=10)


def versions(url, subject):
    resp = httpx.get("%s/subjects/%s/versions" % (url, subject), timeout=10)
    return resp.json() if resp.status_code == 200 else []


def test_check_register_rerun_and_read_back_through_the_other_registry(registry, registry_urls, subject):
    check = registry("schema_subject", check=True, diff=True, subject=subject, schema=TRADE)
    assert check["changed"] and check["actions"] == ["register"] and check["id"] is None
    assert '"Trade"' in check["diff"]["after"] and check["diff"]["before"] == ""
    assert versions(registry_urls[1], subject) == []

    done = registry("schema_subject", subject=subject, schema=json.dumps(TRADE, indent=4))
    assert done["changed"] and done["version"] == 1 and done["id"], done
    latest = httpx.get("%s/subjects/%s/versions/latest" % (registry_urls[1], subject), timeout=10).json()
    assert latest["id"] == done["id"] and json.loads(latest["schema"]) == TRADE

    again = registry("schema_subject", subject=subject, schema=TRADE)
    assert again["changed"] is False and (again["id"], again["version"]) == (done["id"], 1)


def test_a_compatible_change_is_a_new_version(registry, registry_urls, subject):
    registry("schema_subject", subject=subject, schema=TRADE)
    v2 = evolve(TRADE, {"name": "trade_id", "type": ["null", "string"], "default": None})
    result = registry("schema_subject", diff=True, subject=subject, schema=v2)
    assert result["changed"] and result["version"] == 2
    assert "trade_id" in result["diff"]["after"] and "trade_id" not in result["diff"]["before"]
    assert versions(registry_urls[1], subject) == [1, 2]


def test_an_incompatible_change_is_refused_and_nothing_is_registered(registry, registry_urls, subject):
    registry("schema_subject", subject=subject, schema=TRADE)
    bad = evolve(TRADE, {"name": "trade_id", "type": "string"})  # no default: breaks BACKWARD
    for check in (True, False):
        result = registry("schema_subject", check=check, subject=subject, schema=bad)
        assert result["failed"] and "is incompatible with its latest version at compatibility level" in result["msg"]
        assert "nothing was registered" in result["msg"]
    assert versions(registry_urls[0], subject) == [1]


def test_invalid_avro_fails_before_the_registry_is_asked(registry, registry_urls, subject):
    result = registry("schema_subject", subject=subject, schema={"type": "record", "name": "T",
                                                                 "fields": [{"name": "a", "type": "decimal"}]})
    assert result["failed"] and "not a valid Avro schema" in result["msg"]
    assert versions(registry_urls[0], subject) == []


def test_compatibility_level_is_set_idempotently_before_and_after_the_subject_exists(registry, registry_urls,
                                                                                     subject):
    first = registry("schema_subject", subject=subject, compatibility="FULL_TRANSITIVE")
    assert first["changed"], first
    level = httpx.get("%s/config/%s" % (registry_urls[1], subject), timeout=10).json()
    assert level["compatibilityLevel"] == "FULL_TRANSITIVE"
    assert registry("schema_subject", subject=subject, compatibility="FULL_TRANSITIVE")["changed"] is False
    both = registry("schema_subject", subject=subject, schema=TRADE, compatibility="NONE")
    assert both["changed"] and both["actions"] == ["compatibility", "register"] and both["compatibility"] == "NONE"


def test_soft_then_hard_delete(registry, registry_urls, subject):
    registry("schema_subject", subject=subject, schema=TRADE)
    soft = registry("schema_subject", subject=subject, state="absent")
    assert soft["changed"] and soft["actions"] == ["soft_delete"] and soft["deleted_versions"] == [1]
    assert subject not in httpx.get(registry_urls[0] + "/subjects", timeout=10).json()
    assert subject in httpx.get(registry_urls[0] + "/subjects?deleted=true", timeout=10).json()
    assert registry("schema_subject", subject=subject, state="absent")["changed"] is False
    hard = registry("schema_subject", subject=subject, state="absent", permanent=True)
    assert hard["changed"] and hard["actions"] == ["hard_delete"]
    assert subject not in httpx.get(registry_urls[0] + "/subjects?deleted=true", timeout=10).json()
    assert registry("schema_subject", subject=subject, state="absent", permanent=True)["changed"] is False


def test_info_lists_versions_ids_types_and_levels(registry, subject):
    registry("schema_subject", subject=subject, schema=TRADE, compatibility="BACKWARD")
    registry("schema_subject", subject=subject, schema=evolve(TRADE, {"name": "v", "type": "int", "default": 0}))
    info = registry("schema_subject_info", prefix=subject)
    assert info["changed"] is False and info["global_compatibility"] == "BACKWARD"
    entry = info["subjects"][0]
    assert entry["subject"] == subject and entry["compatibility"] == "BACKWARD"
    assert [v["version"] for v in entry["versions"]] == [1, 2] and entry["latest_version"] == 2
    assert all(v["schema_type"] == "AVRO" and v["id"] for v in entry["versions"])
    bare = registry("schema_subject_info", pattern="^" + subject.replace(".", r"\.") + "$", include_schema=False)
    assert "schema" not in bare["subjects"][0]["versions"][0]


def test_failover_when_registry_1_is_stopped_mid_run(registry, registry_urls, subject, stopped_service):
    first = registry("schema_subject", subject=subject, schema=TRADE)
    assert first["changed"]
    stopped_service("registry1")
    v2 = evolve(TRADE, {"name": "trade_id", "type": ["null", "string"], "default": None})
    second = registry("schema_subject", subject=subject, schema=v2, schema_registry_timeout=5)
    assert second["changed"] and second["version"] == 2, second
    assert versions(registry_urls[1], subject) == [1, 2]


def test_both_registries_down_names_both_urls():
    from helpers import run_module
    result = run_module("schema_subject", schema_registry_urls=[CLOSED_URL + "/a", CLOSED_URL + "/b"],
                        subject="x", schema=TRADE, schema_registry_timeout=2)
    assert result["failed"] and CLOSED_URL + "/a" in result["msg"] and CLOSED_URL + "/b" in result["msg"]


def test_a_prefix_selects_only_its_subjects_even_where_the_registry_ignores_it(registry, registry_urls, subject):
    """Apicurio's ccompat API answers GET /subjects?subjectPrefix=... with every subject; backups by prefix
    (k2_backup_subject_prefix) must still hold only the prefix's subjects."""
    registry("schema_subject", subject=subject, schema=TRADE)
    registry("schema_subject", subject=subject + "-other", schema=TRADE)  # shares no prefix with `subject + "x"`
    info = registry("schema_subject_info", prefix=subject + "-o", include_schema=False)
    assert [s["subject"] for s in info["subjects"]] == [subject + "-other"]
    for permanent in ("false", "true"):
        httpx.delete("%s/subjects/%s-other?permanent=%s" % (registry_urls[-1], subject, permanent), timeout=10)
