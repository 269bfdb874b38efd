#!/usr/bin/env bash
# The Docker engine for the compose stack and the execution environment, on machines without systemd as PID 1.
#   engine.sh install   Debian's docker.io, docker-compose (v1) and debootstrap, when missing (as root; waits for apt's lock)
#   engine.sh start     start dockerd when no engine answers; record its pid so that `stop` stops only that one
#   engine.sh stop      stop the dockerd this script started (by its pid; its containerd goes with it)
#   engine.sh status    say which engine answers, and whether this script started it
# State: $K2_DOCKER_STATE (default .docker-engine/ under the repository): dockerd.pid, dockerd.log.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE=${K2_DOCKER_STATE:-$REPO/.docker-engine}
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log

answers() { docker info >/dev/null 2>&1; }

ours() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -qa dockerd "/proc/$pid/cmdline"
}

case "${1:-}" in
  install)
    missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if [ ${#missing[@]} -eq 0 ]; then echo "docker engine: docker.io, docker-compose and debootstrap are installed"; exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "docker engine: ${missing[*]} missing: sudo apt-get install ${missing[*]}" >&2; exit 1; }
    "$REPO/tools/apt_install.sh" "${missing[@]}"
    ;;
  start)
    if answers; then
      if ours; then echo "docker engine: dockerd pid $(cat "$PIDFILE") (started by make) already answers"
      else echo "docker engine: an engine already answers (not started by make; left as it is)"; fi
      exit 0
    fi
    command -v dockerd >/dev/null || { echo "docker engine: dockerd is missing: make docker-engine installs it (as root)" >&2; exit 1; }
    mkdir -p "$STATE"
    # setsid: the daemon outlives the make that started it, and no terminal signal reaches it
    setsid dockerd --storage-driver=overlay2 >"$LOG" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 60); do
      if answers; then echo "docker engine: started dockerd pid $(cat "$PIDFILE") (log $LOG)"; exit 0; fi
      ours || break
      sleep 0.5
    done
    echo "docker engine: dockerd did not answer within 30 s. Last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 || true
    exit 1
    ;;
  stop)
    if ! ours; then echo "docker engine: nothing to stop (no dockerd started by make)"; rm -f "$PIDFILE"; exit 0; fi
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid"
    for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    if [ -d "/proc/$pid" ]; then echo "docker engine: dockerd pid $pid did not stop in 30 s; killing it" >&2; kill -KILL "$pid" || true; fi
    rm -f "$PIDFILE"
    echo "docker engine: stopped dockerd pid $pid"
    ;;
  status)
    if answers; then
      if ours; then echo "docker engine: dockerd pid $(cat "$PIDFILE"), started by make"; else echo "docker engine: answering, not started by make"; fi
    else echo "docker engine: none answers"; exit 3; fi
    ;;
  *) echo "usage: engine.sh install|start|stop|status" >&2; exit 2 ;;
esac
