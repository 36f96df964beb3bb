import { z } from 'zod';
import {
  isId,
  OPERATION_KINDS,
  type ContainerId,
  type HostId,
  type ImageId,
  type OperationId,
  type OperationKind,
} from '@berth/domain';
import { hostSyncDeduplicationId } from './names';

/**
 * A job carries ids and the generation only, never the spec: the agent fetches the current desired
 * state from the API, so a job that waited in Redis can never act on stale data.
 */
export const containerJobSchema = z.object({
  containerId: z.string().refine((v): v is ContainerId => isId('ctr', v), 'not a container id'),
  operationId: z.string().refine((v): v is OperationId => isId('op', v), 'not an operation id'),
  generation: z.number().int().nonnegative(),
});

export interface ContainerJob {
  readonly containerId: ContainerId;
  readonly operationId: OperationId;
  readonly generation: number;
}

export function parseContainerJob(data: unknown): ContainerJob {
  return containerJobSchema.parse(data);
}

export function isOperationKind(name: string): name is OperationKind {
  return (OPERATION_KINDS as readonly string[]).includes(name);
}

/** Retries with backoff for transient faults; finished jobs are kept briefly for inspection. */
export const AGENT_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 24 * 3600 },
} as const;

/** `image.pull`: which image record to pull, and the operation that follows it. */
export const imageJobSchema = z.object({
  imageId: z.string().refine((v): v is ImageId => isId('img', v), 'not an image id'),
  operationId: z.string().refine((v): v is OperationId => isId('op', v), 'not an operation id'),
});

export interface ImageJob {
  readonly imageId: ImageId;
  readonly operationId: OperationId;
}

export function parseImageJob(data: unknown): ImageJob {
  return imageJobSchema.parse(data);
}

export function imageJobId(imageId: ImageId, operationId: OperationId): string {
  return `image.pull.${imageId}.${operationId}`;
}

/** `host.sync`: which host's data plane to refresh (see HOST_SYNC_JOB). */
export const hostSyncJobSchema = z.object({
  hostId: z.string().refine((v): v is HostId => isId('hst', v), 'not a host id'),
});

export interface HostSyncJob {
  readonly hostId: HostId;
}

export function parseHostSyncJob(data: unknown): HostSyncJob {
  return hostSyncJobSchema.parse(data);
}

/** Nudges leave nothing behind, finished or failed. */
export const HOST_SYNC_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

/**
 * A host's nudges collapse into one job while it waits (BullMQ's deduplication by id, not a fixed job id):
 * and a nudge that arrives while the host's agent is running the sync is not dropped but kept as one next
 * job (`keepLastIfActive`), created when the running one ends. A fixed job id could not do that: adding
 * an id that exists is a no-op whatever its state, so a change committed after the agent had read its
 * data plane, and nudged while that sync still ran, waited for the agent's next poll.
 */
export function hostSyncJobOptions(hostId: HostId) {
  return {
    ...HOST_SYNC_JOB_OPTIONS,
    deduplication: { id: hostSyncDeduplicationId(hostId), keepLastIfActive: true },
  } as const;
}

/** Storage work (`volume.create|delete`, `snapshot.create|delete`): the agent fetches the rest by operation. */
export const STORAGE_JOB_KINDS = [
  'volume.create',
  'volume.delete',
  'snapshot.create',
  'snapshot.delete',
] as const;
export type StorageJobKind = (typeof STORAGE_JOB_KINDS)[number];

export function isStorageJobKind(name: string): name is StorageJobKind {
  return (STORAGE_JOB_KINDS as readonly string[]).includes(name);
}

export const storageJobSchema = z.object({
  operationId: z.string().refine((v): v is OperationId => isId('op', v), 'not an operation id'),
});

export interface StorageJob {
  readonly operationId: OperationId;
}

export function parseStorageJob(data: unknown): StorageJob {
  return storageJobSchema.parse(data);
}

/** One job per operation: a retried enqueue of the same operation is the same job. */
export function storageJobId(kind: StorageJobKind, targetId: string, operationId: OperationId): string {
  return `${kind}.${targetId}.${operationId}`;
}
