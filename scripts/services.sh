#!/usr/bin/env bash
# Makes Postgres and Redis reachable for `npm run up`, starting Debian's own when nothing answers.
# Postgres: the Debian cluster (pg_ctlcluster), with a `berth` role and database.
# Redis: a redis-server with berth's settings (noeviction, append-only) keeping its data in .data/redis.
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

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  mkdir -p .data/redis
  echo "starting redis-server on 127.0.0.1:$REDIS_PORT (data in .data/redis)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$PWD/.data/redis" \
    --appendonly yes --maxmemory-policy noeviction --pidfile "$PWD/.data/redis/redis.pid" \
    --logfile "$PWD/.data/redis/redis.log"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
policy=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get maxmemory-policy | tail -1)
[ "$policy" = noeviction ] || echo "warning: Redis maxmemory-policy is $policy; berth wants noeviction so that queued work is never evicted" >&2
