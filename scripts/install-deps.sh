#!/usr/bin/env bash
# Installs the Debian packages berth needs, only those missing, so it is quick when all are there.
# Run as root (or with sudo available). Safe to run again.
set -euo pipefail

# command -> package
declare -A NEED=(
  [pg_ctlcluster]=postgresql
  [redis-server]=redis-server
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
