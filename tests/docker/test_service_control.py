"""Service control for real, on the compose stack: recover_broker and recover_schema_registry start exactly the
container that was stopped (same container id, a new start time, every other container's start time unchanged)
and return only once it is back; full_reset's wipe removes exactly the Kafka and registry data (docker volume ls
before and after; an unrelated volume of ours stays) and the cluster is made anew (new topic ids; its id is the
compose file's pinned CLUSTER_ID, as on the platform). The docker CLI, the plain
AdminClient and HTTP read it back. These tests stop services: they run last in the layer, in this order."""
import json
import os

import httpx
import pytest
import yaml
from confluent_kafka import TopicCollection
from confluent_kafka.admin import NewTopic

from conftest import (COMPOSE_FILE, KAFKA, REGISTRIES, all_healthy, cluster_id, docker, inspect, managed_topics, partitions_in_sync,
                      play, wait_until)

pytestmark = pytest.mark.docker
BASE_IMAGE = os.environ.get("K2_BASE_IMAGE", "k2-base:bookworm")   # tools/docker/base-image.sh
SUBJECT_HEADERS = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def project_containers():
    """The long-running containers of the compose project k2 (running, or stopped by a test), by name: not the
    one-shot jmx-agent, which exits once it has copied its jar."""
    out = docker("ps", "-a", "--filter", "label=com.docker.compose.project=k2", "--format", "{{.Names}}").stdout
    return sorted(n for n in out.split() if n != "k2-jmx-agent")


def starts():
    """{container: (id, State.StartedAt)} of the project's long-running containers."""
    result = {}
    for name in project_containers():
        info = inspect(name)
        result[name] = (info["Id"], info["State"]["StartedAt"])
    return result


def volumes():
    """The names of every volume on the engine (docker volume ls)."""
    return set(docker("volume", "ls", "--quiet").stdout.split())


def project_volumes():
    """The volumes of the compose project k2 (its label)."""
    return docker("volume", "ls", "--quiet", "--filter", "label=com.docker.compose.project=k2").stdout.split()


def marked(names, marker, write=False):
    """Which of the volumes hold the file `marker`, read (or first written) by one throwaway container that mounts
    them all. A volume's CreatedAt is its folder's mtime on the local driver, so a file is what tells a volume
    kept from one made anew."""
    names = sorted(names)
    mounts = [arg for i, name in enumerate(names) for arg in ("-v", "%s:/v/%d" % (name, i))]
    script = ('for d in /v/*; do touch "$d/%s" && echo "${d#/v/}"; done' % marker) if write else \
        ('for d in /v/*; do [ -e "$d/%s" ] && echo "${d#/v/}"; done; true' % marker)
    out = docker("run", "--rm", "--network", "none", *(mounts + [BASE_IMAGE, "sh", "-c", script])).stdout
    return set(names[int(i)] for i in out.split())


def data_volumes():
    """The volumes Kafka and the registries write to: their read-write volume mounts (docker inspect)."""
    found = set()
    for name in (KAFKA,) + REGISTRIES:
        for mount in inspect(name)["Mounts"]:
            if mount["Type"] == "volume" and mount.get("RW"):
                found.add(mount["Name"])
    return found


@pytest.fixture
def healthy_stack():
    assert wait_until(all_healthy, timeout=240, interval=2), "the compose stack is not healthy before the test"


@pytest.mark.disrupts_stack
def test_recover_broker_starts_exactly_the_stopped_kafka_container(healthy_stack, admin):
    before = starts()
    assert KAFKA in before and set(REGISTRIES) <= set(before), before
    docker("stop", KAFKA)
    assert inspect(KAFKA)["State"]["Running"] is False

    rc, out, recap = play("recover_broker.yml")
    assert rc == 0, out[-5000:]
    assert "down: %s" % KAFKA in out, out[-3000:]
    after = starts()
    # the same container, started again; nothing else was touched
    assert after[KAFKA][0] == before[KAFKA][0]
    assert after[KAFKA][1] > before[KAFKA][1], (before[KAFKA], after[KAFKA])
    assert dict((n, v) for n, v in after.items() if n != KAFKA) == dict((n, v) for n, v in before.items()
                                                                        if n != KAFKA)
    # the playbook returned only when the broker was back with every partition in sync: read at once, no waiting
    assert 1 in admin.list_topics(timeout=10).brokers
    in_sync, bad = partitions_in_sync(admin)
    assert in_sync, bad[:10]
    assert managed_topics() <= set(admin.list_topics(timeout=10).topics)


@pytest.mark.disrupts_stack
def test_recover_schema_registry_starts_only_the_stopped_registry(healthy_stack, registry_urls):
    before = starts()
    stopped, other = REGISTRIES[1], REGISTRIES[0]
    docker("stop", stopped)
    assert inspect(stopped)["State"]["Running"] is False
    with pytest.raises(httpx.TransportError):
        httpx.get(registry_urls[1] + "/subjects", timeout=5)

    rc, out, recap = play("recover_schema_registry.yml")
    assert rc == 0, out[-5000:]
    assert "down: %s" % stopped in out and "down: %s" % other not in out, out[-3000:]
    after = starts()
    assert after[stopped][0] == before[stopped][0] and after[stopped][1] > before[stopped][1]
    assert dict((n, v) for n, v in after.items() if n != stopped) == dict((n, v) for n, v in before.items()
                                                                          if n != stopped)
    # it answers as soon as the playbook is done, and it shares the other registry's state
    answer = httpx.get(registry_urls[1] + "/subjects", timeout=10)
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()) == sorted(httpx.get(registry_urls[0] + "/subjects", timeout=10).json())


def topic_ids(admin, names):
    """{topic: its topic id} (describe_topics): a topic made anew has a new id, whatever its name."""
    futures = admin.describe_topics(TopicCollection(sorted(names)))
    return dict((name, str(future.result(30).topic_id)) for name, future in futures.items())


def compose_cluster_id():
    """The CLUSTER_ID the compose file pins for kafka, as the platform's does (cp-kafka needs one)."""
    return yaml.safe_load(open(COMPOSE_FILE))["services"]["kafka"]["environment"]["CLUSTER_ID"]


@pytest.mark.disrupts_stack
def test_full_reset_wipes_exactly_the_kafka_and_registry_data(
        healthy_stack, admin, registry_urls, platform_dir, unique):
    # state that only the wipe removes: a topic and a subject outside topics.yaml (a delete reset keeps neither,
    # a wipe keeps nothing at all), and an unrelated volume that must survive
    rc, out, recap = play("apply_topics.yml", {"k2_platform_dir": str(platform_dir)})   # whatever ran before
    assert rc == 0, out[-4000:]
    marker = "dk%s.marker" % unique
    admin.create_topics([NewTopic(marker, 1, 1)])[marker].result(30)
    subject = "dk%s.marker-value" % unique
    answer = httpx.post("%s/subjects/%s/versions" % (registry_urls[0], subject), headers=SUBJECT_HEADERS, timeout=10,
                        json={"schema": json.dumps({"type": "record", "name": "M", "fields": [
                            {"name": "a", "type": "string"}]})})
    assert answer.status_code == 200, answer.text
    unrelated = "k2-dk-%s-unrelated" % unique
    docker("volume", "create", unrelated)
    try:
        wiped = data_volumes()
        assert wiped, "k2-kafka has no data volume"
        every_before = volumes()
        assert unrelated in every_before and wiped <= every_before
        # the project's volumes and ours are marked; other volumes on the engine are not ours to write to
        vols_before = set(project_volumes()) | {unrelated}
        mark = ".k2-wipe-test-" + unique
        assert marked(vols_before, mark, write=True) == vols_before
        containers_before = starts()
        running_before = project_containers()
        old_id = cluster_id(admin)
        old_ids = topic_ids(admin, managed_topics())

        rc, out, recap = play("full_reset.yml", {"confirm": "RESET-" + old_id, "k2_max_deletes": 100000,
                                                 "k2_platform_dir": str(platform_dir)})
        assert rc == 0, out[-6000:]

        assert every_before - wiped <= volumes()      # no other volume on the engine went
        vols_after = volumes() & (set(project_volumes()) | {unrelated})
        assert vols_before - wiped <= vols_after and vols_after - vols_before <= data_volumes()
        # the data volumes are empty ones made anew; every other volume, ours included, is the one it was
        assert marked(vols_after, mark) == vols_before - wiped
        # the cluster is a new one, re-initialised from topics.yaml, and what was outside topics.yaml is gone.
        # The compose file pins CLUSTER_ID (as the platform's does), so the fresh storage is formatted with the
        # same id: what proves it new is the fresh volume above and new topic ids for every managed topic.
        assert cluster_id(admin) == old_id == compose_cluster_id()
        new_ids = topic_ids(admin, managed_topics())
        assert sorted(n for n in new_ids if new_ids[n] == old_ids[n]) == []
        topics = set(admin.list_topics(timeout=10).topics)
        assert marker not in topics
        assert set(t for t in topics if t.startswith("market.")) == managed_topics()
        subjects = httpx.get(registry_urls[1] + "/subjects", timeout=10).json()
        assert subject not in subjects and "market.equities.trades-value" in subjects, subjects
        assert partitions_in_sync(admin)[0]
        # a backup of the old cluster was taken first, in the site's backup folder
        assert list((platform_dir / "backups" / old_id).glob("kafka-*/manifest.json")), out[-3000:]
        # the containers the wipe did not stop kept running (prometheus and the other services)
        after = starts()
        untouched = [n for n in running_before if n not in (KAFKA,) + REGISTRIES]
        assert dict((n, after.get(n)) for n in untouched) == dict((n, containers_before[n]) for n in untouched)
    finally:
        docker("volume", "rm", unrelated, check=False)
        kept = sorted(set(project_volumes()) & volumes())
        docker("run", "--rm", "--network", "none", *([a for i, n in enumerate(kept) for a in ("-v", "%s:/v/%d" % (n, i))]
               + [BASE_IMAGE, "sh", "-c", 'rm -f /v/*/.k2-wipe-test-' + unique]), check=False)
