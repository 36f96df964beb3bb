import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentContainerSpec, AgentContainerWork, AgentExecSpec } from '@berth/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  parseRestartPolicy,
  shouldRestart,
  type ContainerId,
  type OperationId,
  type OperationKind,
  type TenantId,
} from '@berth/domain';
import type { ContainerJob } from '@berth/queue';
import { ApiClientService } from '../api-client/api-client.service';
import { AGENT_CONFIG, DRIVER, type AgentConfig } from '../config.provider';
import { faultOf } from '../agent-fault';
import type { Driver, MachineSpec } from '../drivers/driver';
import { EventReporterService } from '../reporter/event-reporter.service';
import { LogShipperService } from '../reporter/log-shipper.service';
import { RestartCountStore } from '../state/restart-count.store';
import { CONTAINER_HOOKS, type ContainerHook, type HookContext } from './container-hook';

export type JobOutcome = 'done' | 'stale' | 'gone';

const RESTART_BASE_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

/**
 * Carries out one container job: claims it (one read: the desired spec and what the hooks need), skips
 * it when a newer generation exists or the container is gone, then drives the machine through the hooks and the driver, reporting each change it observes.
 * Every step is idempotent, so a job retried after a crash or a lost report is safe.
 */
@Injectable()
export class ContainerRunnerService {
  private readonly log = new Logger(ContainerRunnerService.name);

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
    @Inject(CONTAINER_HOOKS) private readonly hooks: readonly ContainerHook[],
    private readonly api: ApiClientService,
    private readonly reporter: EventReporterService,
    private readonly logs: LogShipperService,
    private readonly restarts: RestartCountStore,
  ) {}

  async handle(kind: OperationKind, job: ContainerJob): Promise<JobOutcome> {
    // The one read of the job: a create or start is recorded as begun (`creating`) by this claim.
    const work = await this.api.claim(job.operationId, {
      at: new Date().toISOString(),
      generation: job.generation,
    });
    if (work.kind === 'skip') {
      this.log.log(
        `${job.containerId}: skipping ${kind} of generation ${job.generation}: ` +
          (work.reason === 'gone' ? 'the container is gone' : `it is at ${work.generation ?? '?'}`),
      );
      return work.reason;
    }
    if (work.kind === 'exec') return this.exec(job, work.exec);
    if (work.kind !== 'container')
      throw new Error(`${kind} ${job.operationId} was answered ${work.kind} work`);
    const id = job.containerId;
    const base = { generation: job.generation, operationId: job.operationId };
    switch (kind) {
      case 'container.create':
      case 'container.start': {
        await this.restarts.reset(id);
        await this.bringUp(work);
        await this.reportRunning(id, base);
        return 'done';
      }
      case 'container.restart': {
        await this.driver.stop(id, this.config.stopTimeoutMs);
        await this.restarts.reset(id);
        await this.bringUp(work);
        await this.reportRunning(id, base);
        return 'done';
      }
      case 'container.stop': {
        await this.driver.stop(id, this.config.stopTimeoutMs);
        const status = await this.driver.status(id);
        const exitCode = status.state === 'stopped' ? status.exitCode : null;
        const at = status.state === 'stopped' ? status.finishedAt : new Date();
        await this.logs.flush(id);
        await this.reporter.report(id, { ...base, event: 'agent.stopped', at, exitCode });
        return 'done';
      }
      case 'container.delete': {
        await this.tearDown(id);
        await this.restarts.reset(id);
        await this.reporter.report(id, { ...base, event: 'agent.deleted', at: new Date() });
        return 'done';
      }
      case 'container.exec':
      case 'image.pull':
      case 'volume.create':
      case 'volume.delete':
      case 'snapshot.create':
      case 'snapshot.delete':
        throw new Error(`${kind} is not a container job`);
    }
  }

  /**
   * Applies the restart policy to a workload that exited by itself: boots the machine again (its
   * writable layer kept) after a growing delay, and reports it running. Returns whether it restarted.
   */
  async restartAfterExit(id: ContainerId, exitCode: number | null): Promise<boolean> {
    const spec = await this.api.containerSpec(id);
    if (!spec || spec.state !== 'exited') return false;
    const policy = parseRestartPolicy(spec.restartPolicy);
    const count = await this.restarts.get(id);
    if (!shouldRestart(policy, exitCode ?? 137, count)) {
      if (policy.name !== 'no') {
        this.log.log(`${id}: left exited: restart policy ${spec.restartPolicy} after ${count} restarts`);
      }
      return false;
    }
    await this.restarts.set(id, count + 1);
    await sleep(Math.min(RESTART_BASE_DELAY_MS * 2 ** count, RESTART_MAX_DELAY_MS));
    const again = await this.api.containerSpec(id);
    // A user action (stop, delete, start) since the exit takes precedence over the policy.
    if (!again || again.state !== 'exited' || again.generation !== spec.generation) return false;
    await this.driver.start(id);
    await this.reportRunning(id, { generation: spec.generation });
    return true;
  }

  /** Runs an exec at most once: BullMQ gives exec jobs a single attempt, and results are reported, not thrown. */
  private async exec(job: ContainerJob, exec: AgentExecSpec): Promise<JobOutcome> {
    try {
      const r = await this.driver.exec(job.containerId, {
        args: exec.command,
        env: exec.env,
        ...(exec.workdir ? { workdir: exec.workdir } : {}),
        ...(exec.user ? { user: exec.user } : {}),
        timeoutMs: exec.timeoutMs,
      });
      await this.api.result(job.operationId, {
        type: 'exec',
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
      });
    } catch (err) {
      await this.api.result(job.operationId, { type: 'failure', error: faultOf(err, 'exec/failed').report });
    }
    return 'done';
  }

  /** Removes the machine and releases what the hooks prepared, in reverse order. */
  async tearDown(id: ContainerId): Promise<void> {
    await this.driver.kill(id);
    await this.driver.delete(id);
    for (const hook of [...this.hooks].reverse()) await hook.release(id);
  }

  private async bringUp(work: AgentContainerWork): Promise<void> {
    const { spec } = work;
    const operationId = work.operationId as OperationId;
    const t0 = Date.now();
    const timeline: Record<string, number> = {};
    let machine = machineSpecOf(spec);
    const ctx: HookContext = {
      tenantId: spec.tenantId as TenantId,
      operationId,
      registryCredentials: work.registryCredentials,
      dataplane: work.dataplane,
    };
    for (const hook of this.hooks) {
      machine = { ...machine, ...(await hook.prepare(machine, ctx)) };
      timeline[hook.name] = Date.now() - t0;
    }
    await this.driver.create(machine);
    timeline.created = Date.now() - t0;
    await this.driver.start(machine.id);
    timeline.started = Date.now() - t0;
    // Milliseconds from the start of bring-up, per step; bench/boot.bench.ts reads this line.
    this.log.log(`job-timeline ${JSON.stringify({ id: spec.id, operationId, at: t0, ...timeline })}`);
  }

  private async reportRunning(
    id: ContainerId,
    base: { generation: number; operationId?: OperationId },
  ): Promise<void> {
    const status = await this.driver.status(id);
    if (status.state === 'running') {
      await this.reporter.report(id, { ...base, event: 'agent.running', at: status.startedAt });
    } else if (status.state === 'stopped') {
      // The workload started and already exited: the start succeeded, the container is exited.
      await this.logs.flush(id);
      await this.reporter.report(id, {
        ...base,
        event: 'agent.exited',
        at: status.finishedAt,
        exitCode: status.exitCode,
      });
    } else {
      throw new Error(`machine ${id} is ${status.state} right after start`);
    }
  }
}

export function machineSpecOf(spec: AgentContainerSpec): MachineSpec {
  return {
    id: spec.id as ContainerId,
    name: spec.name,
    image: spec.image,
    command: spec.command,
    env: spec.env,
    resources: spec.resources,
    restartPolicy: spec.restartPolicy,
    ...(spec.nics ? { nics: spec.nics } : {}),
    ...(spec.volumes && spec.volumes.length > 0 ? { volumeMounts: spec.volumes } : {}),
  };
}
