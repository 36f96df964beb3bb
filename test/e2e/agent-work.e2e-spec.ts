import { expectError, TestStack, waitFor, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * The agent's work channel (issue 13): one claim per operation answers everything its job needs, read
 * in one snapshot, and records the start; one typed result route takes every outcome. Driven here as
 * the agent itself (two hosts registered with the join token, no agent process), so that each answer
 * is seen exactly as an agent would see it.
 */
describe('agent work: claim and result (api process, hosts driven by the test)', () => {
  const stack = new TestStack('agent-work');
  let tenant: { id: string; http: TestHttpClient };
  let hostA: { id: string; http: TestHttpClient };
  let hostB: { id: string; http: TestHttpClient };

  async function register(name: string): Promise<{ id: string; http: TestHttpClient }> {
    const res = await stack
      .anonymous()
      .as(stack.joinToken)
      .post('/v1/agent/register', {
        name,
        address: name === 'work-a' ? '10.9.0.1' : '10.9.0.2',
        capacity: { vcpu: 8, memoryMib: 8192, diskGib: 50 },
        driver: 'hollow',
        capabilities: { simulation: true },
        agentVersion: '0.1.0',
      });
    expect(res.status).toBe(200);
    return { id: res.body.hostId as string, http: stack.anonymous().as(res.body.token as string) };
  }

  /** Creates a container; returns it with the client of the host it was placed on and the other one. */
  async function create(body: Record<string, unknown>) {
    const res = await tenant.http.post('/v1/containers', { size: 's1', ...body });
    expect(res.status).toBe(202);
    const host = res.body.data.hostId === hostA.id ? hostA : hostB;
    const other = host === hostA ? hostB : hostA;
    return { c: res.body.data, opId: res.body.operation.id as string, host, other };
  }

  beforeAll(async () => {
    await stack.start();
    hostA = await register('work-a');
    hostB = await register('work-b');
    tenant = await stack.tenant('work-tenant');
    const login = await tenant.http.post('/v1/registry-credentials', {
      registry: 'registry.example.com',
      username: 'dave',
      password: 'work-pass',
    });
    expect(login.status).toBe(200);
  });

  afterAll(() => stack.stop());

  it("answers a create's spec, its registry login and the host's data plane, and records the start by the host's clock", async () => {
    const { c, opId, host } = await create({ image: 'registry.example.com/team/app:1' });
    // The host's clock, a moment after the API made the container and so told apart from the API's own
    // clock at the claim (a host's time before the container was made is not taken).
    const at = new Date(Date.parse(c.createdAt) + 1).toISOString();
    const claim = await host.http.post(`/v1/agent/operations/${opId}/claim`, { at, generation: 1 });
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({
      kind: 'container',
      operationId: opId,
      operationKind: 'container.create',
      spec: { id: c.id, image: 'registry.example.com/team/app:1', state: 'creating', generation: 1 },
      registryCredentials: { username: 'dave', password: 'work-pass' },
    });
    // Its NIC, and the same network in the data plane of the same snapshot (peers and members with it).
    const nic = claim.body.spec.nics[0];
    expect(nic).toMatchObject({ ip: c.networks[0].ip });
    expect(claim.body.dataplane).toMatchObject({ hostId: host.id, readAt: expect.any(String) });
    expect(claim.body.dataplane.networks).toEqual([
      expect.objectContaining({ id: nic.networkId, members: [{ name: c.name, ip: nic.ip }] }),
    ]);
    expect(claim.body.dataplane.ports).toEqual([expect.objectContaining({ containerId: c.id, ip: nic.ip })]);

    const op = await tenant.http.get(`/v1/operations/${opId}`);
    expect(op.body).toMatchObject({ state: 'running' });
    const [row] = await stack.sql<{ state: string; state_changed_at: Date }>(
      'SELECT state, state_changed_at FROM containers WHERE id = $1',
      [c.id],
    );
    expect(row).toEqual({ state: 'creating', state_changed_at: new Date(at) });

    // Claimed again (a retried job): the same bundle, nothing moves twice.
    const again = await host.http.post(`/v1/agent/operations/${opId}/claim`, {
      at: new Date().toISOString(),
    });
    expect(again.body).toMatchObject({ kind: 'container', spec: { state: 'creating' } });
  });

  it('hands no login for an image of a registry the tenant has none for, and none to work that does not pull', async () => {
    const { c, opId, host } = await create({ image: 'busybox:latest' });
    const claim = await host.http.post(`/v1/agent/operations/${opId}/claim`, {
      at: new Date().toISOString(),
    });
    expect(claim.body).toMatchObject({ kind: 'container', registryCredentials: null });
    await host.http.post(`/v1/agent/containers/${c.id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: 1,
      operationId: opId,
    });
    const stop = await tenant.http.post(`/v1/containers/${c.id}/stop`);
    expect(stop.status).toBe(202);
    const stopClaim = await host.http.post(`/v1/agent/operations/${stop.body.operation.id}/claim`, {
      at: new Date().toISOString(),
      generation: 2,
    });
    expect(stopClaim.body).toMatchObject({
      kind: 'container',
      operationKind: 'container.stop',
      registryCredentials: null,
      dataplane: null,
    });
  });

  it('answers skip for a job a newer generation overtook, and for a container that is gone', async () => {
    const { c, opId, host } = await create({ image: 'busybox:latest' });
    const del = await tenant.http.delete(`/v1/containers/${c.id}?force=true`);
    expect(del.status).toBe(202);
    const stale = await host.http.post(`/v1/agent/operations/${opId}/claim`, {
      at: new Date().toISOString(),
      generation: 1,
    });
    expect(stale.body).toEqual({ kind: 'skip', operationId: opId, reason: 'stale', generation: 2 });
    // The stale claim moved nothing: the create stays superseded, the container deleting.
    expect((await tenant.http.get(`/v1/operations/${opId}`)).body.state).toBe('superseded');
    expect((await tenant.http.get(`/v1/containers/${c.id}`)).body.state).toBe('deleting');

    const delOp = del.body.operation.id as string;
    await host.http.post(`/v1/agent/containers/${c.id}/events`, {
      event: 'agent.deleted',
      at: new Date().toISOString(),
      generation: 2,
      operationId: delOp,
    });
    const gone = await host.http.post(`/v1/agent/operations/${delOp}/claim`, {
      at: new Date().toISOString(),
      generation: 2,
    });
    expect(gone.body).toEqual({ kind: 'skip', operationId: delOp, reason: 'gone', generation: null });
  });

  it("keeps another host's operations out of reach, as if they did not exist", async () => {
    const { opId, other } = await create({ image: 'registry.example.com/team/app:2' });
    expectError(
      await other.http.post(`/v1/agent/operations/${opId}/claim`, { at: new Date().toISOString() }),
      404,
      'operation/not_found',
    );
    expectError(
      await other.http.post(`/v1/agent/operations/${opId}/result`, { type: 'progress', phase: 'x' }),
      404,
      'operation/not_found',
    );
  });

  it('takes each result type for its own kind of operation only, validated by type', async () => {
    const { c, opId, host } = await create({ image: 'busybox:latest' });
    await host.http.post(`/v1/agent/operations/${opId}/claim`, { at: new Date().toISOString() });
    await host.http.post(`/v1/agent/containers/${c.id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: 1,
      operationId: opId,
    });
    // The tenant's request holds until the exec ends: here, until the test reports it as the host.
    const exec = tenant.http.post(`/v1/containers/${c.id}/exec`, { command: ['true'] });
    const execOp = await waitFor('the exec operation', async () => {
      const rows = await stack.sql<{ id: string }>(
        `SELECT id FROM operations WHERE target_id = $1 AND kind = 'container.exec'`,
        [c.id],
      );
      return rows[0]?.id;
    });

    // A container's failure is a state change (an event), and an exec takes no image.
    expectError(
      await host.http.post(`/v1/agent/operations/${opId}/result`, {
        type: 'failure',
        error: { code: 'agent/failed', message: 'x' },
      }),
      409,
      'operation/result_mismatch',
    );
    expectError(
      await host.http.post(`/v1/agent/operations/${execOp}/result`, {
        type: 'image',
        digest: `sha256:${'a'.repeat(64)}`,
        sizeBytes: 1,
        config: {},
      }),
      409,
      'operation/result_mismatch',
    );
    // Each type's own fields are required, and none of them is taken for another type.
    expectError(
      await host.http.post(`/v1/agent/operations/${execOp}/result`, {
        type: 'exec',
        stdout: 'x',
        stderr: '',
      }),
      400,
      'request/invalid',
    );
    expectError(
      await host.http.post(`/v1/agent/operations/${execOp}/result`, { type: 'warp' }),
      400,
      'request/invalid',
    );

    const claimed = await host.http.post(`/v1/agent/operations/${execOp}/claim`, {
      at: new Date().toISOString(),
    });
    expect(claimed.body).toMatchObject({ kind: 'exec', exec: { command: ['true'], containerId: c.id } });
    const done = await host.http.post(`/v1/agent/operations/${execOp}/result`, {
      type: 'exec',
      exitCode: 0,
      stdout: 'out',
      stderr: 'err',
    });
    expect(done.status).toBe(204);
    expect((await exec).body).toMatchObject({ exitCode: 0, stdout: 'out', stderr: 'err' });
    // A second result for a finished exec changes nothing.
    const late = await host.http.post(`/v1/agent/operations/${execOp}/result`, {
      type: 'failure',
      error: { code: 'exec/failed', message: 'late' },
    });
    expect(late.status).toBe(204);
    expect((await tenant.http.get(`/v1/operations/${execOp}`)).body.state).toBe('succeeded');
  });
});
