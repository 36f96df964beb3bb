import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentStorageInventory, AgentStorageWork } from '@berth/contracts';
import {
  SnapshotEntity,
  SnapshotRepository,
  VolumeEntity,
  VolumeRepository,
  type OperationEntity,
} from '@berth/db';
import {
  DomainError,
  nextStorageState,
  volumeDeviceSerial,
  type HostId,
  type SnapshotId,
  type VolumeId,
} from '@berth/domain';
import { isStorageJobKind } from '@berth/queue';
import { finishOperation } from '../operations/operation-ledger';
import { writeStorageUsage } from '../volumes/storage-usage';

/** What the host did: the new snapshot's stored bytes and whether it was live, or why it failed. */
export type StorageOutcome =
  | { readonly storedBytes?: number; readonly live?: boolean }
  | { readonly error: { code: string; message: string } };

/**
 * The agent's side of volume and snapshot work. A host sees only work queued for it (the operations
 * handed in were looked up by its id), and a result is applied once: a repeat for a finished
 * operation changes nothing. Both run in the caller's transaction.
 */
@Injectable()
export class StorageWorkService {
  constructor(private readonly ds: DataSource) {}

  async work(em: EntityManager, op: OperationEntity): Promise<AgentStorageWork> {
    if (!isStorageJobKind(op.kind)) {
      throw new DomainError('operation/not_found', `operation ${op.id} is not storage work`);
    }
    if (op.kind.startsWith('volume.')) {
      const v = await em.findOne(VolumeEntity, { where: { id: op.targetId as VolumeId } });
      if (!v) throw new DomainError('volume/not_found', `volume ${op.targetId} is not on this host`);
      return {
        operationId: op.id,
        kind: op.kind,
        volume: { id: v.id, sizeGib: v.sizeGib, backend: v.backend, sourceSnapshotId: v.sourceSnapshotId },
        snapshot: null,
        attachedTo: null,
      };
    }
    const s = await em.findOne(SnapshotEntity, { where: { id: op.targetId as SnapshotId } });
    if (!s) throw new DomainError('snapshot/not_found', `snapshot ${op.targetId} is not on this host`);
    const v = await em.findOne(VolumeEntity, { where: { id: s.volumeId } });
    const attached =
      v?.containerId && v.deviceIndex !== null
        ? { containerId: v.containerId, serial: volumeDeviceSerial(v.deviceIndex) }
        : null;
    return {
      operationId: op.id,
      kind: op.kind,
      volume: v
        ? { id: v.id, sizeGib: v.sizeGib, backend: v.backend, sourceSnapshotId: v.sourceSnapshotId }
        : null,
      snapshot: { id: s.id, volumeId: s.volumeId, sizeGib: s.sizeGib, backend: s.backend },
      attachedTo: attached,
    };
  }

  /** With the operation locked. */
  async result(em: EntityManager, op: OperationEntity, r: StorageOutcome): Promise<void> {
    const error = 'error' in r ? r.error : null;
    const stored = 'error' in r ? {} : r;
    if (op.state !== 'pending' && op.state !== 'running') return;
    const now = new Date();
    if (op.kind === 'volume.create' || op.kind === 'volume.delete') {
      const v = await new VolumeRepository(em).lockById(op.targetId);
      if (!v) throw new DomainError('volume/not_found', `volume ${op.targetId} is not on this host`);
      const next = nextStorageState(
        v.state,
        error ? 'failed' : op.kind === 'volume.create' ? 'created' : 'deleted',
      );
      if (next !== null) {
        const from = v.state;
        v.state = next;
        v.updatedAt = now;
        v.error = error?.message ?? null;
        if (next === 'deleted') v.deletedAt = now;
        await em.save(v);
        await writeStorageUsage(em, v, from, now);
      }
    } else {
      const s = await new SnapshotRepository(em).lockById(op.targetId);
      if (!s) throw new DomainError('snapshot/not_found', `snapshot ${op.targetId} is not on this host`);
      const next = nextStorageState(
        s.state,
        error ? 'failed' : op.kind === 'snapshot.create' ? 'created' : 'deleted',
      );
      if (next !== null) {
        const from = s.state;
        s.state = next;
        s.updatedAt = now;
        s.error = error?.message ?? null;
        if (next === 'deleted') s.deletedAt = now;
        if (next === 'available') {
          s.storedBytes = String(stored.storedBytes ?? 0);
          s.live = stored.live ?? false;
        }
        await em.save(s);
        // Snapshots are billed on what they store (storageUsageSubject in @berth/domain).
        await writeStorageUsage(em, s, from, now);
      }
    }
    if (error) await finishOperation(em, op, 'failed', error);
    else await finishOperation(em, op, 'succeeded');
  }

  /** What the host must keep; it removes any other volume or snapshot file it finds. */
  async inventory(hostId: HostId): Promise<AgentStorageInventory> {
    return {
      volumes: await new VolumeRepository(this.ds.manager).liveIdsOnHost(hostId),
      snapshots: await new SnapshotRepository(this.ds.manager).liveIdsOnHost(hostId),
    };
  }
}
