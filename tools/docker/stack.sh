#!/usr/bin/env bash
# The compose stack (docker-compose.yml, project k2) for make's docker targets.
#   stack.sh ports   fail, naming the holder, when a host port the stack publishes is taken by something else
#   stack.sh up      ports, `<compose> up -d`, then wait until every service with a healthcheck is healthy
#   stack.sh wait    only the wait (compose v1 has no `up --wait`)
#   stack.sh down    `<compose> down -v`: this project's containers, network and volumes, nothing else
# Environment: K2_COMPOSE_COMMAND (default `docker compose` when the plugin answers, else docker-compose),
# K2_DOCKER_UP_TIMEOUT (s, default 300), K2_COMPOSE_FILE (default the repository's docker-compose.yml), and the
# image variables of docker-compose.yml (K2_KAFKA_IMAGE, ...: the caller's choice; make sets ours).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FILE=${K2_COMPOSE_FILE:-$REPO/docker-compose.yml}
PROJECT=k2   # .env's COMPOSE_PROJECT_NAME
PORTS=(9092 9093 9997 8081 8082 9090)
TIMEOUT=${K2_DOCKER_UP_TIMEOUT:-300}
# compose's progress lines (v1 and v2), left out of the output on success
PROGRESS='^ *(Network|Volume|Container|Creating|Created|Starting|Started|Recreating|Stopping|Stopped|Removing|Removed|Waiting|Healthy)\b|^ *\[\+\]|^$'
if [ -z "${K2_COMPOSE_COMMAND:-}" ]; then
  if docker compose version >/dev/null 2>&1; then K2_COMPOSE_COMMAND="docker compose"; else K2_COMPOSE_COMMAND=docker-compose; fi
fi
read -r -a COMPOSE <<< "$K2_COMPOSE_COMMAND"
COMPOSE+=(-f "$FILE")

# who holds a host port: empty when free or published by this stack itself
holder() {
  local port=$1 line pid cmd
  local id
  for id in $(docker ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
    docker port "$id" | grep -Eq ":$port\$" && return 0   # "9092/tcp -> 0.0.0.0:9092"
  done
  line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)
  [ -n "$line" ] || return 0
  pid=$(grep -o 'pid=[0-9]*' <<< "$line" | head -n 1 | cut -d= -f2)
  cmd=$( [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-160 || true)
  case "$cmd" in
    *-Dk2.devstack.service=*) echo "the dev stack (pid $pid; \`make stack-down\` stops it)" ;;
    *docker-proxy*) echo "another container's published port (\`docker ps --filter publish=$port\`: $(docker ps --filter "publish=$port" --format '{{.Names}}' | tr '\n' ' '))" ;;
    *) echo "pid ${pid:-unknown}: ${cmd:-$line}" ;;
  esac
}

ports() {
  local port who bad=0
  for port in "${PORTS[@]}"; do
    who=$(holder "$port")
    if [ -n "$who" ]; then echo "docker stack: host port $port is taken by $who" >&2; bad=1; fi
  done
  [ $bad = 0 ] || { echo "docker stack: free those ports first (the compose stack publishes ${PORTS[*]})" >&2; exit 1; }
}

# "name status health exitcode" of every container of the project
states() {
  local ids
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086 # ids are words
  docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.State.ExitCode}}' $ids
}

fail() {
  local service=$1 why=$2
  echo "docker stack: $service $why. Its last log lines:" >&2
  "${COMPOSE[@]}" logs --no-color --tail 30 "$service" >&2 || true
  exit 1
}

wait_healthy() {
  local started=$1 deadline=$(( $(date +%s) + TIMEOUT )) pending name status health code last_note=0
  while :; do
    pending=()
    while read -r name status health code; do
      [ -n "$name" ] || continue
      if [ "$status" = exited ] || [ "$status" = dead ]; then
        # one-shots (jmx-agent) are done when they exit 0
        [ "$health" = - ] && [ "$code" = 0 ] && continue
        fail "$name" "exited (code $code)"
      fi
      [ "$health" = healthy ] || [ "$health" = - ] || pending+=("$name:$health")
      [ "$health" = unhealthy ] && fail "$name" "is unhealthy"
    done < <(states)
    if [ ${#pending[@]} -eq 0 ]; then
      echo "docker stack: every service healthy in $(( $(date +%s) - started )) s"; return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "${pending[0]%%:*}" "is not healthy after ${TIMEOUT} s (still waiting for: ${pending[*]})"
    fi
    if [ $(( $(date +%s) - last_note )) -ge 20 ]; then
      echo "docker stack: waiting for ${pending[*]}"; last_note=$(date +%s)
    fi
    sleep 2
  done
}

case "${1:-}" in
  ports) ports ;;
  up)
    started=$(date +%s)
    ports
    mkdir -p "${K2_HEALTH_TEXTFILE_DIR:-$REPO/build/health-metrics}"
    echo "docker stack: ${K2_COMPOSE_COMMAND} up -d (kafka image ${K2_KAFKA_IMAGE:-default}, registry image ${K2_SCHEMA_REGISTRY_IMAGE:-default})"
    out=$("${COMPOSE[@]}" up -d 2>&1) || { echo "$out" >&2; echo "docker stack: compose up failed" >&2; exit 1; }
    grep -Ev "$PROGRESS" <<< "$out" || true
    wait_healthy "$started"
    ;;
  wait) wait_healthy "$(date +%s)" ;;
  down)
    started=$(date +%s)
    out=$("${COMPOSE[@]}" down -v --remove-orphans 2>&1) || { echo "$out" >&2; echo "docker stack: compose down failed" >&2; exit 1; }
    grep -Ev "$PROGRESS" <<< "$out" || true
    echo "docker stack: down (containers, network and volumes of project $PROJECT) in $(( $(date +%s) - started )) s"
    ;;
  *) echo "usage: stack.sh ports|up|wait|down" >&2; exit 2 ;;
esac
