#!/usr/bin/env bash
# Installs npm packages from the lock file when node_modules is missing or older than the lock file.
# `npm install`, not `npm ci`: the registry these machines reach lacks some platform builds of optional
# native packages (e.g. @swc/core-darwin-arm64 at our @swc/core version), so they are absent from the
# lock file and `npm ci` refuses the lock as out of sync; `npm install` skips them as optional, and
# installs exactly the locked versions of everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
