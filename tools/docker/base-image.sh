#!/usr/bin/env bash
# The Debian base every local image builds FROM, since no container registry is reachable here:
# debootstrap (minbase) from the machine's apt mirror, made an image with `docker import`, plus the machine's
# CA certificates (egress here may be TLS-intercepted: pip and Maven inside a build need them).
#   base-image.sh            build $K2_BASE_IMAGE (default k2-base:bookworm) when it is missing
#   base-image.sh --force    build it again
# The tag carries the suite; the image is reused while it exists.
set -euo pipefail
IMAGE=${K2_BASE_IMAGE:-k2-base:bookworm}
SUITE=${K2_BASE_SUITE:-bookworm}
# the machine's own Debian mirror (deb822 sources or a classic sources.list), else Debian's
MIRROR=${K2_BASE_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | awk '$1 == "URIs:" && $2 ~ /^http/ {print $2; exit} $1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^http/) {print $i; exit}}' || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
if [ "${1:-}" != "--force" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image: $IMAGE exists (reused; base-image.sh --force rebuilds it)"; exit 0
fi
command -v debootstrap >/dev/null || { echo "base image: debootstrap is missing: make docker-engine installs it" >&2; exit 1; }
started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/k2-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "base image: debootstrap $SUITE from $MIRROR (about a minute)"
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$work/root" "$MIRROR" > "$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; echo "base image: debootstrap failed (log above)" >&2; exit 1; }
# the machine's extra CA certificates, trusted inside every image built on this base
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$work/root/usr/local/share/ca-certificates/"
  chroot "$work/root" update-ca-certificates > /dev/null 2>&1 || true
fi
# apt inside builds: the same mirror, no recommends, lists removed by each Dockerfile after use
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$work/root/etc/apt/apt.conf.d/90k2-no-recommends"
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/archives/"*.deb
tar -C "$work/root" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$IMAGE" > /dev/null
echo "base image: $IMAGE built in $(( $(date +%s) - started )) s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}'))"
