"""backup_folder: the files on disk against the manifest (hashed here, independently), check mode, retention and
the refusals, run as Ansible runs the module."""
import hashlib
import json
import os

import pytest

from helpers import run_module

pytestmark = pytest.mark.unit


def site(tmp_path):
    (tmp_path / "site" / "schemas").mkdir(parents=True)
    (tmp_path / "site" / "topics.yaml").write_text("asset_classes: {}\n")
    for name in ("trade", "quote"):
        (tmp_path / "site" / "schemas" / ("%s.avsc" % name)).write_text('{"type": "string"}\n')
    return dict(dir=str(tmp_path / "backups" / "cluster-a"),
                data={"topics.json": [{"name": "t", "partitions": 3}], "subjects.json": {"subjects": []}},
                copies=[{"src": str(tmp_path / "site" / "topics.yaml"), "dest": "topics.yaml"},
                        {"src": str(tmp_path / "site" / "schemas" / "*.avsc"), "dest": "schemas/"}],
                manifest={"format": 1, "cluster_id": "cluster-a"})


def test_the_folder_holds_every_file_and_a_manifest_that_matches_them(tmp_path):
    args = site(tmp_path)
    check = run_module("backup_folder", check=True, name="kafka-20260101-000000", **args)
    assert check["changed"] and not os.path.exists(args["dir"]), check
    result = run_module("backup_folder", diff=True, name="kafka-20260101-000000", **args)
    folder = os.path.join(args["dir"], "kafka-20260101-000000")
    assert result["path"] == folder and result["files"] == check["files"]
    on_disk = sorted(os.path.relpath(os.path.join(d, f), folder) for d, dummy, fs in os.walk(folder) for f in fs)
    assert on_disk == ["manifest.json", "schemas/quote.avsc", "schemas/trade.avsc", "subjects.json", "topics.json",
                       "topics.yaml"]
    manifest = json.loads(open(os.path.join(folder, "manifest.json")).read())
    for name in on_disk[1:]:
        with open(os.path.join(folder, name), "rb") as handle:
            assert manifest["files"][name] == hashlib.sha256(handle.read()).hexdigest()
    assert manifest["cluster_id"] == "cluster-a" and manifest["collection_version"]
    assert json.loads(open(os.path.join(folder, "topics.json")).read()) == args["data"]["topics.json"]
    assert "topics.json" in result["diff"]["after"]
    assert not [n for n in os.listdir(args["dir"]) if n.startswith(".")]   # no temporary folder left


def test_retention_keeps_the_newest_and_check_mode_removes_nothing(tmp_path):
    args = site(tmp_path)
    for stamp in ("01", "02", "03"):
        assert not run_module("backup_folder", name="kafka-202601%s" % stamp, keep=0, **args).get("failed")
    check = run_module("backup_folder", check=True, name="kafka-20260104", keep=2, **args)
    assert [os.path.basename(p) for p in check["removed"]] == ["kafka-20260101", "kafka-20260102"]
    assert len(os.listdir(args["dir"])) == 3
    run_module("backup_folder", name="kafka-20260104", keep=2, **args)
    assert sorted(os.listdir(args["dir"])) == ["kafka-20260103", "kafka-20260104"]


@pytest.mark.parametrize("change, message", [
    (dict(name="../x"), "name: '../x' must be a plain folder name"),
    (dict(data={"../t.json": 1}), "data: '../t.json' must be a relative path inside the backup folder"),
    (dict(copies=[{"src": "/nonexistent/topics.yaml", "dest": "topics.yaml"}]),
     "copies[0].src: cannot read /nonexistent/topics.yaml"),
    (dict(data={"manifest.json": {}}), "manifest.json is written by the module itself"),
    (dict(copies=[{"src": "/nonexistent/*.avsc", "dest": "schemas/"}]),
     "copies[0].src: /nonexistent/*.avsc matches no file, so the backup would lack them"),
    (dict(keep=-1), "keep: -1 is not a count of backups; give 0 to keep every backup"),
    (dict(prune_pattern="*"), "prune_pattern: '*' would match any folder; give the backups' own prefix"),
    (dict(prune_pattern=""), "prune_pattern: '' would match any folder"),
    (dict(prune_pattern="backup-*"), "prune_pattern: 'backup-*' does not match the new backup's name 'kafka-1'"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(tmp_path, change, message):
    args = dict(site(tmp_path), name="kafka-1")
    args.update(change)
    result = run_module("backup_folder", **args)
    assert result["failed"] and message in result["msg"], result
    assert not os.path.exists(os.path.join(str(tmp_path), "backups"))


def test_an_existing_backup_is_never_overwritten(tmp_path):
    args = site(tmp_path)
    run_module("backup_folder", name="kafka-1", **args)
    again = run_module("backup_folder", name="kafka-1", **args)
    assert again["failed"] and "already exists; backups are never overwritten" in again["msg"]


def test_retention_removes_only_complete_backups_it_wrote_and_says_what_it_left(tmp_path):
    """A folder matching the pattern is removed only when its manifest was written by backup_folder and lists
    every file it holds: an incomplete backup, a stranger's folder and a backup someone added files to stay."""
    args = site(tmp_path)
    for stamp in ("01", "02"):
        assert not run_module("backup_folder", name="kafka-202601%s" % stamp, keep=0, **args).get("failed")
    backups = tmp_path / "backups" / "cluster-a"
    (backups / "kafka-20251231").mkdir()                       # incomplete: no manifest
    (backups / "kafka-20251231" / "topics.json").write_text("[]")
    (backups / "kafka-20251230").mkdir()                       # a manifest not written by the module
    (backups / "kafka-20251230" / "manifest.json").write_text('{"files": {}}')
    (backups / "kafka-20260102" / "notes.txt").write_text("mine")  # a complete backup someone added to
    result = run_module("backup_folder", name="kafka-20260103", keep=1, **args)
    assert not result.get("failed"), result
    assert [os.path.basename(p) for p in result["removed"]] == ["kafka-20260101"], result
    assert sorted(os.listdir(str(backups))) == ["kafka-20251230", "kafka-20251231", "kafka-20260102",
                                                "kafka-20260103"]
    said = json.dumps(result["warnings"])
    assert "kafka-20251231 alone: no readable manifest.json" in said, said
    assert "kafka-20251230 alone: its manifest.json was not written by backup_folder" in said, said
    assert "kafka-20260102 alone: it holds files its manifest does not list (notes.txt)" in said, said
