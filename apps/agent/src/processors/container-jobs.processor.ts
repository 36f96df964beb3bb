import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HostId, OperationKind } from '@berth/domain';
import {
  agentQueueName,
  HOST_SYNC_JOB,
  parseContainerJob,
  parseImageJob,
  parseStorageJob,
} from '@berth/queue';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { AgentRedis } from '../state/agent-redis';
import { faultOf } from '../agent-fault';
import { EventReporterService } from '../reporter/event-reporter.service';
import { ContainerRunnerService } from '../runner/container-runner.service';
import { ImagePullService } from '../runner/image-pull.service';
import { DataplaneSyncService } from '../reporter/dataplane-sync.service';
import { StorageJobsService } from '../volumes/storage-jobs.service';
import { checkJobHandlers, handlerFor, type JobHandlerTable } from './job-handlers';

/**
 * Consumes `agent.<hostId>`. Transient faults are thrown so that BullMQ retries with backoff; a
 * terminal fault (or the last attempt) is reported as `agent.failed`, which fails the operation (see
 * faultOf for which faults are terminal).
 */
@Injectable()
export class ContainerJobsProcessor {
  private readonly log = new Logger(ContainerJobsProcessor.name);
  private worker: Worker | null = null;
  private connection: Redis | null = null;

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly runner: ContainerRunnerService,
    private readonly reporter: EventReporterService,
    private readonly images: ImagePullService,
    private readonly dataplane: DataplaneSyncService,
    private readonly storage: StorageJobsService,
    private readonly redis: AgentRedis,
  ) {}

  start(hostId: HostId): void {
    checkJobHandlers(this.handlers);
    this.connection = this.redis.connect({ maxRetriesPerRequest: null });
    this.connection.on('error', (err) => this.log.warn(`redis: ${err.message}`));
    this.worker = new Worker(agentQueueName(hostId), (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.queuePrefix,
      concurrency: this.config.concurrency,
    });
    // Only the message: a Redis reply error carries the command's arguments, and AUTH's are the host's
    // Redis password (unlistened, the worker's errors were printed whole).
    this.worker.on('error', (err) => this.log.warn(`queue worker: ${err.message}`));
    this.worker.on('failed', (job, err) =>
      this.log.warn(`${job?.name ?? '?'} ${job?.id ?? ''} failed: ${err.message}`),
    );
    this.log.log(`consuming ${agentQueueName(hostId)}`);
  }

  /** `force`: do not wait for jobs in hand (their host token is void, so they could not report anyway). */
  async stop(force = false): Promise<void> {
    await this.worker?.close(force);
    this.connection?.disconnect();
  }

  /** One handler per job name the API can enqueue (checked at start-up, see checkJobHandlers). */
  private readonly handlers: JobHandlerTable = {
    // The API changed this host's data plane (a container, a rule, a floating IP): converge now.
    [HOST_SYNC_JOB]: async () => {
      await this.dataplane.syncNow();
      return 'done';
    },
    'container.create': (job) => this.containerJob('container.create', job),
    'container.start': (job) => this.containerJob('container.start', job),
    'container.stop': (job) => this.containerJob('container.stop', job),
    'container.restart': (job) => this.containerJob('container.restart', job),
    'container.delete': (job) => this.containerJob('container.delete', job),
    'container.exec': (job) => this.containerJob('container.exec', job),
    'image.pull': (job) => this.imageJob(job),
    'volume.create': (job) => this.storageJob(job),
    'volume.delete': (job) => this.storageJob(job),
    'snapshot.create': (job) => this.storageJob(job),
    'snapshot.delete': (job) => this.storageJob(job),
  };

  private async process(job: Job): Promise<string> {
    const handler = handlerFor(this.handlers, job.name);
    if (!handler) throw new UnrecoverableError(`unknown job ${job.name}`);
    return handler(job);
  }

  private async storageJob(job: Job): Promise<string> {
    await this.storage.run(parsed(job, parseStorageJob), isLastAttempt(job));
    return 'done';
  }

  private async imageJob(job: Job): Promise<string> {
    await this.images.pull(parsed(job, parseImageJob), isLastAttempt(job));
    return 'done';
  }

  private async containerJob(kind: ContainerJobKind, job: Job): Promise<string> {
    const payload = parsed(job, parseContainerJob);
    try {
      return await this.runner.handle(kind, payload);
    } catch (err) {
      const lastAttempt = isLastAttempt(job);
      const fault = faultOf(err, 'agent/failed');
      if (!fault.terminal && !lastAttempt) throw err;
      const error = fault.report;
      this.log.error(`${job.name} ${payload.containerId} failed for good: ${error.message}`);
      try {
        await this.reporter.report(payload.containerId, {
          event: 'agent.failed',
          at: new Date(),
          generation: payload.generation,
          operationId: payload.operationId,
          error,
        });
      } catch (reportErr) {
        // The API is unreachable too: retrying the job is the only way left to tell it.
        if (!lastAttempt) throw reportErr;
      }
      throw new UnrecoverableError(error.message);
    }
  }
}

type ContainerJobKind = Extract<OperationKind, `container.${string}`>;

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** The job's payload, or an error BullMQ does not retry: a malformed job stays malformed. */
function parsed<T>(job: Job, parse: (data: unknown) => T): T {
  try {
    return parse(job.data);
  } catch (err) {
    throw new UnrecoverableError(`malformed job ${job.id ?? ''}: ${String(err)}`);
  }
}
