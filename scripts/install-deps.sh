#!/usr/bin/env bash
# Installs the Debian packages berth needs, only those missing, so it is quick when all are there.
# Run as root (or with sudo available). Safe to run again.
set -euo pipefail

# command -> package
declare -A NEED=(
  [pg_ctlcluster]=postgresql
  [redis-server]=redis-server
  # images (apps/agent/src/images): pull, unpack, EROFS root filesystems
  [umoci]=umoci
  [mkfs.erofs]=erofs-utils
  [zstd]=zstd
  # tests: a real registry and images built without Docker (libs/testing/src/registry.ts)
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [busybox]=busybox-static
  [htpasswd]=apache2-utils
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
# postgres server binaries (the client alone is not enough)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "installing Debian packages: ${pkgs[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
