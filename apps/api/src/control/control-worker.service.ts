import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { CONTROL_JOBS, CONTROL_QUEUE } from '@berth/queue';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { IdempotencyService } from '../common/idempotency.service';
import { AgentRedisUsersService } from '../hosts/agent-redis-users.service';
import { JoinTokensService } from '../hosts/join-tokens.service';
import { metrics } from '../metrics/metrics.registry';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { HostReaperService } from './host-reaper.service';
import { OperationReconcilerService } from './operation-reconciler.service';

/** The schedules are re-asserted every this many of the longer control interval. */
const SCHEDULE_GUARD_FACTOR = 5;

/**
 * Runs the periodic control-plane jobs through BullMQ job schedulers on the `control` queue, so that
 * with several API processes each tick runs once, on whichever process takes it.
 */
@Injectable()
export class ControlWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(ControlWorkerService.name);
  private queue?: Queue;
  private worker?: Worker;
  private scheduleGuard?: NodeJS.Timeout;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly queues: AgentQueuesService,
    private readonly reaper: HostReaperService,
    private readonly reconciler: OperationReconcilerService,
    private readonly redisUsers: AgentRedisUsersService,
    private readonly idempotency: IdempotencyService,
    private readonly joinTokens: JoinTokensService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const opts = { connection: this.queues.connection, prefix: this.config.queuePrefix };
    this.queue = new Queue(CONTROL_QUEUE, opts);
    await this.upsertSchedules(this.queue);
    // The schedules live in Redis, so a Redis that lost its data (or was flushed) would silently stop the
    // reaper and the reconciler, the very jobs that recover lost work. Upserting is idempotent (an
    // existing schedule keeps its next run), so re-asserting them now and then costs little.
    const queue = this.queue;
    this.scheduleGuard = setInterval(
      () => {
        this.upsertSchedules(queue).catch((err: unknown) =>
          this.log.warn(`could not re-assert the control schedules: ${String(err)}`),
        );
      },
      SCHEDULE_GUARD_FACTOR * Math.max(this.config.reaperIntervalMs, this.config.reconcileIntervalMs),
    );
    this.scheduleGuard.unref();
    this.worker = new Worker(CONTROL_QUEUE, (job) => this.runCounted(job), {
      connection: this.queues.connection.duplicate(),
      prefix: this.config.queuePrefix,
      concurrency: 1,
    });
    this.worker.on('failed', (job, err) => this.log.warn(`${job?.name ?? 'job'} failed: ${err.message}`));
  }

  private async upsertSchedules(queue: Queue): Promise<void> {
    const jobOpts = { removeOnComplete: true, removeOnFail: 100 };
    await queue.upsertJobScheduler(
      CONTROL_JOBS.reapHosts,
      { every: this.config.reaperIntervalMs },
      { name: CONTROL_JOBS.reapHosts, opts: jobOpts },
    );
    await queue.upsertJobScheduler(
      CONTROL_JOBS.reconcileOperations,
      { every: this.config.reconcileIntervalMs },
      { name: CONTROL_JOBS.reconcileOperations, opts: jobOpts },
    );
    await queue.upsertJobScheduler(
      CONTROL_JOBS.reapIdempotencyKeys,
      { every: this.config.idempotencyReapIntervalMs },
      { name: CONTROL_JOBS.reapIdempotencyKeys, opts: jobOpts },
    );
    // Housekeeping of stored secrets' hashes shares the idempotency reaper's cadence.
    await queue.upsertJobScheduler(
      CONTROL_JOBS.reapJoinTokens,
      { every: this.config.idempotencyReapIntervalMs },
      { name: CONTROL_JOBS.reapJoinTokens, opts: jobOpts },
    );
  }

  /**
   * Runs one tick and says so: each tick is one job whose id names its schedule and time, so the count
   * per process (a metric) and the line per tick (debug) show that with several API processes each tick
   * ran once, on one of them.
   */
  private async runCounted(job: Job): Promise<unknown> {
    const result = await this.run(job);
    metrics.controlJobs.inc({ job: job.name });
    this.log.debug(`control job ${job.name} ran tick ${job.id ?? '?'}`);
    return result;
  }

  private async run(job: Job): Promise<unknown> {
    switch (job.name) {
      case CONTROL_JOBS.reapHosts:
        return { lost: await this.reaper.reap() };
      case CONTROL_JOBS.reconcileOperations:
        // Redis may have lost the hosts' users (a restart) before it lost any job: make them first, so
        // that agents can take the jobs re-enqueued next.
        return {
          redisUsers: await this.redisUsers.restore(),
          requeued: await this.reconciler.reconcile(),
        };
      case CONTROL_JOBS.reapIdempotencyKeys:
        return { deleted: await this.idempotency.reap() };
      case CONTROL_JOBS.reapJoinTokens:
        return { deleted: await this.joinTokens.reapExpired() };
      default:
        this.log.warn(`unknown control job ${job.name}`);
        return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.scheduleGuard);
    await this.worker?.close();
    await this.queue?.close();
  }
}
