#!/usr/bin/env bash
# `npm run up`: everything berth needs on a fresh Debian machine with Node, then the API and one agent.
# Ctrl-C stops both (Postgres and Redis keep running; their data stays).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/npm-install.sh
# The operator's secrets, made once and kept (mode 600) in .data/secrets.env; a line missing from an older
# file is added, never replaced.
mkdir -p .data
(umask 077 && touch .data/secrets.env)
add_secret() {
  grep -q "^$1=" .data/secrets.env ||
    echo "$1=$(node -e "console.log(require('crypto').randomBytes($2).toString('hex'))")" >>.data/secrets.env
}
add_secret BERTH_OPERATOR_TOKEN 24
add_secret BERTH_AGENT_JOIN_TOKEN 24
# Encrypts registry passwords and sealed idempotent answers: keep it, or they become unreadable.
add_secret BERTH_SECRETS_KEY 32
# Redis's default user (the API's): with a password, an agent can use only its own ACL user.
add_secret BERTH_REDIS_PASSWORD 24
set -a
# shellcheck disable=SC1091
. .data/secrets.env
set +a
bash scripts/services.sh
bash scripts/guest-assets.sh
npm run -s build

set -a
: "${DATABASE_URL:=postgres://berth:berth@127.0.0.1:${BERTH_PGPORT:-5432}/berth}"
: "${REDIS_URL:=redis://:${BERTH_REDIS_PASSWORD}@127.0.0.1:${BERTH_REDIS_PORT:-6379}}"
: "${BERTH_HTTP_PORT:=8080}"
: "${BERTH_AGENT_HEALTH_PORT:=8081}"
# One machine, its registry on loopback (README "Trying it with a local registry"); a fleet's agents
# refuse loopback and private registries unless the operator allows their ranges.
: "${BERTH_REGISTRY_ALLOW_CIDRS:=127.0.0.0/8,::1/128}"
set +a

npm run -s migrate

URL="http://127.0.0.1:${BERTH_HTTP_PORT}"
mkdir -p .data/logs
node dist/apps/api/src/main.js >>.data/logs/api.log 2>&1 &
API_PID=$!
AGENT_PID=""
BILLING_PID=""
stop() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  [ -n "$BILLING_PID" ] && kill "$BILLING_PID" 2>/dev/null || true
  kill "$API_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS "$URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$API_PID" 2>/dev/null || { echo "the API did not start; see .data/logs/api.log" >&2; tail -20 .data/logs/api.log >&2; exit 1; }
  sleep 0.2
done
# The agent gets Redis's address only: it connects as the ACL user its registration made for it.
REDIS_URL="redis://127.0.0.1:${BERTH_REDIS_PORT:-6379}" \
  node dist/apps/agent/src/main.js >>.data/logs/agent.log 2>&1 &
AGENT_PID=$!
# Without STRIPE_SECRET_KEY the billing worker keeps the ledger only (usage and invoices still work).
node dist/apps/billing/src/main.js >>.data/logs/billing.log 2>&1 &
BILLING_PID=$!

cat <<MSG

berth is up at $URL   (API docs: $URL/v1/openapi.json; logs in .data/logs/)
One agent runs this host: each container is a QEMU microVM (KVM when a test boot shows it works,
TCG otherwise; the agent's log says which). BERTH_DRIVER=hollow runs the simulation instead.

Your operator token is BERTH_OPERATOR_TOKEN in .data/secrets.env. Create a tenant and its first API key:

  . .data/secrets.env
  curl -s -X POST $URL/v1/admin/tenants -H "Authorization: Bearer \$BERTH_OPERATOR_TOKEN" \\
       -H 'content-type: application/json' -d '{"name":"me"}'

The answer's apiKey.secret is the tenant's key (shown once). Then, for example:

  curl -s -X POST $URL/v1/containers -H "Authorization: Bearer <key>" \\
       -H 'content-type: application/json' -d '{"image":"<registry>/<image>:<tag>","command":["echo","hi"]}'

Images come from an OCI registry you can reach (this machine reaches no public one): for a local one,
see "Images" in the README.

Usage and invoices: GET $URL/v1/usage, /v1/usage/live, /v1/invoices (or \`berth usage\`, \`berth invoices\`).
The billing worker sends usage to Stripe when STRIPE_SECRET_KEY is set (and follows payments through
the webhook at $URL/v1/webhooks/stripe with BERTH_STRIPE_WEBHOOK_SECRET).

Ctrl-C stops the API, the agent and the billing worker.
MSG
wait "$API_PID"
