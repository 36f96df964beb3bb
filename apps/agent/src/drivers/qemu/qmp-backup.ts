import { setTimeout as sleep } from 'node:timers/promises';
import { QmpClient } from './qmp-client';

/** A block job as `query-jobs` lists it. */
export interface QmpJob {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
}

/** Where a backup job is: still copying, done, or failed (with QEMU's reason). */
export type BackupProgress =
  { readonly done: false } | { readonly done: true; readonly error: string | null };

/** Reads a backup job's progress from a `query-jobs` answer; a job that is not listed has vanished. */
export function backupProgress(jobs: readonly QmpJob[], jobId: string): BackupProgress {
  const job = jobs.find((j) => j.id === jobId);
  if (!job) throw new Error(`backup job ${jobId} vanished`);
  if (job.status !== 'concluded') return { done: false };
  return { done: true, error: job.error ?? null };
}

/**
 * QMP drive-backup (sync=full) of the drive named `serial` into a new qcow2 file: QEMU copies the
 * disk as it was when the command arrived, diverting the guest's later writes (copy-before-write),
 * so the copy is crash-consistent and the guest never pauses. qcow2 keeps zero clusters as metadata;
 * a raw target would be written in full.
 */
export async function backupDrive(qmpSocket: string, serial: string, target: string): Promise<void> {
  const qmp = await QmpClient.connect(qmpSocket, 5000);
  const jobId = `backup-${Date.now().toString(36)}`;
  try {
    await qmp.execute('drive-backup', {
      'job-id': jobId,
      device: serial,
      sync: 'full',
      target,
      format: 'qcow2',
      mode: 'absolute-paths',
      // Kept until dismissed, so that its end (and error) can still be read.
      'auto-dismiss': false,
    });
    for (;;) {
      const progress = backupProgress((await qmp.execute('query-jobs')) as QmpJob[], jobId);
      if (progress.done) {
        await qmp.execute('job-dismiss', { id: jobId });
        if (progress.error !== null) throw new Error(`backup of ${serial} failed: ${progress.error}`);
        return;
      }
      await sleep(100);
    }
  } finally {
    qmp.close();
  }
}
