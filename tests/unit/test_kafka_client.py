"""Connection settings (plugins/module_utils/kafka_client.py)."""
import pytest

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_connection import client_config, kafka_argument_spec

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


def test_sasl_ssl_maps_every_option(tmp_path):
    files = {}
    for name in ("ca", "c", "k"):
        files[name] = str(tmp_path / (name + ".pem"))
        open(files[name], "w").close()
    conf = client_config(params(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_username="u",
                                sasl_password="p", ssl_cafile=files["ca"], ssl_certfile=files["c"],
                                ssl_keyfile=files["k"], ssl_keyfile_password="kp"))
    assert conf["sasl.mechanism"] == "SCRAM-SHA-512" and conf["sasl.username"] == "u" and conf["sasl.password"] == "p"
    assert conf["ssl.ca.location"] == files["ca"] and conf["ssl.key.password"] == "kp"


@pytest.mark.parametrize("option", ["ssl_cafile", "ssl_certfile", "ssl_keyfile"])
def test_a_missing_tls_file_names_the_option_and_the_path(option, tmp_path):
    """librdkafka raised from AdminClient() on a missing file: a traceback instead of a message (#13.5)."""
    missing = str(tmp_path / "nowhere.pem")
    with pytest.raises(K2Error, match="%s: %s does not exist or is not a file" % (option, missing)):
        client_config(params(security_protocol="SSL", **{option: missing}))


def test_sasl_without_credentials_names_the_missing_fields():
    with pytest.raises(K2Error, match="security_protocol SASL_PLAINTEXT needs sasl_mechanism, sasl_password"):
        client_config(params(security_protocol="SASL_PLAINTEXT", sasl_username="u"))
