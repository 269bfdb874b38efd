"""topics.yaml plans and edits on the example K2 checkout's own file: add_exchange and raise_partitions are
computed once, in Python, and keep every comment (the platform keeps its future exchanges as comments)."""
import os

import pytest
import yaml

from ansible_collections.k2.kafka_ops.plugins.module_utils.config_edit import exchange_plan, raise_plan
from ansible_collections.k2.kafka_ops.plugins.module_utils.errors import K2Error

pytestmark = pytest.mark.unit
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "k2-platform", "config", "kafka",
                       "topics.yaml")


@pytest.fixture
def text():
    with open(EXAMPLE) as handle:
        return handle.read()


def comments(text):
    return [line for line in text.splitlines() if line.strip().startswith("#")]


def test_add_exchange_nyse_uncomments_the_planned_block_and_keeps_every_other_line(text):
    """The platform keeps nyse as a commented-out block: add_exchange puts the entry in its place (the block's
    values as the base, the request's on top) and keeps every other line, the other planned exchanges too."""
    plan = exchange_plan(text, "equities", "nyse", {"partitions": "4"})
    assert plan["difference"] is None
    assert plan["topics"] == ["market.equities.quotes.nyse", "market.equities.reference_data.nyse",
                              "market.equities.trades.nyse"]
    assert plan["config"]["asset_classes"]["equities"]["exchanges"]["nyse"] == {
        "name": "New York Stock Exchange", "partitions": 4, "country": "US", "timezone": "America/New_York"}
    old, new = text.splitlines(), plan["text"].splitlines()
    start = old.index("      # nyse:")
    assert old[start + 1:start + 5] == ['      #   name: "New York Stock Exchange"', '      #   partitions: 100',
                                        '      #   country: "US"', '      #   timezone: "America/New_York"']
    assert new == old[:start] + [
        '      nyse:', '        name: "New York Stock Exchange"', '        partitions: 4', '        country: "US"',
        '        timezone: "America/New_York"'] + old[start + 5:]
    assert "      # nasdaq:" in new and "      # kraken:" in new


def test_add_exchange_without_a_planned_block_goes_after_the_last_active_exchange(text):
    plan = exchange_plan(text, "crypto", "okx", {"partitions": 2, "country": "GLOBAL"})
    new = plan["text"].splitlines()
    assert [line for line in text.splitlines() if line not in new] == []
    assert new[new.index("      okx:") - 1] == '        description: "Largest crypto exchange by volume"'
    assert comments(plan["text"]) == comments(text)


def test_exchange_plan_for_an_exchange_already_there(text):
    same = exchange_plan(text, "equities", "asx", {"partitions": 30})
    assert same["difference"] == [] and same["text"] is None
    other = exchange_plan(text, "equities", "asx", {"partitions": 99})
    assert other["difference"] == ["partitions: topics.yaml has 30, asked for 99"]


def test_raise_plan_of_an_asset_class_raises_every_exchange_but_not_fixed_counts(text):
    plan = raise_plan(text, 48, asset_class="crypto", update_config=True)
    assert plan["targets"] == [{"name": "market.crypto.quotes.binance", "partitions": 48},
                               {"name": "market.crypto.trades.binance", "partitions": 48}]
    assert [s["name"] for s in plan["skipped"]] == ["market.crypto.reference_data.binance"]
    assert yaml.safe_load(plan["text"])["asset_classes"]["crypto"]["exchanges"]["binance"]["partitions"] == 48
    assert comments(plan["text"]) == comments(text)


def test_raise_plan_of_a_data_type_or_one_topic(text):
    assert [t["name"] for t in raise_plan(text, 50, data_type="trades")["targets"]] == [
        "market.crypto.trades.binance", "market.equities.trades.asx"]
    one = raise_plan(text, 7, topic="market.x.y.z")
    assert one == {"targets": [{"name": "market.x.y.z", "partitions": 7}], "skipped": [], "text": None}


@pytest.mark.parametrize("kwargs, needle", [
    ({"partitions": 0, "asset_class": "crypto"}, "partitions: expected a positive integer, got 0"),
    ({"partitions": 4}, "needs topic=<name>, or asset_class"),
    ({"partitions": 4, "exchange": "asx"}, "exchange=asx: give its asset_class too"),
    ({"partitions": 4, "data_type": "trades", "update_config": True}, "not per data type"),
    ({"partitions": 4, "data_type": "reference_data"}, "nothing to raise"),
    ({"partitions": 4, "asset_class": "bonds"}, "asset class bonds is not in topics.yaml"),
])
def test_raise_plan_refuses_what_it_cannot_do_with_the_field_and_value(text, kwargs, needle):
    with pytest.raises(K2Error, match=needle):
        raise_plan(text, **kwargs)
