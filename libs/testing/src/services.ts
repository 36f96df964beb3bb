import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { startProcess, waitFor, type StartedProcess } from './processes';

export interface RunningService {
  readonly url: string;
  readonly process: StartedProcess;
  stop(): Promise<void>;
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? execFileSync('ls', [base]).toString().trim().split('\n').filter(Boolean)
    : [];
  const latest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!latest || !existsSync(path.join(base, latest, 'bin', 'postgres'))) {
    throw new Error(
      'PostgreSQL is not installed: run `bash scripts/install-deps.sh` (or apt-get install postgresql)',
    );
  }
  return path.join(base, latest, 'bin');
}

/** Postgres refuses to run as root: as root, the server runs as the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/**
 * A throw-away Postgres for one test run: initdb into a temp dir, started as a child on a free port,
 * durability off (the data dies with the run anyway). The caller stops it by pid.
 */
export async function startEphemeralPostgres(): Promise<RunningService> {
  const bin = pgBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pg-'));
  const user = postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  execFileSync(
    path.join(bin, 'initdb'),
    ['-D', dir, '-A', 'trust', '-U', 'berth', '--no-sync', '-E', 'UTF8', '--locale=C'],
    {
      stdio: 'ignore',
      ...(user ?? {}),
    },
  );
  const port = await freePort();
  const proc = startProcess(
    'postgres',
    path.join(bin, 'postgres'),
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    { ...(user ?? {}) },
  );
  const url = `postgres://berth@127.0.0.1:${port}/postgres`;
  await waitFor(
    'postgres to accept connections',
    async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.end();
      return true;
    },
    30_000,
    100,
  );
  return {
    url,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A throw-away Redis with berth's settings (noeviction, append-only), on a free port. Its default user
 * has a password, as a production Redis must: otherwise any agent could skip its own ACL user and
 * connect as the default one. The URL carries the password (the API's, the operator's user); agents
 * are given the address only (TestStack) and connect with the user registration gave them.
 */
export async function startEphemeralRedis(): Promise<RunningService> {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-redis-'));
  const port = await freePort();
  const password = randomBytes(18).toString('hex');
  const proc = startProcess('redis', 'redis-server', [
    '--requirepass',
    password,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
  ]);
  const url = `redis://:${password}@127.0.0.1:${port}`;
  await waitFor('redis to answer', async () => {
    const { Redis } = await import('ioredis');
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } finally {
      r.disconnect();
    }
  });
  return {
    url,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
