"""Helpers shared by the test layers."""
import json
import os
import re
import socket
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, ".collections")


def _held_closed_port():
    """A port bound by this process and never listened on: a connection to it is refused, and nothing else can
    take it while the tests run (unlike port 9, which some machine may serve)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


_CLOSED_SOCKET = _held_closed_port()
CLOSED = "127.0.0.1:%d" % _CLOSED_SOCKET.getsockname()[1]
CLOSED_URL = "http://" + CLOSED


def run_module(module, check=False, diff=False, env=None, **args):
    """Run one of this collection's modules for real, as Ansible does (JSON args in, JSON result out); env adds
    to the environment (a PYTHONPATH of its own goes before the collections)."""
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff, _ansible_remote_tmp="/tmp",
                   _ansible_keep_remote_files=False)
    extra = dict(env or {})
    path = os.pathsep.join(p for p in (extra.pop("PYTHONPATH", None), COLLECTIONS) if p)
    env = dict(os.environ, PYTHONPATH=path, **extra)
    proc = subprocess.run([sys.executable, "-m", "ansible_collections.k2.kafka_ops.plugins.modules." + module],
                          input=json.dumps({"ANSIBLE_MODULE_ARGS": payload}), capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module %s printed no JSON (rc %d):\n%s\n%s" % (module, proc.returncode, proc.stdout,
                                                                             proc.stderr))


def run_playbook(playbook, extra_vars=None, check=False, inventory="inventories/local", timeout=900, verbosity=0,
                 env=None, cwd=None, collections=COLLECTIONS, limit=None, scrub=(), no_warnings=False):
    """The one way the tests run ansible-playbook. Returns (rc, output, recap), recap the PLAY RECAP counts of
    localhost ({} when it does not play).

    `playbook` is a collection name (k2.kafka_ops.<name>) or a file: a bare file name is one of playbooks/ when
    run from the repository (cwd None), else relative to `cwd` (a site directory). `collections` is the
    collections path (the working tree's by default, an installed tarball's where a test says so); `scrub`
    drops the environment variables with those prefixes (e.g. ("ANSIBLE_", "K2_")) so that only the inventory
    speaks; `no_warnings` fails the test on any [WARNING]."""
    if cwd is None and not playbook.startswith("k2.kafka_ops.") and "/" not in playbook:
        playbook = os.path.join("playbooks", playbook)
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd += ["--check", "--diff"]
    if limit:
        cmd += ["--limit", limit]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    base = dict((k, v) for k, v in os.environ.items() if not (scrub and k.startswith(tuple(scrub))))
    base.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                PWD=str(cwd or REPO), **(env or {}))
    proc = subprocess.run(cmd, cwd=str(cwd or REPO), capture_output=True, text=True, env=base, timeout=timeout,
                          check=False)
    output = proc.stdout + proc.stderr
    if no_warnings:
        assert "[WARNING]" not in output, output[-6000:]
    match = re.search(r"localhost\s*:\s*(ok=\d+.*)", output)
    recap = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))) if match else {}
    return proc.returncode, output, recap


def escaped_exceptions(output):
    """The exceptions that escaped a module or a plugin, from a run with ANSIBLE_DISPLAY_TRACEBACK=error: the
    closing line of each traceback, except deliberate failures (K2Error or its RegistryError turned into
    fail_json, or a fail_json's "Message:") and ansible's own wrappers around them (ansible.errors...,
    ansible._internal._errors..., and ansible._internal._templating._errors... around a filter's error). A
    KeyError escaping a module shows here as "KeyError: 'used_bytes'"."""
    escaped, in_traceback = [], False
    for line in output.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
        elif in_traceback and line and not line.startswith(" "):
            in_traceback = False
            name = line.split(":", 1)[0]
            # "Message: ..." closes the call stack of a fail_json that no exception caused (e.g. command's rc)
            deliberate = name.split(".")[-1] in ("K2Error", "RegistryError") or name == "Message"
            if not (deliberate or name.startswith(("ansible.errors.", "ansible._internal._errors.",
                                                   "ansible._internal._templating._errors."))):
                escaped.append(line)
    return escaped


def module_escapes(result):
    """What escaped a module run with run_module or call_module: ansible-core 2.19 reports an uncaught exception
    as msg "Module failed: ..." with its traceback under `exception` (never in msg, so `"Traceback" not in msg`
    cannot fail). [] when the module failed on purpose (fail_json, K2Error) or did not fail."""
    found = escaped_exceptions(result.get("exception") or "")
    if str(result.get("msg", "")).startswith("Module failed:"):
        found.append(result["msg"])
    return found


def registry_writes(requests):
    """The (method, path) of the requests that may change a registry: anything but a GET, a compatibility test
    or a schema lookup (POST /subjects/{subject} without /versions). Paths are relative to the API root."""
    return [(m, p) for m, p in requests if m != "GET" and not (
        m == "POST" and (p.startswith("/compatibility/") or re.match(r"^/subjects/[^/]+$", p)))]


def topic_state(admin, name):
    """{partitions, config (overrides only)} of a live topic read with the AdminClient, or None if absent."""
    from confluent_kafka.admin import ConfigResource, ResourceType
    meta = admin.list_topics(name, timeout=10).topics.get(name)
    if meta is None or meta.error is not None:
        return None
    res = ConfigResource(ResourceType.TOPIC, name)
    entries = admin.describe_configs([res])[res].result(10)
    return {"partitions": len(meta.partitions),
            "config": dict((k, e.value) for k, e in entries.items() if e.source == 1)}  # 1 = DYNAMIC_TOPIC_CONFIG


def disk_used_percent(path):
    """The used percent of the file system holding `path`, as the health check's two sources count it, read with
    statvfs (not our code): log_dirs (the broker's totals: used = total - usable) and df (used / (used + avail))."""
    fs = os.statvfs(path)
    total, free, avail = fs.f_blocks * fs.f_frsize, fs.f_bfree * fs.f_frsize, fs.f_bavail * fs.f_frsize
    return {"log_dirs": 100.0 * (total - avail) / total, "df": 100.0 * (total - free) / (total - free + avail)}


def disk_thresholds_above_usage(path):
    """Disk thresholds halfway between the machine's measured usage (the higher of both sources) and 100 %, so a
    healthy stack's verdict never depends on how full the machine's disk is: {"disk_warning", "disk_critical"}."""
    used = max(disk_used_percent(path).values())
    warning = round((used + 100.0) / 2, 2)
    return {"disk_warning": warning, "disk_critical": round((warning + 100.0) / 2, 2)}


def call_module(module, check=False, diff=False, **args):
    """Run one of this collection's modules inside the test process (AnsibleModule reads the args as Ansible
    hands them; the JSON it prints is the result). An exception that escapes the module is not caught: it
    fails the test with its traceback, the way ANSIBLE_DISPLAY_TRACEBACK=error would show it."""
    import contextlib
    import importlib
    import io
    from ansible.module_utils.testing import patch_module_args
    code = importlib.import_module("ansible_collections.k2.kafka_ops.plugins.modules." + module)
    out = io.StringIO()
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff, _ansible_remote_tmp="/tmp",
                   _ansible_keep_remote_files=False)
    with patch_module_args(payload), contextlib.redirect_stdout(out):
        try:
            code.main()
        except SystemExit:
            pass
        else:
            raise AssertionError("module %s returned without exit_json or fail_json" % module)
    return json.loads(out.getvalue())
