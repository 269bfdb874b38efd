#!/usr/bin/env bash
# apt-get install for the make targets: waits (bounded) for another apt or dpkg holding the lock, as unattended
# upgrades do, instead of failing at once. K2_APT_LOCK_TIMEOUT seconds (default 600). Services are not started.
#   apt_install.sh PACKAGE...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: apt_install.sh PACKAGE..." >&2; exit 2; }
timeout=${K2_APT_LOCK_TIMEOUT:-600}
deadline=$(( $(date +%s) + timeout ))
opts=(-o "DPkg::Lock::Timeout=$timeout" -q)
# apt-get update takes the lists lock, which DPkg::Lock::Timeout does not cover on every apt: retry it
until out=$(apt-get "${opts[@]}" update 2>&1); do
  if grep -q "Could not get lock" <<<"$out" && [ "$(date +%s)" -lt "$deadline" ]; then
    echo "apt: another apt or dpkg holds the lock; waiting (up to ${timeout}s, K2_APT_LOCK_TIMEOUT)"
    sleep 5
  else
    echo "$out" >&2
    echo "apt-get update failed (above); install by hand: apt-get install $*" >&2
    exit 1
  fi
done
guard=0
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; fi
echo "apt: installing $* (services are not started)"
status=0
DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -qq --no-install-recommends "$@" >/dev/null || status=$?
[ $guard = 1 ] && rm -f /usr/sbin/policy-rc.d
[ $status = 0 ] || echo "apt-get install $* failed (status $status)" >&2
exit $status
