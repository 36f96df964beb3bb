import { Redis } from 'ioredis';
import { TestStack, waitFor, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * "Postgres holds the truth; Redis holds only work in flight. Losing Redis must lose no data"
 * (DESIGN.md). A container is created while its host's agent is down, so its job can only wait in
 * Redis; then every key of this stack's BullMQ prefix is deleted (the shared test Redis serves other
 * files too, so no FLUSHALL). When the agent comes back, the API's reconciler must have enqueued the
 * operation again from Postgres, and the container must run.
 */
describe('operation reconciler after Redis loses its work (api + agent processes)', () => {
  // The host must stay ready while its agent is down, or the reaper would fail the operation instead.
  const stack = new TestStack('reconciler', { BERTH_HOST_LOST_AFTER_MS: '600000' });
  let tenant: TestHttpClient;
  let redis: Redis;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'host-r' });
    tenant = (await stack.tenant('reconciler')).http;
    redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack.stop();
  });

  async function keysOfStack(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.queuePrefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  async function deleteKeysOfStack(): Promise<number> {
    const keys = await keysOfStack();
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    return keys.length;
  }

  async function reenqueuedTotal(): Promise<number> {
    const res = await stack.anonymous().get('/metrics');
    expect(res.status).toBe(200);
    const m = /^berth_operations_reenqueued_total (\d+)$/m.exec(res.body as string);
    expect(m).not.toBeNull();
    return Number(m![1]);
  }

  async function hostOf(name: string): Promise<{ id: string; state: string }> {
    const res = await stack.operator.get('/v1/admin/hosts');
    return (res.body.data as { id: string; name: string; state: string }[]).find((h) => h.name === name)!;
  }

  it('runs a container whose queued job Redis lost, once its agent is back', async () => {
    const agent = stack.agents.get('host-r')!;
    await agent.process.stop();
    const host = await hostOf('host-r');
    expect(host.state).toBe('ready');
    const before = await reenqueuedTotal();

    const created = await tenant.post('/v1/containers', { image: 'busybox:latest', name: 'survives-redis' });
    expect(created.status).toBe(202);
    expect(created.body.data.hostId).toBe(host.id);
    const id = created.body.data.id as string;
    const opId = created.body.operation.id as string;

    // The job is waiting in Redis, for an agent that is not there.
    const jobKeys = (await keysOfStack()).filter((k) =>
      k.startsWith(`${stack.queuePrefix}:agent.${host.id}:`),
    );
    expect(jobKeys.some((k) => k.includes(id))).toBe(true);

    // Redis loses everything this stack had in it: the job, the queue, and the API's own schedules.
    expect(await deleteKeysOfStack()).toBeGreaterThan(0);
    expect((await keysOfStack()).filter((k) => k.includes(id))).toEqual([]);

    // Nothing is lost in Postgres: the container and its operation still wait.
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('pending');
    expect((await tenant.get(`/v1/operations/${opId}`)).body.state).toBe('pending');

    await stack.startAgent({ name: 'host-r' });
    const running = await waitFor(
      'the container to run after its job was re-enqueued',
      async () => {
        const c = await tenant.get(`/v1/containers/${id}`);
        return c.body.state === 'running' ? c.body : undefined;
      },
      60_000,
      200,
    );
    expect(running).toMatchObject({ hostId: host.id, startedAt: expect.any(String) });
    expect((await tenant.get(`/v1/operations/${opId}?wait=30`)).body).toMatchObject({
      state: 'succeeded',
      error: null,
    });
    expect(await reenqueuedTotal()).toBeGreaterThan(before);
  });

  it('keeps reconciling after the loss: a later job lost the same way is enqueued again too', async () => {
    const agent = stack.agents.get('host-r')!;
    await agent.process.stop();
    const before = await reenqueuedTotal();

    const stop = await tenant.post('/v1/containers/survives-redis/stop');
    expect(stop.status).toBe(202);
    expect(await deleteKeysOfStack()).toBeGreaterThan(0);

    await stack.startAgent({ name: 'host-r' });
    expect((await tenant.get(`/v1/operations/${stop.body.operation.id}?wait=60`)).body).toMatchObject({
      state: 'succeeded',
    });
    expect((await tenant.get('/v1/containers/survives-redis')).body.state).toBe('stopped');
    expect(await reenqueuedTotal()).toBeGreaterThan(before);
  });
});
