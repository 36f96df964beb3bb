import type { EntityManager } from 'typeorm';
import type { AgentVolumeMount, ContainerVolumeView } from '@berth/contracts';
import { VolumeRepository, type VolumeEntity } from '@berth/db';
import {
  checkContainerVolumes,
  DEFAULT_VOLUME_GIB,
  volumeDeviceSerial,
  type ContainerId,
  type ContainerVolumePlan,
  type HostId,
  type TenantId,
  type VolumeMountRequest,
} from '@berth/domain';
import { createVolume } from './storage-changes';

export type ContainerVolumes = ContainerVolumePlan<VolumeEntity>;

/**
 * Looks up a new container's volumes, locked until the transaction ends, and checks that it may have
 * them (checkContainerVolumes in @berth/domain).
 */
export async function planContainerVolumes(
  em: EntityManager,
  tenantId: TenantId,
  mounts: readonly VolumeMountRequest[],
): Promise<ContainerVolumes> {
  const repo = new VolumeRepository(em);
  const found: { mount: VolumeMountRequest; volume: VolumeEntity | null }[] = [];
  for (const mount of mounts) found.push({ mount, volume: await repo.lockByRef(tenantId, mount.volume) });
  return checkContainerVolumes(found);
}

/** Makes the missing volumes on `hostId` and gives every volume of the plan to the container, by slot. */
export async function attachPlannedVolumes(
  em: EntityManager,
  tenantId: TenantId,
  containerId: ContainerId,
  hostId: HostId,
  plan: ContainerVolumes,
  order: readonly VolumeMountRequest[],
): Promise<void> {
  const byName = new Map<string, VolumeEntity>();
  for (const e of plan.existing) {
    byName.set(e.volume.name, e.volume);
    byName.set(e.volume.id, e.volume);
  }
  for (const m of plan.missing) {
    byName.set(
      m.volume,
      await createVolume(em, { tenantId, name: m.volume, sizeGib: DEFAULT_VOLUME_GIB, hostId }),
    );
  }
  const repo = new VolumeRepository(em);
  for (const [slot, m] of order.entries()) {
    const v = byName.get(m.volume);
    if (v) await repo.attach(v, containerId, m.path, slot, new Date());
  }
}

/** Each container's volumes as its view shows them, by slot. */
export async function loadContainerVolumes(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<Map<ContainerId, ContainerVolumeView[]>> {
  const out = new Map<ContainerId, ContainerVolumeView[]>();
  for (const v of await new VolumeRepository(em).attachedTo(containerIds)) {
    if (!v.containerId || !v.mountPath) continue;
    const list = out.get(v.containerId) ?? [];
    list.push({ volumeId: v.id, name: v.name, path: v.mountPath });
    out.set(v.containerId, list);
  }
  return out;
}

export async function volumesOf(em: EntityManager, containerId: ContainerId): Promise<ContainerVolumeView[]> {
  return (await loadContainerVolumes(em, [containerId])).get(containerId) ?? [];
}

/** What the agent attaches: each volume of the containers, by slot. */
export async function agentVolumesOf(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<Map<ContainerId, AgentVolumeMount[]>> {
  const out = new Map<ContainerId, AgentVolumeMount[]>();
  for (const v of await new VolumeRepository(em).attachedTo(containerIds)) {
    if (!v.containerId || !v.mountPath || v.deviceIndex === null) continue;
    const list = out.get(v.containerId) ?? [];
    list.push({
      volumeId: v.id,
      sizeGib: v.sizeGib,
      backend: v.backend,
      path: v.mountPath,
      serial: volumeDeviceSerial(v.deviceIndex),
    });
    out.set(v.containerId, list);
  }
  return out;
}
