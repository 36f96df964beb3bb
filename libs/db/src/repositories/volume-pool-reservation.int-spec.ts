import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { newId, type ContainerId, type HostId, type TenantId } from '@berth/domain';
import { createTestDatabase, inAnotherTransaction } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { inTransaction } from '../transaction';
import { HostReservationRepository, isPlacementRefused, isPoolRefused } from './host-reservation.repository';

jest.setTimeout(60_000);

const GIB = 1024 ** 3;

/**
 * The volume pools' counters (host_reservations.volume_gib) and the triggers on volumes and snapshots
 * that keep them (issue 15: volumes placed without a lock over the fleet), on the real schema.
 */
describe('volume pool reservations', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'pools', 'active')`, [tenantId]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  /** A host with a 100 GiB pool (and room for four small containers) unless told otherwise. */
  async function host(state = 'ready', poolGib = 100): Promise<HostId> {
    const id = newId('hst') as HostId;
    await ds.query(
      `INSERT INTO hosts (id, name, address, state, capacity_vcpu, capacity_memory_mib, capacity_disk_gib,
                          capacity_volume_gib, driver, agent_version, token_prefix, token_hash,
                          registered_at, last_heartbeat_at, state_changed_at)
       VALUES ($1, $1, '192.0.2.1', $2, 4, 4096, 20, $3, 'hollow', 'spec', $4, 'x', now(), now(), now())`,
      [id, state, poolGib, randomBytes(6).toString('hex')],
    );
    return id;
  }

  /** Inserts an available volume of `sizeGib` on `hostId`, through `em` (another transaction's, say). */
  async function volume(hostId: HostId, sizeGib: number, em: EntityManager = ds.manager): Promise<string> {
    const id = newId('vol');
    await em.query(
      `INSERT INTO volumes (id, tenant_id, name, size_gib, backend, host_id, state, created_at, updated_at)
       VALUES ($1, $2, $1, $3, 'host-local', $4, 'available', now(), now())`,
      [id, tenantId, sizeGib, hostId],
    );
    return id;
  }

  /** A snapshot of `volumeId` being made on its host. */
  async function snapshot(volumeId: string): Promise<string> {
    const id = newId('snap');
    await ds.query(
      `INSERT INTO snapshots (id, tenant_id, name, volume_id, volume_name, size_gib, backend, host_id, state,
                              created_at, updated_at)
       SELECT $1, tenant_id, $1, id, name, size_gib, backend, host_id, 'creating', now(), now()
         FROM volumes WHERE id = $2`,
      [id, volumeId],
    );
    return id;
  }

  async function container(hostId: HostId, em: EntityManager = ds.manager): Promise<ContainerId> {
    const id = newId('ctr') as ContainerId;
    await em.query(
      `INSERT INTO containers (id, tenant_id, name, image, size, vcpu, memory_mib, disk_gib, restart_policy,
                               state, generation, host_id, state_changed_at, created_at, updated_at)
       VALUES ($1, $2, $1, 'alpine', 's1', 1, 1024, 5, 'no', 'pending', 1, $3, now(), now(), now())`,
      [id, tenantId, hostId],
    );
    return id;
  }

  /**
   * What the counter says, and a recount by the rule the pools' reads summed before
   * there was a counter (a live volume its size; a live snapshot its source's size until it has stored
   * bytes, then those in whole GiB, at least one).
   */
  async function counted(hostId: HostId): Promise<{ counter: number; recount: number }> {
    const [row] = await ds.query<{ volume_gib: number }[]>(
      `SELECT volume_gib::int FROM host_reservations WHERE host_id = $1`,
      [hostId],
    );
    const [recount] = await ds.query<{ gib: number }[]>(
      `SELECT COALESCE(SUM(gib), 0)::int AS gib FROM (
         SELECT size_gib AS gib FROM volumes WHERE host_id = $1 AND state <> 'deleted'
         UNION ALL
         SELECT CASE WHEN stored_bytes IS NULL THEN size_gib
                     ELSE GREATEST(1, CEIL(stored_bytes / 1073741824.0))::integer END
           FROM snapshots WHERE host_id = $1 AND state <> 'deleted'
       ) s`,
      [hostId],
    );
    return { counter: row?.volume_gib ?? 0, recount: recount!.gib };
  }

  async function expectCounted(hostId: HostId, gib: number): Promise<void> {
    expect(await counted(hostId)).toEqual({ counter: gib, recount: gib });
  }

  it('follows volumes and snapshots through creates, attaches, snapshots made, moves and deletes', async () => {
    const a = await host();
    const b = await host();
    const data = await volume(a, 10);
    const logs = await volume(a, 5);
    await expectCounted(a, 15);
    // Attached to a container and released: the pool does not change.
    const ctr = await container(a);
    await ds.query(
      `UPDATE volumes SET container_id = $2, mount_path = '/d', device_index = 0 WHERE id = $1`,
      [data, ctr],
    );
    await expectCounted(a, 15);
    // A snapshot holds its volume's size while being made, then what it stored (whole GiB, at least 1).
    const snap = await snapshot(data);
    await expectCounted(a, 25);
    await ds.query(`UPDATE snapshots SET state = 'available', stored_bytes = $2 WHERE id = $1`, [
      snap,
      2 * GIB + 1,
    ]);
    await expectCounted(a, 18);
    const tiny = await snapshot(logs);
    await ds.query(`UPDATE snapshots SET state = 'available', stored_bytes = 0 WHERE id = $1`, [tiny]);
    await expectCounted(a, 19);
    // A failed volume still holds its file; deleting, likewise; deleted holds nothing.
    await ds.query(`UPDATE volumes SET state = 'failed' WHERE id = $1`, [logs]);
    await expectCounted(a, 19);
    await ds.query(`UPDATE volumes SET state = 'deleted' WHERE id = $1`, [logs]);
    await ds.query(`UPDATE snapshots SET state = 'deleting' WHERE id = $1`, [snap]);
    await expectCounted(a, 14);
    await ds.query(`UPDATE snapshots SET state = 'deleted' WHERE id IN ($1, $2)`, [snap, tiny]);
    await expectCounted(a, 10);
    // Moved to another host: its share moves with it.
    await ds.query(
      `UPDATE volumes SET container_id = NULL, mount_path = NULL, device_index = NULL WHERE id = $1`,
      [data],
    );
    await ds.query(`UPDATE volumes SET host_id = $2 WHERE id = $1`, [data, b]);
    await expectCounted(a, 0);
    await expectCounted(b, 10);
    await ds.query(`DELETE FROM snapshots WHERE volume_id IN ($1, $2)`, [data, logs]);
    await ds.query(`DELETE FROM volumes WHERE id IN ($1, $2)`, [data, logs]);
    await expectCounted(b, 0);
    // The pools' reads are the counters.
    const mine = await volume(b, 7);
    const reserved = await new HostReservationRepository(ds.manager).reservedOn([a, b]);
    expect(new Map([...reserved].map(([host, r]) => [host, r.volumeGib]))).toEqual(
      new Map([
        [a, 0],
        [b, 7],
      ]),
    );
    await ds.query(`UPDATE volumes SET state = 'deleted' WHERE id = $1`, [mine]);
  });

  it("refuses a volume past its host's pool, or on a host that takes no work, and nothing else", async () => {
    const small = await host('ready', 10);
    const first = await volume(small, 6);
    const refusal = await volume(small, 5).catch((err: unknown) => err);
    expect(isPoolRefused(refusal)).toBe(true);
    expect(isPlacementRefused(refusal)).toBe(false);
    await volume(small, 4);
    await expectCounted(small, 10);
    for (const away of [await host('draining'), await host('lost'), await host('ready', 0)]) {
      expect(isPoolRefused(await volume(away, 1).catch((err: unknown) => err))).toBe(true);
      await expectCounted(away, 0);
    }
    // Moved onto a full host: refused like a new volume.
    const other = await host('ready', 10);
    const mover = await volume(other, 1);
    const moved = await ds
      .query(`UPDATE volumes SET host_id = $2 WHERE id = $1`, [mover, small])
      .catch((err: unknown) => err);
    expect(isPoolRefused(moved)).toBe(true);
    // A snapshot is made where its volume is: counted, never refused; nor a change that is no placement.
    await snapshot(first);
    await expectCounted(small, 16);
    await ds.query(`UPDATE hosts SET capacity_volume_gib = 1, state = 'draining' WHERE id = $1`, [small]);
    await ds.query(`UPDATE volumes SET state = 'creating' WHERE id = $1`, [first]);
    await ds.query(`UPDATE volumes SET state = 'available' WHERE id = $1`, [first]);
    await expectCounted(small, 16);
  });

  it("serialises placements on one host's pool only: other hosts, and the host's heartbeats, go on", async () => {
    const busy = await host();
    const other = await host();
    await inTransaction(ds, async (em) => {
      await volume(busy, 10, em);
      expect(await inAnotherTransaction(ds, (o) => volume(busy, 1, o))).toBe('blocked');
      expect(await inAnotherTransaction(ds, (o) => volume(other, 1, o))).toMatch(/^vol_/);
      expect(await inAnotherTransaction(ds, (o) => container(other, o))).toMatch(/^ctr_/);
      const beat = await inAnotherTransaction(ds, (o) =>
        o.query(`UPDATE hosts SET last_heartbeat_at = now() WHERE id = $1 RETURNING id`, [busy]),
      );
      expect(beat).toEqual([[{ id: busy }], 1]); // an UPDATE answers its rows and their count
    });
  });

  it('reads the ready hosts with their pools in the same one statement as their reservations', async () => {
    const ready = await host('ready', 50);
    const draining = await host('draining');
    await volume(ready, 20);
    await container(ready);
    const fleet = await new HostReservationRepository(ds.manager).readyFleet();
    expect(fleet.pools.find((p) => p.id === ready)).toEqual({
      id: ready,
      state: 'ready',
      capacityGib: 50,
      reservedGib: 20,
    });
    expect(fleet.hosts.find((h) => h.id === ready)?.reserved).toEqual({
      vcpu: 1,
      memoryMib: 1024,
      diskGib: 5,
    });
    expect(fleet.pools.some((p) => p.id === draining)).toBe(false);
    expect(fleet.hosts.map((h) => h.id)).toEqual(fleet.pools.map((p) => p.id));
  });
});
