import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HostId } from '@berth/domain';
import {
  agentQueueName,
  HOST_SYNC_JOB,
  isOperationKind,
  isStorageJobKind,
  parseContainerJob,
  parseImageJob,
  parseStorageJob,
} from '@berth/queue';
import { ApiError } from '../api-client/api-error';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { AgentRedis } from '../state/agent-redis';
import { TerminalDriverError } from '../drivers/driver';
import { isImageError } from '../drivers/images';
import { EventReporterService } from '../reporter/event-reporter.service';
import { ContainerRunnerService } from '../runner/container-runner.service';
import { ImagePullService } from '../runner/image-pull.service';
import { DataplaneSyncService } from '../reporter/dataplane-sync.service';
import { StorageJobsService } from '../volumes/storage-jobs.service';

/**
 * Consumes `agent.<hostId>`. Transient faults are thrown so that BullMQ retries with backoff; a
 * terminal fault (or the last attempt) is reported as `agent.failed`, which fails the operation.
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

  private async process(job: Job): Promise<string> {
    if (job.name === HOST_SYNC_JOB) {
      // The API changed this host's data plane (a container, a rule, a floating IP): converge now.
      await this.dataplane.syncNow();
      return 'done';
    }
    if (!isOperationKind(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
    if (isStorageJobKind(job.name)) {
      let storageJob;
      try {
        storageJob = parseStorageJob(job.data);
      } catch (err) {
        throw new UnrecoverableError(`malformed job ${job.id ?? ''}: ${String(err)}`);
      }
      await this.storage.run(storageJob, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
      return 'done';
    }
    if (job.name === 'image.pull') {
      let imageJob;
      try {
        imageJob = parseImageJob(job.data);
      } catch (err) {
        throw new UnrecoverableError(`malformed job ${job.id ?? ''}: ${String(err)}`);
      }
      await this.images.pull(imageJob, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
      return 'done';
    }
    let payload;
    try {
      payload = parseContainerJob(job.data);
    } catch (err) {
      throw new UnrecoverableError(`malformed job ${job.id ?? ''}: ${String(err)}`);
    }
    try {
      return await this.runner.handle(job.name, payload);
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const terminal =
        err instanceof TerminalDriverError ||
        (err instanceof ApiError && err.permanent) ||
        (isImageError(err) && err.terminal);
      if (!terminal && !lastAttempt) throw err;
      const error =
        err instanceof TerminalDriverError || isImageError(err)
          ? { code: err.code, message: err.message }
          : { code: 'agent/failed', message: err instanceof Error ? err.message : String(err) };
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
