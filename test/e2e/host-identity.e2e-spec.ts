import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { expectError, TestStack, waitFor, type RunningAgent, type TestHttpClient } from '@berth/testing';

jest.setTimeout(240_000);

interface Identity {
  hostId: string;
  token: string;
}

/** What an agent sends to POST /v1/agent/register, as a hand-written client would. */
function report(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    address: '192.0.2.50',
    capacity: { vcpu: 2, memoryMib: 1024, diskGib: 10 },
    driver: 'hollow',
    capabilities: { simulation: true },
    agentVersion: 'test',
    ...over,
  };
}

function identityOf(agent: RunningAgent): Identity {
  return JSON.parse(readFileSync(path.join(agent.stateDir, 'host.json'), 'utf8')) as Identity;
}

/**
 * Host identity (issue 12, requirement 2) with the real API and hollow agents as processes: the join
 * token registers new hosts only, a host re-registers with its own token, the operator re-admits a host
 * that lost it, and join tokens made through the API expire and can be deleted and rotated.
 */
describe('host identity cannot be taken (api + agent processes)', () => {
  const stack = new TestStack('hostid');
  let tenant: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'host-a' });
    tenant = (await stack.tenant('hostid')).http;
  });

  afterAll(() => stack.stop());

  /** The host's row as JSON, without the two columns its agent's heartbeats move every 500 ms. */
  async function hostRow(name: string): Promise<Record<string, unknown> | undefined> {
    // What heartbeats write is left out: their times, and the join key that the first one forgets.
    const rows = await stack.sql<{ row: Record<string, unknown> }>(
      `SELECT to_jsonb(h) - 'last_heartbeat_at' - 'last_heartbeat_host_at' - 'join_key_hash' AS row
         FROM hosts h WHERE name = $1`,
      [name],
    );
    return rows[0]?.row;
  }

  /** The host's Redis user as Postgres keeps it (a registration replaces its password). */
  function redisUserOf(hostId: string): Promise<unknown[]> {
    return stack.sql('SELECT * FROM agent_redis_users WHERE host_id = $1', [hostId]);
  }

  async function hostCount(): Promise<number> {
    const [row] = await stack.sql<{ n: string }>('SELECT count(*) AS n FROM hosts');
    return Number(row!.n);
  }

  async function runContainer(name: string): Promise<{ id: string; hostId: string }> {
    const res = await tenant.post('/v1/containers', { image: 'busybox:latest', name, size: 's1' });
    expect(res.status).toBe(202);
    const op = await tenant.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    expect(op.body).toMatchObject({ state: 'succeeded' });
    return { id: res.body.data.id as string, hostId: res.body.data.hostId as string };
  }

  /** Starts `name`'s agent and expects it to stop because the API refused it; answers its output. */
  async function startRefused(name: string, env: Record<string, string> = {}): Promise<string> {
    await expect(stack.startAgent({ name, env })).rejects.toThrow(/agent exited/);
    const proc = stack.agents.get(name)!.process;
    await proc.exited;
    return waitFor('the refusal in the agent output', () =>
      Promise.resolve(proc.output().includes('agent stopped:') && proc.output()),
    );
  }

  it("refuses the join token with a live host's name: 409 host/name_taken, the row unchanged, the attacker gets nothing", async () => {
    const victim = await runContainer('victim');
    const a = identityOf(stack.agents.get('host-a')!);
    expect(victim.hostId).toBe(a.hostId);
    const before = await hostRow('host-a');
    const redisBefore = await redisUserOf(a.hostId);
    expect(redisBefore).toHaveLength(1);
    const count = await hostCount();

    const attacker = stack.anonymous().as(stack.joinToken);
    const res = await attacker.post(
      '/v1/agent/register',
      report('host-a', {
        address: '203.0.113.66',
        capacity: { vcpu: 512, memoryMib: 1 << 20, diskGib: 9999 },
      }),
    );
    expectError(res, 409, 'host/name_taken');
    expect(res.body.error.message).toMatch(/re-registers with its own host token/);
    expect(res.body.error.message).toMatch(/berth admin hosts readmit host-a/);
    // Nothing of the host in the answer: no token, no id, no queue.
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(JSON.stringify(res.body)).not.toMatch(/bh_|hst_|agent\./);

    // A join token made through the API is refused the same way.
    const made = await stack.operator.post('/v1/admin/join-tokens', { description: 'leaked' });
    expect(made.status).toBe(201);
    expectError(
      await stack.anonymous().as(made.body.token).post('/v1/agent/register', report('host-a')),
      409,
      'host/name_taken',
    );

    // Not one field of the host changed (its agent's heartbeats aside), and no host was added.
    expect(await hostRow('host-a')).toEqual(before);
    expect(await redisUserOf(a.hostId)).toEqual(redisBefore);
    expect(await hostCount()).toBe(count);

    // The real host's token still works: it reads its containers, and the host keeps running new work.
    const own = await stack.anonymous().as(a.token).get('/v1/agent/containers');
    expect(own.status).toBe(200);
    expect(own.body.map((c: { id: string }) => c.id)).toContain(victim.id);
    const after = await runContainer('after-attempt');
    expect(after.hostId).toBe(a.hostId);
  });

  it('keeps the identity of an agent restarted with its state dir: it re-registers with its own token and keeps its containers', async () => {
    const agent = stack.agents.get('host-a')!;
    const before = identityOf(agent);
    const keeper = await runContainer('keeper');
    const [row] = await stack.sql<{ token_prefix: string; registered_at: Date }>(
      'SELECT token_prefix, registered_at FROM hosts WHERE id = $1',
      [before.hostId],
    );

    await agent.process.stop();
    // The host comes back with another address and more vCPUs: re-registration records them.
    const restarted = await stack.startAgent({
      name: 'host-a',
      env: { BERTH_HOST_ADDRESS: '192.0.2.77', BERTH_HOST_VCPU: '6' },
    });
    expect(restarted.process.output()).toContain(`re-registered as ${before.hostId} with its own host token`);
    expect(identityOf(restarted)).toEqual(before);

    const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data as Array<Record<string, any>>;
    expect(hosts.filter((h) => h.name === 'host-a')).toEqual([
      expect.objectContaining({ id: before.hostId, address: '192.0.2.77', state: 'ready' }),
    ]);
    expect(hosts.find((h) => h.name === 'host-a')!.capacity.vcpu).toBe(6);
    const [rowAfter] = await stack.sql<{ token_prefix: string; registered_at: Date }>(
      'SELECT token_prefix, registered_at FROM hosts WHERE id = $1',
      [before.hostId],
    );
    expect(rowAfter).toEqual(row);

    // Its containers are still its own. The hollow simulation's machines die with their agent, so the
    // restarted agent reports this one missing (which it can only do as the same host), and it runs
    // again on the same host when started.
    const missing = await waitFor('the restarted agent to report the container', async () => {
      const c = await tenant.get(`/v1/containers/${keeper.id}`);
      return c.body.state === 'failed' ? c.body : undefined;
    });
    expect(missing).toMatchObject({
      hostId: before.hostId,
      stateReason: expect.stringMatching(/not on the host/),
    });
    const start = await tenant.post(`/v1/containers/${keeper.id}/start`);
    expect((await tenant.get(`/v1/operations/${start.body.operation.id}?wait=30`)).body.state).toBe(
      'succeeded',
    );
    expect((await tenant.get(`/v1/containers/${keeper.id}`)).body).toMatchObject({
      state: 'running',
      hostId: before.hostId,
    });
  });

  it('refuses an agent whose state dir was wiped until the operator re-admits its host', async () => {
    const agent = stack.agents.get('host-a')!;
    const old = identityOf(agent);
    await agent.process.stop();
    rmSync(agent.stateDir, { recursive: true, force: true });
    // Once the reaper has marked it lost, nothing but a registration changes its row.
    await waitFor('host-a to be lost', async () => (await hostRow('host-a'))?.state === 'lost');
    const before = await hostRow('host-a');
    const redisBefore = await redisUserOf(old.hostId);

    // With the join token only, the agent cannot take its old name back: it stops and says why.
    const output = await startRefused('host-a');
    expect(output).toMatch(/agent stopped: 409 host\/name_taken/);
    expect(output).toMatch(/berth admin hosts readmit host-a/);
    expect(await hostRow('host-a')).toEqual(before);
    expect(await redisUserOf(old.hostId)).toEqual(redisBefore);
    // The old token still works (whoever holds it is still the host).
    expect((await stack.anonymous().as(old.token).get('/v1/agent/containers')).status).toBe(200);

    // The operator re-admits the host: a one-time token bound to it.
    const readmit = await stack.operator.post('/v1/admin/hosts/host-a/readmit', {});
    expect(readmit.status).toBe(201);
    expect(readmit.body).toMatchObject({
      hostId: old.hostId,
      prefix: expect.stringMatching(/^bj_/),
      token: expect.stringMatching(/^bj_[0-9a-z]{10}_/),
      description: 're-admission of host host-a',
      lastUsedAt: null,
    });
    const listed = (await stack.operator.get('/v1/admin/join-tokens')).body.data as Array<
      Record<string, any>
    >;
    expect(listed.find((t) => t.id === readmit.body.id)).toMatchObject({ hostId: old.hostId });
    expect(JSON.stringify(listed)).not.toContain(readmit.body.token);

    // It registers that host only.
    const viaReadmit = stack.anonymous().as(readmit.body.token);
    expectError(await viaReadmit.post('/v1/agent/register', report('host-z')), 403, 'join_token/wrong_host');
    expect(await hostRow('host-z')).toBeUndefined();

    // Given to the agent as its join token, it brings the host back under its id with a new token.
    const back = await stack.startAgent({
      name: 'host-a',
      env: { BERTH_AGENT_JOIN_TOKEN: readmit.body.token },
    });
    const now = identityOf(back);
    expect(now.hostId).toBe(old.hostId);
    expect(now.token).not.toBe(old.token);
    expectError(
      await stack.anonymous().as(old.token).get('/v1/agent/containers'),
      401,
      'auth/unauthenticated',
    );
    expect((await stack.anonymous().as(now.token).get('/v1/agent/containers')).status).toBe(200);
    const [row] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM hosts WHERE name = 'host-a'`);
    expect(row!.n).toBe('1');
    expect((await hostRow('host-a'))!.registered_at).toBe(before!.registered_at);

    // Used once: it is gone from the list and refused if presented again.
    const after = (await stack.operator.get('/v1/admin/join-tokens')).body.data as Array<{ id: string }>;
    expect(after.map((t) => t.id)).not.toContain(readmit.body.id);
    expectError(await viaReadmit.post('/v1/agent/register', report('host-a')), 401, 'auth/unauthenticated');
  });

  it('refuses deleted and expired join tokens with a coded 401; the token rotated to registers a new host', async () => {
    const make = async (description: string, ttlSeconds?: number) => {
      const res = await stack.operator.post('/v1/admin/join-tokens', { description, ttlSeconds });
      expect(res.status).toBe(201);
      return res.body as { id: string; token: string; prefix: string; expiresAt: string };
    };
    const old = await make('old', 3600);
    const expiring = await make('expiring', 120);
    const rotated = await make('rotated');
    // The default TTL is 24 hours.
    expect(Date.parse(rotated.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    // Stored as hashes only: no table holds a secret.
    for (const t of [old, expiring, rotated]) {
      const secret = t.token.slice(t.prefix.length + 1);
      const [hit] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM join_tokens WHERE position($1 in secret_hash || prefix || description) > 0`,
        [secret],
      );
      expect(hit!.n).toBe('0');
    }

    // Rotation: the new token is out, the old one is deleted and stops working at once.
    const del = await stack.operator.delete(`/v1/admin/join-tokens/${old.id}`);
    expect(del.status).toBe(204);
    const deleted = await stack.anonymous().as(old.token).post('/v1/agent/register', report('host-old'));
    expectError(deleted, 401, 'auth/unauthenticated');
    expectError(await stack.operator.delete(`/v1/admin/join-tokens/${old.id}`), 404, 'join_token/not_found');

    // Expiry (set in the past in SQL: a test does not wait out a TTL).
    await stack.sql(
      `UPDATE join_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'
        WHERE id = $1`,
      [expiring.id],
    );
    const expired = await stack.anonymous().as(expiring.token).post('/v1/agent/register', report('host-exp'));
    expectError(expired, 401, 'auth/token_expired');
    expect(expired.body.error.message).toMatch(/expired at .*berth admin join-tokens create/);
    expect(await hostRow('host-old')).toBeUndefined();
    expect(await hostRow('host-exp')).toBeUndefined();

    // The rotated token registers a new host through a real agent, and its use is recorded.
    const b = await stack.startAgent({ name: 'host-b', env: { BERTH_AGENT_JOIN_TOKEN: rotated.token } });
    expect(identityOf(b).hostId).toMatch(/^hst_/);
    const list = (await stack.operator.get('/v1/admin/join-tokens')).body.data as Array<Record<string, any>>;
    expect(list.find((t) => t.id === rotated.id)).toMatchObject({
      prefix: rotated.prefix,
      description: 'rotated',
      hostId: null,
      lastUsedAt: expect.any(String),
    });
    expect(list.map((t) => t.id)).not.toContain(old.id);

    // Bad TTLs are a coded 400.
    for (const ttlSeconds of [0, 10, 400 * 24 * 3600, 'soon']) {
      expectError(await stack.operator.post('/v1/admin/join-tokens', { ttlSeconds }), 400, 'request/invalid');
    }
    expectError(await stack.operator.post('/v1/admin/hosts/host-nope/readmit', {}), 404, 'host/not_found');
  });

  it('stops an agent whose host token the API refuses, instead of registering again under it', async () => {
    const agent = await stack.startAgent({ name: 'host-v' });
    const { token } = identityOf(agent);
    const redisLogin = JSON.parse(readFileSync(path.join(agent.stateDir, 'redis.json'), 'utf8')) as {
      password: string;
    };
    // Another holder of the token rotates it: the running agent's token is void from now on.
    const rotated = await stack
      .anonymous()
      .as(token)
      .post('/v1/agent/register', report('host-v', { rotateToken: true }));
    expect(rotated.status).toBe(200);
    // A registration in place would have replaced the host's Redis login under its running worker; it
    // exits non-zero instead, so that its supervisor starts it again and start-up registers first.
    expect(await agent.process.exited).toBe(1);
    expect(agent.process.output()).toContain('the API refused this host token; stopping');
    // Its worker met the replaced Redis login on the way out: the refusals never print the password.
    expect(agent.process.output()).not.toContain(redisLogin.password);
  });

  it('lets a host rotate its own token by re-registering, and never rename itself with it', async () => {
    const joined = await stack.anonymous().as(stack.joinToken).post('/v1/agent/register', report('host-c'));
    expect(joined.status).toBe(200);
    const first = joined.body as { hostId: string; token: string };
    const asFirst = stack.anonymous().as(first.token);

    // Re-registering with its own token keeps the token unless asked: none comes back.
    const again = await asFirst.post('/v1/agent/register', report('host-c', { address: '192.0.2.51' }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      hostId: first.hostId,
      queue: expect.any(String),
      redis: expect.any(Object),
    });
    expect((await hostRow('host-c'))!.address).toBe('192.0.2.51');

    // Its token cannot register another name.
    expectError(await asFirst.post('/v1/agent/register', report('host-a')), 409, 'host/name_mismatch');

    const rotated = await asFirst.post('/v1/agent/register', report('host-c', { rotateToken: true }));
    expect(rotated.status).toBe(200);
    expect(rotated.body.hostId).toBe(first.hostId);
    expect(rotated.body.token).toMatch(/^bh_/);
    expect(rotated.body.token).not.toBe(first.token);
    expectError(await asFirst.get('/v1/agent/containers'), 401, 'auth/unauthenticated');
    expect((await stack.anonymous().as(rotated.body.token).get('/v1/agent/containers')).status).toBe(200);
  });
});

describe('the bootstrap join token can expire (api process)', () => {
  const stack = new TestStack('hostid-boot', { BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT: '2020-01-01T00:00:00Z' });

  beforeAll(() => stack.start());
  afterAll(() => stack.stop());

  it('refuses the expired bootstrap token with 401 auth/token_expired; a join token made by the operator works', async () => {
    const res = await stack.anonymous().as(stack.joinToken).post('/v1/agent/register', report('boot-host'));
    expectError(res, 401, 'auth/token_expired');
    expect(res.body.error.message).toMatch(/BERTH_AGENT_JOIN_TOKEN/);
    const made = await stack.operator.post('/v1/admin/join-tokens', { ttlSeconds: 600 });
    const joined = await stack
      .anonymous()
      .as(made.body.token)
      .post('/v1/agent/register', report('boot-host'));
    expect(joined.status).toBe(200);
    expect(joined.body.token).toMatch(/^bh_/);
  });
});
