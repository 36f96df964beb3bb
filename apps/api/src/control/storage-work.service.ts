import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentStorageInventory, AgentStorageResult, AgentStorageWork } from '@berth/contracts';
import { inTransaction, SnapshotEntity, VolumeEntity } from '@berth/db';
import {
  DomainError,
  nextStorageState,
  volumeDeviceSerial,
  type HostId,
  type SnapshotId,
  type VolumeId,
} from '@berth/domain';
import { isStorageJobKind } from '@berth/queue';
import { finishOperation, operationOnHost } from '../operations/operation-ledger';
import { writeStorageUsage } from '../volumes/storage-usage';

/**
 * The agent's side of volume and snapshot work. A host sees only work queued for it (every lookup is
 * bound to its id), and a result is applied once: a repeat for a finished operation changes nothing.
 */
@Injectable()
export class StorageWorkService {
  constructor(private readonly ds: DataSource) {}

  async work(hostId: HostId, operationId: string): Promise<AgentStorageWork> {
    const em = this.ds.manager;
    const op = await operationOnHost(em, hostId, operationId);
    if (!isStorageJobKind(op.kind)) {
      throw new DomainError('operation/not_found', `operation ${operationId} is not storage work`);
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

  result(hostId: HostId, operationId: string, r: AgentStorageResult): Promise<void> {
    return inTransaction(this.ds, async (em) => {
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      if (op.state !== 'pending' && op.state !== 'running') return;
      const now = new Date();
      if (op.kind === 'volume.create' || op.kind === 'volume.delete') {
        const v = await em
          .createQueryBuilder(VolumeEntity, 'v')
          .setLock('pessimistic_write')
          .where('v.id = :id', { id: op.targetId })
          .getOne();
        if (!v) throw new DomainError('volume/not_found', `volume ${op.targetId} is not on this host`);
        const next = nextStorageState(
          v.state,
          r.error ? 'failed' : op.kind === 'volume.create' ? 'created' : 'deleted',
        );
        if (next !== null) {
          const from = v.state;
          v.state = next;
          v.updatedAt = now;
          v.error = r.error?.message ?? null;
          if (next === 'deleted') v.deletedAt = now;
          await em.save(v);
          await writeStorageUsage(em, v, from, now);
        }
      } else {
        const s = await em
          .createQueryBuilder(SnapshotEntity, 's')
          .setLock('pessimistic_write')
          .where('s.id = :id', { id: op.targetId })
          .getOne();
        if (!s) throw new DomainError('snapshot/not_found', `snapshot ${op.targetId} is not on this host`);
        const next = nextStorageState(
          s.state,
          r.error ? 'failed' : op.kind === 'snapshot.create' ? 'created' : 'deleted',
        );
        if (next !== null) {
          const from = s.state;
          s.state = next;
          s.updatedAt = now;
          s.error = r.error?.message ?? null;
          if (next === 'deleted') s.deletedAt = now;
          if (next === 'available') {
            s.storedBytes = String(r.storedBytes ?? 0);
            s.live = r.live ?? false;
          }
          await em.save(s);
          // Snapshots are billed on what they store (storageUsageSubject in @berth/domain).
          await writeStorageUsage(em, s, from, now);
        }
      }
      if (r.error) await finishOperation(em, op, 'failed', r.error);
      else await finishOperation(em, op, 'succeeded');
    });
  }

  /** What the host must keep; it removes any other volume or snapshot file it finds. */
  async inventory(hostId: HostId): Promise<AgentStorageInventory> {
    const volumes: { id: string }[] = await this.ds.query(
      `SELECT id FROM volumes WHERE host_id = $1 AND state <> 'deleted' ORDER BY id`,
      [hostId],
    );
    const snapshots: { id: string }[] = await this.ds.query(
      `SELECT id FROM snapshots WHERE host_id = $1 AND state <> 'deleted' ORDER BY id`,
      [hostId],
    );
    return { volumes: volumes.map((r) => r.id), snapshots: snapshots.map((r) => r.id) };
  }
}
