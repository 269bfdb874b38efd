"""Connection settings (plugins/module_utils/kafka_client.py)."""
import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import client_config, kafka_argument_spec

pytestmark = pytest.mark.unit


def params(**kw):
    out = dict((k, v.get("default")) for k, v in kafka_argument_spec().items())
    out.update(kw)
    return out


def test_secrets_are_no_log():
    spec = kafka_argument_spec()
    assert spec["sasl_password"]["no_log"] and spec["ssl_keyfile_password"]["no_log"]


def test_plaintext_defaults_bound_every_wait():
    conf = client_config(params(request_timeout=7))
    assert conf["bootstrap.servers"] == "127.0.0.1:9092" and conf["security.protocol"] == "PLAINTEXT"
    assert conf["socket.timeout.ms"] == 7000 and conf["socket.connection.setup.timeout.ms"] == 7000


def test_sasl_ssl_maps_every_option():
    conf = client_config(params(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_username="u",
                                sasl_password="p", ssl_cafile="/ca.pem", ssl_certfile="/c.pem", ssl_keyfile="/k.pem",
                                ssl_keyfile_password="kp"))
    assert conf["sasl.mechanism"] == "SCRAM-SHA-512" and conf["sasl.username"] == "u" and conf["sasl.password"] == "p"
    assert conf["ssl.ca.location"] == "/ca.pem" and conf["ssl.key.password"] == "kp"


def test_sasl_without_credentials_names_the_missing_fields():
    with pytest.raises(K2Error, match="security_protocol SASL_PLAINTEXT needs sasl_mechanism, sasl_password"):
        client_config(params(security_protocol="SASL_PLAINTEXT", sasl_username="u"))
