import { Injectable } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import type { HostId } from '@berth/domain';
import { AgentQueuesService, type NudgeJob } from '../queue/agent-queues.service';

/** A job the API would have added to a host's queue: what BullMQ would have been given. */
export interface RecordedJob {
  readonly hostId: HostId;
  /** The job name: the operation kind (`container.create`, `volume.create`, ...). */
  readonly name: string;
  readonly data: Record<string, unknown>;
  readonly jobId: string;
  readonly attempts: number | undefined;
}

/**
 * The integration tier's stand-in for the per-host BullMQ queues (tests only). It is the real
 * AgentQueuesService with its Redis transport replaced: which job, its payload, id and options are
 * still decided by the real code, and recorded here instead of being added to Redis. Nudges
 * (`host.sync`) are recorded apart from jobs, each batch as it was sent (after the real batching). The
 * Redis connection itself stays real: registering a
 * host creates its Redis login through it.
 *
 * Like BullMQ, a job whose id was already added is not added twice, until the test says it finished
 * (`finish`) and the API removed it. `presence()` answers from what was recorded: the reconciler sees
 * the queue a test arranged.
 */
@Injectable()
export class RecordingAgentQueues extends AgentQueuesService {
  readonly jobs: RecordedJob[] = [];
  /** The hosts nudged, in the order they were sent. */
  readonly nudges: HostId[] = [];
  /** The nudges as sent: one entry per batch (one pipelined write to Redis), with their options. */
  readonly nudgeBatches: NudgeJob[][] = [];
  /** BullMQ's state per job id, for jobs still in the queue. */
  private readonly states = new Map<string, string>();

  /** Forgets everything recorded so far (a test calls it before the request it asserts on). */
  clear(): void {
    this.jobs.length = 0;
    this.nudges.length = 0;
    this.nudgeBatches.length = 0;
  }

  /** The jobs for one container, volume, snapshot or image (by the id in their payload). */
  jobsFor(targetId: string): RecordedJob[] {
    return this.jobs.filter((j) => Object.values(j.data).includes(targetId));
  }

  /** As if the host's worker finished the job (`completed`) or gave up on it (`failed`), or lost it. */
  finish(jobId: string, state: 'completed' | 'failed' | 'lost'): void {
    if (state === 'lost') this.states.delete(jobId);
    else this.states.set(jobId, state);
  }

  protected override addJob(hostId: HostId, name: string, data: unknown, opts: JobsOptions): Promise<void> {
    const jobId = opts.jobId ?? '';
    if (this.states.has(jobId)) return Promise.resolve();
    this.states.set(jobId, 'waiting');
    this.jobs.push({ hostId, name, data: data as Record<string, unknown>, jobId, attempts: opts.attempts });
    return Promise.resolve();
  }

  protected override addNudges(jobs: readonly NudgeJob[]): Promise<PromiseSettledResult<unknown>[]> {
    this.nudgeBatches.push([...jobs]);
    this.nudges.push(...jobs.map((j) => j.hostId));
    return Promise.resolve(jobs.map(() => ({ status: 'fulfilled', value: undefined }) as const));
  }

  protected override jobState(_hostId: HostId, jobId: string): Promise<string | null> {
    return Promise.resolve(this.states.get(jobId) ?? null);
  }

  protected override removeJob(_hostId: HostId, jobId: string): Promise<void> {
    this.states.delete(jobId);
    return Promise.resolve();
  }
}
