import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { runCli, runCliJson, TestStack, waitFor, type CliRun } from '@berth/testing';

jest.setTimeout(300_000);

/**
 * "No secret at rest in clear, anywhere" (issue 12): tenants, API keys and registry logins are made through
 * the built `berth` CLI (which sends an Idempotency-Key on every POST), a host registers with a real agent,
 * then every column of every row of every table of the stack's database, and the API's and agent's logs,
 * are searched for every secret the test saw. Also the idempotency store's own promises: a secret-bearing
 * answer is replayed within 24 hours from a sealed copy, an expired record is reaped and its key is usable
 * anew, and the stored request fingerprint is a keyed HMAC, not the plain SHA-256 of the request.
 */
describe('no secret at rest in clear (built CLI + api + hollow agent)', () => {
  const secretsKey = randomBytes(32);
  const stack = new TestStack('secrets', {
    BERTH_SECRETS_KEY: secretsKey.toString('hex'),
    // Everything the API could log, logged.
    BERTH_LOG_LEVEL: 'trace',
    BERTH_IDEMPOTENCY_REAP_INTERVAL_MS: '300',
  });
  const home = mkdtempSync(path.join(tmpdir(), 'berth-secrets-e2e-home-'));
  /** Every secret the test has seen, with what it is (for the failure message). */
  const secrets = new Map<string, string>();
  /** Values the database must hold, so that a dump that finds no secret is known to have looked. */
  const expectedInDump: string[] = [];
  let tenantKey = '';
  const registryPassword = `pw-${randomBytes(12).toString('hex')}`;
  const registryBody = { registry: 'registry.secrets.test:5000', username: 'alice-at-rest' };

  const berth = (
    args: readonly string[],
    opts: { env?: Record<string, string>; stdin?: string } = {},
  ): Promise<CliRun> =>
    runCli(args, {
      home,
      env: { BERTH_API_URL: stack.apiUrl, ...opts.env },
      stdin: opts.stdin,
      timeoutMs: 120_000,
    });

  const json = (args: readonly string[], env: Record<string, string>): Promise<any> =>
    runCliJson(args, { home, env: { BERTH_API_URL: stack.apiUrl, ...env }, timeoutMs: 120_000 });

  /** Remembers a bearer token `<kind>_<prefix>_<secret>`, and its secret part alone. */
  function sawToken(token: string, what: string): void {
    secrets.set(token, what);
    const secretPart = token.split('_').slice(2).join('_');
    expect(secretPart.length).toBeGreaterThanOrEqual(32);
    secrets.set(secretPart, `the secret part of ${what}`);
  }

  /** Every column of every row of every table in the public schema, one row per line, as Postgres prints it. */
  async function dumpDatabase(): Promise<string> {
    const tables = await stack.sql<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['tenants', 'api_keys', 'hosts', 'registry_credentials', 'idempotency_keys']),
    );
    const lines: string[] = [];
    for (const { name } of tables) {
      const rows = await stack.sql<{ row: string }>(`SELECT t::text AS row FROM public."${name}" t`);
      for (const r of rows) lines.push(`${name}: ${r.row}`);
    }
    return lines.join('\n');
  }

  /** Every key of this stack's queues in Redis (BullMQ's jobs, schedules, events) with its value, as text. */
  async function dumpRedis(): Promise<string> {
    const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const lines: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${stack.queuePrefix}:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          const value =
            type === 'string'
              ? await redis.get(key)
              : type === 'hash'
                ? await redis.hgetall(key)
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'zset'
                      ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                      : type === 'stream'
                        ? await redis.xrange(key, '-', '+')
                        : `(${type})`;
          lines.push(`${key}: ${JSON.stringify(value)}`);
        }
      } while (cursor !== '0');
      return lines.join('\n');
    } finally {
      redis.disconnect();
    }
  }

  /** The forms a secret could be stored in: as it is, hex (bytea prints so) and base64. */
  function encodings(secret: string): string[] {
    const bytes = Buffer.from(secret, 'utf8');
    return [
      secret,
      bytes.toString('hex'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ];
  }

  function expectNoSecretIn(text: string, where: string): void {
    const found: string[] = [];
    for (const [secret, what] of secrets) {
      for (const form of encodings(secret))
        if (text.includes(form)) found.push(`${what} (${form.slice(0, 12)}...)`);
    }
    expect({ where, found }).toEqual({ where, found: [] });
  }

  beforeAll(async () => {
    await stack.start();
    secrets.set(stack.operatorToken, 'the operator token');
    secrets.set(stack.joinToken, 'the agent join token');
    secrets.set(secretsKey.toString('hex'), 'the secrets key');
    const redisPassword = decodeURIComponent(new URL(stack.redisUrl).password);
    if (redisPassword) secrets.set(redisPassword, "the API's Redis password");
  });

  afterAll(async () => {
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('the operator creates tenants with `berth admin tenants create`', async () => {
    const op = { BERTH_OPERATOR_TOKEN: stack.operatorToken };
    for (const name of ['at-rest-a', 'at-rest-b']) {
      const created = await json(['admin', 'tenants', 'create', name], op);
      expect(created.apiKey.secret).toMatch(/^bk_/);
      sawToken(created.apiKey.secret, `the first API key of ${name}`);
      expectedInDump.push(name, created.apiKey.prefix);
      if (!tenantKey) tenantKey = created.apiKey.secret;
    }
  });

  it('a tenant creates API keys with `berth keys create`', async () => {
    for (const name of ['ci', 'deploy']) {
      const created = await json(['keys', 'create', '--name', name], { BERTH_API_KEY: tenantKey });
      expect(created.secret).toMatch(/^bk_/);
      sawToken(created.secret, `API key ${name}`);
      expectedInDump.push(created.prefix);
      // The key works: it is a real one, not a copy of something shown.
      expect((await stack.anonymous().as(created.secret).get('/v1/keys')).status).toBe(200);
    }
  });

  it('a tenant stores a registry login with `berth login HOST -u USER --password-stdin`', async () => {
    secrets.set(registryPassword, 'a registry password');
    const r = await berth(['login', registryBody.registry, '-u', registryBody.username, '--password-stdin'], {
      env: { BERTH_API_KEY: tenantKey },
      stdin: `${registryPassword}\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(registryBody.username);
    expectedInDump.push(registryBody.username, registryBody.registry);
  });

  it('a host registers with the join token and gets its own token', async () => {
    const agent = await stack.startAgent({ name: 'at-rest-host' });
    const identity = JSON.parse(readFileSync(path.join(agent.stateDir, 'host.json'), 'utf8')) as {
      hostId: string;
      token: string;
    };
    expect(identity.token).toMatch(/^bh_/);
    sawToken(identity.token, 'the host token');
    // Its own Redis login, issued at registration (Postgres keeps only a digest of the password).
    const redisLogin = JSON.parse(readFileSync(path.join(agent.stateDir, 'redis.json'), 'utf8')) as {
      password: string;
    };
    expect(redisLogin.password.length).toBeGreaterThanOrEqual(24);
    secrets.set(redisLogin.password, "the host's Redis password");
    expectedInDump.push(identity.hostId, 'at-rest-host');
  });

  it('stores the fingerprint of the registry login request as a keyed HMAC, not its plain SHA-256', async () => {
    const canonical = `{"password":${JSON.stringify(registryPassword)},"registry":"${registryBody.registry}","username":"${registryBody.username}"}`;
    const request = `POST /v1/registry-credentials\n${canonical}`;
    const plain = createHash('sha256').update(request).digest('hex');
    const hmacKey = Buffer.from(
      hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'berth idempotency request fingerprint v1', 32),
    );
    const keyed = createHmac('sha256', hmacKey).update(request).digest('hex');
    const hashes = (await stack.sql<{ h: string }>(`SELECT request_hash AS h FROM idempotency_keys`)).map(
      (r) => r.h,
    );
    // The CLI's request was kept (so this looks at the real row), under the keyed fingerprint only.
    expect(hashes).toContain(keyed);
    expect(hashes).not.toContain(plain);
    expect(keyed).not.toBe(plain);
  });

  it('replays a secret-bearing answer within 24 hours from a sealed copy; the replayed key works', async () => {
    const http = stack.anonymous().as(tenantKey);
    const headers = { 'Idempotency-Key': `replay-${randomBytes(6).toString('hex')}` };
    const first = await http.post('/v1/keys', { name: 'replayed' }, headers);
    expect(first.status).toBe(201);
    sawToken(first.body.secret, 'a replayed API key');

    const [row] = await stack.sql<{ body: string | null; sealed: string | null }>(
      `SELECT response_body::text AS body, response_sealed AS sealed FROM idempotency_keys WHERE key = $1`,
      [headers['Idempotency-Key']],
    );
    expect(row?.body).toBeNull();
    expect(row?.sealed).toMatch(/^v1\./);

    await stack.sql(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = $1`, [
      headers['Idempotency-Key'],
    ]);
    const again = await http.post('/v1/keys', { name: 'replayed' }, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await stack.anonymous().as(again.body.secret).get('/v1/keys')).status).toBe(200);

    // The operator's tenant creation is sealed and replayed the same way.
    const opHeaders = { 'Idempotency-Key': `tenant-${randomBytes(6).toString('hex')}` };
    const t1 = await stack.operator.post('/v1/admin/tenants', { name: 'at-rest-replay' }, opHeaders);
    expect(t1.status).toBe(201);
    sawToken(t1.body.apiKey.secret, 'the first API key of a replayed tenant');
    const t2 = await stack.operator.post('/v1/admin/tenants', { name: 'at-rest-replay' }, opHeaders);
    expect(t2.headers.get('idempotent-replayed')).toBe('true');
    expect(t2.body).toEqual(t1.body);
  });

  it('reaps a record older than 24 hours; its key then makes a new request', async () => {
    const http = stack.anonymous().as(tenantKey);
    const key = `expire-${randomBytes(6).toString('hex')}`;
    const first = await http.post('/v1/keys', { name: 'before' }, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    sawToken(first.body.secret, 'an API key whose record expired');
    // Another request under a live key is refused...
    const reused = await http.post('/v1/keys', { name: 'after' }, { 'Idempotency-Key': key });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency/key_reused');

    // ...and once the record is 24 hours old, the reaper (the API's control queue) deletes it.
    await stack.sql(
      `UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = $1`,
      [key],
    );
    await waitFor('the reaper to delete the expired record', async () => {
      const rows = await stack.sql(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [key]);
      return rows.length === 0;
    });
    const fresh = await http.post('/v1/keys', { name: 'after' }, { 'Idempotency-Key': key });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body).toMatchObject({ name: 'after' });
    expect(fresh.body.id).not.toBe(first.body.id);
    sawToken(fresh.body.secret, 'an API key made under a reused key');
  });

  it('finds none of those secrets in any column of any row of any table', async () => {
    // The CLI really sent its requests with Idempotency-Keys: the store holds the operator's and the tenant's.
    const scopes = await stack.sql<{ scope: string; n: string }>(
      `SELECT scope, count(*) AS n FROM idempotency_keys GROUP BY scope`,
    );
    expect(scopes.find((s) => s.scope === 'operator')).toBeDefined();
    expect(scopes.filter((s) => s.scope.startsWith('ten_')).length).toBeGreaterThan(0);

    const dump = await dumpDatabase();
    for (const value of expectedInDump) expect(dump).toContain(value);
    expect(secrets.size).toBeGreaterThanOrEqual(20);
    expectNoSecretIn(dump, 'the database');
  });

  it('finds none of them in Redis, which holds the queues', async () => {
    const dump = await dumpRedis();
    // The control queue's schedules and the host's queue are there, so this looked at the stack's keys.
    expect(dump).toContain('idempotency.reap');
    expectNoSecretIn(dump, 'Redis');
  });

  it('finds none of them in the API’s logs, nor the agent’s', () => {
    const apiLog = stack.api.output();
    // The log is there and saw these requests (trace level logs every request with its URL).
    for (const url of ['/v1/admin/tenants', '/v1/keys', '/v1/registry-credentials', '/v1/agent/register']) {
      expect(apiLog).toContain(url);
    }
    expectNoSecretIn(apiLog, 'the API log');
    const agentLog = stack.agents.get('at-rest-host')?.process.output() ?? '';
    expect(agentLog).toContain('ready; health on');
    expectNoSecretIn(agentLog, 'the agent log');
  });
});
