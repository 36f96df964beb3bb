import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  AgentContainerSpec,
  AgentContainerWork,
  AgentEventResult,
  AgentExecSpec,
} from '@berth/contracts';
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
import type { Driver, MachineSpec, StartPath } from '../drivers/driver';
import { EventReporterService } from '../reporter/event-reporter.service';
import { LogShipperService } from '../reporter/log-shipper.service';
import { RestartCountStore } from '../state/restart-count.store';
import { reportAfter, type ReconcileGoal } from './reconcile-plan';
import { CONTAINER_HOOKS, type ContainerHook, type HookContext } from './container-hook';

export type JobOutcome = 'done' | 'stale' | 'gone';

const RESTART_BASE_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

/**
 * The per-container runner. A job is claimed (one read: the desired spec and what the hooks need) and
 * skipped when a newer generation exists or the container is gone; otherwise it, like a machine's exit,
 * the restart policy and the start-up resync, goes through `reconcile`: act on the goal, then report
 * what the driver shows. Every step is idempotent, so a job retried after a crash or a lost report is safe.
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
      case 'container.start':
        await this.reconcile(id, { kind: 'up', restart: false }, base, work);
        return 'done';
      case 'container.restart':
        await this.reconcile(id, { kind: 'up', restart: true }, base, work);
        return 'done';
      case 'container.stop':
        await this.reconcile(id, { kind: 'down', report: true }, base);
        return 'done';
      case 'container.delete':
        await this.reconcile(id, { kind: 'gone' }, base);
        return 'done';
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
    await this.reconcile(id, { kind: 'policy-restart' }, { generation: spec.generation });
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

  /**
   * The one reconcile path for a container's machine: acts on the goal (bring it up through the
   * hooks, start it again, stop it, tear it down), then reports what the driver shows, as
   * `reportAfter` decides. Jobs, machine exits, the restart policy and the start-up resync all come
   * through here. Answers the API's verdict on the report (null when there was nothing to report).
   */
  async reconcile(
    id: ContainerId,
    goal: ReconcileGoal,
    base: { generation: number; operationId?: OperationId },
    work?: AgentContainerWork,
  ): Promise<AgentEventResult | null> {
    let started: StartPath | null = null;
    let stoppedAt: Date | null = null;
    switch (goal.kind) {
      case 'up':
        if (!work) throw new Error(`bringing ${id} up needs the work its job claimed`);
        if (goal.restart) {
          await this.driver.stop(id, this.config.stopTimeoutMs);
          // The old run ends here: the reboot that follows is not billed (reported with the start).
          stoppedAt = new Date();
        }
        // A user's start begins the restart policy's count again.
        await this.restarts.reset(id);
        started = await this.bringUp(work);
        break;
      case 'policy-restart':
        started = await this.driver.start(id);
        break;
      case 'down':
        if (goal.report) await this.driver.stop(id, this.config.stopTimeoutMs);
        else if ((await this.driver.status(id)).state === 'running') await this.driver.stop(id, 0);
        break;
      case 'gone':
        await this.tearDown(id);
        await this.restarts.reset(id);
        break;
      case 'exited':
      case 'observe':
        break;
    }
    const report = reportAfter(
      goal,
      await this.driver.status(id),
      new Date(),
      this.driver.name,
      started,
      stoppedAt,
    );
    if (!report) return null;
    // Whoever sees the stop or the exit also sees the workload's last lines.
    if (report.event === 'agent.exited' || report.event === 'agent.stopped') await this.logs.flush(id);
    return this.reporter.report(id, { ...base, ...report });
  }

  /** Removes the machine and releases what the hooks prepared, in reverse order. */
  async tearDown(id: ContainerId): Promise<void> {
    await this.driver.kill(id);
    await this.driver.delete(id);
    for (const hook of [...this.hooks].reverse()) await hook.release(id);
  }

  /** Prepares and starts the machine; answers how the driver started it (null: it already ran). */
  private async bringUp(work: AgentContainerWork): Promise<StartPath | null> {
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
    const started = await this.driver.start(machine.id);
    timeline.started = Date.now() - t0;
    // Milliseconds from the start of bring-up, per step; bench/boot.bench.ts reads this line.
    this.log.log(`job-timeline ${JSON.stringify({ id: spec.id, operationId, at: t0, ...timeline })}`);
    return started;
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
