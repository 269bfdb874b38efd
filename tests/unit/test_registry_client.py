"""Registry client: failover order and error mapping, with a fake transport (no network)."""
import json
import socket

import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import RegistryClient, RegistryError
from ansible_collections.k2.kafka_ops.plugins.module_utils.schemas import prepare_schema, same_schema

pytestmark = pytest.mark.unit


class Transport:
    """Answers per base URL: an exception to raise, (status, body) for that answer, or a body for a 200."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, base, method, path, body, headers):
        self.calls.append((base, method, path, body, headers))
        answer = self.answers[base]
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer if isinstance(answer, tuple) else (200, answer)
        return status, json.dumps(payload).encode()


def client(answers, **params):
    transport = Transport(answers)
    params.setdefault("schema_registry_urls", list(answers))
    return RegistryClient(params, transport=transport), transport


def test_connection_errors_timeouts_and_5xx_move_to_the_next_url():
    c, opener = client({"http://a": ConnectionRefusedError(111, "Connection refused"), "http://b": socket.timeout("timed out"),
                        "http://c": (503, {"error_code": 50003, "message": "forward"}), "http://d": ["s1"]})
    assert c.subjects() == ["s1"]
    assert [call[0] for call in opener.calls] == ["http://a", "http://b", "http://c", "http://d"]
    assert c.last_url == "http://d"


def test_a_4xx_is_an_answer_not_a_reason_to_fail_over():
    c, opener = client({"http://a": (422, {"error_code": 42201, "message": "bad"}), "http://b": []})
    with pytest.raises(RegistryError) as info:
        c.register("s", {"schema": "x"})
    assert info.value.code == 42201 and "invalid schema (error 42201)" in info.value.msg
    assert len(opener.calls) == 1


def test_all_urls_down_names_each_url_and_its_reason():
    c = client({"http://a": ConnectionRefusedError(111, "Connection refused"), "http://b": (500, {"message": "boom"})})[0]
    with pytest.raises(K2Error) as info:
        c.subjects()
    assert "http://a: Connection refused" in info.value.msg and "http://b: HTTP 500 boom" in info.value.msg


@pytest.mark.parametrize("code,meaning", [
    (40401, "subject not found"), (40402, "version not found"), (40403, "schema not found"),
    (409, "incompatible schema"), (40901, "incompatible schema"), (42201, "invalid schema"),
    (42203, "invalid compatibility level"), (42205, "operation not permitted"),
    (40405, "must be soft-deleted first"), (40407, "version must be soft-deleted first")])
def test_confluent_error_codes_read_as_words(code, meaning):
    status = 409 if code in (409, 40901) else 404 if code < 41000 else 422
    c = client({"http://a": (status, {"error_code": code, "message": "m"})})[0]
    with pytest.raises(RegistryError) as info:
        c.request("GET", "/x")
    assert meaning in info.value.msg and info.value.code == code


def test_missing_things_read_as_none_or_empty():
    c = client({"http://a": (404, {"error_code": 40401, "message": "no"})})[0]
    assert c.versions("s") == [] and c.version("s") is None and c.lookup("s", {"schema": "x"}) is None


def test_basic_auth_and_query_reach_the_transport_and_urls_are_split():
    c, transport = client({"http://a": [], "http://b": []}, schema_registry_urls=["http://a/, http://b"],
                          schema_registry_username="u", schema_registry_password="p")
    assert c.urls == ["http://a", "http://b"]
    c.subjects(prefix="market.")
    base, method, path, body, headers = transport.calls[0]
    assert (base, method, path, body) == ("http://a", "GET", "/subjects?subjectPrefix=market.", None)
    assert headers["Authorization"] == "Basic dTpw"


def test_the_transport_keeps_one_connection_per_url_and_applies_tls_settings(tmp_path):
    from ansible_collections.k2.kafka_ops.plugins.module_utils.registry import HttpTransport
    transport = HttpTransport({"schema_registry_timeout": 4, "schema_registry_validate_certs": False})
    first, prefix = transport._connection("https://registry.example:8443/apis/ccompat/v7")
    again, dummy = transport._connection("https://registry.example:8443/apis/ccompat/v7")
    assert first is again and prefix == "/apis/ccompat/v7" and first.timeout == 4
    assert first._context.verify_mode == __import__("ssl").CERT_NONE
    with pytest.raises(ValueError, match="unsupported URL scheme 'ftp'"):
        transport._connection("ftp://x")


def test_subject_names_are_escaped():
    c, transport = client({"http://a": [1]})
    c.versions("a/b c")
    assert transport.calls[0][2] == "/subjects/a%2Fb%20c/versions"


def test_avro_is_parsed_locally_and_canonicalised():
    text = prepare_schema('{"type": "record", "name": "T", "fields": [{"name": "a", "type": "string"}]}', "AVRO")
    assert text == '{"type":"record","name":"T","fields":[{"name":"a","type":"string"}]}'
    assert same_schema(text, '{"name": "T", "type": "record", "fields": [{"type": "string", "name": "a"}]}', "AVRO")
    with pytest.raises(K2Error, match="not a valid Avro schema: UnknownType"):
        prepare_schema({"type": "record", "name": "T", "fields": [{"name": "a", "type": "nope"}]}, "AVRO")
    with pytest.raises(K2Error, match="schema: not valid JSON"):
        prepare_schema("{nope", "AVRO")
