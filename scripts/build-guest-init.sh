#!/usr/bin/env bash
# Builds berth-init (guest/init, static C) and packs it as the microVM's initramfs (newc cpio).
# Cached by the hash of the sources, like the kernel. Prints the initramfs path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${BERTH_CACHE_DIR:-/var/cache/berth}
RECIPE=1 # raise to rebuild when this script's output changes

need=()
for p in gcc libc6-dev cpio; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

key=$( { cat guest/init/*.c guest/init/*.h; echo "recipe $RECIPE $(gcc -dumpfullversion)"; } | sha256sum | cut -c1-16)
out="$CACHE/init/$key"
if [ -s "$out/initramfs.cpio" ]; then
  echo "$out/initramfs.cpio"
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-init-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"/{dev,proc,sys,mnt,newroot,run}
gcc -static -Os -Wall -Wextra -Werror -o "$work/root/init" guest/init/berth-init.c
strip "$work/root/init"
# A console node for the kernel's first messages before devtmpfs is mounted.
mknod -m 600 "$work/root/dev/console" c 5 1 2>/dev/null || true
(cd "$work/root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0 --reproducible >"$work/initramfs.cpio")
mkdir -p "$out"
mv "$work/initramfs.cpio" "$out/initramfs.cpio"
echo "$out/initramfs.cpio"
