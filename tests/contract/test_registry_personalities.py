"""schema_registry_info against each registry of the field, as documented (../shared/K2-PLATFORM.md): the
capabilities it reports, and that probing only reads: every request it sends is a GET or a compatibility test
(which stores nothing), and the registry is left exactly as it was."""
import copy
import json

import pytest

from confluent_fake import FakeConfluent
from helpers import CLOSED_URL, registry_writes, run_module

pytestmark = pytest.mark.contract
V1 = json.dumps({"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"}]})

EXPECTED = {
    "confluent": dict(mode_readable=True, mode="READWRITE", mode_writable_global=True, mode_writable_subject=True,
                      import_mode=True, explicit_ids=True, schemas_endpoint=True, verbose_compatibility=True,
                      flavour="confluent"),
    "karapace": dict(mode_readable=True, mode="READWRITE", mode_writable_global=False, mode_writable_subject=False,
                     import_mode=False, explicit_ids=False, schemas_endpoint=True, verbose_compatibility=True,
                     flavour="karapace"),
    "apicurio": dict(mode_readable=False, mode=None, mode_writable_global=False, mode_writable_subject=False,
                     import_mode=False, explicit_ids=False, schemas_endpoint=False, verbose_compatibility=False,
                     flavour="apicurio"),
}


def writes(requests):
    return registry_writes([(m, path) for m, path, query in requests])


def test_an_unknown_registry_with_a_mode_api_leaves_mode_writes_and_import_unknown():
    with FakeConfluent(personality="karapace") as srv:
        srv.registry.personality = "unknown"      # serves /mode, but neither Confluent's metadata nor Karapace's health
        result = run_module("schema_registry_info", schema_registry_urls=[srv.url])
        caps = result["capabilities"]
        assert caps["flavour"] == "unknown" and caps["mode_readable"] is True, caps
        assert [caps[k] for k in ("mode_writable_global", "mode_writable_subject", "import_mode", "explicit_ids")] == [
            None, None, None, None]
        assert writes(srv.registry.requests) == [], srv.registry.requests


@pytest.mark.parametrize("personality", sorted(EXPECTED))
def test_capabilities_are_detected_and_the_probe_changes_nothing(personality):
    with FakeConfluent(personality=personality) as srv:
        assert run_module("schema_subject", schema_registry_urls=[srv.url], subject="s-value", schema=V1)["changed"]
        reg = srv.registry
        state = copy.deepcopy((reg.subjects, reg.schemas, reg.config, reg.global_level, reg.mode, reg.global_mode))
        sent = len(reg.requests)
        result = run_module("schema_registry_info", schema_registry_urls=[CLOSED_URL, srv.url],
                            schema_registry_timeout=2)
        assert not result.get("failed"), result
        assert result["capabilities"] == EXPECTED[personality]
        assert [i["reachable"] for i in result["instances"]] == [False, True]
        assert (reg.subjects, reg.schemas, reg.config, reg.global_level, reg.mode, reg.global_mode) == state
        assert writes(reg.requests[sent:]) == [], reg.requests[sent:]


def test_verbose_support_is_unknown_on_an_empty_registry():
    with FakeConfluent() as srv:
        assert run_module("schema_registry_info", schema_registry_urls=[srv.url])["capabilities"][
            "verbose_compatibility"] is None
