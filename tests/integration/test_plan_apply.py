"""Plan, approve, apply on the dev stack: a check run writes plan.json and plan.md, an apply of that file does
exactly what it lists, and an apply after the cluster changed, or on another cluster, is refused with the
differences and changes nothing. Read back with the plain AdminClient."""
import json
import os
import shutil

import pytest
from confluent_kafka.admin import NewPartitions

from helpers import REPO, run_playbook

pytestmark = pytest.mark.integration


def counts(admin, names):
    meta = admin.list_topics(timeout=10).topics
    return [len(meta[n].partitions) if n in meta else None for n in names]


def topics_of(admin):
    return set(admin.list_topics(timeout=10).topics)


def delete(admin, names):
    existing = [n for n in names if n in topics_of(admin)]
    if existing:
        for future in admin.delete_topics(existing).values():
            future.result(30)


def test_a_plan_lists_the_exchange_and_applying_it_does_exactly_that(admin, tmp_path, unique):
    exchange = "p" + unique
    names = ["market.equities.%s.%s" % (dt, exchange) for dt in ("trades", "quotes", "reference_data")]
    request = {"asset_class": "equities", "exchange": exchange, "partitions": 3, "k2_smoke_test": False}
    # the platform's subjects are registered already (as on any running platform), whatever ran before
    rc, out, dummy = run_playbook("register_schemas.yml")
    assert rc == 0, out[-3000:]
    try:
        before = topics_of(admin)
        rc, out, dummy = run_playbook("add_exchange.yml", dict(request, k2_plan_dir=str(tmp_path)), check=True,
                                      env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
        assert rc == 0, out[-3000:]
        plan = json.loads((tmp_path / "plan.json").read_text())
        # what set_stats hands to the next AWX workflow node is this plan, under the host's name
        assert "CUSTOM STATS" in out and '"k2_plans"' in out and plan["cluster_id"] in out.split("CUSTOM STATS")[1]
        assert plan["cluster_id"] == admin.describe_cluster().result(10).cluster_id
        assert sorted((i["kind"], i["name"], i["action"]) for i in plan["items"]) == sorted(
            ("topic", n, "create") for n in names)
        assert [i["after"]["partitions"] for i in sorted(plan["items"], key=lambda i: i["name"])] == [3, 1, 3]
        markdown = (tmp_path / "plan.md").read_text()
        assert "**3 topic create**" in markdown and "| %s | create |" % names[0] in markdown
        # the plan created nothing (compared as a difference: a topic an earlier test deleted may still be
        # leaving the cluster's listing, which is not this test's to judge)
        assert topics_of(admin) - before == set() and not set(names) & topics_of(admin)

        rc, out, dummy = run_playbook("add_exchange.yml", dict(request, k2_plan_file=str(tmp_path / "plan.json")))
        assert rc == 0, out[-3000:]
        assert topics_of(admin) - before == set(names)
        assert counts(admin, names) == [3, 3, 1]

        rc, out, dummy = run_playbook("add_exchange.yml", dict(request, k2_plan_file=str(tmp_path / "plan.json")))
        assert rc != 0 and "was planned to create, and now needs nothing (the plan was applied already" in out

        # an empty plan (the exchange is there now) applies as a no-op
        empty = tmp_path / "empty"
        rc, out, dummy = run_playbook("add_exchange.yml", dict(request, k2_plan_dir=str(empty)), check=True)
        assert rc == 0 and json.loads((empty / "plan.json").read_text())["items"] == [], out[-3000:]
        rc, out, recap = run_playbook("add_exchange.yml", dict(request, k2_plan_file=str(empty / "plan.json")))
        assert rc == 0 and recap["changed"] == 0, out[-3000:]
        assert topics_of(admin) - before == set(names)
    finally:
        delete(admin, names)


def test_an_apply_after_the_cluster_changed_or_on_another_cluster_is_refused_and_changes_nothing(
        admin, tmp_path, unique):
    exchange = "q" + unique
    names = ["market.crypto.%s.%s" % (dt, exchange) for dt in ("trades", "quotes", "reference_data")]
    site = tmp_path / "site"   # a copy of the example checkout, so the exchange can be written to its topics.yaml
    shutil.copytree(os.path.join(REPO, "examples", "k2-platform"), str(site))
    try:
        rc, out, dummy = run_playbook("add_exchange.yml", {"asset_class": "crypto", "exchange": exchange,
                                                           "partitions": 2, "k2_smoke_test": False,
                                                           "write_config": True, "k2_platform_dir": str(site)})
        assert rc == 0, out[-3000:]
        raise_request = {"asset_class": "crypto", "exchange": exchange, "partitions": 4, "k2_platform_dir": str(site)}
        rc, out, dummy = run_playbook("raise_partitions.yml", dict(raise_request, k2_plan_dir=str(tmp_path)),
                                      check=True)
        assert rc == 0, out[-3000:]
        plan = json.loads((tmp_path / "plan.json").read_text())
        assert sorted((i["name"], i["action"]) for i in plan["items"]) == [(names[1], "raise_partitions"),
                                                                           (names[0], "raise_partitions")]
        assert all(i["warnings"][0].startswith("keys move to new partitions") for i in plan["items"])

        # someone raises the quotes topic by hand after the plan was approved
        admin.create_partitions([NewPartitions(names[1], 3)])[names[1]].result(30)
        rc, out, dummy = run_playbook("raise_partitions.yml", dict(raise_request,
                                                                   k2_plan_file=str(tmp_path / "plan.json")))
        assert rc != 0, out[-3000:]
        assert "not applied, nothing was changed on any cluster" in out
        assert ("the cluster drifted: topic %s was planned as raise_partitions (partitions=2, replication_factor=1"
                % names[1]) in out and "now raise_partitions (partitions=3," in out
        assert counts(admin, names) == [2, 3, 1]

        # a fresh plan, carried to another cluster
        rc, out, dummy = run_playbook("raise_partitions.yml", dict(raise_request, k2_plan_dir=str(tmp_path)),
                                      check=True)
        assert rc == 0, out[-3000:]
        plan = json.loads((tmp_path / "plan.json").read_text())
        elsewhere = dict(plan, cluster_id="another-cluster-id")
        (tmp_path / "elsewhere.json").write_text(json.dumps(elsewhere))
        rc, out, dummy = run_playbook("raise_partitions.yml", dict(raise_request,
                                                                   k2_plan_file=str(tmp_path / "elsewhere.json")))
        assert rc != 0 and "another cluster: the plan was made for cluster another-cluster-id" in out, out[-3000:]
        assert counts(admin, names) == [2, 3, 1]

        # the plan as an AWX workflow hands it on (set_stats: k2_plans), applied as it is
        rc, out, dummy = run_playbook("raise_partitions.yml", dict(raise_request, k2_plans={"localhost": plan}))
        assert rc == 0, out[-3000:]
        assert counts(admin, names) == [4, 4, 1]
    finally:
        delete(admin, names)
