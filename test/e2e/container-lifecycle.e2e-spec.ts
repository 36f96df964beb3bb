import { TestStack, waitFor, waitOp, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * The whole control loop, with the API and an agent as separate processes on real Postgres and Redis:
 * create -> running -> stopped -> started again -> deleted, through the public REST API only.
 * The agent runs the `hollow` driver (a simulation); the real microVM driver has its own suite.
 */
describe('container lifecycle (api + agent processes)', () => {
  const stack = new TestStack('lifecycle');
  let tenant: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'host-a' });
    tenant = (await stack.tenant('lifecycle')).http;
  });

  afterAll(() => stack.stop());

  it('takes a container from create to running to stopped to deleted', async () => {
    const created = await tenant.post('/v1/containers', {
      image: 'busybox:latest',
      name: 'web-1',
      command: ['sh', '-c', 'sleep 3600'],
      env: { GREETING: 'hi' },
      size: 's2',
      labels: { app: 'web' },
    });
    expect(created.status).toBe(202);
    expect(created.body.data).toMatchObject({
      name: 'web-1',
      state: 'pending',
      size: 's2',
      resources: { vcpu: 1, memoryMib: 128 },
    });
    expect(created.body.operation).toMatchObject({ kind: 'container.create', state: 'pending' });
    const id = created.body.data.id as string;

    expect(await waitOp(tenant, created.body.operation.id)).toMatchObject({
      state: 'succeeded',
      error: null,
    });
    const running = await tenant.get(`/v1/containers/${id}`);
    expect(running.body).toMatchObject({ state: 'running', hostId: expect.stringMatching(/^hst_/) });
    expect(running.body.startedAt).not.toBeNull();

    const byName = await tenant.get('/v1/containers/web-1');
    expect(byName.body.id).toBe(id);

    const stop = await tenant.post(`/v1/containers/${id}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body.data.state).toBe('stopping');
    expect(await waitOp(tenant, stop.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect((await tenant.get(`/v1/containers/${id}`)).body).toMatchObject({ state: 'stopped', exitCode: 0 });

    const start = await tenant.post(`/v1/containers/${id}/start`);
    expect(start.status).toBe(202);
    expect(await waitOp(tenant, start.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('running');

    const refused = await tenant.delete(`/v1/containers/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('container/invalid_state');

    const del = await tenant.delete(`/v1/containers/${id}?force=true`);
    expect(del.status).toBe(202);
    expect(await waitOp(tenant, del.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect((await tenant.get(`/v1/containers/${id}`)).status).toBe(404);
    const list = await tenant.get('/v1/containers');
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(id);

    // The name is free again once its container is deleted.
    const again = await tenant.post('/v1/containers', { image: 'busybox:latest', name: 'web-1' });
    expect(again.status).toBe(202);
    await waitOp(tenant, again.body.operation.id);
  });

  it('supersedes an older operation when a newer action arrives, and the agent skips the stale job', async () => {
    const created = await tenant.post('/v1/containers', { image: 'busybox:latest' });
    const stop = await tenant.post(`/v1/containers/${created.body.data.id}/stop`);
    expect(stop.status).toBe(202);
    expect(await waitOp(tenant, stop.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect((await tenant.get(`/v1/operations/${created.body.operation.id}`)).body.state).toBe('superseded');
    expect((await tenant.get(`/v1/containers/${created.body.data.id}`)).body.state).toBe('stopped');
  });

  it('marks a host lost when its agent stops heartbeating, and ready again when it comes back', async () => {
    const created = await tenant.post('/v1/containers', { image: 'busybox:latest', name: 'survivor' });
    await waitOp(tenant, created.body.operation.id);
    const agent = stack.agents.get('host-a')!;
    await agent.process.kill();
    await waitFor('host to be lost', async () => {
      const hosts = await stack.operator.get('/v1/admin/hosts');
      return hosts.body.data.find((h: any) => h.name === 'host-a')?.state === 'lost';
    });
    const lost = await tenant.get('/v1/containers/survivor');
    expect(lost.body).toMatchObject({ state: 'lost', stateReason: expect.stringContaining('host-a') });

    // The hollow machines died with the agent, so on its return the container is reported failed.
    await stack.startAgent({ name: 'host-a' });
    await waitFor('host to be ready again', async () => {
      const hosts = await stack.operator.get('/v1/admin/hosts');
      return hosts.body.data.find((h: any) => h.name === 'host-a')?.state === 'ready';
    });
    const after = await waitFor('container to be failed', async () => {
      const c = await tenant.get('/v1/containers/survivor');
      return c.body.state === 'failed' ? c.body : undefined;
    });
    expect(after.stateReason).toMatch(/not on the host/);
    // And it can be started again on its host.
    const start = await tenant.post('/v1/containers/survivor/start');
    expect(await waitOp(tenant, start.body.operation.id)).toMatchObject({ state: 'succeeded' });
  });
});
