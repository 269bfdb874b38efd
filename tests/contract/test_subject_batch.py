"""schema_subject's `subjects` batch and schema_subject_info's parallel read, against each registry of the field
(the contract fake), read back over plain HTTP rather than through the client under test."""
import json
import urllib.request

import pytest

from confluent_fake import FakeConfluent
from helpers import run_module

pytestmark = pytest.mark.contract


def record(name, *fields, default=False):
    out = [{"name": f, "type": "string"} for f in fields]
    if default:
        out.append({"name": "venue", "type": "string", "default": ""})
    return json.dumps({"type": "record", "name": name, "fields": out})


def http(url, path):
    with urllib.request.urlopen(url + path, timeout=5) as answer:
        return json.loads(answer.read())


def entries(count, **extra):
    return [dict({"subject": "market.c%02d.trades-value" % i, "schema": record("T%d" % i, "symbol")}, **extra)
            for i in range(count)]


@pytest.mark.parametrize("personality", ["confluent", "karapace", "apicurio"])
def test_a_batch_registers_every_subject_and_a_rerun_is_a_no_op_without_lookups(personality):
    with FakeConfluent(personality=personality) as srv:
        batch = entries(12, compatibility="BACKWARD")
        first = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch, workers=4)
        assert first["changed"] and not first.get("failed"), first
        assert [r["subject"] for r in first["subjects"]] == [e["subject"] for e in batch]
        assert sorted(http(srv.url, "/subjects")) == sorted(e["subject"] for e in batch)
        for entry in batch:
            latest = http(srv.url, "/subjects/%s/versions/latest" % entry["subject"])
            assert json.loads(latest["schema"]) == json.loads(entry["schema"]) and latest["version"] == 1
        srv.registry.requests.clear()
        again = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch, workers=4)
        assert again["changed"] is False and not again.get("failed"), again
        assert [r["actions"] for r in again["subjects"]] == [[]] * len(batch)
        writes = [r for r in srv.registry.requests if r[0] != "GET"]
        assert writes == []   # the no-op reads the latest version and the level, and looks nothing up
        assert len(srv.registry.requests) == 2 * len(batch)


def test_one_refused_subject_refuses_the_batch_and_every_refusal_is_listed():
    with FakeConfluent() as srv:
        base = entries(3)
        assert run_module("schema_subject", schema_registry_urls=[srv.url], subjects=base)["changed"]
        batch = [dict(base[0], schema=record("T0", "symbol", "price")),          # no default: incompatible
                 dict(base[1], schema=record("T1", "symbol", "size")),           # incompatible too
                 dict(base[2], schema=record("T2", "symbol", default=True)),     # compatible
                 {"subject": "market.new.trades-value", "schema": record("N", "symbol")}]
        for check in (True, False):
            result = run_module("schema_subject", check=check, schema_registry_urls=[srv.url], subjects=batch)
            assert result["failed"] and result["changed"] is False, result
            assert [r["subject"] for r in result["refused"]] == [base[0]["subject"], base[1]["subject"]]
            assert "2 of 4 subject entries refused, nothing was changed" in result["msg"]
            assert "price" in result["msg"] and "size" in result["msg"]
            assert "market.new.trades-value" not in http(srv.url, "/subjects")
            assert http(srv.url, "/subjects/%s/versions" % base[2]["subject"]) == [1]


def test_an_invalid_entry_fails_before_any_request_naming_the_entry():
    with FakeConfluent() as srv:
        batch = entries(2) + [{"subject": "market.bad.trades-value", "schema": '{"type": "record"}'}]
        result = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch)
        assert result["failed"] and "subjects[2] (market.bad.trades-value): schema: not a valid Avro schema" in result["msg"]
        assert srv.registry.requests == []
        bad_option = run_module("schema_subject", schema_registry_urls=[srv.url],
                                subjects=[{"subject": "s", "compatibility": "SIDEWAYS"}])
        assert bad_option["failed"] and "SIDEWAYS" in bad_option["msg"] and "compatibility" in bad_option["msg"]
        both = run_module("schema_subject", schema_registry_urls=[srv.url], subject="s", subjects=entries(1))
        assert both["failed"] and "mutually exclusive" in both["msg"]


def test_each_subjects_entries_run_in_order_while_subjects_run_in_parallel():
    """A restore's shape on Confluent: IMPORT mode, versions with their ids, READWRITE, level; six subjects."""
    with FakeConfluent(personality="confluent") as srv:
        batch = []
        for i in range(6):
            subject = "market.r%d.trades-value" % i
            batch += [{"subject": subject, "mode": "IMPORT"},
                      {"subject": subject, "schema": record("R%d" % i, "symbol"), "id": 100 + 2 * i, "version": 1},
                      {"subject": subject, "schema": record("R%d" % i, "symbol", default=True), "id": 101 + 2 * i,
                       "version": 2},
                      {"subject": subject, "mode": "READWRITE"},
                      {"subject": subject, "compatibility": "FULL"}]
        result = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch, workers=4)
        assert result["changed"] and not result.get("failed"), result
        for i in range(6):
            subject = "market.r%d.trades-value" % i
            assert [(v, http(srv.url, "/subjects/%s/versions/%d" % (subject, v))["id"]) for v in (1, 2)] == [
                (1, 100 + 2 * i), (2, 101 + 2 * i)]
            assert http(srv.url, "/mode/%s" % subject)["mode"] == "READWRITE"
            assert http(srv.url, "/config/%s" % subject)["compatibilityLevel"] == "FULL"
        again = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch, workers=4)
        assert again["changed"] is False, again


def test_a_failure_while_applying_skips_the_rest_of_that_subject_and_the_module_fails_listing_it():
    """Karapace refuses explicit ids (422) only when they are sent, so the preflight passes and the apply fails."""
    with FakeConfluent(personality="karapace") as srv:
        batch = [{"subject": "a-value", "schema": record("A", "symbol")},
                 {"subject": "b-value", "schema": record("B", "symbol"), "id": 7, "version": 1},
                 {"subject": "b-value", "compatibility": "FULL"}]
        result = run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch)
        assert result["failed"] and result["changed"], result
        assert "1 of 3 subject entries failed while being applied; the other subjects were applied" in result["msg"]
        assert result["subjects"][2]["skipped"] == "an earlier entry for this subject failed"
        assert http(srv.url, "/subjects") == ["a-value"]


@pytest.mark.parametrize("personality", ["confluent", "apicurio"])
def test_subject_info_reads_every_version_in_parallel_the_same_with_or_without_get_schemas(personality):
    with FakeConfluent(personality=personality) as srv:
        batch = entries(8)
        run_module("schema_subject", schema_registry_urls=[srv.url], subjects=batch)
        run_module("schema_subject", schema_registry_urls=[srv.url],
                   subjects=[dict(e, schema=record("T%d" % i, "symbol", default=True)) for i, e in enumerate(batch)])
        srv.registry.requests.clear()
        info = run_module("schema_subject_info", schema_registry_urls=[srv.url], workers=4)
        per_version = [r for r in srv.registry.requests if r[1].rsplit("/", 1)[-1].isdigit()]
        assert len(per_version) == (0 if personality == "confluent" else 16)
        assert [s["subject"] for s in info["subjects"]] == sorted(e["subject"] for e in batch)
        for item in info["subjects"]:
            assert [v["version"] for v in item["versions"]] == [1, 2]
            for v in item["versions"]:
                plain = http(srv.url, "/subjects/%s/versions/%d" % (item["subject"], v["version"]))
                assert (v["id"], json.loads(v["schema"])) == (plain["id"], json.loads(plain["schema"]))
        only = run_module("schema_subject_info", schema_registry_urls=[srv.url], prefix="market.c03")
        assert [s["subject"] for s in only["subjects"]] == ["market.c03.trades-value"]
