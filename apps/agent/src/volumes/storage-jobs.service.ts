import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentOperationResult, AgentStorageWork } from '@berth/contracts';

/** What a storage job stored: a new snapshot's bytes and whether it was live. */
type StorageDone = { storedBytes?: number; live?: boolean };
import type { ContainerId } from '@berth/domain';
import type { StorageJob } from '@berth/queue';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER, VOLUME_BACKEND } from '../config.provider';
import type { Driver } from '../drivers/driver';
import { AgentFault, faultOf } from '../agent-fault';
import type { LiveDisk, VolumeBackend } from './volume-backend';

/**
 * Carries out `volume.*` and `snapshot.*` jobs on this host's volume backend and reports the outcome.
 * Faults a retry would meet again are reported at once; others are thrown for BullMQ to retry, and
 * reported on the last attempt.
 */
@Injectable()
export class StorageJobsService {
  private readonly log = new Logger(StorageJobsService.name);

  constructor(
    @Inject(VOLUME_BACKEND) private readonly backend: VolumeBackend,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
  ) {}

  async run(job: StorageJob, lastAttempt: boolean): Promise<void> {
    // The claim marks the operation running and answers what to act on.
    const claimed = await this.api.claim(job.operationId, { at: new Date().toISOString() });
    if (claimed.kind !== 'storage') {
      throw new Error(`storage job ${job.operationId} was answered ${claimed.kind} work`);
    }
    const work = claimed.work;
    let result: AgentOperationResult;
    try {
      result = { type: 'storage', ...(await this.perform(work)) };
    } catch (err) {
      const fault = faultOf(err, 'storage/failed');
      if (!fault.terminal && !lastAttempt) throw err;
      this.log.error(`${work.kind} (${job.operationId}) failed for good: ${fault.message}`);
      result = { type: 'failure', error: fault.report };
    }
    await this.api.result(job.operationId, result);
  }

  /**
   * Run when the agent starts: removes volume and snapshot files the API no longer lists (deleted
   * while this host was away, or left by a crash), so that a deleted volume's data never lingers.
   */
  async resync(): Promise<void> {
    const wanted = await this.api.storageInventory();
    const keepVolumes = new Set(wanted.volumes);
    const keepSnapshots = new Set(wanted.snapshots);
    const present = await this.backend.inventory();
    for (const id of present.volumes) {
      if (keepVolumes.has(id)) continue;
      this.log.warn(`${id}: volume is deleted; removing its file`);
      await this.backend.remove(id);
    }
    for (const id of present.snapshots) {
      if (keepSnapshots.has(id)) continue;
      this.log.warn(`${id}: snapshot is deleted; removing its file`);
      await this.backend.removeSnapshot(id);
    }
  }

  private async perform(work: AgentStorageWork): Promise<StorageDone> {
    switch (work.kind) {
      case 'volume.create': {
        const v = this.required(work.volume, work);
        if (v.sourceSnapshotId) await this.backend.restore(v.sourceSnapshotId, v);
        else await this.backend.prepare(v);
        return {};
      }
      case 'volume.delete':
        await this.backend.remove(this.required(work.volume, work).id);
        return {};
      case 'snapshot.create': {
        const s = this.required(work.snapshot, work);
        const v = this.required(work.volume, work);
        const r = await this.backend.snapshot(s.id, v, this.liveDisk(work));
        return { storedBytes: r.storedBytes, live: r.live };
      }
      case 'snapshot.delete':
        await this.backend.removeSnapshot(this.required(work.snapshot, work).id);
        return {};
    }
  }

  private liveDisk(work: AgentStorageWork): LiveDisk | null {
    const attached = work.attachedTo;
    const backup = this.driver.backupDisk?.bind(this.driver);
    if (!attached || !backup) return null;
    return { backupTo: (target) => backup(attached.containerId as ContainerId, attached.serial, target) };
  }

  private required<T>(value: T | null, work: AgentStorageWork): T {
    if (value === null) {
      throw new AgentFault(
        'storage/incomplete',
        `${work.kind} ${work.operationId} names nothing to act on`,
        true,
      );
    }
    return value;
  }
}
