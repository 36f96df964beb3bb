import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  buildTestImage,
  startTestRegistry,
  TestStack,
  waitFor,
  type RunningAgent,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(180_000);

interface Host {
  readonly name: string;
  readonly id: string;
  /** The agent's side of the API, with the host's own token. */
  readonly http: TestHttpClient;
  readonly redisLogin: { username: string; password: string };
  readonly agent: RunningAgent;
}

/**
 * Least privilege for hosts (issue 12, requirement 6): a host reads a tenant's registry login only while
 * it holds work of that tenant pulling from that registry, and each agent's Redis user reaches its own
 * queue's keys only. Two hollow hosts, the real API and agents, the suites' real Redis (whose default
 * user has a password) and a real registry.
 */
describe('least privilege for hosts (api + two agent processes, real Redis and registry)', () => {
  const stack = new TestStack('agentpriv');
  const hosts = new Map<string, Host>();
  let operatorRedis: Redis;
  let registry: TestRegistry;
  let hanging: { server: Server; sockets: Set<Socket>; host: string };
  let tenant: { id: string; http: TestHttpClient };
  let other: { id: string; http: TestHttpClient };
  const opened: Redis[] = [];

  function readHost(agent: RunningAgent): Host {
    const identity = JSON.parse(readFileSync(path.join(agent.stateDir, 'host.json'), 'utf8')) as {
      hostId: string;
      token: string;
    };
    const redisLogin = JSON.parse(readFileSync(path.join(agent.stateDir, 'redis.json'), 'utf8')) as {
      username: string;
      password: string;
    };
    return {
      name: agent.name,
      id: identity.hostId,
      http: stack.anonymous().as(identity.token),
      redisLogin,
      agent,
    };
  }

  beforeAll(async () => {
    registry = await startTestRegistry({ htpasswd: { user: 'alice', password: 'alice-registry-pass' } });
    await buildTestImage(registry, 'team/private', { cmd: ['/bin/echo', 'private'] });
    // A registry that accepts connections and never answers: a pull from it stays open.
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    hanging = { server, sockets, host: `127.0.0.1:${port}` };

    await stack.start();
    for (const name of ['priv-a', 'priv-b']) hosts.set(name, readHost(await stack.startAgent({ name })));
    operatorRedis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
    tenant = await stack.tenant('priv-tenant');
    other = await stack.tenant('priv-other');
    for (const t of [tenant, other]) {
      for (const r of [registry.host, hanging.host]) {
        const res = await t.http.post('/v1/registry-credentials', {
          registry: r,
          username: 'alice',
          password: 'alice-registry-pass',
        });
        expect(res.status).toBe(200);
      }
    }
  });

  afterAll(async () => {
    for (const r of opened) r.disconnect();
    operatorRedis?.disconnect();
    await stack.stop();
    for (const s of hanging?.sockets ?? []) s.destroy();
    await new Promise<void>((resolve) => (hanging ? hanging.server.close(() => resolve()) : resolve()));
    await registry?.stop();
  });

  const a = (): Host => hosts.get('priv-a')!;
  const b = (): Host => hosts.get('priv-b')!;

  function redisAs(login: { username: string; password: string }): Redis {
    const r = new Redis(stack.redisAddress, {
      username: login.username,
      password: login.password,
      maxRetriesPerRequest: 1,
    });
    r.on('error', () => undefined);
    opened.push(r);
    return r;
  }

  async function refusal(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return 'allowed';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Creates hollow containers until one lands on `host` (placement spreads them over the two hosts). */
  async function runContainerOn(host: Host, image = 'busybox:latest'): Promise<string> {
    for (let i = 0; i < 4; i++) {
      const created = await tenant.http.post('/v1/containers', { image, size: 's1' });
      expect(created.status).toBe(202);
      const op = await tenant.http.get(`/v1/operations/${created.body.operation.id}?wait=60`);
      expect(op.body).toMatchObject({ state: 'succeeded' });
      if (created.body.data.hostId === host.id) return created.body.data.id as string;
    }
    throw new Error(`no container was placed on ${host.name}`);
  }

  function credentialsFor(host: Host, tenantId: string, reg: string) {
    return host.http.get(
      `/v1/agent/registry-credentials?tenantId=${tenantId}&registry=${encodeURIComponent(reg)}`,
    );
  }

  describe('registry logins', () => {
    it("lets a host read a login while it pulls for that tenant from that registry, and never another tenant's", async () => {
      const pull = await tenant.http.post('/v1/images/pull', { image: `${hanging.host}/team/app:1` });
      expect(pull.status).toBe(202);
      const [row] = await stack.sql<{ host_id: string }>('SELECT host_id FROM images WHERE id = $1', [
        pull.body.data.id,
      ]);
      const puller = [...hosts.values()].find((h) => h.id === row!.host_id)!;
      const idle = [...hosts.values()].find((h) => h !== puller)!;
      // The agent has asked for the login and is now waiting on the silent registry.
      await waitFor('the agent to connect to the registry', () => Promise.resolve(hanging.sockets.size > 0));

      const during = await credentialsFor(puller, tenant.id, hanging.host);
      expect(during.status).toBe(200);
      expect(during.body).toMatchObject({ username: 'alice', password: 'alice-registry-pass' });
      // not for another registry, not for another tenant (which has a login for the same registry), not
      // for the host that is not pulling
      for (const res of [
        await credentialsFor(puller, tenant.id, registry.host),
        await credentialsFor(puller, other.id, hanging.host),
        await credentialsFor(idle, tenant.id, hanging.host),
      ]) {
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({
          status: 404,
          code: 'registry_credential/not_found',
        });
      }

      // The pull is given up (its operation superseded): the login is out of reach again.
      expect((await tenant.http.delete(`/v1/images/${pull.body.data.id}`)).status).toBe(200);
      const after = await credentialsFor(puller, tenant.id, hanging.host);
      expect({ status: after.status, code: after.body?.error?.code }).toEqual({
        status: 404,
        code: 'registry_credential/not_found',
      });
    });

    it("pulls a private image with the tenant's login, and a host whose containers run cannot read it", async () => {
      const image = `${registry.host}/team/private:latest`;
      const pull = await tenant.http.post('/v1/images/pull', { image });
      const op = await tenant.http.get(`/v1/operations/${pull.body.operation.id}?wait=90`);
      expect(op.body).toMatchObject({ state: 'succeeded' });

      // A running container of that image on A, and no pull open: A has no reason to read the login.
      await runContainerOn(a(), image);
      const open = await stack.sql(
        `SELECT id FROM operations WHERE tenant_id = $1 AND state IN ('pending', 'running')`,
        [tenant.id],
      );
      expect(open).toEqual([]);
      for (const host of [a(), b()]) {
        const res = await credentialsFor(host, tenant.id, registry.host);
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({
          status: 404,
          code: 'registry_credential/not_found',
        });
      }
    });
  });

  describe("each agent's own Redis user", () => {
    it('is kept in the state dir (mode 600) and in Postgres only as a SHA-256 of its password', async () => {
      for (const host of [a(), b()]) {
        expect(statSync(path.join(host.agent.stateDir, 'redis.json')).mode & 0o777).toBe(0o600);
        expect(host.redisLogin.username).toBe(`berth-agent-${host.id}`);
        const rows = await stack.sql<Record<string, unknown>>(
          'SELECT * FROM agent_redis_users WHERE host_id = $1',
          [host.id],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]!.password_sha256).toBe(
          createHash('sha256').update(host.redisLogin.password).digest('hex'),
        );
        expect(JSON.stringify(rows)).not.toContain(host.redisLogin.password);
      }
      // The address the agents are given carries no credentials, and Redis's default user needs one.
      const anonymous = new Redis(stack.redisAddress, { maxRetriesPerRequest: 1, lazyConnect: true });
      anonymous.on('error', () => undefined);
      opened.push(anonymous);
      expect(await refusal(anonymous.get('x'))).toMatch(/NOAUTH/);
    });

    it("cannot read, delete or add to another host's queue, nor reach its log streams", async () => {
      const onB = await runContainerOn(b());
      const prefix = stack.queuePrefix;
      const bKeys = (await operatorRedis.keys(`${prefix}:agent.${b().id}:*`)).sort();
      expect(bKeys.length).toBeGreaterThan(0);
      const bJob = bKeys.find((k) => k.includes(onB) && !k.endsWith(':logs'));
      expect(bJob).toBeDefined();

      const asA = redisAs(a().redisLogin);
      expect(await asA.ping()).toBe('PONG');
      const noperm = /NOPERM/;
      expect(await refusal(asA.hgetall(bJob!))).toMatch(noperm);
      expect(await refusal(asA.del(bJob!))).toMatch(noperm);
      expect(await refusal(asA.del(`${prefix}:agent.${b().id}:completed`))).toMatch(noperm);
      expect(await refusal(asA.zrange(`${prefix}:agent.${b().id}:completed`, 0, -1))).toMatch(noperm);
      expect(await refusal(asA.xadd(`${prefix}:logs:${b().id}:${onB}`, '*', 'd', 'forged'))).toMatch(noperm);
      expect(await refusal(asA.keys('*'))).toMatch(noperm);
      expect(await refusal(asA.scan('0'))).toMatch(noperm);
      expect(await refusal(asA.get(`${prefix}:control:meta`))).toMatch(noperm);
      expect(await refusal(asA.call('ACL', 'SETUSER', a().redisLogin.username, '~*'))).toMatch(noperm);
      // A Lua script is held to the same key patterns.
      expect(await refusal(asA.eval(`return redis.call('DEL', KEYS[1])`, 1, bJob!))).toMatch(noperm);
      // BullMQ as agent A, adding a job to B's queue.
      const intoB = new Queue(`agent.${b().id}`, { connection: asA, prefix });
      try {
        expect(
          await refusal(intoB.add('container.delete', { containerId: onB }, { jobId: 'forged' })),
        ).toMatch(/NOPERM|permissions/);
      } finally {
        await intoB.close().catch(() => undefined);
      }
      // Nothing of B's changed.
      expect((await operatorRedis.keys(`${prefix}:agent.${b().id}:*`)).sort()).toEqual(bKeys);
      expect(await operatorRedis.exists(`${prefix}:agent.${b().id}:forged`)).toBe(0);

      // A's own keys are A's: its log streams and its queue.
      expect(await asA.xadd(`${prefix}:logs:${a().id}:ctr_probe`, '*', 'd', 'own')).toMatch(/^\d+-\d+$/);
      expect(await asA.del(`${prefix}:logs:${a().id}:ctr_probe`)).toBe(1);
      expect(await asA.exists(`${prefix}:agent.${a().id}:meta`)).toBeGreaterThanOrEqual(0);
    });

    it("is made again from Postgres after Redis lost it, and the agent's jobs flow again", async () => {
      const { username } = a().redisLogin;
      expect(await operatorRedis.call('ACL', 'DELUSER', username)).toBe(1);
      // The reconciler tick makes the user again, with the same password (its hash) and rules.
      await waitFor('the API to make the user again', async () =>
        ((await operatorRedis.call('ACL', 'USERS')) as string[]).includes(username),
      );
      const asA = redisAs(a().redisLogin);
      expect(await asA.ping()).toBe('PONG');
      expect(await refusal(asA.get(`${stack.queuePrefix}:agent.${b().id}:meta`))).toMatch(/NOPERM/);
      // The agent, cut off by DELUSER, reconnects with its stored login and takes its jobs again.
      await runContainerOn(a());
    });
  });
});
