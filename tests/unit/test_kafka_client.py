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


class _Listing:
    """What confluent-kafka's list_consumer_groups future answers: the groups it could list, and an error per
    broker that did not answer."""

    def __init__(self, valid, errors):
        self.valid, self.errors = valid, errors


class _ClientWithAFailedBroker:
    def __init__(self, listing):
        self.listing = listing

    def list_consumer_groups(self, **kwargs):
        from concurrent.futures import Future
        future = Future()
        future.set_result(self.listing)
        return future

    def poll(self, timeout=None):
        return 0


def test_a_listing_with_a_broker_error_fails_instead_of_answering_no_groups():
    """Issue 29's wrong answer: with Kafka unreachable, kafka_consumer_group_info said groups: [] after 31 s,
    because list_groups read only the listing's valid part. An info module never answers "nothing" when it
    could not look."""
    from confluent_kafka import KafkaError, KafkaException
    from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import KafkaAdmin
    admin = KafkaAdmin(params(request_timeout=5))
    failed = KafkaException(KafkaError(KafkaError._TRANSPORT, "1/1 brokers are down"))
    admin.client = _ClientWithAFailedBroker(_Listing([], [failed]))
    with pytest.raises(K2Error, match=r"Kafka at 127\.0\.0\.1:9092 did not answer list consumer groups from every "
                                      r"broker \(1 failed\) within request_timeout=5s \(1/1 brokers are down"):
        admin.list_groups()
    admin.client = _ClientWithAFailedBroker(_Listing([], []))
    assert admin.list_groups() == []   # a cluster that answered, with no groups, is "none"


def test_a_bad_pem_file_is_named_by_its_option_not_by_librdkafka_s_property(tmp_path):
    """librdkafka says ssl.ca.location; the user wrote ssl_cafile."""
    from ansible_collections.k2.kafka_ops.plugins.module_utils.kafka_client import KafkaAdmin
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(K2Error) as refused:
        KafkaAdmin(params(security_protocol="SSL", ssl_cafile=str(bad)))
    assert "ssl_cafile (%s) failed" % bad in refused.value.msg and "ssl.ca.location" not in refused.value.msg, \
        refused.value.msg
