import type { EntityManager } from 'typeorm';
import { HostEntity } from '@berth/db';
import { hostAcceptsWork, type HostId, type Resources } from '@berth/domain';

/** Whether the host exists and accepts work now. */
export async function hostIsReady(em: EntityManager, hostId: HostId | null): Promise<boolean> {
  const host = hostId ? await em.findOne(HostEntity, { where: { id: hostId } }) : null;
  return host !== null && hostAcceptsWork(host.state);
}

export function capacityOf(h: HostEntity): Resources {
  return { vcpu: h.capacityVcpu, memoryMib: h.capacityMemoryMib, diskGib: h.capacityDiskGib };
}
