import type { EntityManager } from 'typeorm';
import { HostEntity, HostRepository, StoragePoolRepository } from '@berth/db';
import {
  CONTAINER_HOLDS_CAPACITY,
  hostAcceptsWork,
  ZERO_RESOURCES,
  type HostId,
  type HostSnapshot,
  type Resources,
  type VolumeHostSnapshot,
} from '@berth/domain';

interface ReservationRow {
  host_id: HostId;
  vcpu: string;
  memory_mib: string;
  disk_gib: string;
}

/**
 * What each host has reserved: vCPU and memory for containers whose state holds capacity, disk for
 * every container that still exists (its writable layer stays on the host while it is stopped).
 */
export async function reservationsByHost(
  em: EntityManager,
  hostIds: readonly HostId[],
): Promise<Map<HostId, Resources>> {
  const out = new Map<HostId, Resources>();
  if (hostIds.length === 0) return out;
  const rows: ReservationRow[] = await em.query(
    `SELECT host_id,
            COALESCE(SUM(vcpu) FILTER (WHERE state = ANY($2)), 0) AS vcpu,
            COALESCE(SUM(memory_mib) FILTER (WHERE state = ANY($2)), 0) AS memory_mib,
            COALESCE(SUM(disk_gib), 0) AS disk_gib
       FROM containers
      WHERE host_id = ANY($1) AND state <> 'deleted'
      GROUP BY host_id`,
    [hostIds, [...CONTAINER_HOLDS_CAPACITY]],
  );
  for (const r of rows) {
    out.set(r.host_id, {
      vcpu: Number(r.vcpu),
      memoryMib: Number(r.memory_mib),
      diskGib: Number(r.disk_gib),
    });
  }
  return out;
}

/** Whether the host exists and accepts work now. */
export async function hostIsReady(em: EntityManager, hostId: HostId | null): Promise<boolean> {
  const host = hostId ? await em.findOne(HostEntity, { where: { id: hostId } }) : null;
  return host !== null && hostAcceptsWork(host.state);
}

export function capacityOf(h: HostEntity): Resources {
  return { vcpu: h.capacityVcpu, memoryMib: h.capacityMemoryMib, diskGib: h.capacityDiskGib };
}

/**
 * Snapshots of hosts for the pure placement function. With `lock`, the host rows stay locked until the
 * transaction ends: two concurrent placements then see each other's reservations and never over-commit.
 */
export async function loadHostSnapshots(
  em: EntityManager,
  opts: { lock: boolean; onlyIds?: readonly HostId[] },
): Promise<{ hosts: HostEntity[]; snapshots: HostSnapshot[] }> {
  const repo = new HostRepository(em);
  const hosts = opts.lock
    ? await repo.lockForPlacement(opts.onlyIds)
    : await repo.findForPlacement(opts.onlyIds);
  const reserved = await reservationsByHost(
    em,
    hosts.map((h) => h.id),
  );
  const snapshots = hosts.map((h) => ({
    id: h.id,
    state: h.state,
    capacity: capacityOf(h),
    reserved: reserved.get(h.id) ?? ZERO_RESOURCES,
  }));
  return { hosts, snapshots };
}

/** The volume pools of hosts already loaded (and locked, for placement) by the caller. */
export async function poolsOf(
  em: EntityManager,
  hosts: readonly HostEntity[],
): Promise<VolumeHostSnapshot[]> {
  const reserved = await new StoragePoolRepository(em).reservedByHost(hosts.map((h) => h.id));
  return hosts.map((h) => ({
    id: h.id,
    state: h.state,
    capacityGib: h.capacityVolumeGib,
    reservedGib: reserved.get(h.id) ?? 0,
  }));
}

/**
 * Hosts locked in id order (as loadHostSnapshots locks them) with their pools: every ready host, or
 * the hosts named by `onlyIds` whatever their state.
 */
export async function lockVolumeHosts(
  em: EntityManager,
  onlyIds?: readonly HostId[],
): Promise<VolumeHostSnapshot[]> {
  return poolsOf(em, await new HostRepository(em).lockForPlacement(onlyIds));
}
