"""The stack's processes: started with a marker and a pid file, found and stopped by that pid only, waited for,
and watched (memory, open files, the end of their logs, who holds a port)."""
import os
import resource
import signal
import socket
import subprocess
import time

from .layout import StackError, log_path, pid_path, stack_dir, timeout

MARKER = "-Dk2.devstack.service="


def our_pid(name):
    """The pid of service `name` if it runs and is the process we started (marker in its cmdline)."""
    try:
        with open(pid_path(name)) as handle:
            pid = int(handle.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    return pid if marker(name) in cmdline.split("\0") else None


def marker(name):
    """What a service's command line holds that no other process's does: a system property for the Java
    services, the stack's own config file for Prometheus."""
    if name == "prometheus":
        return "--config.file=" + os.path.join(stack_dir(), "config", "prometheus.yml")
    return "%s%s@%s" % (MARKER, name, stack_dir())


def spawn(name, argv):
    os.makedirs(os.path.dirname(pid_path(name)), exist_ok=True)
    os.makedirs(os.path.dirname(log_path(name)), exist_ok=True)
    with open(log_path(name), "ab") as log, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(argv, stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=stack_dir(), preexec_fn=_raise_file_limit)
    with open(pid_path(name), "w") as handle:
        handle.write(str(proc.pid))
    return proc.pid


def _raise_file_limit():
    """A broker with thousands of partitions keeps three files open per segment: lift the limit as far as
    this user may (root may raise the hard limit too)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in ((262144, 262144), (hard, hard)):
        if resource.RLIM_INFINITY not in (soft, hard) and soft >= wanted[0]:
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, wanted)
            return
        except (ValueError, OSError):
            continue


def stop_service(name, grace=30):
    pid = our_pid(name)
    if pid is None:
        _remove(pid_path(name))
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
    _remove(pid_path(name))
    return True


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def port_holder(port):
    """Who listens on 127.0.0.1:port, or None when it is free."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
        return None
    except OSError:
        pass
    finally:
        probe.close()
    try:
        out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % port], capture_output=True,
                             text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    return out or "an unknown process"


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_budget(pid):
    """{open, limit, percent}: the process's open descriptors (/proc/<pid>/fd) against its own limit."""
    try:
        opened = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/limits" % pid) as handle:
            limit = next(int(line.split()[3]) for line in handle if line.startswith("Max open files"))
    except (OSError, ValueError, StopIteration, IndexError):
        return None
    return {"open": opened, "limit": limit, "percent": round(100.0 * opened / limit, 1) if limit else None}


class FdWatch:
    """Context manager: the peak of a process's open descriptors while a block runs (sampled every 50 ms), and
    whether the process was alive throughout. For tests and benchmarks that must stay inside the file budget."""

    def __init__(self, pid):
        import threading
        self.pid, self.peak, self.alive, self._stop = pid, 0, True, threading.Event()
        self.limit = (fd_budget(pid) or {}).get("limit") or 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            budget = fd_budget(self.pid)
            if budget is None:
                self.alive = False
                return
            self.peak = max(self.peak, budget["open"])
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def line(self, label):
        return "%s: peak %d open files of %d (%.1f%%)%s" % (label, self.peak, self.limit, 100.0 * self.peak /
                                                            (self.limit or 1), "" if self.alive else ", PROCESS DIED")


def tail(path, lines=25):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 16384))
            return "\n".join(handle.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log at %s)" % path


def wait_for(name, ready, what, deadline, errors=()):
    """Poll ready() every 0.5 s until it returns true. Raise, with the end of the service's log, when the service
    exits or the deadline passes first; an exception in `errors` counts as not ready yet, the last one is named."""
    last = None
    while True:
        if our_pid(name) is None:
            raise StackError("%s exited during start-up. Last lines of %s:\n%s"
                             % (name, log_path(name), tail(log_path(name))))
        try:
            if ready():
                return
        except errors as exc:
            last = exc
        if time.time() > deadline:
            raise StackError("%s did not answer %s within %ds%s. Last lines of %s:\n%s"
                             % (name, what, timeout(), " (%s)" % last if errors else "", log_path(name),
                                tail(log_path(name))))
        time.sleep(0.5)
