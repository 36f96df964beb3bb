import type { EntityManager } from 'typeorm';
import type { AgentVolumeMount, ContainerVolumeView } from '@berth/contracts';
import {
  HostEntity,
  VolumeEntity,
  VolumeRepository,
  type OperationEntity,
  type SnapshotEntity,
} from '@berth/db';
import {
  DEFAULT_VOLUME_GIB,
  DomainError,
  newId,
  nextStorageState,
  type ErrorCode,
  volumeDeviceSerial,
  type ContainerId,
  type ContainerVolumesToPlace,
  type HostId,
  type TenantId,
  type VolumeHostSnapshot,
  type VolumeMountRequest,
} from '@berth/domain';
import { finishOperation, openOperation } from '../operations/operation-ledger';
import { hostIsReady } from '../hosts/host-snapshots';
import { writeStorageUsage } from './storage-usage';

/** The only backend so far; see docs/volumes-ceph-rbd.md for the next one. */
export const HOST_LOCAL_BACKEND = 'host-local';

/**
 * GiB that live volumes and snapshots hold on each host's pool: a volume its size (it may fill up), a
 * snapshot what it stores once made (only the data it copied), its source's size while being made.
 */
export async function storageReservedByHost(
  em: EntityManager,
  hostIds: readonly HostId[],
): Promise<Map<HostId, number>> {
  const out = new Map<HostId, number>();
  if (hostIds.length === 0) return out;
  const rows: { host_id: HostId; gib: string }[] = await em.query(
    `SELECT host_id, SUM(size_gib) AS gib FROM (
       SELECT host_id, size_gib FROM volumes WHERE host_id = ANY($1) AND state <> 'deleted'
       UNION ALL
       SELECT host_id, CASE WHEN stored_bytes IS NULL THEN size_gib
                            ELSE GREATEST(1, CEIL(stored_bytes / 1073741824.0))::integer END
         FROM snapshots WHERE host_id = ANY($1) AND state <> 'deleted'
     ) s GROUP BY host_id`,
    [hostIds],
  );
  for (const r of rows) out.set(r.host_id, Number(r.gib));
  return out;
}

/** The volume pools of hosts already loaded (and locked, for placement) by the caller. */
export async function poolsOf(
  em: EntityManager,
  hosts: readonly HostEntity[],
): Promise<VolumeHostSnapshot[]> {
  const reserved = await storageReservedByHost(
    em,
    hosts.map((h) => h.id),
  );
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
  const qb = em.createQueryBuilder(HostEntity, 'h').orderBy('h.id', 'ASC').setLock('pessimistic_write');
  if (onlyIds) qb.where('h.id IN (:...ids)', { ids: onlyIds.length > 0 ? onlyIds : [''] });
  else qb.where(`h.state = 'ready'`);
  return poolsOf(em, await qb.getMany());
}

/** Writes a new volume row; an empty one is available (and accrues usage) at once. */
export async function insertVolume(
  em: EntityManager,
  v: {
    tenantId: TenantId;
    name: string;
    sizeGib: number;
    hostId: HostId;
    sourceSnapshotId?: VolumeEntity['sourceSnapshotId'];
  },
): Promise<VolumeEntity> {
  const now = new Date();
  const restoring = v.sourceSnapshotId != null;
  const volume = await em.save(
    em.create(VolumeEntity, {
      id: newId('vol'),
      tenantId: v.tenantId,
      name: v.name,
      sizeGib: v.sizeGib,
      backend: HOST_LOCAL_BACKEND,
      hostId: v.hostId,
      state: restoring ? 'creating' : 'available',
      sourceSnapshotId: v.sourceSnapshotId ?? null,
      containerId: null,
      mountPath: null,
      deviceIndex: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    }),
  );
  await writeStorageUsage(em, volume, null, now);
  return volume;
}

export interface ContainerVolumePlan {
  /** Volumes that exist, locked, in the order asked. */
  readonly existing: readonly { volume: VolumeEntity; path: string }[];
  /** Named volumes that do not exist yet: made with the container, DEFAULT_VOLUME_GIB each. */
  readonly missing: readonly VolumeMountRequest[];
  /** The host every existing volume lives on, when there are any. */
  readonly host: HostId | null;
}

/**
 * Looks up a new container's volumes and checks that it may have them: each available, none
 * belonging to another container (one writer), all on one host. Locks them until the transaction ends.
 */
export async function planContainerVolumes(
  em: EntityManager,
  tenantId: TenantId,
  mounts: readonly VolumeMountRequest[],
): Promise<ContainerVolumePlan> {
  const repo = new VolumeRepository(em);
  const existing: { volume: VolumeEntity; path: string }[] = [];
  const missing: VolumeMountRequest[] = [];
  for (const m of mounts) {
    const v = await repo.lockByRef(tenantId, m.volume);
    if (!v || v.state === 'deleted') {
      if (m.volume.startsWith('vol_')) {
        throw new DomainError('volume/not_found', `volume ${m.volume} does not exist`);
      }
      missing.push(m);
      continue;
    }
    if (v.state !== 'available') {
      throw new DomainError(
        'volume/not_ready',
        `volume ${v.name} is ${v.state}; only an available volume can be attached`,
        { volume: v.name, state: v.state },
      );
    }
    if (v.containerId) {
      throw new DomainError(
        'volume/in_use',
        `volume ${v.name} belongs to another container (${v.containerId}); a volume has one writer at a time, so delete that container first`,
        { volume: v.name, containerId: v.containerId },
      );
    }
    existing.push({ volume: v, path: m.path });
  }
  const hosts = new Set(existing.map((e) => e.volume.hostId));
  if (hosts.size > 1) {
    throw new DomainError(
      'volume/host_conflict',
      `volumes ${existing.map((e) => e.volume.name).join(', ')} live on different hosts, and a container runs on the host of its volumes; use volumes from one host (or snapshot one and restore it next to the others)`,
      { volumes: existing.map((e) => ({ name: e.volume.name, hostId: e.volume.hostId })) },
    );
  }
  return { existing, missing, host: existing[0]?.volume.hostId ?? null };
}

/** What placement needs to know of a container's volume plan. */
export function volumesToPlace(plan: ContainerVolumePlan): ContainerVolumesToPlace {
  return {
    host: plan.host,
    existing: plan.existing.map((e) => e.volume.name),
    missing: plan.missing.map((m) => m.volume),
  };
}

/** Makes the missing volumes on `hostId` and gives every volume of the plan to the container, by slot. */
export async function attachPlannedVolumes(
  em: EntityManager,
  tenantId: TenantId,
  containerId: ContainerId,
  hostId: HostId,
  plan: ContainerVolumePlan,
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
      await insertVolume(em, { tenantId, name: m.volume, sizeGib: DEFAULT_VOLUME_GIB, hostId }),
    );
  }
  for (const [slot, m] of order.entries()) {
    const v = byName.get(m.volume);
    if (!v) continue;
    v.containerId = containerId;
    v.mountPath = m.path;
    v.deviceIndex = slot;
    v.updatedAt = new Date();
    await em.save(v);
  }
}

/**
 * The common part of deleting a volume or a snapshot: it moves to `deleting` (refused with `notReady`
 * when the host is still making it), stops accruing now, and gets its delete operation. On a host that is
 * not ready it is deleted at once (the agent removes the file when it returns: it keeps only what the
 * API lists). Returns the operation and whether to enqueue it.
 */
export async function beginStorageDeletion(
  em: EntityManager,
  item: VolumeEntity | SnapshotEntity,
  what: {
    kind: 'volume.delete' | 'snapshot.delete';
    notReady: ErrorCode;
    noun: string;
  },
): Promise<{ op: OperationEntity; enqueue: boolean }> {
  const next = nextStorageState(item.state, 'delete');
  if (next === null) {
    throw new DomainError(
      what.notReady,
      `${what.noun} ${item.name} is ${item.state}; it can be deleted once its host has finished with it`,
      { state: item.state },
    );
  }
  const now = new Date();
  const from = item.state;
  item.state = next;
  item.updatedAt = now;
  await em.save(item);
  await writeStorageUsage(em, item, from, now);
  const op = await openOperation(em, {
    tenantId: item.tenantId,
    kind: what.kind,
    targetId: item.id,
    hostId: item.hostId,
    generation: 0,
  });
  if (await hostIsReady(em, item.hostId)) return { op, enqueue: true };
  item.state = 'deleted';
  item.deletedAt = now;
  await em.save(item);
  await finishOperation(em, op, 'succeeded');
  return { op, enqueue: false };
}

/** Once a container is gone (its VM too), its volumes are free for another writer. */
export async function releaseContainerVolumes(em: EntityManager, containerId: ContainerId): Promise<void> {
  await em.query(
    `UPDATE volumes SET container_id = NULL, mount_path = NULL, device_index = NULL, updated_at = now()
      WHERE container_id = $1`,
    [containerId],
  );
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
