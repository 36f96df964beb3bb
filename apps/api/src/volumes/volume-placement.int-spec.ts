import { DataSource } from 'typeorm';
import { expectError } from '@berth/testing';
import { statementsSent } from '../testing/statements-sent';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * How volumes, restores and containers with volumes are placed without a lock over the fleet (issue 15):
 * on the API's snapshot of the ready hosts and their pools' counters, the insert refused by a host whose
 * pool filled meanwhile, and the create run again elsewhere (or refused, saying why, when it may go
 * nowhere else).
 */
describe('volume placement, at fleet scale (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;

  beforeAll(async () => {
    // A snapshot that would stay for ten minutes: only refusals and empty choices read it again.
    api = await InProcessApi.start({ BERTH_PLACEMENT_SNAPSHOT_MS: '600000' });
    tenant = await api.newTenant();
  });

  afterAll(async () => {
    await api?.close();
  });

  async function createVolume(name: string, sizeGb = 10): Promise<{ id: string; hostId: string }> {
    const res = await tenant.http.post<{ id: string }>('/v1/volumes', { name, sizeGb });
    expect(res.status).toBe(201);
    return { id: res.body.id, hostId: await hostOf('volumes', res.body.id) };
  }

  async function hostOf(table: 'volumes' | 'containers', id: string): Promise<string> {
    const [row] = await api.rows<{ host_id: string }>(`SELECT host_id FROM ${table} WHERE id = $1`, [id]);
    return row!.host_id;
  }

  /** Another API process fills the host's pool behind this one's snapshot. */
  async function fillPool(host: TestHost): Promise<void> {
    await api.rows(
      `UPDATE host_reservations r SET volume_gib = h.capacity_volume_gib FROM hosts h
        WHERE h.id = r.host_id AND r.host_id = $1`,
      [host.id],
    );
  }

  async function reserved(host: TestHost): Promise<{ vcpu: number; volume_gib: number }> {
    const [row] = await api.rows<{ vcpu: number; volume_gib: number }>(
      `SELECT vcpu::int, volume_gib::int FROM host_reservations WHERE host_id = $1`,
      [host.id],
    );
    return row ?? { vcpu: 0, volume_gib: 0 };
  }

  /** How many placements a host has refused so far (the API's metric): each one a retry on a fresh snapshot. */
  async function refusals(): Promise<number> {
    const res = await api.anonymous().get<string>('/metrics');
    return Number(/^berth_placement_refusals_total (\d+)/m.exec(String(res.body))?.[1] ?? 0);
  }

  /** The statements the API sends while `work` runs, whitespace folded. */
  async function statementsOf(work: () => Promise<void>): Promise<string[]> {
    return (await statementsSent(api.service(DataSource), work)).sent;
  }

  it('creates a volume while every host is in the middle of a heartbeat, locking no host row', async () => {
    const a = await api.registerHost();
    const b = await api.registerHost();
    await api.hostsTakingWork(a, b);
    await createVolume('warm'); // reads the fleet's snapshot
    const sent = await statementsOf(async () => {
      await createVolume('quiet');
    });
    expect(
      sent.filter((q) => /\bhosts\b/i.test(q) && /\bFOR (NO KEY )?UPDATE\b|\bFOR (KEY )?SHARE\b/i.test(q)),
    ).toEqual([]);
    // Each ready host's row held as a heartbeat holds it (its UPDATE, not yet committed).
    const heartbeats = api.service(DataSource).createQueryRunner();
    await heartbeats.connect();
    await heartbeats.startTransaction();
    try {
      await heartbeats.query(`UPDATE hosts SET last_heartbeat_at = now() WHERE state = 'ready'`);
      const watch = lockWaits();
      try {
        const created = tenant.http.post('/v1/volumes', { name: 'beside-heartbeats', sizeGb: 1 });
        expect(await Promise.race([created.then((res) => res.status), watch.seen])).toBe(201);
      } finally {
        await watch.stop();
      }
    } finally {
      await heartbeats.rollbackTransaction();
      await heartbeats.release();
    }
  });

  /**
   * Watches this database for a backend waiting on a lock (polled): `seen` resolves to 'waiting on a
   * lock' once one does; `stop` ends the watch.
   */
  function lockWaits(): { seen: Promise<string>; stop: () => Promise<void> } {
    let stopped = false;
    const seen = (async () => {
      while (!stopped) {
        const [row] = await api.rows<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (row!.n > 0) return 'waiting on a lock';
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 'stopped';
    })();
    return {
      seen,
      stop: async () => {
        stopped = true;
        await seen;
      },
    };
  }

  it('places a volume on a stale snapshot: the host whose pool filled meanwhile refuses, retried elsewhere', async () => {
    const roomy = await api.registerHost({ volumeGib: 1000 });
    const other = await api.registerHost({ volumeGib: 100 });
    await api.hostsTakingWork(roomy, other);
    // Spread by the pool's share once placed: the lowest.
    const first = await createVolume('first');
    expect(first.hostId).toBe(roomy.id);
    await fillPool(roomy);
    const before = await refusals();
    const second = await createVolume('second');
    expect(second.hostId).toBe(other.id);
    expect(await refusals()).toBe(before + 1);
    expect((await reserved(roomy)).volume_gib).toBe(1000);
    expect((await reserved(other)).volume_gib).toBe(10);
  });

  it('places a container with a new volume where both fit: a pool filled meanwhile refuses, retried elsewhere', async () => {
    const big = await api.registerHost({ vcpu: 64 });
    const small = await api.registerHost({ vcpu: 8 });
    await api.hostsTakingWork(big, small);
    await createVolume('warm-2', 1); // the snapshot has these hosts
    const before = await reserved(big);
    await fillPool(big);
    const refused = await refusals();
    const res = await tenant.http.post<{ data: { id: string } }>('/v1/containers', {
      image: 'alpine:3.20',
      volumes: ['made-with-it:/data'],
    });
    expect(res.status).toBe(202);
    expect(await refusals()).toBe(refused + 1);
    expect(await hostOf('containers', res.body.data.id)).toBe(small.id);
    const [made] = await api.rows<{ host_id: string }>(
      `SELECT host_id FROM volumes WHERE tenant_id = $1 AND name = 'made-with-it'`,
      [tenant.id],
    );
    expect(made!.host_id).toBe(small.id);
    // The refused attempt left nothing on `big`: its container's share was rolled back with it.
    expect((await reserved(big)).vcpu).toBe(before.vcpu);
    expect(await reserved(small)).toEqual({ vcpu: 1, volume_gib: 10 });
  });

  it("refuses a container whose volume's host filled meanwhile (409), leaving nothing behind", async () => {
    const home = await api.registerHost({ vcpu: 4, volumeGib: 100 });
    const spare = await api.registerHost();
    await api.hostsTakingWork(home, spare);
    const v = await createVolume('pinned', 1);
    expect(v.hostId).toBe(spare.id); // the larger pool's share is the lower
    await api.rows(`UPDATE host_reservations SET vcpu = 64 WHERE host_id = $1`, [spare.id]);
    const refused = await refusals();
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', volumes: ['pinned:/p'] });
    expectError(res, 409, 'capacity/unavailable');
    expect(await refusals()).toBe(refused + 1); // the snapshot said it fit: the insert was refused there
    expect((res.body as { error: { message: string } }).error.message).toMatch(/volume pinned lives on host/);
    expect(
      await api.rows(`SELECT 1 FROM volumes WHERE id = $1 AND container_id IS NOT NULL`, [v.id]),
    ).toEqual([]);
  });

  it('restores next to its snapshot only: a full pool (409 capacity/unavailable), a host gone (409 host/not_ready)', async () => {
    const home = await api.registerHost({ volumeGib: 100 });
    await api.hostsTakingWork(home);
    const v = await createVolume('source', 5);
    const snap = await tenant.http.post<{ data: { id: string } }>(`/v1/volumes/${v.id}/snapshots`, {
      name: 'source-1',
    });
    expect(snap.status).toBe(202);
    await api.rows(`UPDATE snapshots SET state = 'available', stored_bytes = 4096 WHERE id = $1`, [
      snap.body.data.id,
    ]);
    const other = await api.registerHost();
    await api.hostsTakingWork(home, other);
    await fillPool(home);
    const refused = await refusals();
    const full = await tenant.http.post(`/v1/snapshots/${snap.body.data.id}/restore`, { name: 'copy' });
    expectError(full, 409, 'capacity/unavailable');
    expect(await refusals()).toBe(refused + 1);
    await api.rows(`UPDATE host_reservations SET volume_gib = 6 WHERE host_id = $1`, [home.id]);
    const restored = await tenant.http.post(`/v1/snapshots/${snap.body.data.id}/restore`, { name: 'copy' });
    expect(restored.status).toBe(202);
    expect((await reserved(home)).volume_gib).toBe(11);
    await api.hostsTakingWork(other);
    expectError(
      await tenant.http.post(`/v1/snapshots/${snap.body.data.id}/restore`, { name: 'copy-2' }),
      409,
      'host/not_ready',
    );
    expect(await refusals()).toBe(refused + 2); // the snapshot still had it ready: refused by the trigger
  });
});
