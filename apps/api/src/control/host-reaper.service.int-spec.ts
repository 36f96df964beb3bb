import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';
import { HostReaperService } from './host-reaper.service';

jest.setTimeout(60_000);

/**
 * The host reaper, run as its timer runs it: a host whose heartbeats stopped is lost, and its
 * containers with it, their usage closed at the host's last heartbeat by its own clock.
 */
describe('host reaper (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;
  /** The host's clock: a fixed past time, so that every date written can be told from the API's. */
  const hostClock = (seconds: number): Date => new Date(Date.UTC(2026, 10, 3, 8, 0, seconds));

  beforeAll(async () => {
    api = await InProcessApi.start();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
  });

  const reap = (): Promise<string[]> => api.service(HostReaperService).reap();

  /** A new host that alone takes this test's containers. */
  async function soleHost(): Promise<TestHost> {
    const host = await api.registerHost();
    await api.hostsTakingWork(host);
    return host;
  }

  async function heartbeat(host: TestHost, at: Date): Promise<void> {
    const res = await host.agent.post('/v1/agent/heartbeat', { at: at.toISOString(), machines: 1 });
    expect(res.status).toBe(200);
  }

  async function report(host: TestHost, id: string, event: string, at: Date, operationId?: string) {
    const res = await host.agent.post(`/v1/agent/containers/${id}/events`, {
      event,
      at: at.toISOString(),
      generation: 1,
      ...(operationId ? { operationId } : {}),
    });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function create(): Promise<{ id: string; op: string }> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20' });
    expect(res.status).toBe(202);
    await api.madeAt(res.body.data.id, hostClock(-60));
    return { id: res.body.data.id, op: res.body.operation.id };
  }

  async function hostState(host: TestHost): Promise<string> {
    const [row] = await api.rows<{ state: string }>(`SELECT state FROM hosts WHERE id = $1`, [host.id]);
    return row!.state;
  }

  async function container(id: string): Promise<Record<string, any>> {
    const [row] = await api.rows(`SELECT * FROM containers WHERE id = $1`, [id]);
    return row!;
  }

  async function usage(id: string): Promise<{ started_at: Date; ended_at: Date | null }[]> {
    return api.rows(
      `SELECT started_at, ended_at FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [id],
    );
  }

  it('leaves a host that heartbeats alone', async () => {
    const host = await soleHost();
    const { id, op } = await create();
    await report(host, id, 'agent.running', hostClock(0), op);
    expect(await reap()).toEqual([]);
    expect(await hostState(host)).toBe('ready');
    expect(await container(id)).toMatchObject({ state: 'running' });
  });

  it("marks a silent host lost, its running container lost, usage closed at the host's last heartbeat", async () => {
    const host = await soleHost();
    const { id, op } = await create();
    await report(host, id, 'agent.running', hostClock(0), op);
    await heartbeat(host, hostClock(100));
    await api.silenceHost(host);
    expect(await reap()).toEqual([host.id]);
    expect(await hostState(host)).toBe('lost');
    expect(await container(id)).toMatchObject({
      state: 'lost',
      state_reason: `host ${host.name} stopped answering`,
    });
    expect(await usage(id)).toEqual([{ started_at: hostClock(0), ended_at: hostClock(100) }]);
    // Once lost, it is not reaped again.
    expect(await reap()).toEqual([]);
  });

  it("fails the lost host's operations in flight with host/lost", async () => {
    const host = await soleHost();
    const { id, op } = await create();
    await api.silenceHost(host);
    expect(await reap()).toEqual([host.id]);
    expect(await container(id)).toMatchObject({ state: 'lost' });
    expect(await api.rows(`SELECT state, error_code FROM operations WHERE id = $1`, [op])).toEqual([
      { state: 'failed', error_code: 'host/lost' },
    ]);
  });

  it('ends a delete in flight on the lost host: deleted, the delete succeeded, its address freed and its peers told', async () => {
    const host = await soleHost();
    const doomed = await create();
    await report(host, doomed.id, 'agent.running', hostClock(0), doomed.op);
    // Its peer on another host shares the default network.
    const other = await soleHost();
    const peer = await create();
    await report(other, peer.id, 'agent.running', hostClock(0), peer.op);
    const del = await tenant.http.delete(`/v1/containers/${doomed.id}?force=true`);
    expect(del.status).toBe(202);
    await heartbeat(host, hostClock(60));
    await api.silenceHost(host);
    api.queues.clear();
    expect(await reap()).toEqual([host.id]);
    expect(await container(doomed.id)).toMatchObject({ state: 'deleted' });
    expect(await api.rows(`SELECT state FROM operations WHERE id = $1`, [del.body.operation.id])).toEqual([
      { state: 'succeeded' },
    ]);
    expect(await api.rows(`SELECT * FROM ip_allocations WHERE container_id = $1`, [doomed.id])).toEqual([]);
    expect(await usage(doomed.id)).toEqual([{ started_at: hostClock(0), ended_at: hostClock(60) }]);
    await api.queues.nudgesSent();
    expect(api.queues.nudges).toEqual([other.id]);
    expect(await container(peer.id)).toMatchObject({ state: 'running' });
  });

  it('a lost host that comes back is ready, and its report of the same machine bills no second twice', async () => {
    const host = await soleHost();
    const { id, op } = await create();
    await report(host, id, 'agent.running', hostClock(0), op);
    await heartbeat(host, hostClock(100));
    await api.silenceHost(host);
    expect(await reap()).toEqual([host.id]);
    await heartbeat(host, hostClock(400));
    expect(await hostState(host)).toBe('ready');
    // The machine never stopped: the host reports its original start again.
    expect(await report(host, id, 'agent.running', hostClock(0))).toEqual({
      applied: true,
      state: 'running',
    });
    const [before, after] = await usage(id);
    expect(before).toEqual({ started_at: hostClock(0), ended_at: hostClock(100) });
    expect(after!.ended_at).toBeNull();
    expect(after!.started_at.getTime()).toBeGreaterThanOrEqual(hostClock(100).getTime());
  });
});
