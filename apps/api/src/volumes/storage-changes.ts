import type { EntityManager } from 'typeorm';
import { VolumeRepository, type OperationEntity, type SnapshotEntity, type VolumeEntity } from '@berth/db';
import { storageDeletionState, type ErrorCode, type HostId, type TenantId } from '@berth/domain';
import { hostIsReady } from '../hosts/host-snapshots';
import { finishOperation, openOperation } from '../operations/operation-ledger';
import { writeStorageUsage } from './storage-usage';

/** A new volume with its usage: an empty one is available (and accrues) at once. */
export async function createVolume(
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
  const volume = await new VolumeRepository(em).insert(v, now);
  await writeStorageUsage(em, volume, null, now);
  return volume;
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
  what: { kind: 'volume.delete' | 'snapshot.delete'; notReady: ErrorCode; noun: string },
): Promise<{ op: OperationEntity; enqueue: boolean }> {
  const next = storageDeletionState(item, what);
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
