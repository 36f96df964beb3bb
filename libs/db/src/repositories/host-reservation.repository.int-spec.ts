import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { newId, type ContainerId, type ContainerState, type HostId, type TenantId } from '@berth/domain';
import { createTestDatabase, inAnotherTransaction } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { inTransaction } from '../transaction';
import { HostReservationRepository, isPlacementRefused } from './host-reservation.repository';

jest.setTimeout(60_000);

/**
 * The host_reservations counters and the trigger on containers that keeps them (issue 15: placement
 * without a lock over the fleet), on the real schema.
 */
describe('host reservations', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'reservations', 'active')`, [tenantId]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  /** A host with 4 vCPU, 4096 MiB and 20 GiB of disk unless told otherwise. */
  async function host(
    state = 'ready',
    capacity = { vcpu: 4, memoryMib: 4096, diskGib: 20 },
  ): Promise<HostId> {
    const id = newId('hst') as HostId;
    await ds.query(
      `INSERT INTO hosts (id, name, address, state, capacity_vcpu, capacity_memory_mib, capacity_disk_gib,
                          driver, agent_version, token_prefix, token_hash, registered_at, last_heartbeat_at,
                          state_changed_at)
       VALUES ($1, $1, '192.0.2.1', $2, $3, $4, $5, 'hollow', 'spec', $6, 'x', now(), now(), now())`,
      [id, state, capacity.vcpu, capacity.memoryMib, capacity.diskGib, randomBytes(6).toString('hex')],
    );
    return id;
  }

  /** Inserts a 1 vCPU, 1024 MiB, 5 GiB container on `hostId`, through `em` (another transaction's, say). */
  async function place(
    hostId: HostId,
    state: ContainerState = 'pending',
    em: EntityManager = ds.manager,
  ): Promise<ContainerId> {
    const id = newId('ctr') as ContainerId;
    await em.query(
      `INSERT INTO containers (id, tenant_id, name, image, size, vcpu, memory_mib, disk_gib, restart_policy,
                               state, generation, host_id, state_changed_at, created_at, updated_at)
       VALUES ($1, $2, $1, 'alpine', 's1', 1, 1024, 5, 'no', $3, 1, $4, now(), now(), now())`,
      [id, tenantId, state, hostId],
    );
    return id;
  }

  async function setState(id: ContainerId, state: ContainerState): Promise<void> {
    await ds.query(`UPDATE containers SET state = $2 WHERE id = $1`, [id, state]);
  }

  /** What the counters say, and what summing the host's containers says. */
  async function counted(hostId: HostId): Promise<{ counters: unknown; recount: unknown }> {
    const [counters] = await ds.query(
      `SELECT vcpu::int, memory_mib::int, disk_gib::int FROM host_reservations WHERE host_id = $1`,
      [hostId],
    );
    const [recount] = await ds.query(
      `SELECT COALESCE(SUM(vcpu) FILTER (WHERE berth_holds_capacity(state)), 0)::int AS vcpu,
              COALESCE(SUM(memory_mib) FILTER (WHERE berth_holds_capacity(state)), 0)::int AS memory_mib,
              COALESCE(SUM(disk_gib), 0)::int AS disk_gib
         FROM containers WHERE host_id = $1 AND state <> 'deleted'`,
      [hostId],
    );
    return { counters, recount };
  }

  /** Runs `work` in another transaction that gives up on a lock after 300 ms: its result, or 'blocked'. */
  function inAnother<T>(work: (em: EntityManager) => Promise<T>): Promise<T | 'blocked'> {
    return inAnotherTransaction(ds, work);
  }

  it('follows every change of state, host and deletion, agreeing with a recount', async () => {
    const a = await host();
    const b = await host();
    const one = await place(a);
    const two = await place(a, 'running');
    expect(await counted(a)).toEqual({
      counters: { vcpu: 2, memory_mib: 2048, disk_gib: 10 },
      recount: { vcpu: 2, memory_mib: 2048, disk_gib: 10 },
    });
    // Stopped: no vCPU or memory, its disk kept; failed likewise; deleted: nothing.
    await setState(one, 'stopped');
    await setState(two, 'failed');
    let seen = await counted(a);
    expect(seen.counters).toEqual({ vcpu: 0, memory_mib: 0, disk_gib: 10 });
    expect(seen.counters).toEqual(seen.recount);
    await setState(one, 'starting');
    await setState(two, 'deleted');
    seen = await counted(a);
    expect(seen.counters).toEqual({ vcpu: 1, memory_mib: 1024, disk_gib: 5 });
    expect(seen.counters).toEqual(seen.recount);
    // Moved to another host (a rescheduled container): its share moves with it.
    await ds.query(`UPDATE containers SET host_id = $2 WHERE id = $1`, [one, b]);
    expect((await counted(a)).counters).toEqual({ vcpu: 0, memory_mib: 0, disk_gib: 0 });
    seen = await counted(b);
    expect(seen.counters).toEqual({ vcpu: 1, memory_mib: 1024, disk_gib: 5 });
    expect(seen.counters).toEqual(seen.recount);
    await ds.query(`DELETE FROM containers WHERE id = $1`, [one]);
    expect((await counted(b)).counters).toEqual({ vcpu: 0, memory_mib: 0, disk_gib: 0 });
  });

  it('refuses a placement on a full host, or on one that takes no work, and nothing else', async () => {
    const full = await host('ready', { vcpu: 2, memoryMib: 4096, diskGib: 20 });
    await place(full);
    const last = await place(full);
    const refusal = await place(full).catch((err: unknown) => err);
    expect(isPlacementRefused(refusal)).toBe(true);
    expect((await counted(full)).counters).toEqual({ vcpu: 2, memory_mib: 2048, disk_gib: 10 });
    for (const state of ['draining', 'lost']) {
      const away = await host(state);
      expect(isPlacementRefused(await place(away).catch((err: unknown) => err))).toBe(true);
    }
    // A change on the host that adds to a full host's reservations is not a placement: it never fails.
    await ds.query(`UPDATE hosts SET capacity_vcpu = 1 WHERE id = $1`, [full]);
    await setState(last, 'stopped');
    await setState(last, 'running');
    expect((await counted(full)).counters).toEqual({ vcpu: 2, memory_mib: 2048, disk_gib: 10 });
  });

  it("serialises placements on one host only: others, and the host's heartbeats, go on", async () => {
    const busy = await host();
    const other = await host();
    await inTransaction(ds, async (em) => {
      await place(busy, 'pending', em);
      expect(await inAnother((o) => place(busy, 'pending', o))).toBe('blocked');
      expect(await inAnother((o) => place(other, 'pending', o))).toMatch(/^ctr_/);
      const beat = await inAnother((o) =>
        o.query(`UPDATE hosts SET last_heartbeat_at = now() WHERE id = $1 RETURNING id`, [busy]),
      );
      expect(beat).toEqual([[{ id: busy }], 1]); // an UPDATE answers its rows and their count
    });
  });

  it('reads the ready hosts with their reservations in one statement, and locks one host for a start', async () => {
    const ready = await host();
    const draining = await host('draining');
    await place(ready, 'running');
    const snapshots = await new HostReservationRepository(ds.manager).readyHosts();
    expect(snapshots.find((h) => h.id === ready)).toEqual({
      id: ready,
      state: 'ready',
      capacity: { vcpu: 4, memoryMib: 4096, diskGib: 20 },
      reserved: { vcpu: 1, memoryMib: 1024, diskGib: 5 },
    });
    expect(snapshots.some((h) => h.id === draining)).toBe(false);
    const fresh = await host();
    await inTransaction(ds, async (em) => {
      const locked = await new HostReservationRepository(em).lockHost(fresh);
      expect(locked?.reserved).toEqual({ vcpu: 0, memoryMib: 0, diskGib: 0 });
      expect(await inAnother((o) => place(fresh, 'pending', o))).toBe('blocked');
    });
    expect(await new HostReservationRepository(ds.manager).lockHost(newId('hst') as HostId)).toBeNull();
  });
});
