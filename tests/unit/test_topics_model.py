"""topics.yaml validation and expansion (plugins/module_utils/topics_model.py)."""
import copy
import os

import pytest
import yaml

from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error
from ansible_collections.k2.kafka_ops.plugins.module_utils import topics_model as model

from helpers import REPO

pytestmark = pytest.mark.unit

with open(os.path.join(REPO, "examples", "k2-platform", "config", "kafka", "topics.yaml")) as handle:
    EXAMPLE = yaml.safe_load(handle)


def data(**patch):
    out = copy.deepcopy(EXAMPLE)
    for dotted, value in patch.items():
        node = out
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node[key]
        if value is KeyError:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return out


def test_example_expands_to_every_asset_class_data_type_and_exchange():
    specs = model.topic_specs(EXAMPLE)
    by_name = dict((s["name"], s) for s in specs)
    assert sorted(by_name) == sorted("market.%s.%s.%s" % (ac, dt, ex)
                                     for ac, ex in (("equities", "asx"), ("crypto", "binance"))
                                     for dt in ("trades", "quotes", "reference_data"))
    assert by_name["market.equities.trades.asx"]["partitions"] == 30
    assert by_name["market.crypto.quotes.binance"]["partitions"] == 40
    assert by_name["market.crypto.reference_data.binance"]["partitions"] == 1  # data type override
    assert by_name["market.equities.trades.asx"]["config"] == {
        "retention.ms": "604800000", "compression.type": "lz4", "cleanup.policy": "delete",
        "min.insync.replicas": "1"}
    assert all(s["replication_factor"] == 1 for s in specs)


def test_selectors_narrow_the_expansion():
    specs = model.topic_specs(EXAMPLE, asset_class="equities", exchange="asx", data_type="trades")
    assert [s["name"] for s in specs] == ["market.equities.trades.asx"]
    assert len(model.topic_specs(EXAMPLE, exchange="binance")) == 3


def test_unknown_selector_names_what_exists():
    with pytest.raises(K2Error, match="exchange nyse is not in topics.yaml under asset class equities"):
        model.topic_specs(EXAMPLE, asset_class="equities", exchange="nyse")
    with pytest.raises(K2Error, match="asset class bonds is not in topics.yaml; known: crypto, equities"):
        model.topic_specs(EXAMPLE, asset_class="bonds")


def test_subjects_follow_the_pattern():
    subjects = model.subject_specs(EXAMPLE, asset_class="equities")
    assert [s["subject"] for s in subjects] == ["market.equities.quotes-value", "market.equities.reference_data-value",
                                                "market.equities.trades-value"]
    assert subjects[2]["schema_name"] == "trade" and subjects[2]["compatibility"] == "BACKWARD"


@pytest.mark.parametrize("patch,message", [
    ({"asset_classes__equities__exchanges__asx__partitions": "100x"},
     "asset_classes.equities.exchanges.asx.partitions: expected a positive integer, got '100x'"),
    ({"asset_classes__equities__exchanges__asx__partitions": 0},
     "asset_classes.equities.exchanges.asx.partitions: expected a positive integer, got 0"),
    ({"asset_classes__equities__exchanges__asx__partitions": True},
     "asset_classes.equities.exchanges.asx.partitions: expected a positive integer, got a boolean (True)"),
    ({"asset_classes__equities__exchanges__asx__partitons": 3},
     "asset_classes.equities.exchanges.asx.partitons: unknown key; expected one of"),
    ({"data_types__trades__schema_name": KeyError}, "data_types.trades.schema_name: required key is missing"),
    ({"data_types__trades__config": {"retention.ms": [1, 2]}},
     "data_types.trades.config.retention.ms: expected a string or a number, got a list"),
    ({"asset_classes__equities__exchanges__asx": {"partitions": 3, "name": 7}},
     "asset_classes.equities.exchanges.asx.name: expected a string, got 7"),
    ({"schema_registry__compatibility": "SIDEWAYS"}, "schema_registry.compatibility: expected one of NONE, BACKWARD"),
    ({"schema_registry__subject_pattern": "{exchange}-value"},
     "schema_registry.subject_pattern: only {asset_class} and {data_type} may be substituted"),
    ({"defaults__min_insync_replicas": 2}, "defaults.min_insync_replicas: expected at most replication_factor (1)"),
    ({"asset_classes__equities__exchanges__asx": None}, "asset_classes.equities.exchanges.asx: expected a mapping"),
    ({"data_types": KeyError}, "(topics.yaml).data_types: required key is missing"),
    ({"asset_classes__equities__exchanges": {"ny se": {"partitions": 3}}},
     "asset_classes.equities.exchanges.ny se: expected a name of letters, digits"),
])
def test_invalid_files_name_the_field_the_value_and_what_was_expected(patch, message):
    with pytest.raises(K2Error) as info:
        model.topic_specs(data(**patch))
    assert message in str(info.value)


def test_every_problem_is_reported_at_once():
    bad = data(asset_classes__equities__exchanges__asx__partitions="x", data_types__trades__description=3)
    with pytest.raises(K2Error, match=r"invalid \(2 problems\)"):
        model.validate(bad)


def test_too_long_topic_names_are_rejected():
    bad = data(asset_classes__equities__exchanges={"x" * 240: {"partitions": 1}})
    with pytest.raises(K2Error, match="expected at most 249 characters"):
        model.topic_specs(bad)


@pytest.mark.parametrize("name,ok", [("market.equities.trades.asx", True), (".", False), ("..", False),
                                     ("a" * 249, True), ("a" * 250, False), ("bad/name", False), ("", False)])
def test_topic_name_rules(name, ok):
    assert (model.topic_name_problem(name) is None) is ok


def test_malformed_yaml_names_the_line():
    with pytest.raises(K2Error, match="not valid YAML at line 3, column"):
        model.load_yaml_text("asset_classes:\n  equities:\n\texchanges: {}\n")


def test_config_values_normalise_as_kafka_reports_them():
    assert model.config_value(604800000) == "604800000"
    assert model.config_value(True) == "true"
    assert model.config_value(0.5) == "0.5"
    assert model.config_value({"a": 1}) is None
