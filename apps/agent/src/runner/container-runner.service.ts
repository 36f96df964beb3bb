import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentContainerSpec } from '@berth/contracts';
import type { ContainerId, OperationKind } from '@berth/domain';
import type { ContainerJob } from '@berth/queue';
import { ApiClientService } from '../api-client/api-client.service';
import { AGENT_CONFIG, DRIVER, type AgentConfig } from '../config.provider';
import type { Driver, MachineSpec } from '../drivers/driver';
import { EventReporterService } from '../reporter/event-reporter.service';
import { CONTAINER_HOOKS, type ContainerHook } from './container-hook';

export type JobOutcome = 'done' | 'stale' | 'gone';

/**
 * Carries out one container job: fetches the desired spec, skips it when a newer generation exists,
 * then drives the machine through the hooks and the driver, reporting each change it observes.
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
  ) {}

  async handle(kind: OperationKind, job: ContainerJob): Promise<JobOutcome> {
    const spec = await this.api.containerSpec(job.containerId);
    if (!spec) return 'gone';
    if (job.generation < spec.generation) {
      this.log.log(
        `${job.containerId}: skipping ${kind} of generation ${job.generation}; it is at ${spec.generation}`,
      );
      return 'stale';
    }
    const id = job.containerId;
    const base = { generation: job.generation, operationId: job.operationId };
    switch (kind) {
      case 'container.create':
      case 'container.start': {
        await this.reporter.report(id, { ...base, event: 'agent.creating', at: new Date() });
        await this.bringUp(spec);
        await this.reportRunning(id, base);
        return 'done';
      }
      case 'container.restart': {
        await this.driver.stop(id, this.config.stopTimeoutMs);
        await this.bringUp(spec);
        await this.reportRunning(id, base);
        return 'done';
      }
      case 'container.stop': {
        await this.driver.stop(id, this.config.stopTimeoutMs);
        const status = await this.driver.status(id);
        const exitCode = status.state === 'stopped' ? status.exitCode : null;
        const at = status.state === 'stopped' ? status.finishedAt : new Date();
        await this.reporter.report(id, { ...base, event: 'agent.stopped', at, exitCode });
        return 'done';
      }
      case 'container.delete': {
        await this.tearDown(id);
        await this.reporter.report(id, { ...base, event: 'agent.deleted', at: new Date() });
        return 'done';
      }
    }
  }

  /** Removes the machine and releases what the hooks prepared, in reverse order. */
  async tearDown(id: ContainerId): Promise<void> {
    await this.driver.kill(id);
    await this.driver.delete(id);
    for (const hook of [...this.hooks].reverse()) await hook.release(id);
  }

  private async bringUp(spec: AgentContainerSpec): Promise<void> {
    const machine = machineSpecOf(spec);
    for (const hook of this.hooks) await hook.prepare(machine);
    await this.driver.create(machine);
    await this.driver.start(machine.id);
  }

  private async reportRunning(
    id: ContainerId,
    base: { generation: number; operationId: ContainerJob['operationId'] },
  ): Promise<void> {
    const status = await this.driver.status(id);
    if (status.state === 'running') {
      await this.reporter.report(id, { ...base, event: 'agent.running', at: status.startedAt });
    } else if (status.state === 'stopped') {
      // The workload started and already exited: the start succeeded, the container is exited.
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
    image: spec.image,
    command: spec.command,
    env: spec.env,
    resources: spec.resources,
    restartPolicy: spec.restartPolicy,
  };
}
