import { DataSource } from 'typeorm';
import { statementsSent } from '../testing/statements-sent';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * What a create costs the database, and how it places without a lock over the fleet (issue 15): its
 * transaction's statements, counted as the API sends them; a stale fleet snapshot that costs a retry on
 * another host, never an over-commit; a host that joined after the snapshot was read.
 */
describe('a create, at fleet scale (in-process api)', () => {
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

  /** The statements the API sends while `work` runs, whitespace folded. */
  async function statementsOf(work: () => Promise<void>): Promise<string[]> {
    return (await statementsSent(api.service(DataSource), work)).sent;
  }

  async function create(): Promise<{ id: string; hostId: string }> {
    const res = await tenant.http.post<{ data: { id: string } }>('/v1/containers', { image: 'alpine:3.20' });
    expect(res.status).toBe(202);
    await api.queues.nudgesSent(); // its peers are read after the answer: not inside the next create
    const [row] = await api.rows<{ host_id: string }>(`SELECT host_id FROM containers WHERE id = $1`, [
      res.body.data.id,
    ]);
    return { id: res.body.data.id, hostId: row!.host_id };
  }

  async function reservedVcpu(host: TestHost): Promise<number> {
    const [row] = await api.rows<{ vcpu: number }>(
      `SELECT vcpu::int FROM host_reservations WHERE host_id = $1`,
      [host.id],
    );
    return row?.vcpu ?? 0;
  }

  it('writes a container in one transaction of a few statements, none of which reads or locks hosts', async () => {
    const host = await api.registerHost();
    await api.hostsTakingWork(host);
    await create(); // the tenant's default network is made by its first container
    const sent = await statementsOf(async () => {
      await create();
    });
    const begin = sent.indexOf('START TRANSACTION');
    const end = sent.indexOf('COMMIT');
    const inside = sent.slice(begin + 1, end);
    // The tenant (its lock with standing and quotas, then its usage), its network, the container, its
    // operation, its NIC (slot and insert in one). The hosts its arrival reaches are found after COMMIT.
    expect(inside.length).toBeLessThanOrEqual(6);
    expect(inside.filter((q) => /\bip_allocations\b/.test(q))).toHaveLength(1);
    expect(inside.filter((q) => /\bFROM "?hosts"?\b|\bUPDATE "?hosts"?\b/i.test(q))).toEqual([]);
    expect(sent.filter((q) => /\bSET TRANSACTION\b/.test(q))).toEqual([]);
  });

  it('places on a stale snapshot, and a host filled meanwhile by another process refuses: retried elsewhere', async () => {
    const big = await api.registerHost({ vcpu: 64 });
    const small = await api.registerHost({ vcpu: 8 });
    await api.hostsTakingWork(big, small);
    // The snapshot still has the last test's host, now draining: it refuses, and the snapshot is read again.
    const first = await create();
    expect(first.hostId).toBe(big.id); // spread: the lowest utilisation once placed
    // Another API process fills `big` behind this one's snapshot, where it still has room.
    await api.rows(
      `UPDATE host_reservations r SET vcpu = h.capacity_vcpu FROM hosts h WHERE h.id = r.host_id AND r.host_id = $1`,
      [big.id],
    );
    const second = await create();
    expect(second.hostId).toBe(small.id);
    expect(await reservedVcpu(big)).toBe(64);
    const metrics = await api.anonymous().get<string>('/metrics');
    expect(String(metrics.body)).toMatch(/^berth_placement_refusals_total [1-9]/m);
  });

  it('finds a host that joined after the snapshot when the snapshot has no room', async () => {
    const full = await api.registerHost({ vcpu: 1 });
    await api.hostsTakingWork(full);
    await create(); // refused by the last test's hosts, read again: lands on `full`, and fills it
    const joined = await api.registerHost();
    // The snapshot (read before `joined` registered) has no room anywhere: it is read again, once.
    const placed = await create();
    expect(placed.hostId).toBe(joined.id);
  });
});
