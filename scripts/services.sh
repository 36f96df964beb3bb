#!/usr/bin/env bash
# Makes Postgres and Redis reachable for `npm run up`, starting Debian's own when nothing answers.
# Postgres: the Debian cluster (pg_ctlcluster), with a `berth` role and database.
# Redis: a redis-server with berth's settings (noeviction, append-only, a password for the default user:
# BERTH_REDIS_PASSWORD) keeping its data in .data/redis.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=127.0.0.1
PGPORT=${BERTH_PGPORT:-5432}
REDIS_PORT=${BERTH_REDIS_PORT:-6379}

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$version/main"; then
    echo "creating Postgres cluster $version/main"
    ${SUDO:-} pg_createcluster "$version" main --port "$PGPORT" >/dev/null
  fi
  echo "starting Postgres $version/main"
  pg_ctlcluster "$version" main start
  for _ in $(seq 1 50); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 0.2; done
fi
if ! as_postgres psql -p "$PGPORT" -tAc "SELECT 1 FROM pg_roles WHERE rolname='berth'" | grep -q 1; then
  as_postgres psql -p "$PGPORT" -qc "CREATE ROLE berth LOGIN PASSWORD 'berth'"
fi
if ! as_postgres psql -p "$PGPORT" -tAc "SELECT 1 FROM pg_database WHERE datname='berth'" | grep -q 1; then
  as_postgres createdb -p "$PGPORT" -O berth berth
fi

# redis-cli reads the password from REDISCLI_AUTH (never from the command line, where ps would show it).
export REDISCLI_AUTH=${BERTH_REDIS_PASSWORD:-}
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  mkdir -p .data/redis
  echo "starting redis-server on 127.0.0.1:$REDIS_PORT (data in .data/redis)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$PWD/.data/redis" \
    --appendonly yes --maxmemory-policy noeviction --pidfile "$PWD/.data/redis/redis.pid" \
    --logfile "$PWD/.data/redis/redis.log"
  # Set through the running server, not argv: a --requirepass argument would be visible in ps.
  [ -z "$REDISCLI_AUTH" ] || env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set requirepass "$REDISCLI_AUTH" >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
fi
if env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  echo "warning: Redis on port $REDIS_PORT answers without a password: an agent could skip its own ACL user; set requirepass (berth's is BERTH_REDIS_PASSWORD in .data/secrets.env)" >&2
fi
policy=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get maxmemory-policy | tail -1)
[ "$policy" = noeviction ] || echo "warning: Redis maxmemory-policy is $policy; berth wants noeviction so that queued work is never evicted" >&2
