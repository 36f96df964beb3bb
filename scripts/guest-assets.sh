#!/usr/bin/env bash
# Builds (or finds cached) the guest kernel and berth-init's initramfs, and points the cache's
# `current` links at them: the agent's defaults (BERTH_GUEST_KERNEL, BERTH_GUEST_INITRD) use those.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${BERTH_CACHE_DIR:-/var/cache/berth}
kernel=$(bash scripts/build-guest-kernel.sh | tail -1)
initrd=$(bash scripts/build-guest-init.sh | tail -1)
mkdir -p "$CACHE/current"
ln -sfn "$kernel" "$CACHE/current/vmlinux"
ln -sfn "$initrd" "$CACHE/current/initramfs.cpio"
echo "guest kernel: $kernel"
echo "guest init:   $initrd"
