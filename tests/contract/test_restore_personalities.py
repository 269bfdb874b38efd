"""restore.yml, through ansible-playbook, against each registry of the field (Confluent, Karapace, Apicurio as
the fake plays them): a no-op restore, a restore into an empty registry, a restore after a reset that
re-registered v1, and a restore with a conflicting subject, without and with replace. Every result is read
from the fake's own state, never from the restore's output or its planning code."""
import hashlib
import json

import pytest

from confluent_fake import FakeConfluent
from helpers import CLOSED, registry_writes, run_playbook

pytestmark = pytest.mark.contract

A, B = "market.equities.trades-value", "market.equities.quotes-value"
V1 = json.dumps({"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"}]},
                separators=(",", ":"))
V2 = json.dumps({"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"},
                                                               {"name": "trade_id", "type": ["null", "string"],
                                                                "default": None}]}, separators=(",", ":"))
QV1 = json.dumps({"type": "record", "name": "Quote", "fields": [{"name": "bid", "type": "long"}]},
                 separators=(",", ":"))
OTHER = json.dumps({"type": "record", "name": "Trade", "fields": [{"name": "px", "type": "double"}]},
                   separators=(",", ":"))
BACKUP = [{"subject": A, "compatibility": "FULL",
           "versions": [{"version": 1, "id": 10, "schema": V1, "schema_type": "AVRO", "references": []},
                        {"version": 2, "id": 11, "schema": V2, "schema_type": "AVRO", "references": []}]},
          {"subject": B, "compatibility": None,
           "versions": [{"version": 1, "id": 12, "schema": QV1, "schema_type": "AVRO", "references": []}]}]


def write_backup(folder):
    folder.mkdir(exist_ok=True)
    data = {"topics.json": [], "consumer_offsets.json": [],
            "subjects.json": {"global_compatibility": "BACKWARD", "mode": None, "subjects": BACKUP}}
    files = {}
    for name, content in data.items():
        text = json.dumps(content, indent=2, sort_keys=True) + "\n"
        (folder / name).write_text(text)
        files[name] = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "files": files}))
    return str(folder)


def preload(reg, subject, versions, level=None):
    reg.subjects[subject] = [{"version": v, "id": i, "schema": s, "deleted": False} for v, i, s in versions]
    for dummy, schema_id, schema in versions:
        reg.schemas[schema_id] = schema
    if level:
        reg.config[subject] = level


def state(reg):
    return dict((s, [(v["version"], v["id"], json.loads(v["schema"])) for v in vs if not v["deleted"]])
                for s, vs in reg.subjects.items() if any(not v["deleted"] for v in vs))


def restore(srv, tmp_path, check=False, **extra):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"children": {"kafka_admin": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}},
        "vars": {"k2_connection": {"bootstrap_servers": CLOSED, "schema_registry_urls": [srv.url],
                                   "schema_registry_timeout": 5}}}}))
    args = dict(backup=write_backup(tmp_path / "kafka-20260101-000000"), k2_restore_topics=False, **extra)
    return run_playbook("restore.yml", args, check=check, inventory=str(inventory))


def writes(reg):
    """Every request that may change the registry (the capability probe reads only: nothing of it is excused)."""
    return registry_writes([(m, path) for m, path, query in reg.requests])


PERSONALITIES = ["confluent", "karapace", "apicurio"]
ORIGINAL = {A: [(1, 10, json.loads(V1)), (2, 11, json.loads(V2))], B: [(1, 12, json.loads(QV1))]}


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_registry_that_holds_the_backup_gets_no_write_and_reports_no_change(personality, tmp_path):
    with FakeConfluent(personality=personality) as srv:
        preload(srv.registry, A, [(1, 10, V1), (2, 11, V2)], "FULL")
        preload(srv.registry, B, [(1, 12, QV1)])
        rc, out, recap = restore(srv, tmp_path)
        assert rc == 0 and recap["changed"] == 0, out[-3000:]
        assert "%s: unchanged" % A in out and "%s: unchanged" % B in out
        assert writes(srv.registry) == [] and state(srv.registry) == ORIGINAL


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_restore_in_check_mode_sends_no_write_and_shows_what_it_would_do(personality, tmp_path):
    with FakeConfluent(personality=personality) as srv:
        rc, out, recap = restore(srv, tmp_path, check=True)
        assert rc == 0 and recap["changed"] >= 1, out[-3000:]
        assert ("%s: import" if personality == "confluent" else "%s: register") % A in out, out[-3000:]
        assert writes(srv.registry) == [] and state(srv.registry) == {}, writes(srv.registry)


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_restore_into_an_empty_registry(personality, tmp_path):
    with FakeConfluent(personality=personality) as srv:
        rc, out, recap = restore(srv, tmp_path)
        assert rc == 0, out[-3000:]
        got = state(srv.registry)
        if personality == "confluent":  # imported: original ids and versions
            assert "%s: import" % A in out and got == ORIGINAL
            assert srv.registry.mode == {A: "READWRITE", B: "READWRITE"}  # set back after the import
        else:  # registered in order: same versions and schemas, new ids, the map printed
            assert "%s: register" % A in out
            assert [(v, s) for v, dummy, s in got[A]] == [(v, s) for v, dummy, s in ORIGINAL[A]]
            assert [i for dummy, i, dummy2 in got[A] + got[B]] != [10, 11, 12]
            assert '"10":' in out.replace(" ", "") or "'10':" in out
        assert srv.registry.config[A] == "FULL"


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_restore_after_a_reset_that_re_registered_v1(personality, tmp_path):
    with FakeConfluent(personality=personality) as srv:
        preload(srv.registry, A, [(1, 20, V1)])  # full_reset re-registered v1 with a new id
        preload(srv.registry, B, [(1, 21, QV1)])
        before = state(srv.registry)
        rc, out, recap = restore(srv, tmp_path)
        if personality == "confluent":  # ids could be kept, so other ids are a conflict: reported, untouched
            assert rc != 0 and "%s: conflict" % A in out and "k2_restore_replace_subjects=true" in out, out[-3000:]
            assert state(srv.registry) == before
            rc, out, recap = restore(srv, tmp_path, k2_restore_replace_subjects=True, confirm="REPLACE-2")
            assert rc == 0, out[-3000:]
            assert state(srv.registry) == ORIGINAL  # hard-deleted, then imported with the original ids
        else:  # no ids to keep: v1 is there, v2 is registered with a new id
            assert rc == 0 and "%s: register" % A in out and "%s: unchanged" % B in out, out[-3000:]
            got = state(srv.registry)
            assert [(v, s) for v, dummy, s in got[A]] == [(1, json.loads(V1)), (2, json.loads(V2))]
            assert got[A][0][1] == 20 and got[B] == before[B]


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_conflicting_subject_is_left_alone_unless_replaced_with_confirmation(personality, tmp_path):
    with FakeConfluent(personality=personality) as srv:
        preload(srv.registry, A, [(1, 30, OTHER)])
        rc, out, recap = restore(srv, tmp_path)
        assert rc != 0 and "%s: conflict" % A in out and "confirm=REPLACE-1" in out, out[-3000:]
        got = state(srv.registry)
        assert got[A] == [(1, 30, json.loads(OTHER))]  # untouched
        assert [s for dummy, dummy2, s in got[B]] == [json.loads(QV1)]  # everything else restored
        rc, out, recap = restore(srv, tmp_path, k2_restore_replace_subjects=True)
        assert rc != 0 and "without confirmation: rerun with -e confirm=REPLACE-1" in out, out[-3000:]
        assert state(srv.registry)[A] == [(1, 30, json.loads(OTHER))]
        rc, out, recap = restore(srv, tmp_path, k2_restore_replace_subjects=True, confirm="REPLACE-1")
        assert rc == 0, out[-3000:]
        got = state(srv.registry)
        assert [(v, s) for v, dummy, s in got[A]] == [(1, json.loads(V1)), (2, json.loads(V2))]
        assert ([i for dummy, i, dummy2 in got[A]] == [10, 11]) == (personality == "confluent")


def test_a_registry_that_cannot_be_named_gets_new_ids_unless_import_is_forced(tmp_path):
    """A registry that serves /mode and honours IMPORT, but answers neither Confluent's metadata nor Karapace's
    health endpoint: capabilities are unknown, so restore registers with new ids and says how to keep them."""
    with FakeConfluent(personality="confluent") as srv:
        srv.registry.personality = "unknown"
        rc, out, recap = restore(srv, tmp_path)
        assert rc == 0 and "%s: register" % A in out and "k2_restore_force_import=true" in out, out[-3000:]
        assert [i for dummy, i, dummy2 in state(srv.registry)[A]] != [10, 11]
    with FakeConfluent(personality="confluent") as srv:
        srv.registry.personality = "unknown"
        rc, out, recap = restore(srv, tmp_path, k2_restore_force_import=True)
        assert rc == 0 and "%s: import" % A in out, out[-3000:]
        assert state(srv.registry) == ORIGINAL
