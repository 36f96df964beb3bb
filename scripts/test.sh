#!/usr/bin/env bash
# `npm test`: installs what the tests need, builds, type-checks, lints, then runs every suite (unit,
# integration, end-to-end) against real Postgres, Redis, registry and QEMU microVMs that the suites
# start and stop themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/npm-install.sh
# The guest kernel (built from Debian's linux-source, cached by config) and berth-init's initramfs.
bash scripts/guest-assets.sh
npm run -s build
npm run -s typecheck
npm run -s lint

mkdir -p test-artifacts
status=0
npx jest --ci --json --outputFile=test-artifacts/jest.json "$@" || status=$?
node -e '
  const r = require("./test-artifacts/jest.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' || true
exit $status
