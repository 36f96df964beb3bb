import { Redis } from 'ioredis';
import { TestStack, waitFor, type TestHttpClient } from '@berth/testing';
import { HollowFleet } from '../bench/fleet/hollow-fleet';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

jest.setTimeout(180_000);

const HOSTS = 5;

/**
 * The hollow fleet (bench/fleet, a SIMULATION for the control-plane benchmark) against the real,
 * compiled API: each simulated host registers with an operator's join token, heartbeats, consumes its
 * own queue with its own Redis login, claims its jobs and reports its containers running.
 */
describe('hollow fleet: 5 simulated hosts against the real API', () => {
  const stack = new TestStack('hollow-fleet', {
    // Beats every 300 ms below: a host is lost only if the fleet stopped beating.
    BERTH_HOST_LOST_AFTER_MS: '5000',
  });
  let fleet: HollowFleet;
  let tenant: TestHttpClient;
  const running = new Map<string, number>();

  beforeAll(async () => {
    await stack.start();
    const join = await stack.operator.post('/v1/admin/join-tokens', { description: 'hollow fleet' });
    expect(join.status).toBe(201);
    fleet = await HollowFleet.start({
      apiUrl: stack.apiUrl,
      redisUrl: stack.redisAddress,
      queuePrefix: stack.queuePrefix,
      joinToken: join.body.token as string,
      hosts: HOSTS,
      namePrefix: 'hollow',
      stateRoot: mkdtempSync(path.join(tmpdir(), 'berth-fleet-spec-')),
      heartbeatIntervalMs: 300,
      bootDelayMs: 0,
      registerConcurrency: 2,
      capacity: { vcpu: 8, memoryMib: 16384, diskGib: 200 },
      onRunning: (id, at) => running.set(id, at),
      logLevel: 'error',
    });
    tenant = (await stack.tenant('fleet-tenant')).http;
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack.stop();
  });

  it('registers every host under its own identity', async () => {
    const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data as {
      id: string;
      name: string;
      state: string;
      driver: string;
    }[];
    const ours = hosts.filter((h) => h.name.startsWith('hollow-'));
    expect(ours.map((h) => h.name).sort()).toEqual(fleet.hosts.map((h) => h.name).sort());
    expect(new Set(fleet.hosts.map((h) => h.hostId)).size).toBe(HOSTS);
    expect(ours.map((h) => h.id).sort()).toEqual(fleet.hosts.map((h) => h.hostId).sort());
    for (const h of ours) expect(h).toMatchObject({ state: 'ready', driver: 'hollow' });
  });

  it('heartbeats every host', async () => {
    const beatOf = async (): Promise<Map<string, string>> => {
      const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data as {
        id: string;
        lastHeartbeatAt: string;
      }[];
      return new Map(hosts.map((h) => [h.id, h.lastHeartbeatAt]));
    };
    const before = await beatOf();
    await waitFor('every simulated host to heartbeat again', async () => {
      const now = await beatOf();
      return fleet.hosts.every((h) => now.get(h.hostId) !== before.get(h.hostId));
    });
  });

  it("gives each host's jobs to that host, which runs them and reports them running", async () => {
    // Enough containers that placement uses every host (8 vCPU each, s4 takes 4: two per host).
    const ids: string[] = [];
    for (let i = 0; i < HOSTS * 2; i++) {
      const res = await tenant.post('/v1/containers', { image: 'busybox:latest', size: 's4' });
      expect(res.status).toBe(202);
      ids.push(res.body.data.id as string);
    }
    await waitFor('the containers to run', () => Promise.resolve(ids.every((id) => running.has(id))));
    const views = await Promise.all(ids.map(async (id) => (await tenant.get(`/v1/containers/${id}`)).body));
    for (const v of views) expect(v).toMatchObject({ state: 'running' });
    const placed = new Set(views.map((v: { hostId: string }) => v.hostId));
    expect(placed.size).toBe(HOSTS);
  });

  it("consumes each host's queue as that host's own Redis user", async () => {
    const admin = new Redis(stack.redisUrl);
    try {
      const clients = (await admin.call('CLIENT', 'LIST')) as string;
      const users = new Set([...clients.matchAll(/ user=(\S+)/g)].map((m) => m[1]));
      const expected = await stack.sql<{ username: string }>(
        'SELECT username FROM agent_redis_users WHERE host_id = ANY($1)',
        [fleet.hosts.map((h) => h.hostId)],
      );
      expect(expected).toHaveLength(HOSTS);
      for (const { username } of expected) expect(users).toContain(username);
    } finally {
      admin.disconnect();
    }
  });
});
