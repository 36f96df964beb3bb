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
summary() {
  node -e '
    const r = require(process.argv[1]);
    console.log(`${process.argv[2]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  ' "./test-artifacts/$1" "$2" || true
}
summary jest.json "all suites (VM templates on)"

# VM templates are on by default (docs/vm-templates.md); every suite that runs real microVMs (other
# than the templates' own) runs a second time with them off, so that both paths stay proven.
# A run given arguments (one suite, a filter) runs once.
if [ $# -eq 0 ]; then
  mapfile -t vm_suites < <(
    grep -rlE "driver: 'qemu'|new QemuDriver" --include='*.int-spec.ts' --include='*.e2e-spec.ts' apps libs test |
      xargs grep -lE "startAgent|new QemuDriver" | grep -v template | sort
  )
  echo "again with BERTH_VM_TEMPLATES=off: ${vm_suites[*]}"
  BERTH_VM_TEMPLATES=off npx jest --ci --json --outputFile=test-artifacts/jest-templates-off.json "${vm_suites[@]}" ||
    status=$?
  summary jest-templates-off.json "real-VM suites again (VM templates off)"
fi
exit $status
