import { expectError, type HttpResult } from '@berth/testing';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * What a host's reports do (`POST /v1/agent/containers/:id/events`): the container's state, its
 * operations and its usage, dated by the host's clock, through the one lifecycle executor.
 */
describe('agent reports (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;
  let tenant: TestTenant;
  /** The host's clock: a fixed past time, so that every date written can be told from the API's. */
  const hostClock = (seconds: number): Date => new Date(Date.UTC(2026, 10, 2, 10, 0, seconds));

  beforeAll(async () => {
    api = await InProcessApi.start();
    host = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
    await api.hostsTakingWork(host);
    api.queues.clear();
  });

  /** A new container on `host`, with its create operation's id. */
  async function create(): Promise<{ id: string; op: string }> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', size: 's2' });
    expect(res.status).toBe(202);
    await api.madeAt(res.body.data.id, hostClock(-60));
    return { id: res.body.data.id, op: res.body.operation.id };
  }

  function report(
    id: string,
    event: string,
    at: Date,
    extra: Record<string, unknown> = {},
    by: TestHost = host,
  ): Promise<HttpResult> {
    return by.agent.post(`/v1/agent/containers/${id}/events`, {
      event,
      at: at.toISOString(),
      generation: 1,
      ...extra,
    });
  }

  async function applied(id: string, event: string, at: Date, extra: Record<string, unknown> = {}) {
    const res = await report(id, event, at, extra);
    expect(res.status).toBe(200);
    return res.body as { applied: boolean; state: string };
  }

  async function container(id: string): Promise<Record<string, any>> {
    const [row] = await api.rows(`SELECT * FROM containers WHERE id = $1`, [id]);
    return row!;
  }

  async function operation(id: string): Promise<Record<string, any>> {
    const [row] = await api.rows(`SELECT state, error_code, error_message FROM operations WHERE id = $1`, [
      id,
    ]);
    return row!;
  }

  async function usage(id: string): Promise<{ meter: string; started_at: Date; ended_at: Date | null }[]> {
    return api.rows(
      `SELECT meter, started_at, ended_at FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [id],
    );
  }

  it('creating marks the create operation running; running succeeds it and opens usage at the host time', async () => {
    const { id, op } = await create();
    expect(await applied(id, 'agent.creating', hostClock(0), { operationId: op })).toEqual({
      applied: true,
      state: 'creating',
    });
    expect(await operation(op)).toMatchObject({ state: 'running' });
    expect(await usage(id)).toEqual([]);
    expect(await applied(id, 'agent.running', hostClock(5), { operationId: op })).toEqual({
      applied: true,
      state: 'running',
    });
    expect(await operation(op)).toMatchObject({ state: 'succeeded' });
    expect(await container(id)).toMatchObject({
      state: 'running',
      started_at: hostClock(5),
      last_report_at: hostClock(5),
    });
    expect(await usage(id)).toEqual([{ meter: 'container.s2', started_at: hostClock(5), ended_at: null }]);
  });

  it('a duplicate report changes nothing and opens no second interval', async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(5), { operationId: op });
    const before = await container(id);
    expect(await applied(id, 'agent.running', hostClock(6), { operationId: op })).toEqual({
      applied: false,
      state: 'running',
    });
    expect(await container(id)).toEqual(before);
    expect(await usage(id)).toHaveLength(1);
  });

  it('a report older than the last one applied (by the host clock) changes nothing', async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(10), { operationId: op });
    expect(await applied(id, 'agent.exited', hostClock(9), { exitCode: 3 })).toEqual({
      applied: false,
      state: 'running',
    });
    expect(await container(id)).toMatchObject({ state: 'running', exit_code: null });
    expect(await usage(id)).toEqual([expect.objectContaining({ ended_at: null })]);
  });

  it('exited records the exit code and closes usage at the host time of the exit', async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(0), { operationId: op });
    expect(await applied(id, 'agent.exited', hostClock(42), { exitCode: 3 })).toEqual({
      applied: true,
      state: 'exited',
    });
    expect(await container(id)).toMatchObject({ state: 'exited', exit_code: 3, finished_at: hostClock(42) });
    expect(await usage(id)).toEqual([
      { meter: 'container.s2', started_at: hostClock(0), ended_at: hostClock(42) },
    ]);
  });

  it('running after exited (its restart policy) opens a new interval that starts after the last one ended', async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(0), { operationId: op });
    await applied(id, 'agent.exited', hostClock(20), { exitCode: 1 });
    expect(await applied(id, 'agent.running', hostClock(21))).toMatchObject({ applied: true });
    expect(await usage(id)).toEqual([
      { meter: 'container.s2', started_at: hostClock(0), ended_at: hostClock(20) },
      { meter: 'container.s2', started_at: hostClock(21), ended_at: null },
    ]);
  });

  it("a restart's running report ends the run before at the old machine's stop: the reboot is not billed", async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(0), { operationId: op });
    const restart = await tenant.http.post(`/v1/containers/${id}/restart`);
    expect(restart.status).toBe(202);
    // The host stopped the old machine at 30 and the new one was up at 33.
    expect(
      await report(id, 'agent.running', hostClock(33), {
        operationId: restart.body.operation.id,
        stoppedAt: hostClock(30).toISOString(),
        generation: restart.body.data.generation,
      }).then((r) => r.body),
    ).toEqual({ applied: true, state: 'running' });
    expect(await usage(id)).toEqual([
      { meter: 'container.s2', started_at: hostClock(0), ended_at: hostClock(30) },
      { meter: 'container.s2', started_at: hostClock(33), ended_at: null },
    ]);
    expectError(
      await report(id, 'agent.running', hostClock(40), { stoppedAt: 'yesterday' }),
      400,
      'request/invalid',
    );
  });

  it('stopped after a stop succeeds the stop operation and closes usage at the host time', async () => {
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(0), { operationId: op });
    const stop = await tenant.http.post(`/v1/containers/${id}/stop`);
    expect(stop.status).toBe(202);
    // The tenant's stop is dated by the API; usage ends when the host saw the machine stop.
    expect(await usage(id)).toEqual([expect.objectContaining({ ended_at: null })]);
    expect(
      await applied(id, 'agent.stopped', hostClock(30), { operationId: stop.body.operation.id, exitCode: 0 }),
    ).toEqual({ applied: true, state: 'stopped' });
    expect(await operation(stop.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect(await usage(id)).toEqual([expect.objectContaining({ ended_at: hostClock(30) })]);
  });

  it("failed records the host's reason and fails the operation it names with the host's code", async () => {
    const { id, op } = await create();
    await applied(id, 'agent.creating', hostClock(0), { operationId: op });
    expect(
      await applied(id, 'agent.failed', hostClock(1), {
        operationId: op,
        error: { code: 'image/pull_failed', message: 'registry said no' },
      }),
    ).toEqual({ applied: true, state: 'failed' });
    expect(await container(id)).toMatchObject({ state: 'failed', state_reason: 'registry said no' });
    expect(await operation(op)).toMatchObject({
      state: 'failed',
      error_code: 'image/pull_failed',
      error_message: 'registry said no',
    });
    expect(await usage(id)).toEqual([]);
  });

  it('deleted ends the delete: the container lets go of its address, usage is closed, its peers are nudged', async () => {
    const peer = await create();
    await applied(peer.id, 'agent.running', hostClock(0), { operationId: peer.op });
    const { id, op } = await create();
    await applied(id, 'agent.running', hostClock(0), { operationId: op });
    const del = await tenant.http.delete(`/v1/containers/${id}?force=true`);
    expect(del.status).toBe(202);
    api.queues.clear();
    expect(await applied(id, 'agent.deleted', hostClock(50), { operationId: del.body.operation.id })).toEqual(
      {
        applied: true,
        state: 'deleted',
      },
    );
    expect(await operation(del.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect(await api.rows(`SELECT * FROM ip_allocations WHERE container_id = $1`, [id])).toEqual([]);
    expect(await usage(id)).toEqual([expect.objectContaining({ ended_at: hostClock(50) })]);
    // The peer's host (here the same host) rewrites its members list without it.
    await api.queues.nudgesSent();
    expect(api.queues.nudges).toEqual([host.id]);
    expect(api.queues.jobs).toEqual([]);
  });

  it("takes a host's time only within what is possible: never before the container was made, never after the report arrived", async () => {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', size: 's2' });
    expect(res.status).toBe(202);
    const id: string = res.body.data.id;
    const { created_at: madeAt } = await container(id);
    // A host whose clock says 1970: its running report would have opened usage then and billed the month.
    expect(await applied(id, 'agent.running', new Date(0), { operationId: res.body.operation.id })).toEqual({
      applied: true,
      state: 'running',
    });
    expect(await usage(id)).toEqual([{ meter: 'container.s2', started_at: madeAt, ended_at: null }]);
    // Then a day ahead: dated at its arrival, so the container does not take every later report as stale.
    const beforeReport = new Date();
    expect(await applied(id, 'agent.exited', new Date(Date.now() + 86_400_000), { exitCode: 0 })).toEqual({
      applied: true,
      state: 'exited',
    });
    const [interval] = await usage(id);
    expect(interval!.ended_at!.getTime()).toBeGreaterThanOrEqual(beforeReport.getTime());
    expect(interval!.ended_at!.getTime()).toBeLessThanOrEqual(Date.now());
    const del = await tenant.http.delete(`/v1/containers/${id}`);
    expect(del.status).toBe(202);
    expect(await applied(id, 'agent.deleted', new Date(), { operationId: del.body.operation.id })).toEqual({
      applied: true,
      state: 'deleted',
    });
  });

  it("a report on another host's container is a 404 and changes nothing", async () => {
    const { id, op } = await create();
    const stranger = await api.registerHost();
    expectError(
      await report(id, 'agent.running', hostClock(0), { operationId: op }, stranger),
      404,
      'container/not_found',
    );
    expect(await container(id)).toMatchObject({ state: 'pending' });
    expect(await operation(op)).toMatchObject({ state: 'pending' });
    expect(await usage(id)).toEqual([]);
  });

  it('a report on a container that does not exist is a 404', async () => {
    expectError(
      await report('ctr_doesnotexist0000000000', 'agent.running', hostClock(0)),
      404,
      'container/not_found',
    );
  });

  it("refuses an event that is not one (400) and a tenant's key in place of a host token (401)", async () => {
    const { id } = await create();
    expectError(await report(id, 'agent.exploded', hostClock(0)), 400, 'request/invalid');
    const asTenant = await tenant.http.post(`/v1/agent/containers/${id}/events`, {
      event: 'agent.running',
      at: hostClock(0).toISOString(),
      generation: 1,
    });
    expectError(asTenant, 401, 'auth/unauthenticated');
    expect(await container(id)).toMatchObject({ state: 'pending' });
  });

  it("a report naming another container's operation leaves that operation alone", async () => {
    const a = await create();
    const b = await create();
    await applied(a.id, 'agent.running', hostClock(0), { operationId: b.op });
    expect(await container(a.id)).toMatchObject({ state: 'running' });
    expect(await operation(b.op)).toMatchObject({ state: 'pending' });
    expect(await operation(a.op)).toMatchObject({ state: 'pending' });
  });
});
