import type { EntityManager } from 'typeorm';
import { HostEntity, HostReservationRepository } from '@berth/db';
import { hostAcceptsWork, type HostId, type Resources } from '@berth/domain';

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
