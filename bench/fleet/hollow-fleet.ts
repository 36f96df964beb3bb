/**
 * SIMULATION. A hollow fleet: N berth hosts in one process, each running the real agent (its Nest
 * module, registration, heartbeat, queue worker, runner and reporter) with the `hollow` driver, whose
 * machines are records (as Kubernetes' kubemark hollow nodes are). It loads the control plane as N real
 * agents would: every host registers with the join token, heartbeats on its own timer, consumes its own
 * queue `agent.<hostId>` with its own Redis login, claims its jobs and reports through the agent API.
 * For scale benchmarks of the control plane only (bench/control-plane.bench.ts), never proof that a
 * feature works on real machines.
 *
 * Redis: each host keeps its own connections (the worker's and BullMQ's blocking one). They cannot be
 * shared: a connection is logged in as one Redis user, and each host's user reaches only its own queue
 * (apps/api/src/hosts/agent-redis-users.service.ts). 1,000 hosts are about 2,000 sockets; see
 * `sockets()`.
 */
import { mkdir, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { loadAgentConfig } from '../../libs/config/src';
import type { HostId } from '../../libs/domain/src';
import { AgentModule } from '../../apps/agent/src/agent.module';
import { DRIVER } from '../../apps/agent/src/config.provider';
import type { Driver } from '../../apps/agent/src/drivers/driver';
import { ContainerJobsProcessor } from '../../apps/agent/src/processors/container-jobs.processor';
import { MachineExitsListener } from '../../apps/agent/src/processors/machine-exits.listener';
import { EventReporterService } from '../../apps/agent/src/reporter/event-reporter.service';
import { HeartbeatService } from '../../apps/agent/src/reporter/heartbeat.service';
import { LogShipperService } from '../../apps/agent/src/reporter/log-shipper.service';
import {
  registrationNeedsOperator,
  RegistrationService,
} from '../../apps/agent/src/reporter/registration.service';
import { ResyncService } from '../../apps/agent/src/runner/resync.service';
import { untilDone } from '../../apps/agent/src/start-up-retry';
import { StorageJobsService } from '../../apps/agent/src/volumes/storage-jobs.service';
import { hostAddress, heartbeatOffsetMs, mapBounded } from './fleet-plan';

/** Tries of each start-up step before a host fails the fleet's start (an agent tries for ever). */
const START_UP_ATTEMPTS = 8;

export interface FleetOptions {
  readonly apiUrl: string;
  /** Where Redis is; any credentials in it are dropped by the agent (each host logs in as its own user). */
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** A join token (the operator's `berth admin join-tokens create`, or the API's bootstrap token). */
  readonly joinToken: string;
  readonly hosts: number;
  /** Host names are `<namePrefix>-<i>`. */
  readonly namePrefix: string;
  /** Each host's state dir (its token and Redis login) is made under it; removed by stop(). */
  readonly stateRoot: string;
  readonly heartbeatIntervalMs: number;
  readonly bootDelayMs: number;
  /** Jobs at once per host (the agent's BERTH_AGENT_CONCURRENCY); the agent's default when absent. */
  readonly concurrency?: number;
  /** Registrations at once (each agent's own start-up; a real fleet starts as it pleases). */
  readonly registerConcurrency: number;
  readonly capacity: { readonly vcpu: number; readonly memoryMib: number; readonly diskGib: number };
  /** Called when the API answers a host's report with the container running (the API's own view). */
  readonly onRunning?: (containerId: string, at: number) => void;
  /** The agents' log level (pino): warn by default, so that 1,000 hosts do not flood the output. */
  readonly logLevel?: string;
}

export interface SimulatedHost {
  readonly index: number;
  readonly name: string;
  readonly hostId: HostId;
  /** ms this host's registration took (the API's answer to the join). */
  readonly registerMs: number;
  /**
   * Registration attempts that failed before one went through (an answer lost to the agent's timeout,
   * the API busy): the agent repeats its join with its join key, so none leaves the host half-registered.
   */
  readonly registerRetries: number;
}

interface RunningHost extends SimulatedHost {
  readonly app: INestApplicationContext;
  readonly stop: (force: boolean) => Promise<void>;
}

/** N simulated hosts in this process; `HollowFleet.start` resolves once every host consumes its queue. */
export class HollowFleet {
  private stopped = false;

  private constructor(
    private readonly opts: FleetOptions,
    private readonly running: RunningHost[],
    /** Wall time to register and start every host. */
    readonly startMs: number,
  ) {}

  get hosts(): readonly SimulatedHost[] {
    return this.running.map(({ index, name, hostId, registerMs, registerRetries }) => ({
      index,
      name,
      hostId,
      registerMs,
      registerRetries,
    }));
  }

  static async start(opts: FleetOptions, logger?: LoggerService): Promise<HollowFleet> {
    const t0 = Date.now();
    const log = logger ?? quietLogger(opts.logLevel ?? 'warn');
    log.warn?.(
      `hollow fleet: ${opts.hosts} SIMULATED hosts (driver hollow: machines are records, nothing runs)`,
      'hollow-fleet',
    );
    const started: RunningHost[] = [];
    try {
      await mapBounded(opts.hosts, opts.registerConcurrency, async (i) => {
        started.push(await startHost(opts, i, log, t0));
      });
    } catch (err) {
      await Promise.all(started.map((h) => h.stop(true).catch(() => undefined)));
      await rm(opts.stateRoot, { recursive: true, force: true });
      throw err;
    }
    started.sort((a, b) => a.index - b.index);
    return new HollowFleet(opts, started, Date.now() - t0);
  }

  /** Sockets this process holds open (Redis and HTTP), for the bench's report. */
  static sockets(): number {
    try {
      return readdirSync('/proc/self/fd').length;
    } catch {
      return NaN;
    }
  }

  /** `force`: drop jobs in hand instead of finishing them. */
  async stop(force = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.running.map((h) => h.stop(force).catch(() => undefined)));
    await rm(this.opts.stateRoot, { recursive: true, force: true });
  }
}

/** The agent's start-up, as apps/agent/src/main.ts does it (keep in step), for host `i` of the fleet. */
async function startHost(
  opts: FleetOptions,
  i: number,
  log: LoggerService,
  t0: number,
): Promise<RunningHost> {
  const name = `${opts.namePrefix}-${i}`;
  const stateDir = path.join(opts.stateRoot, name);
  await mkdir(stateDir, { recursive: true });
  const config = loadAgentConfig({
    BERTH_API_URL: opts.apiUrl,
    REDIS_URL: opts.redisUrl,
    BERTH_QUEUE_PREFIX: opts.queuePrefix,
    BERTH_AGENT_JOIN_TOKEN: opts.joinToken,
    BERTH_HOST_NAME: name,
    BERTH_HOST_ADDRESS: hostAddress(i),
    BERTH_HOST_VCPU: String(opts.capacity.vcpu),
    BERTH_HOST_MEMORY_MIB: String(opts.capacity.memoryMib),
    BERTH_HOST_DISK_GIB: String(opts.capacity.diskGib),
    BERTH_DRIVER: 'hollow',
    BERTH_HOLLOW_BOOT_DELAY_MS: String(opts.bootDelayMs),
    BERTH_HEARTBEAT_INTERVAL_MS: String(opts.heartbeatIntervalMs),
    ...(opts.concurrency ? { BERTH_AGENT_CONCURRENCY: String(opts.concurrency) } : {}),
    BERTH_STATE_DIR: stateDir,
    // A declared pool size: no statfs and no pool directories for each of 1,000 hosts.
    BERTH_VOLUME_CAPACITY_GIB: '100',
    BERTH_VM_TEMPLATES: 'off',
    BERTH_LOG_LEVEL: opts.logLevel ?? 'warn',
  });
  const app = await NestFactory.createApplicationContext(AgentModule.forConfig(config), {
    logger: log,
    abortOnError: false,
  });
  try {
    const driver = app.get<Driver>(DRIVER);
    if (!driver.capabilities().simulation) throw new Error('the hollow fleet runs the hollow driver only');
    const registration = app.get(RegistrationService);
    const r0 = Date.now();
    let registerRetries = 0;
    const hostId = await untilDone(
      'registration',
      (m) => {
        registerRetries++;
        log.warn?.(`SIMULATED host ${name}: ${m}`, 'hollow-fleet');
      },
      () => registration.ensureRegistered(),
      registrationNeedsOperator,
      START_UP_ATTEMPTS,
    );
    const registerMs = Date.now() - r0;
    observeRunning(app.get(EventReporterService), opts.onRunning);
    const heartbeat = app.get(HeartbeatService);
    // Spread over the interval: hosts registered in a burst must not all beat in the same instant.
    const offset = heartbeatOffsetMs(i, opts.hosts, opts.heartbeatIntervalMs, Date.now() - t0);
    const beatTimer = setTimeout(
      () =>
        heartbeat.start(
          () => log.error(`SIMULATED host ${name}: the API refused its host token`, 'hollow-fleet'),
          // As the agent does: a host told it was lost removes what is no longer its own.
          () => app.get(ResyncService).resyncAfterLoss(),
        ),
      offset,
    );
    const warn = (m: string): void => void log.warn?.(`SIMULATED host ${name}: ${m}`, 'hollow-fleet');
    const resync = app.get(ResyncService);
    await untilDone('resync', warn, () => resync.resync(), undefined, START_UP_ATTEMPTS);
    const storage = app.get(StorageJobsService);
    await untilDone('storage resync', warn, () => storage.resync(), undefined, START_UP_ATTEMPTS);
    app.get(MachineExitsListener).listen();
    app.get(LogShipperService).listen(hostId);
    const processor = app.get(ContainerJobsProcessor);
    processor.start(hostId);
    return {
      index: i,
      name,
      hostId,
      registerMs,
      registerRetries,
      app,
      stop: async (force) => {
        clearTimeout(beatTimer);
        await processor.stop(force);
        await heartbeat.stop();
        await driver.close();
        await app.close();
      },
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Tells `onRunning` when the API answers a report with the container running: the moment the API
 * committed it, seen without asking the API anything more (polling would add to the load measured).
 */
function observeRunning(reporter: EventReporterService, onRunning: FleetOptions['onRunning']): void {
  if (!onRunning) return;
  const report = reporter.report.bind(reporter);
  reporter.report = async (id, change) => {
    const result = await report(id, change);
    if (result.state === 'running') onRunning(id, Date.now());
    return result;
  };
}

/** The agent's own Nest logger setting for every host at once: warnings and errors only by default. */
function quietLogger(level: string): LoggerService {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  const min = order.indexOf(level);
  const at =
    (lvl: string) =>
    (message: unknown, context?: unknown): void => {
      if (order.indexOf(lvl) < min) return;
      process.stderr.write(
        `${JSON.stringify({ app: 'berth-hollow-fleet', simulation: true, level: lvl, context, msg: String(message) })}\n`,
      );
    };
  return { log: at('info'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('trace') };
}
