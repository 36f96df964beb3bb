import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { OperationEntity } from '@berth/db';
import { isId, type ContainerId, type HostId, type ImageId } from '@berth/domain';
import {
  AGENT_JOB_OPTIONS,
  agentQueueName,
  containerJobId,
  HOST_SYNC_JOB,
  hostSyncJobOptions,
  imageJobId,
  isStorageJobKind,
  storageJobId,
  type ContainerJob,
  type HostSyncJob,
  type ImageJob,
  type StorageJob,
} from '@berth/queue';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import { NudgeBatcher } from './nudge-batcher';

export type JobPresence = 'missing' | 'waiting' | 'active' | 'completed' | 'failed' | 'other';

/** One `host.sync` as it is handed to BullMQ. */
export interface NudgeJob {
  readonly hostId: HostId;
  readonly data: HostSyncJob;
  readonly opts: JobsOptions;
}

/**
 * The producer side of the per-host queues `agent.<hostId>`. Jobs carry ids and a generation only.
 * Enqueueing happens after the transaction that wrote the operation commits; when it fails, the
 * operation stays pending in Postgres and the reconciler enqueues it again.
 */
@Injectable()
export class AgentQueuesService implements OnModuleDestroy {
  private readonly log = new Logger(AgentQueuesService.name);
  readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  /**
   * Nudges have a connection of their own: one that pipelines automatically (the adds of a batch leave in
   * one write) and fails at once while Redis is away instead of queueing (a nudge is advisory: the agent
   * polls), neither of which suits the connection that the control worker duplicates and logs follow.
   */
  private readonly nudgeConnection: Redis;
  private readonly nudgeQueues = new Map<string, Queue>();
  private readonly nudgeBatcher: NudgeBatcher;
  /** nudgeHostsFound's reads in flight (their nudges not yet asked for). */
  private readonly lookups = new Set<Promise<void>>();

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) => this.log.warn(`redis: ${err.message}`));
    this.nudgeConnection = new Redis(config.redisUrl, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    this.nudgeConnection.on('error', (err) => this.log.warn(`redis (nudges): ${err.message}`));
    this.nudgeBatcher = new NudgeBatcher((hostIds) => this.sendNudges(hostIds), config.nudgeWindowMs);
  }

  queueFor(hostId: HostId): Queue {
    const name = agentQueueName(hostId);
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.config.queuePrefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Adds the operation's job; a job with the same deterministic id already in Redis makes this a no-op. */
  async enqueue(op: OperationEntity): Promise<boolean> {
    if (!op.hostId) return false;
    const job = this.payload(op);
    if (!job) return false;
    try {
      // A command must not run twice because a report was lost: execs get one attempt.
      const attempts = op.kind === 'container.exec' ? { attempts: 1 } : {};
      await this.addJob(op.hostId, op.kind, job, {
        ...AGENT_JOB_OPTIONS,
        ...attempts,
        jobId: this.jobId(op),
      });
      return true;
    } catch (err) {
      metrics.enqueueFailures.inc();
      this.log.warn(`could not enqueue ${op.id} (${op.kind}); the reconciler will retry: ${String(err)}`);
      return false;
    }
  }

  /**
   * Tells a host its data plane changed (`host.sync`). Batched per API process (NudgeBatcher: one add per
   * host per window, the window's adds sent together) and collapsed per host in Redis (hostSyncJobOptions).
   * Resolves once the nudge was sent; never throws: the agent also polls, so a lost nudge only delays.
   * Request paths do not wait for it (`void`): an answer never waits out a batch's window.
   */
  nudgeHost(hostId: HostId): Promise<void> {
    return this.nudgeBatcher.nudge([hostId]);
  }

  /** nudgeHost for each distinct host (nulls skipped), in one batch. */
  nudgeHosts(hostIds: Iterable<HostId | null>): Promise<void> {
    return this.nudgeBatcher.nudge(hostIds);
  }

  /**
   * nudgeHosts for the hosts `find` answers, once it has: a caller that learns them by a read does it
   * after its commit and off its answer (a create's peers, issue 15: the read is not in the create's
   * transaction). A failed read is logged and nudges nobody (the agents also poll). Never throws.
   */
  nudgeHostsFound(find: () => Promise<Iterable<HostId | null>>): void {
    const lookup: Promise<void> = find()
      .then((hostIds) => this.nudgeHosts(hostIds))
      .catch((err: unknown) => this.log.warn(`could not find the hosts to nudge: ${String(err)}`))
      .finally(() => this.lookups.delete(lookup));
    this.lookups.add(lookup);
  }

  /** Resolves once every nudge asked for so far has left (a spec's assertion on them waits for it). */
  async nudgesSent(): Promise<void> {
    while (this.lookups.size > 0) await Promise.all(this.lookups);
    await this.nudgeBatcher.idle();
  }

  private async sendNudges(hostIds: readonly HostId[]): Promise<void> {
    const jobs = hostIds.map((hostId) => ({ hostId, data: { hostId }, opts: hostSyncJobOptions(hostId) }));
    try {
      const results = await this.addNudges(jobs);
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          this.log.warn(
            `could not nudge host ${hostIds[i]}; its agent's poll will catch up: ${String(r.reason)}`,
          );
      });
    } catch (err) {
      this.log.warn(
        `could not nudge ${hostIds.length} host(s); their agents' polls will catch up: ${String(err)}`,
      );
    }
  }

  async presence(op: OperationEntity): Promise<JobPresence> {
    if (!op.hostId) return 'missing';
    const state = await this.jobState(op.hostId, this.jobId(op));
    switch (state) {
      case null:
        return 'missing';
      case 'waiting':
      case 'delayed':
      case 'prioritized':
      case 'waiting-children':
        return 'waiting';
      case 'active':
        return 'active';
      case 'completed':
        return 'completed';
      case 'failed':
        return 'failed';
      default:
        return 'other';
    }
  }

  /** Removes a finished job so that the same deterministic id can be enqueued again. */
  async removeFinished(op: OperationEntity): Promise<void> {
    if (!op.hostId) return;
    await this.removeJob(op.hostId, this.jobId(op));
  }

  /*
   * The transport: the only four places that touch a host's queue in Redis. Everything above (which job,
   * its payload, id and options) is decided without them, so the integration tier's recording queue
   * (apps/api/src/testing/recording-agent-queues.ts) replaces these alone and sees exactly what would
   * have been sent.
   */

  /** Adds a job to the host's queue; a job with the same id already there makes this a no-op. */
  protected async addJob(hostId: HostId, name: string, data: unknown, opts: JobsOptions): Promise<void> {
    await this.queueFor(hostId).add(name, data, opts);
  }

  /**
   * Adds a batch of nudges, one per host, all issued in the same turn of the event loop so that the nudge
   * connection's auto-pipelining writes them to Redis together; answers each add's outcome, in order.
   */
  protected addNudges(jobs: readonly NudgeJob[]): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.allSettled(
      jobs.map((j) => this.nudgeQueueFor(j.hostId).add(HOST_SYNC_JOB, j.data, j.opts)),
    );
  }

  private nudgeQueueFor(hostId: HostId): Queue {
    const name = agentQueueName(hostId);
    let q = this.nudgeQueues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.nudgeConnection, prefix: this.config.queuePrefix });
      // The connection fails fast while Redis is away, and BullMQ re-emits that on the queue: logged
      // with the connection's own errors, it must not be an unhandled 'error' event.
      q.on('error', () => undefined);
      this.nudgeQueues.set(name, q);
    }
    return q;
  }

  /** BullMQ's state of the job with this id on the host's queue; null when there is none. */
  protected async jobState(hostId: HostId, jobId: string): Promise<string | null> {
    const job = await this.queueFor(hostId).getJob(jobId);
    return job ? await job.getState() : null;
  }

  protected async removeJob(hostId: HostId, jobId: string): Promise<void> {
    const job = await this.queueFor(hostId).getJob(jobId);
    await job?.remove();
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  private payload(op: OperationEntity): ContainerJob | ImageJob | StorageJob | null {
    if (isStorageJobKind(op.kind)) return { operationId: op.id };
    if (op.kind === 'image.pull') {
      return isId('img', op.targetId) ? { imageId: op.targetId, operationId: op.id } : null;
    }
    return isId('ctr', op.targetId)
      ? { containerId: op.targetId, operationId: op.id, generation: op.generation }
      : null;
  }

  private jobId(op: OperationEntity): string {
    if (op.kind === 'image.pull') return imageJobId(op.targetId as ImageId, op.id);
    if (isStorageJobKind(op.kind)) return storageJobId(op.kind, op.targetId, op.id);
    // An exec is one job per operation; container actions one per generation.
    if (op.kind === 'container.exec') return `container.exec.${op.id}`;
    return containerJobId(op.kind, op.targetId as ContainerId, op.generation);
  }

  async onModuleDestroy(): Promise<void> {
    // Nudges still gathering are sent before the connections close: a clean shutdown loses none.
    while (this.lookups.size > 0) await Promise.all(this.lookups);
    await this.nudgeBatcher.close();
    await Promise.all([...this.queues.values(), ...this.nudgeQueues.values()].map((q) => q.close()));
    this.connection.disconnect();
    this.nudgeConnection.disconnect();
  }
}
