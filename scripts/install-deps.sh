#!/usr/bin/env bash
# Installs the Debian packages berth needs, only those missing, so it is quick when all are there.
# Run as root (or with sudo available). Safe to run again.
set -euo pipefail

# command -> package
declare -A NEED=(
  [pg_ctlcluster]=postgresql
  [redis-server]=redis-server
  # images (apps/agent/src/drivers/images): pull, unpack, EROFS root filesystems
  [umoci]=umoci
  [mkfs.erofs]=erofs-utils
  [zstd]=zstd
  # tests: a real registry and images built without Docker (libs/testing/src/registry.ts)
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [htpasswd]=apache2-utils
  # the microVM driver (apps/agent/src/drivers/qemu) and its guest assets (scripts/build-guest-*.sh)
  [qemu-system-x86_64]=qemu-system-x86
  [mkfs.ext4]=e2fsprogs
  # volumes (apps/agent/src/volumes): sparse ext4 files, qcow2 snapshots, restores grown with resize2fs
  [qemu-img]=qemu-utils
  [resize2fs]=e2fsprogs
  [debugfs]=e2fsprogs
  [truncate]=coreutils
  [cpio]=cpio
  [gcc]=gcc
  # the dashboard's browser tests (test/e2e/dashboard.e2e-spec.ts drive it with playwright-core)
  [chromium]=chromium
  # the host data plane (apps/agent/src/drivers/network): bridges, VXLAN, taps, firewall, floating IPs
  [ip]=iproute2
  [nft]=nftables
  [arping]=iputils-arping
  [sysctl]=procps
  [ps]=procps
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
# The guest needs a static busybox (test images are built from it); the dynamic `busybox` package also
# provides the command, so ask dpkg.
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
dpkg -s libc6-dev >/dev/null 2>&1 || missing+=(libc6-dev)
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
