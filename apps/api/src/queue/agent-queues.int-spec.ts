import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { newId, type HostId } from '@berth/domain';
import { agentQueueName, agentRedisKeyPatterns, HOST_SYNC_JOB } from '@berth/queue';
import { startEphemeralRedis, waitFor, type RunningService } from '@berth/testing';
import type { ApiConfig } from '../config.provider';
import { AGENT_REDIS_COMMAND_RULES } from '../hosts/agent-redis-users.service';
import { AgentQueuesService, type NudgeJob } from './agent-queues.service';

jest.setTimeout(60_000);

/** The real service on a Redis, counting the batches its transport sends. */
class CountingQueues extends AgentQueuesService {
  readonly batches: HostId[][] = [];
  protected override addNudges(jobs: readonly NudgeJob[]): Promise<PromiseSettledResult<unknown>[]> {
    this.batches.push(jobs.map((j) => j.hostId));
    return super.addNudges(jobs);
  }
}

function configFor(redisUrl: string, prefix: string, nudgeWindowMs: number): ApiConfig {
  return { redisUrl, queuePrefix: prefix, nudgeWindowMs } as Partial<ApiConfig> as ApiConfig;
}

/** Data-plane nudges (`host.sync`) against the real test Redis and BullMQ, each test with its own prefix. */
describe('AgentQueuesService nudges (real Redis)', () => {
  const url = process.env.BERTH_TEST_REDIS_URL!;
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function service(nudgeWindowMs = 50, redisUrl = url) {
    const prefix = `nudge${randomBytes(4).toString('hex')}`;
    const svc = new CountingQueues(configFor(redisUrl, prefix, nudgeWindowMs));
    closers.push(() => svc.onModuleDestroy());
    return { svc, prefix };
  }

  function connection(): Redis {
    const r = new Redis(url, { maxRetriesPerRequest: null });
    closers.push(() => r.disconnect());
    return r;
  }

  function queue(prefix: string, hostId: HostId): Queue {
    const q = new Queue(agentQueueName(hostId), { connection: connection(), prefix });
    closers.push(() => q.close());
    return q;
  }

  it('sends the nudges of one turn as one batch, one job per host', async () => {
    const { svc, prefix } = service();
    const hosts = [newId('hst'), newId('hst'), newId('hst')];
    await Promise.all(Array.from({ length: 20 }, (_, i) => svc.nudgeHosts([hosts[i % 3]!, null])));
    expect(svc.batches).toEqual([hosts]);
    for (const h of hosts) {
      const jobs = await queue(prefix, h).getJobs(['waiting']);
      expect(jobs.map((j) => [j.name, j.data])).toEqual([[HOST_SYNC_JOB, { hostId: h }]]);
    }
  });

  it('collapses nudges into the one that waits: later batches add no job', async () => {
    const { svc, prefix } = service(0);
    const host = newId('hst');
    for (let i = 0; i < 3; i++) await svc.nudgeHost(host);
    expect(svc.batches).toEqual([[host], [host], [host]]);
    expect(await queue(prefix, host).getWaitingCount()).toBe(1);
  });

  /** A connection as the host's agent makes it: its own Redis user, its queue's keys only. */
  async function agentConnection(prefix: string, host: HostId): Promise<Redis> {
    const admin = connection();
    const username = `nudge-agent-${host}`;
    const password = randomBytes(12).toString('hex');
    await admin.call(
      'ACL',
      'SETUSER',
      username,
      'reset',
      'on',
      `>${password}`,
      ...agentRedisKeyPatterns(prefix, host).map((p) => `~${p}`),
      'resetchannels',
      ...AGENT_REDIS_COMMAND_RULES,
    );
    closers.push(async () => {
      await admin.call('ACL', 'DELUSER', username);
    });
    const r = new Redis(url, { username, password, maxRetriesPerRequest: null });
    closers.push(() => r.disconnect());
    return r;
  }

  it('keeps a nudge that arrives while the host syncs: the agent syncs again after it', async () => {
    const { svc, prefix } = service(0);
    const host = newId('hst');
    let release!: () => void;
    const firstHeld = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    const worker = new Worker(
      agentQueueName(host),
      async (job: Job) => {
        ran.push(job.id!);
        if (ran.length === 1) await firstHeld;
      },
      // As the agent: the next job is made by the agent's own finishing of the one it ran.
      { connection: await agentConnection(prefix, host), prefix, concurrency: 4 },
    );
    closers.push(() => worker.close());
    await svc.nudgeHost(host);
    await waitFor('the first sync to run', () => Promise.resolve(ran.length === 1), 10_000);
    // A change committed while the agent's sync runs (it may have read its data plane already).
    await svc.nudgeHost(host);
    await svc.nudgeHost(host);
    release();
    await waitFor('a second sync', () => Promise.resolve(ran.length === 2), 10_000);
    await waitFor('the queue to empty', async () => (await queue(prefix, host).count()) === 0, 10_000);
    // Both nudges made during the first sync were one more sync, not two.
    expect(ran).toHaveLength(2);
  });

  it('writes a batch to Redis together (one pipelined write)', async () => {
    // A Redis of its own: its read counter sees this test's traffic only.
    const redis: RunningService = await startEphemeralRedis();
    closers.push(() => redis.stop());
    const admin = new Redis(redis.url);
    closers.push(() => admin.disconnect());
    const { svc } = service(0, redis.url);
    const hosts = Array.from({ length: 20 }, () => newId('hst'));
    await svc.nudgeHosts(hosts); // the queues exist and the scripts are loaded
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await admin.info('stats'))![1]);
    const before = await reads();
    await svc.nudgeHosts(hosts);
    // One read for the batch's 20 adds, and one for each INFO asked here.
    expect((await reads()) - before).toBeLessThanOrEqual(3);
  });

  it('sends what waits for its window on shutdown', async () => {
    const { svc, prefix } = service(60_000);
    const [a, b] = [newId('hst'), newId('hst')];
    await svc.nudgeHost(a);
    const waiting = svc.nudgeHost(b); // within the minute's window: waits for it
    await svc.onModuleDestroy();
    await waiting;
    expect(await queue(prefix, b).getWaitingCount()).toBe(1);
    expect(svc.batches).toEqual([[a], [b]]);
  });

  it('logs a nudge it cannot send and does not throw', async () => {
    const closed = await startEphemeralRedis();
    const gone = closed.url;
    await closed.stop();
    const { svc } = service(0, gone);
    await expect(svc.nudgeHosts([newId('hst')])).resolves.toBeUndefined();
  });
});
