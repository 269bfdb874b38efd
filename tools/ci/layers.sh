#!/usr/bin/env bash
# make test: every layer runs, whatever an earlier one did; make's exit status is kept (non-zero when any layer
# failed), and the run ends with one line per layer (passed, failed, skipped), the total time, and a count.
#   layers.sh LAYER...      each LAYER is a make target; A+B+... runs A first and then each of the others, in
#                           order, beside it (for layers that share no service or port: a wait-bound layer with
#                           CPU-bound ones); each one's output is printed in full once all of them ended
# The dev stack a person left running from .stack (make demo, make stack-up) holds the ports the test stacks use:
# it is stopped first, said so, and started again at the end with the same settings (its data kept).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MAKE=${MAKE:-make}
DEVSTACK=(python3 "$REPO/tools/devstack/devstack.py")
USER_STACK=$REPO/.stack
started=$(date +%s)
results=()

elapsed() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# The environment that starts the user's stack again as it was (nodes, SASL, monitoring, ports), from its saved layout
user_stack_env() {
  python3 - "$USER_STACK/stack.json" <<'PY'
import json, sys
layout = json.load(open(sys.argv[1]))
env = {"BROKERS": layout["brokers"], "SASL": int(bool(layout.get("sasl"))),
       "MONITORING": int(bool(layout.get("prometheus")))}
if layout["brokers"] == 1:
    env.update(K2_KAFKA_PORT=layout["nodes"][0]["port"], K2_CONTROLLER_PORT=layout["nodes"][0]["controller_port"])
for i, reg in enumerate(layout["registries"], 1):
    env["K2_REGISTRY%d_PORT" % i] = reg["port"]
if layout.get("prometheus"):
    env["K2_PROMETHEUS_PORT"] = layout["prometheus"]["port"]
print(" ".join("%s=%s" % kv for kv in sorted(env.items())))
PY
}

restart_env=""
if K2_STACK_DIR=$USER_STACK "${DEVSTACK[@]}" status --json 2>/dev/null | grep -q '"running": true'; then
  restart_env=$(user_stack_env)
  echo "make test: the dev stack in $USER_STACK (make demo / make stack-up) is running; its ports are the test"
  echo "           stacks' ports, so it is stopped now (data kept) and started again at the end ($restart_env)"
  K2_STACK_DIR=$USER_STACK "${DEVSTACK[@]}" down
fi

restore_user_stack() {
  [ -n "$restart_env" ] || return 0
  echo "make test: starting the dev stack in $USER_STACK again, as it was before the run"
  # shellcheck disable=SC2086  # the assignments are words of env's command line
  env $restart_env K2_STACK_DIR="$USER_STACK" "${DEVSTACK[@]}" up > "$REPO/.stack-restart.log" 2>&1 \
    && echo "make test: the dev stack in $USER_STACK runs again (make stack-status)" \
    || { echo "make test: could not start it again; see $REPO/.stack-restart.log, then make stack-up"; return 1; }
}

# A Docker engine this run starts (the docker layers) is stopped at the end by its pid; one that answered before is left
engine_before=no
"$REPO/tools/docker/engine.sh" status >/dev/null 2>&1 && engine_before=yes

if ! $MAKE --no-print-directory setup; then
  for layer in "$@"; do results+=("$layer skipped (make setup failed)"); done
else
  for group in "$@"; do
    if [[ $group != *+* ]]; then
      echo
      echo "==== make $group"
      t0=$(date +%s)
      if $MAKE --no-print-directory "$group"; then state=passed; else state=failed; fi
      results+=("$group $state $(elapsed $(( $(date +%s) - t0 )))")
      continue
    fi
    IFS=+ read -r -a members <<<"$group"
    logs=$(mktemp -d)
    t0=$(date +%s)
    # the first member alone, the others one after another beside it; each writes its own log and status
    ( layer=${members[0]}; s=$(date +%s); $MAKE --no-print-directory "$layer" >"$logs/0.log" 2>&1
      echo "$? $(( $(date +%s) - s ))" >"$logs/0.rc" ) &
    first=$!
    ( for i in "${!members[@]}"; do
        [ "$i" = 0 ] && continue
        s=$(date +%s); $MAKE --no-print-directory "${members[$i]}" >"$logs/$i.log" 2>&1
        echo "$? $(( $(date +%s) - s ))" >"$logs/$i.rc"
      done ) &
    rest=$!
    wait $first $rest
    for i in "${!members[@]}"; do
      echo
      if [ "$i" = 0 ]; then echo "==== make ${members[0]} (${members[*]:1} ran beside it, from $(elapsed $(( t0 - started ))))"
      else echo "==== make ${members[$i]} (beside ${members[0]})"; fi
      cat "$logs/$i.log"
      read -r rc secs <"$logs/$i.rc"
      if [ "$rc" = 0 ]; then state=passed; else state=failed; fi
      results+=("${members[$i]} $state $(elapsed "$secs")")
    done
    rm -rf "$logs"
  done
fi
restore_user_stack || results+=("restart-of-your-dev-stack failed 0")
if [ $engine_before = no ]; then "$REPO/tools/docker/engine.sh" stop; fi

echo
echo "==== make test: summary"
passed=0; failed=0; skipped=0
for line in "${results[@]}"; do
  read -r name state rest <<<"$line"
  printf '  %-18s %-8s %s\n' "$name" "$state" "$rest"
  case $state in passed) passed=$((passed + 1));; failed) failed=$((failed + 1));; *) skipped=$((skipped + 1));; esac
done
echo "  total time: $(elapsed $(( $(date +%s) - started )))"
echo "layers: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
