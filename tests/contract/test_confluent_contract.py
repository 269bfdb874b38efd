"""Contract tests: schema_subject against a local server answering as Confluent Schema Registry documents,
for what the dev registry (Apicurio ccompat) lacks. Real HTTP, real module code; the server is the fake."""
import json

import pytest

from confluent_fake import FakeConfluent
from helpers import CLOSED_URL, run_module

pytestmark = pytest.mark.contract

V1 = {"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"}]}
V2_OK = {"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"},
                                                       {"name": "venue", "type": ["null", "string"], "default": None}]}
V2_BAD = {"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"},
                                                        {"name": "price", "type": "double"}]}


def module(server, **args):
    return run_module("schema_subject", schema_registry_urls=[server.url], **args)


def test_import_mode_registers_with_the_original_id_and_version():
    with FakeConfluent() as srv:
        assert module(srv, mode="IMPORT")["changed"]
        result = module(srv, subject="market.equities.trades-value", schema=V1, id=42, version=3)
        assert result["changed"] and result["id"] == 42 and result["version"] == 3, result
        assert srv.registry.subjects["market.equities.trades-value"][0]["id"] == 42
        again = module(srv, subject="market.equities.trades-value", schema=V1, id=42, version=3)
        assert again["changed"] is False and again["id"] == 42
        assert module(srv, mode="READWRITE")["changed"] and srv.registry.global_mode == "READWRITE"


def test_explicit_ids_outside_import_mode_are_refused_before_anything_is_sent():
    with FakeConfluent() as srv:
        result = module(srv, subject="s-value", schema=V1, id=42, version=1)
        assert result["failed"] and "needs IMPORT mode but the mode is READWRITE" in result["msg"]
        assert not [r for r in srv.registry.requests if r[0] == "POST" and r[1].endswith("/versions")]


def test_a_registry_without_modes_is_named_clearly():
    with FakeConfluent(supports_mode=False) as srv:
        result = module(srv, mode="IMPORT")
        assert result["failed"] and "does not support modes" in result["msg"] and srv.url in result["msg"]


@pytest.mark.parametrize("code", [409, 40901])
def test_incompatible_schema_fails_with_the_verbose_reasons(code):
    with FakeConfluent(incompatible_code=code) as srv:
        assert module(srv, subject="s-value", schema=V1)["changed"]
        result = module(srv, subject="s-value", schema=V2_BAD)
        assert result["failed"] and "incompatible" in result["msg"]
        assert "READER_FIELD_MISSING_DEFAULT_VALUE" in result["msg"] and "price" in result["msg"]
        assert "at compatibility level BACKWARD" in result["msg"]
        assert [v["version"] for v in srv.registry.subjects["s-value"]] == [1]
        assert module(srv, subject="s-value", schema=V2_OK)["version"] == 2


@pytest.mark.parametrize("code", [409, 40901])
def test_a_registration_refused_as_incompatible_maps_to_the_same_message(code):
    """The test said compatible, the registry still refused (a race, or a stricter registry)."""
    from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import RegistryClient
    from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import SubjectManager
    from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

    with FakeConfluent(incompatible_code=code) as srv:
        client = RegistryClient({"schema_registry_urls": [srv.url]})
        client.test_compatibility = lambda subject, payload: (True, [])
        manager = SubjectManager(client)
        manager.ensure({"subject": "s-value", "state": "present", "schema": V1})
        with pytest.raises(K2Error, match="incompatible with its latest version"):
            manager.ensure({"subject": "s-value", "state": "present", "schema": V2_BAD})


def test_subject_level_is_set_after_registration_when_refused_before():
    with FakeConfluent(config_needs_subject=True) as srv:
        result = module(srv, subject="new-value", schema=V1, compatibility="FULL")
        assert result["changed"] and result["compatibility"] == "FULL", result
        assert srv.registry.config == {"new-value": "FULL"}
        puts = [r for r in srv.registry.requests if r[0] == "PUT"]
        assert len(puts) == 2  # refused with 40401, then set once the subject existed
        assert module(srv, subject="new-value", schema=V1, compatibility="FULL")["changed"] is False


def test_a_subject_without_its_own_level_reads_as_none_and_falls_back_to_global():
    with FakeConfluent() as srv:
        module(srv, subject="s-value", schema=V1)
        info = run_module("schema_subject_info", schema_registry_urls=[srv.url])
        assert info["subjects"][0]["compatibility"] is None  # 40408 from Confluent
        assert info["global_compatibility"] == "BACKWARD" and info["mode"] == "READWRITE"


def test_hard_delete_soft_deletes_first_as_confluent_requires():
    with FakeConfluent() as srv:
        module(srv, subject="s-value", schema=V1)
        result = module(srv, subject="s-value", state="absent", permanent=True)
        assert result["changed"] and result["actions"] == ["soft_delete", "hard_delete"]
        assert "s-value" not in srv.registry.subjects
        deletes = [r[2].get("permanent") for r in srv.registry.requests if r[0] == "DELETE"]
        assert deletes == [None, "true"]


def test_failover_skips_a_dead_url_and_a_5xx():
    with FakeConfluent(always_status=503) as broken, FakeConfluent() as srv:
        result = run_module("schema_subject", schema_registry_urls=[CLOSED_URL, broken.url, srv.url],
                            subject="s-value", schema=json.dumps(V1))
        assert result["changed"] and result["id"] == 1, result
        assert broken.registry.requests, "the 5xx registry was never asked"
        assert not broken.registry.subjects and [v["id"] for v in srv.registry.subjects["s-value"]] == [1]


def test_a_4xx_is_an_answer_not_a_reason_to_fail_over():
    with FakeConfluent(personality="apicurio") as first, FakeConfluent() as second:
        result = run_module("schema_subject", schema_registry_urls=[first.url, second.url], mode="IMPORT")
        assert result["failed"] and "does not support modes" in result["msg"] and not second.registry.requests


def test_the_platform_trade_schema_refused_on_confluent_names_the_field():
    """On Confluent (full verbose reasons) a required field added to the platform's Trade is refused with the
    registry's own sentence naming the field."""
    import os
    from helpers import REPO
    with open(os.path.join(REPO, "examples", "k2-platform", "src", "k2", "schemas", "trade.avsc")) as handle:
        trade = json.load(handle)
    bad = json.loads(json.dumps(trade))
    bad["fields"].append({"name": "settlement_date", "type": "string"})
    with FakeConfluent() as srv:
        assert module(srv, subject="market.equities.trades-value", schema=trade)["version"] == 1
        result = module(srv, subject="market.equities.trades-value", schema=bad)
        assert result["failed"] and "READER_FIELD_MISSING_DEFAULT_VALUE" in result["msg"]
        assert "settlement_date" in result["msg"] and len(srv.registry.subjects["market.equities.trades-value"]) == 1
