import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';
import { HostReaperService } from './host-reaper.service';

jest.setTimeout(60_000);

/**
 * Host loss that heals (issue 15): the control plane's own outage is not held against hosts, a lost
 * host's restart=always containers start on another host, and a host that returns is told to resync
 * while what it says about containers it no longer has changes nothing.
 */
describe('host loss that heals (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;
  /** The hosts' clocks: fixed past times, so that every date written can be told from the API's. */
  const hostClock = (seconds: number): Date => new Date(Date.UTC(2026, 10, 3, 8, 0, seconds));

  beforeAll(async () => {
    api = await InProcessApi.start();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
    api.queues.clear();
  });

  const reap = (): Promise<string[]> => api.service(HostReaperService).reap();

  async function soleHost(): Promise<TestHost> {
    const host = await api.registerHost();
    await api.hostsTakingWork(host);
    return host;
  }

  /** A heartbeat; `resyncedEpoch` as an agent that counts losses says it (absent: one that does not). */
  async function heartbeat(
    host: TestHost,
    at: Date,
    resyncedEpoch?: number,
  ): Promise<{ state: string; resync: boolean; lossEpoch: number }> {
    const res = await host.agent.post('/v1/agent/heartbeat', {
      at: at.toISOString(),
      machines: 1,
      ...(resyncedEpoch !== undefined ? { resyncedEpoch } : {}),
    });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function report(host: TestHost, id: string, event: string, at: Date, extra: object = {}) {
    return host.agent.post(`/v1/agent/containers/${id}/events`, {
      event,
      at: at.toISOString(),
      generation: 1,
      ...extra,
    });
  }

  async function create(body: object = {}): Promise<{ id: string; op: string }> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', ...body });
    expect(res.status).toBe(202);
    await api.madeAt(res.body.data.id, hostClock(-60));
    return { id: res.body.data.id, op: res.body.operation.id };
  }

  /** A container running on `host` since hostClock(0), its host's last heartbeat at hostClock(100). */
  async function runningOn(host: TestHost, body: object = {}): Promise<{ id: string; op: string }> {
    const c = await create(body);
    expect((await report(host, c.id, 'agent.running', hostClock(0), { operationId: c.op })).status).toBe(200);
    await heartbeat(host, hostClock(100));
    return c;
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

  describe("the control plane's own outage", () => {
    it('is not counted against a host: silent through the outage, it is not lost until the grace has passed since the control plane came back', async () => {
      const host = await soleHost();
      await api.silenceHost(host);
      // No API process was up for the last two hours: no heartbeat could have landed.
      await api.controlPlaneDownSince(`now() - interval '2 hours'`);
      expect(await reap()).toEqual([]);
      expect(await hostState(host)).toBe('ready');
      const [l] = await api.rows<{ fresh: boolean }>(
        `SELECT resumed_at > now() - interval '1 minute' AS fresh FROM control_plane_liveness`,
      );
      expect(l).toEqual({ fresh: true });
      // The host heartbeats within the grace: it never was lost.
      expect(await heartbeat(host, hostClock(0))).toEqual({
        hostId: host.id,
        state: 'ready',
        resync: false,
        lossEpoch: 0,
      });
      expect(await reap()).toEqual([]);
    });

    it('does not shield a host that stays silent for the grace after the control plane came back', async () => {
      const host = await soleHost();
      await api.silenceHost(host);
      await api.controlPlaneDownSince(`now() - interval '2 hours'`);
      expect(await reap()).toEqual([]);
      // The grace since the resumption has passed (an hour here) with the control plane up throughout.
      await api.rows(`UPDATE control_plane_liveness SET resumed_at = now() - interval '2 hours'`);
      expect(await reap()).toContain(host.id);
    });

    it('a gap between ticks shorter than an outage is no outage: a silent host is lost', async () => {
      const host = await soleHost();
      await api.silenceHost(host);
      await api.rows(`UPDATE control_plane_liveness SET seen_at = now() - interval '1 second'`);
      expect(await reap()).toContain(host.id);
    });

    it('with several API processes ticking at once, the outage is found once and the grace starts once', async () => {
      const host = await soleHost();
      await api.silenceHost(host);
      await api.controlPlaneDownSince(`now() - interval '2 hours'`);
      const ticks = await Promise.all([reap(), reap(), reap()]);
      expect(ticks).toEqual([[], [], []]);
      const [first] = await api.rows<{ resumed_at: Date }>(`SELECT resumed_at FROM control_plane_liveness`);
      expect(await reap()).toEqual([]);
      expect(await api.rows(`SELECT resumed_at FROM control_plane_liveness`)).toEqual([first]);
    });
  });

  describe("a lost host's restart=always containers", () => {
    it('start on another ready host: host, generation and a create queued there; usage closed at the last heartbeat, opened by the new host only', async () => {
      const lost = await soleHost();
      const { id, op } = await runningOn(lost, { restartPolicy: 'always' });
      const other = await api.registerHost();
      await api.hostsTakingWork(lost, other);
      await api.silenceHost(lost);
      api.queues.clear();
      expect(await reap()).toContain(lost.id);
      expect(await container(id)).toMatchObject({
        host_id: other.id,
        state: 'pending',
        generation: 2,
        state_reason: `host ${lost.name} stopped answering; started again on another host`,
      });
      const ops = await api.rows<{
        id: string;
        kind: string;
        state: string;
        host_id: string;
        generation: number;
      }>(
        `SELECT id, kind, state, host_id, generation FROM operations WHERE target_id = $1 ORDER BY created_at`,
        [id],
      );
      expect(ops).toEqual([
        { id: op, kind: 'container.create', state: 'succeeded', host_id: lost.id, generation: 1 },
        {
          id: expect.any(String),
          kind: 'container.create',
          state: 'pending',
          host_id: other.id,
          generation: 2,
        },
      ]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: other.id,
          name: 'container.create',
          data: expect.objectContaining({ operationId: ops[1]!.id }),
        }),
      ]);
      expect(await usage(id)).toEqual([{ started_at: hostClock(0), ended_at: hostClock(100) }]);

      // The new host's clock runs behind the lost one's: its report still applies and opens usage, never
      // before the old copy's interval ended (the two copies are never billed together).
      expect(
        (await report(other, id, 'agent.running', hostClock(50), { generation: 2, operationId: ops[1]!.id }))
          .body,
      ).toEqual({ applied: true, state: 'running' });
      expect(await usage(id)).toEqual([
        { started_at: hostClock(0), ended_at: hostClock(100) },
        { started_at: hostClock(100), ended_at: null },
      ]);

      // The lost host comes back: told to resync; its word about the container it no longer has is refused.
      expect(await heartbeat(lost, hostClock(400))).toEqual({
        hostId: lost.id,
        state: 'ready',
        resync: true,
        lossEpoch: 1,
      });
      expect(await heartbeat(lost, hostClock(403))).toEqual({
        hostId: lost.id,
        state: 'ready',
        resync: false,
        lossEpoch: 1,
      });
      for (const event of ['agent.running', 'agent.exited', 'agent.deleted']) {
        expect((await report(lost, id, event, hostClock(401))).status).toBe(404);
      }
      const listed = await lost.agent.get<{ id: string }[]>('/v1/agent/containers');
      expect(listed.body.map((c) => c.id)).not.toContain(id);
      expect(await container(id)).toMatchObject({ host_id: other.id, state: 'running', generation: 2 });
      expect(await usage(id)).toEqual([
        { started_at: hostClock(0), ended_at: hostClock(100) },
        { started_at: hostClock(100), ended_at: null },
      ]);
    });

    it('stay lost when a host-local volume holds them to the host', async () => {
      const lost = await soleHost();
      const { id } = await runningOn(lost, { restartPolicy: 'always', volumes: ['data:/data'] });
      const other = await api.registerHost();
      await api.hostsTakingWork(lost, other);
      await api.silenceHost(lost);
      api.queues.clear();
      expect(await reap()).toContain(lost.id);
      expect(await container(id)).toMatchObject({ host_id: lost.id, state: 'lost', generation: 1 });
      expect(api.queues.jobs).toEqual([]);
    });

    it('stay lost when no other ready host has room', async () => {
      const lost = await soleHost();
      const { id } = await runningOn(lost, { restartPolicy: 'always' });
      const tiny = await api.registerHost({ vcpu: 1, memoryMib: 64, diskGib: 1 });
      await api.hostsTakingWork(lost, tiny);
      await api.silenceHost(lost);
      expect(await reap()).toContain(lost.id);
      expect(await container(id)).toMatchObject({ host_id: lost.id, state: 'lost' });
    });

    it('with restart=no, stay lost as before', async () => {
      const lost = await soleHost();
      const { id } = await runningOn(lost);
      const other = await api.registerHost();
      await api.hostsTakingWork(lost, other);
      await api.silenceHost(lost);
      expect(await reap()).toContain(lost.id);
      expect(await container(id)).toMatchObject({ host_id: lost.id, state: 'lost', generation: 1 });
    });
  });

  it("a container deleted while its host was lost is not the returning host's any more, and its report of it changes nothing", async () => {
    const lost = await soleHost();
    const { id } = await runningOn(lost);
    await api.silenceHost(lost);
    expect(await reap()).toContain(lost.id);
    expect((await tenant.http.delete(`/v1/containers/${id}`)).status).toBe(202);
    expect(await container(id)).toMatchObject({ state: 'deleted' });
    expect(await heartbeat(lost, hostClock(400))).toMatchObject({ state: 'ready', resync: true });
    const listed = await lost.agent.get<{ id: string }[]>('/v1/agent/containers');
    expect(listed.body.map((c) => c.id)).not.toContain(id);
    expect((await report(lost, id, 'agent.running', hostClock(401))).body).toEqual({
      applied: false,
      state: 'deleted',
    });
    expect(await usage(id)).toEqual([{ started_at: hostClock(0), ended_at: hostClock(100) }]);
  });

  it('bills a container still running on a returning host only from the report that vouches for it again', async () => {
    const lost = await soleHost();
    const { id } = await runningOn(lost);
    await api.silenceHost(lost);
    expect(await reap()).toContain(lost.id);
    expect(await heartbeat(lost, hostClock(400))).toMatchObject({ state: 'ready', resync: true });
    // Its agent reports the machine as it is: running since its original start.
    const before = new Date();
    expect((await report(lost, id, 'agent.running', hostClock(0))).body).toEqual({
      applied: true,
      state: 'running',
    });
    const after = new Date();
    const rows = await api.rows<{ started_at: Date; ended_at: Date | null; min_seconds: number }>(
      `SELECT started_at, ended_at, min_seconds FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [id],
    );
    // Closed at its last heartbeat; the time away is not billed, nor a second start's minimum.
    expect(rows[0]).toMatchObject({ started_at: hostClock(0), ended_at: hostClock(100), min_seconds: 10 });
    expect(rows).toHaveLength(2);
    expect(rows[1]!.ended_at).toBeNull();
    expect(rows[1]!.min_seconds).toBe(0);
    expect(rows[1]!.started_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(rows[1]!.started_at.getTime()).toBeLessThanOrEqual(after.getTime());
  });

  it('asks a returning host to resync in every heartbeat until its agent says it has, loss after loss', async () => {
    const host = await soleHost();
    expect(await heartbeat(host, hostClock(0), 0)).toMatchObject({ resync: false, lossEpoch: 0 });
    await api.silenceHost(host);
    expect(await reap()).toContain(host.id);
    // The answer that brings it back is lost on the way: the next heartbeats still ask.
    expect(await heartbeat(host, hostClock(10), 0)).toMatchObject({
      state: 'ready',
      resync: true,
      lossEpoch: 1,
    });
    expect(await heartbeat(host, hostClock(13), 0)).toMatchObject({
      state: 'ready',
      resync: true,
      lossEpoch: 1,
    });
    // Resynced: asked no more.
    expect(await heartbeat(host, hostClock(16), 1)).toMatchObject({ resync: false, lossEpoch: 1 });
    expect(await heartbeat(host, hostClock(19), 1)).toMatchObject({ resync: false, lossEpoch: 1 });
    // Lost again: an agent saying the old loss is asked again; a larger number counts only the losses there were.
    await api.silenceHost(host);
    expect(await reap()).toContain(host.id);
    expect(await heartbeat(host, hostClock(30), 1)).toMatchObject({ resync: true, lossEpoch: 2 });
    expect(await heartbeat(host, hostClock(33), 7)).toMatchObject({ resync: false, lossEpoch: 2 });
    const [row] = await api.rows<{ loss_epoch: number; resynced_epoch: number }>(
      `SELECT loss_epoch, resynced_epoch FROM hosts WHERE id = $1`,
      [host.id],
    );
    expect(row).toEqual({ loss_epoch: 2, resynced_epoch: 2 });
  });
});
