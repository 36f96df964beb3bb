import { expectError } from '@berth/testing';
import { HostReaperService } from '../control/host-reaper.service';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * Volumes and snapshots bookkeeping against the in-process API: rows, usage intervals, operations and
 * the storage jobs queued for their host. A snapshot's own result comes through the agent's result
 * channel, which is being replaced; where a spec needs a finished snapshot it writes the row as that
 * result leaves it.
 */
describe('volumes and snapshots (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;
  let tenant: TestTenant;

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

  async function volume(name: string, sizeGb = 2): Promise<any> {
    const res = await tenant.http.post('/v1/volumes', { name, sizeGb });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function row(table: 'volumes' | 'snapshots', id: string): Promise<Record<string, any>> {
    const [r] = await api.rows(`SELECT * FROM ${table} WHERE id = $1`, [id]);
    return r!;
  }

  async function usage(id: string): Promise<Record<string, any>[]> {
    return api.rows(`SELECT meter, quantity, ended_at FROM usage_intervals WHERE resource_id = $1`, [id]);
  }

  async function snapshot(volumeName: string, name: string): Promise<any> {
    const res = await tenant.http.post(`/v1/volumes/${volumeName}/snapshots`, { name });
    expect(res.status).toBe(202);
    return res.body;
  }

  /** The snapshot as its host's successful result leaves it. */
  async function snapshotMade(id: string): Promise<void> {
    await api.rows(
      `UPDATE snapshots SET state = 'available', stored_bytes = 4096, live = false WHERE id = $1`,
      [id],
    );
  }

  async function loseHost(h: TestHost): Promise<void> {
    await api.silenceHost(h);
    expect(await api.service(HostReaperService).reap()).toEqual([h.id]);
  }

  describe('volumes', () => {
    it('an empty volume is available at once on a host, accrues GB-seconds from now, and queues nothing', async () => {
      const v = await volume('data', 3);
      expect(v).toMatchObject({ name: 'data', sizeGb: 3, state: 'available' });
      expect(await row('volumes', v.id)).toMatchObject({
        host_id: host.id,
        state: 'available',
        container_id: null,
      });
      expect(await usage(v.id)).toEqual([{ meter: 'volume.gib', quantity: 3, ended_at: null }]);
      expect(api.queues.jobs).toEqual([]);
    });

    it('refuses a name the tenant uses (409), a size out of range (400) and a size past its quota (403)', async () => {
      await volume('once');
      expectError(
        await tenant.http.post('/v1/volumes', { name: 'once', sizeGb: 1 }),
        409,
        'volume/name_taken',
      );
      expectError(
        await tenant.http.post('/v1/volumes', { name: 'huge', sizeGb: 100_000 }),
        400,
        'request/invalid',
      );
      expect((await api.operator.post(`/v1/admin/tenants/${tenant.id}/quotas`, { volumeGb: 3 })).status).toBe(
        200,
      );
      expectError(await tenant.http.post('/v1/volumes', { name: 'more', sizeGb: 2 }), 403, 'quota/exceeded');
      expect(await api.rows(`SELECT name FROM volumes WHERE tenant_id = $1`, [tenant.id])).toEqual([
        { name: 'once' },
      ]);
    });

    it('deleting a detached volume stops its usage and queues its removal on its host', async () => {
      const v = await volume('gone');
      const res = await tenant.http.delete(`/v1/volumes/${v.id}`);
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatchObject({ kind: 'volume.delete', state: 'pending', targetId: v.id });
      expect(await row('volumes', v.id)).toMatchObject({ state: 'deleting' });
      expect(await usage(v.id)).toEqual([expect.objectContaining({ ended_at: expect.any(Date) })]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: host.id,
          name: 'volume.delete',
          data: { operationId: res.body.operation.id },
        }),
      ]);
    });

    it('refuses to delete a volume a container holds (409 volume/in_use), and leaves it accruing', async () => {
      const c = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', volumes: ['held:/h'] });
      expect(c.status).toBe(202);
      const [v] = await api.rows<{ id: string }>(`SELECT id FROM volumes WHERE tenant_id = $1`, [tenant.id]);
      api.queues.clear();
      expectError(await tenant.http.delete(`/v1/volumes/held`), 409, 'volume/in_use');
      expect(await row('volumes', v!.id)).toMatchObject({ state: 'available', container_id: c.body.data.id });
      expect(await usage(v!.id)).toEqual([expect.objectContaining({ ended_at: null })]);
      expect(api.queues.jobs).toEqual([]);
    });

    it('deleting a volume on a lost host ends at once, with nothing queued', async () => {
      const away = await api.registerHost();
      await api.hostsTakingWork(away);
      const v = await volume('away');
      expect(await row('volumes', v.id)).toMatchObject({ host_id: away.id });
      await loseHost(away);
      api.queues.clear();
      const res = await tenant.http.delete(`/v1/volumes/${v.id}`);
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatchObject({ kind: 'volume.delete', state: 'succeeded' });
      expect(await row('volumes', v.id)).toMatchObject({ state: 'deleted' });
      expect(await usage(v.id)).toEqual([expect.objectContaining({ ended_at: expect.any(Date) })]);
      expect(api.queues.jobs).toEqual([]);
    });

    it("another tenant's volume is a 404 to reading, deleting and snapshotting it", async () => {
      const v = await volume('mine');
      const other = await api.newTenant();
      expectError(await other.http.get(`/v1/volumes/${v.id}`), 404, 'volume/not_found');
      expectError(await other.http.delete(`/v1/volumes/${v.id}`), 404, 'volume/not_found');
      expectError(await other.http.post(`/v1/volumes/${v.id}/snapshots`, {}), 404, 'volume/not_found');
      expect(await row('volumes', v.id)).toMatchObject({ state: 'available' });
      expect(api.queues.jobs).toEqual([]);
    });

    it("the host's storage inventory lists its own volumes and snapshots, and no other host's", async () => {
      const v = await volume('listed');
      const s = await snapshot('listed', 'listed-1');
      const other = await api.registerHost();
      const mine = await host.agent.get('/v1/agent/storage');
      expect(mine.status).toBe(200);
      expect(mine.body.volumes).toContain(v.id);
      expect(mine.body.snapshots).toContain(s.data.id);
      expect(await other.agent.get('/v1/agent/storage')).toMatchObject({
        status: 200,
        body: { volumes: [], snapshots: [] },
      });
    });
  });

  describe('snapshots', () => {
    it("a snapshot is made by the volume's host: a creating row, its operation and its job, no usage yet", async () => {
      const v = await volume('src');
      const s = await snapshot('src', 'src-1');
      expect(s.data).toMatchObject({ name: 'src-1', state: 'creating' });
      expect(s.operation).toMatchObject({ kind: 'snapshot.create', state: 'pending', targetId: s.data.id });
      expect(await row('snapshots', s.data.id)).toMatchObject({
        volume_id: v.id,
        host_id: host.id,
        state: 'creating',
        size_gib: 2,
      });
      expect(await usage(s.data.id)).toEqual([]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: host.id,
          name: 'snapshot.create',
          data: { operationId: s.operation.id },
        }),
      ]);
    });

    it('refuses a snapshot name taken (409) and a snapshot of a volume on a lost host (409 host/not_ready)', async () => {
      await volume('named');
      await snapshot('named', 'dup');
      expectError(
        await tenant.http.post('/v1/volumes/named/snapshots', { name: 'dup' }),
        409,
        'snapshot/name_taken',
      );
      const away = await api.registerHost();
      await api.hostsTakingWork(away);
      await volume('far');
      await loseHost(away);
      api.queues.clear();
      expectError(await tenant.http.post('/v1/volumes/far/snapshots', {}), 409, 'host/not_ready');
      expect(api.queues.jobs).toEqual([]);
    });

    it('a volume with a snapshot being made cannot be deleted (409 volume/in_use)', async () => {
      await volume('busy');
      await snapshot('busy', 'busy-1');
      expectError(await tenant.http.delete('/v1/volumes/busy'), 409, 'volume/in_use');
    });

    it("restoring makes a new volume on the snapshot's host, queued for that host, billed once it is made", async () => {
      const away = await api.registerHost();
      await api.hostsTakingWork(away);
      await volume('orig', 2);
      const s = await snapshot('orig', 'orig-1');
      await snapshotMade(s.data.id);
      // Another host is ready too: a restore is still made next to its snapshot.
      await api.hostsTakingWork(host, away);
      api.queues.clear();
      const res = await tenant.http.post(`/v1/snapshots/${s.data.id}/restore`, { name: 'copy', sizeGb: 4 });
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatchObject({ kind: 'volume.create', state: 'pending' });
      const id = res.body.data.id;
      expect(await row('volumes', id)).toMatchObject({
        host_id: away.id,
        state: 'creating',
        size_gib: 4,
        source_snapshot_id: s.data.id,
      });
      expect(await usage(id)).toEqual([]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: away.id,
          name: 'volume.create',
          data: { operationId: res.body.operation.id },
        }),
      ]);
    });

    it('refuses to restore a snapshot not made yet, or into a smaller volume, and to delete one being restored', async () => {
      await volume('base', 3);
      const pending = await snapshot('base', 'base-1');
      expectError(
        await tenant.http.post(`/v1/snapshots/${pending.data.id}/restore`, { name: 'early' }),
        409,
        'snapshot/not_ready',
      );
      await snapshotMade(pending.data.id);
      expectError(
        await tenant.http.post(`/v1/snapshots/${pending.data.id}/restore`, { name: 'small', sizeGb: 1 }),
        400,
        'request/invalid',
      );
      expect(
        (await tenant.http.post(`/v1/snapshots/${pending.data.id}/restore`, { name: 'ok' })).status,
      ).toBe(202);
      expectError(await tenant.http.delete(`/v1/snapshots/${pending.data.id}`), 409, 'snapshot/not_ready');
    });

    it('deleting a made snapshot marks it deleting and queues its removal on its host', async () => {
      await volume('keep');
      const s = await snapshot('keep', 'keep-1');
      await snapshotMade(s.data.id);
      api.queues.clear();
      const res = await tenant.http.delete(`/v1/snapshots/${s.data.id}`);
      expect(res.status).toBe(202);
      expect(await row('snapshots', s.data.id)).toMatchObject({ state: 'deleting' });
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: host.id,
          name: 'snapshot.delete',
          data: { operationId: res.body.operation.id },
        }),
      ]);
    });
  });
});
