import { QueryFailedError, type EntityManager } from 'typeorm';
import type { HostId, HostSnapshot, HostState, Resources, VolumeHostSnapshot } from '@berth/domain';

/** SQLSTATE of the host_reservations trigger's refusal: the placed-on host cannot take the container. */
const HOST_CANNOT_TAKE = 'BRH01';
/** SQLSTATE of the volume pool trigger's refusal: the placed-on host's pool cannot take the volume. */
const POOL_CANNOT_TAKE = 'BRH02';

interface SnapshotRow {
  id: HostId;
  state: HostState;
  capacity_vcpu: number;
  capacity_memory_mib: number;
  capacity_disk_gib: number;
  vcpu: string;
  memory_mib: string;
  disk_gib: string;
}

/** The ready hosts as placement sees them: their containers' reservations, and their volume pools. */
export interface FleetSnapshot {
  readonly hosts: readonly HostSnapshot[];
  readonly pools: readonly VolumeHostSnapshot[];
}

/**
 * What hosts have reserved, as the host_reservations counters hold it (kept by triggers on containers,
 * see migrations/1763877600000-track-host-reservations.ts, and on volumes and snapshots for the volume
 * pools, see migrations/1763899200000-track-volume-pool-reservations.ts). Reads cost one row per host,
 * whatever the number of containers and volumes.
 */
export class HostReservationRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every ready host with its capacity and reservations, in one unlocked read (placement's snapshot). */
  async readyHosts(): Promise<HostSnapshot[]> {
    return [...(await this.readyFleet()).hosts];
  }

  /** readyHosts with each host's volume pool, in the same one unlocked read. */
  async readyFleet(): Promise<FleetSnapshot> {
    const rows: (SnapshotRow & { capacity_volume_gib: number; volume_gib: string })[] = await this.em.query(
      `SELECT h.id, h.state, h.capacity_vcpu, h.capacity_memory_mib, h.capacity_disk_gib,
              h.capacity_volume_gib,
              COALESCE(r.vcpu, 0) AS vcpu, COALESCE(r.memory_mib, 0) AS memory_mib,
              COALESCE(r.disk_gib, 0) AS disk_gib, COALESCE(r.volume_gib, 0) AS volume_gib
         FROM hosts h LEFT JOIN host_reservations r ON r.host_id = h.id
        WHERE h.state = 'ready'
        ORDER BY h.id`,
    );
    return {
      hosts: rows.map(snapshotOf),
      pools: rows.map((r) => ({
        id: r.id,
        state: r.state,
        capacityGib: r.capacity_volume_gib,
        reservedGib: Number(r.volume_gib),
      })),
    };
  }

  /**
   * The host's snapshot with its counter row locked until the transaction ends: nothing else can place
   * on it or start a container there meanwhile (a start of a stopped container checks room under this
   * lock). Null when there is no such host.
   */
  async lockHost(hostId: HostId): Promise<HostSnapshot | null> {
    const rows: SnapshotRow[] = await this.em.query(
      `WITH r AS (
         INSERT INTO host_reservations AS r (host_id) SELECT id FROM hosts WHERE id = $1
         ON CONFLICT (host_id) DO UPDATE SET vcpu = r.vcpu
         RETURNING r.host_id, r.vcpu, r.memory_mib, r.disk_gib)
       SELECT h.id, h.state, h.capacity_vcpu, h.capacity_memory_mib, h.capacity_disk_gib,
              r.vcpu, r.memory_mib, r.disk_gib
         FROM hosts h JOIN r ON r.host_id = h.id`,
      [hostId],
    );
    const row = rows[0];
    return row ? snapshotOf(row) : null;
  }

  /**
   * What each of these hosts has reserved, in one read; a host with nothing reserved is absent. `volumeGib`
   * is what live volumes and snapshots hold on its pool: a volume its size (it may fill up), a snapshot
   * what it stores once made (only the data it copied), its source's size while being made
   * (snapshotPoolGib), as the volumes' and snapshots' triggers count it.
   */
  async reservedOn(
    hostIds: readonly HostId[],
  ): Promise<Map<HostId, { resources: Resources; volumeGib: number }>> {
    const out = new Map<HostId, { resources: Resources; volumeGib: number }>();
    if (hostIds.length === 0) return out;
    const rows: {
      host_id: HostId;
      vcpu: string;
      memory_mib: string;
      disk_gib: string;
      volume_gib: string;
    }[] = await this.em.query(
      `SELECT host_id, vcpu, memory_mib, disk_gib, volume_gib FROM host_reservations WHERE host_id = ANY($1)`,
      [hostIds],
    );
    for (const r of rows) {
      out.set(r.host_id, {
        resources: { vcpu: Number(r.vcpu), memoryMib: Number(r.memory_mib), diskGib: Number(r.disk_gib) },
        volumeGib: Number(r.volume_gib),
      });
    }
    return out;
  }
}

/** Whether `err` is the trigger's refusal of a placement (the host is full, or no longer takes work). */
export function isPlacementRefused(err: unknown): boolean {
  return sqlState(err) === HOST_CANNOT_TAKE;
}

/** Whether `err` is the pool trigger's refusal of a volume (its pool is full, or it no longer takes work). */
export function isPoolRefused(err: unknown): boolean {
  return sqlState(err) === POOL_CANNOT_TAKE;
}

function sqlState(err: unknown): string | undefined {
  return err instanceof QueryFailedError ? (err.driverError as { code?: string }).code : undefined;
}

function snapshotOf(r: SnapshotRow): HostSnapshot {
  return {
    id: r.id,
    state: r.state,
    capacity: { vcpu: r.capacity_vcpu, memoryMib: r.capacity_memory_mib, diskGib: r.capacity_disk_gib },
    reserved: { vcpu: Number(r.vcpu), memoryMib: Number(r.memory_mib), diskGib: Number(r.disk_gib) },
  };
}
