"""AWX's job templates run the way AWX runs them: ansible-runner with process isolation in the execution
environment image (make ee-image), against the compose stack.

What is modelled on AWX (awx/main/tasks/jobs.py):
- a private data dir per job: project/ is the project's checkout (this repository's tracked files, since the
  AWX project points at this repository, awx/README.md), inventory/hosts is a script printing the inventory as
  JSON (AWX imports inventories/docker with `ansible-inventory --list`; the K2 checkout and compose file are
  given as paths inside the job: /runner/project/...), env/extravars holds the job template's extra_vars;
- the playbook is the job template's (awx/job_templates.yml), run from the project: a one-line playbook that
  imports the installed collection's k2.kafka_ops.<name>;
- ANSIBLE_COLLECTIONS_PATH as AWX builds it: /runner/requirements_collections, the project's ansible.cfg
  collections_path, then ~/.ansible/collections:/usr/share/ansible/collections (where the EE has the collection);
- container options --user=root (AWX's) and --network=host (the stack's published ports);
- after the job AWX deletes the private data dir (AWX_CLEANUP_PATHS), and ansible-runner removes the container.
"""
import configparser
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
import yaml

from conftest import play
from helpers import REPO, disk_thresholds_above_usage

pytestmark = pytest.mark.docker

IMAGE = os.environ.get("K2_EE_IMAGE") or "k2-kafka-ops-ee:%s" % yaml.safe_load(
    open(os.path.join(REPO, "galaxy.yml")))["version"]
RUNNER = os.path.join(REPO, ".venv", "bin", "ansible-runner")
PROJECT = "/runner/project"
PLATFORM_DIR = PROJECT + "/examples/k2-platform"
TIMES = {}


def job_templates():
    with open(os.path.join(REPO, "awx", "job_templates.yml")) as handle:
        return {t["name"]: t for t in yaml.safe_load(handle)["k2_awx_job_templates"]}


def awx_inventory(bootstrap_servers, registry_urls):
    """inventories/docker as AWX holds it after an inventory import, with the paths the job sees."""
    listed = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-inventory"), "-i",
                             os.path.join(REPO, "inventories", "docker"), "--list"],
                            capture_output=True, text=True, check=True, cwd=REPO)
    assert "[WARNING]" not in listed.stderr, listed.stderr
    data = json.loads(listed.stdout)
    registries = data["schema_registry"]["hosts"]
    assert len(registries) == len(registry_urls)
    for host, hostvars in data["_meta"]["hostvars"].items():
        hostvars.update({
            "k2_platform_dir": PLATFORM_DIR,
            "k2_compose_file": PROJECT + "/docker-compose.yml",
            "k2_kafka_bootstrap_servers": bootstrap_servers,
            "k2_schema_registry_urls": list(registry_urls),
        })
        if host in registries:
            hostvars["k2_registry_url"] = registry_urls[registries.index(host)]
    return data


def awx_collections_path(project_dir):
    """AWX's RunJob.build_env for ANSIBLE_COLLECTIONS_PATH, given the project's ansible.cfg."""
    paths = ["~/.ansible/collections", "/usr/share/ansible/collections"]
    config = configparser.ConfigParser()
    config.read(os.path.join(project_dir, "ansible.cfg"))
    configured = config.get("defaults", "collections_path", fallback="")
    if configured and any(p not in paths for p in configured.split(":")):
        paths = [configured] + paths
    return ":".join(["/runner/requirements_collections"] + paths)


def private_data_dir(inventory, extravars):
    pdd = tempfile.mkdtemp(prefix="awx_k2_")
    project = os.path.join(pdd, "project")
    tracked = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True, cwd=REPO).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = os.path.join(REPO, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(project, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(project, name))
    for sub in ("inventory", "env"):
        os.makedirs(os.path.join(pdd, sub))
    with open(os.path.join(pdd, "inventory", "hosts"), "w") as handle:
        handle.write("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(inventory))
    os.chmod(os.path.join(pdd, "inventory", "hosts"), 0o700)
    with open(os.path.join(pdd, "env", "extravars"), "w") as handle:
        yaml.safe_dump(extravars or {}, handle)
    with open(os.path.join(pdd, "env", "envvars"), "w") as handle:
        yaml.safe_dump({"ANSIBLE_COLLECTIONS_PATH": awx_collections_path(project),
                        "ANSIBLE_RETRY_FILES_ENABLED": "False", "ANSIBLE_NOCOLOR": "1"}, handle)
    return pdd


def container_exists(ident):
    out = subprocess.run(["docker", "ps", "-a", "-q", "--filter", "name=ansible_runner_%s" % ident],
                         capture_output=True, text=True, check=True).stdout
    return bool(out.strip())


def run_job(pdd, *runner_args):
    """ansible-runner as AWX drives it; returns the artifacts: status, rc, stdout, events."""
    ident = uuid.uuid4().hex[:12]
    started = time.monotonic()
    result = subprocess.run([RUNNER, "run", pdd, "--ident", ident, "--process-isolation",
                             "--process-isolation-executable", "docker", "--container-image", IMAGE,
                             "--container-option=--user=root", "--container-option=--network=host",
                             *runner_args], capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.monotonic() - started
    artifacts = os.path.join(pdd, "artifacts", ident)
    with open(os.path.join(artifacts, "status")) as handle:
        status = handle.read().strip()
    with open(os.path.join(artifacts, "rc")) as handle:
        rc = int(handle.read().strip())
    events = []
    for name in sorted(os.listdir(os.path.join(artifacts, "job_events")),
                       key=lambda n: int(n.split("-")[0])):
        with open(os.path.join(artifacts, "job_events", name)) as handle:
            events.append(json.load(handle))
    with open(os.path.join(artifacts, "stdout")) as handle:
        stdout = handle.read()
    with open(os.path.join(artifacts, "command")) as handle:
        command = json.load(handle)
    return {"ident": ident, "status": status, "rc": rc, "events": events, "stdout": stdout, "seconds": elapsed,
            "command": command, "runner": result}


def ok_result(job, task):
    found = [e["event_data"]["res"] for e in job["events"]
             if e["event"] == "runner_on_ok" and e["event_data"].get("task") == task]
    assert len(found) == 1, "task %r: %d ok events\n%s" % (task, len(found), job["stdout"][-4000:])
    return found[0]


def assert_successful(job):
    assert (job["status"], job["rc"]) == ("successful", 0), job["stdout"][-6000:] + job["runner"].stderr[-2000:]
    assert "[WARNING]" not in job["stdout"], job["stdout"][-6000:]
    # ansible-runner ran the play in the EE image, and removed that container afterwards
    assert IMAGE in job["command"]["command"] and "--rm" in job["command"]["command"]
    assert not container_exists(job["ident"])


@pytest.fixture(scope="module")
def awx_job(bootstrap_servers, registry_urls):
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, check=False).returncode:
        pytest.fail("the execution environment %s is missing: make ee-image" % IMAGE)
    inventory = awx_inventory(bootstrap_servers, registry_urls)
    made = []

    def launch(template_name, extra_vars=None):
        template = job_templates()[template_name]
        pdd = private_data_dir(inventory, dict(template.get("extra_vars") or {}, **(extra_vars or {})))
        made.append(pdd)
        args = ["-p", template["playbook"]]
        if template.get("job_type") == "check":
            args.append("--cmdline=--check")
        job = run_job(pdd, *args)
        TIMES[template_name + (" " + json.dumps(extra_vars) if extra_vars else "")] = job["seconds"]
        return pdd, job

    def adhoc_stat(paths):
        """A later job (a fresh private data dir and container), as a restore would be: what it sees at paths."""
        seen = {}
        for path in paths:
            pdd = private_data_dir(inventory, {})
            made.append(pdd)
            job = run_job(pdd, "--hosts", "localhost", "-m", "ansible.builtin.stat", "-a", "path=%s" % path)
            assert (job["status"], job["rc"]) == ("successful", 0), job["stdout"][-4000:]
            seen[path] = ok_result(job, "ansible.builtin.stat")["stat"]["exists"]
            shutil.rmtree(pdd)
        return seen

    launch.inventory, launch.adhoc_stat = inventory, adhoc_stat
    yield launch
    for pdd in made:
        shutil.rmtree(pdd, ignore_errors=True)
    print("\nee jobs (ansible-runner, %s): %s" % (IMAGE, ", ".join("%s %.1f s" % kv for kv in TIMES.items())))


def test_the_health_check_job_reports_the_cluster_the_plain_client_sees(awx_job, admin):
    # a platform's cluster holds its managed topics (a fresh compose stack has none: drift would be critical)
    rc, out, dummy = play("apply_topics.yml")
    assert rc == 0, out[-3000:]
    # the stack's verdict, not the machine's disk: thresholds above the usage of the volumes' file system
    above = disk_thresholds_above_usage("/var/lib/docker" if os.path.isdir("/var/lib/docker") else "/")
    pdd, job = awx_job("K2 Kafka - health check", {"k2_health_disk_warning": above["disk_warning"],
                                                   "k2_health_disk_critical": above["disk_critical"]})
    assert_successful(job)
    assert job["command"]["cwd"] == PROJECT
    summary = ok_result(job, "Health summary")["msg"]
    metadata = admin.list_topics(timeout=15)
    cluster_id = admin.describe_cluster(request_timeout=15).result(timeout=15).cluster_id
    assert summary[0] == "cluster localhost (%s)" % cluster_id, summary
    health = [e["event_data"]["res"] for e in job["events"] if e["event"] == "runner_on_ok"
              and e["event_data"].get("task") == "Check Kafka, the registries, lag and partitions"][0]
    topics = [t for t in metadata.topics if not t.startswith("__")]
    assert health["kafka"]["cluster_id"] == cluster_id
    assert health["status"] in ("ok", "warning"), summary
    print("\nhealth job: %s; plain client: %d topics, cluster %s" % (summary, len(topics), cluster_id))
    assert len(metadata.brokers) == len(health["kafka"].get("brokers", metadata.brokers)), health["kafka"]


@pytest.mark.parametrize("where", ["platform_dir", "container"])
def test_the_backup_job_writes_a_backup_that_is_gone_with_the_job(awx_job, admin, where):
    """Until the backup store of the S3 issue lands, an AWX backup job's backup lives only as long as the job:
    - where=platform_dir (the job template as it is): under k2_platform_dir, inside /runner/project, i.e. the
      job's private data dir, which AWX deletes after the job;
    - where=container (-e k2_backup_dir=/var/backups/k2): in the container's own filesystem, removed with it.
    A later job (as a restore would run) finds nothing in either place."""
    extra = {"k2_backup_dir": "/var/backups/k2"} if where == "container" else None
    pdd, job = awx_job("K2 Kafka - backup", extra)
    assert_successful(job)
    cluster_id = admin.describe_cluster(request_timeout=15).result(timeout=15).cluster_id
    written = ok_result(job, "Write the backup in one step (files, copies of the sources, checksums, manifest, "
                             "rename, retention)")
    path = written["path"]
    root = PLATFORM_DIR + "/backups" if where == "platform_dir" else "/var/backups/k2"
    assert path.startswith("%s/%s/kafka-" % (root, cluster_id)), path
    assert str(cluster_id) in ok_result(job, "Backup written")["msg"]
    on_host = os.path.join(pdd, os.path.relpath(path, "/runner"))
    if where == "platform_dir":
        # while the job's private data dir exists, the backup is there (runner mounts it at /runner)
        with open(os.path.join(on_host, "manifest.json")) as handle:
            manifest = json.load(handle)
        assert manifest["cluster_id"] == cluster_id
        # backup.yml keeps the default scope, the managed topics (^market\.): not the registries' own topics
        topics = [t for t in admin.list_topics(timeout=15).topics if t.startswith("market.")]
        assert topics and manifest["counts"]["topics"] == len(topics)
    else:
        # written in the container's own filesystem: nothing of it in the mounted data dir
        assert not os.path.exists(os.path.join(pdd, "var")), os.listdir(pdd)
        assert not any(os.path.basename(path) in dirs for dummy, dirs, files in os.walk(pdd))
    shutil.rmtree(pdd)          # what AWX does after every job (AWX_CLEANUP_PATHS)
    assert not container_exists(job["ident"])
    seen = awx_job.adhoc_stat([PLATFORM_DIR + "/config/kafka/topics.yaml", path])
    # the later job sees the project (it has its own copy) but not the backup: the backup is lost
    assert seen == {PLATFORM_DIR + "/config/kafka/topics.yaml": True, path: False}, (
        "a backup written by an AWX job (%s) must be lost with the job until the S3 store lands; it was found" % path)
    assert not os.path.exists(path) and not os.path.exists(on_host)
