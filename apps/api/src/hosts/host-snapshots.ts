import type { EntityManager } from 'typeorm';
import { HostEntity, HostRepository, HostReservationRepository, StoragePoolRepository } from '@berth/db';
import {
  hostAcceptsWork,
  ZERO_RESOURCES,
  type HostId,
  type HostSnapshot,
  type Resources,
  type VolumeHostSnapshot,
} from '@berth/domain';

/** What each host has reserved (the host_reservations counters). */
export function reservationsByHost(
  em: EntityManager,
  hostIds: readonly HostId[],
): Promise<Map<HostId, Resources>> {
  return new HostReservationRepository(em).reservedOn(hostIds);
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
 * transaction ends, for placements that also reserve volume pools (a container with volumes, a volume):
 * pools have no counter yet, so those still serialise on the hosts they may use. A container without
 * volumes is placed by FleetPlacementService, which locks no host.
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
