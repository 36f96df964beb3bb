import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContainerId } from '@berth/domain';
import { AgentFault } from '../agent-fault';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER } from '../config.provider';
import type { Driver } from '../drivers/driver';
import { EventReporterService } from '../reporter/event-reporter.service';
import { ContainerRunnerService } from './container-runner.service';

/**
 * Run when the agent starts: compares what the API believes is on this host with what the driver
 * really has, reports the differences, and removes machines whose containers no longer exist.
 * Containers with work still queued (pending, creating, starting, ...) are left to their jobs.
 */
@Injectable()
export class ResyncService {
  private readonly log = new Logger(ResyncService.name);

  constructor(
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly reporter: EventReporterService,
    private readonly runner: ContainerRunnerService,
  ) {}

  async resync(): Promise<void> {
    const specs = await this.api.listContainers();
    const wanted = new Set(specs.map((s) => s.id));
    for (const spec of specs) {
      const id = spec.id as ContainerId;
      const status = await this.driver.status(id);
      const base = { generation: spec.generation, at: new Date() };
      switch (spec.state) {
        case 'running':
        case 'lost':
          if (status.state === 'running') {
            if (spec.state === 'lost')
              await this.reporter.report(id, { ...base, event: 'agent.running', at: status.startedAt });
          } else if (status.state === 'stopped') {
            await this.reporter.report(id, {
              ...base,
              event: 'agent.exited',
              at: status.finishedAt,
              exitCode: status.exitCode,
            });
          } else {
            await this.reporter.report(id, {
              ...base,
              event: 'agent.failed',
              error: new AgentFault(
                'host/machine_missing',
                `the machine was not on the host when its agent started (driver ${this.driver.name})`,
                true,
              ).report,
            });
          }
          break;
        case 'deleting':
          await this.runner.tearDown(id);
          await this.reporter.report(id, { ...base, event: 'agent.deleted' });
          break;
        case 'stopped':
        case 'exited':
        case 'failed':
          if (status.state === 'running') await this.driver.stop(id, 0);
          break;
        case 'pending':
        case 'creating':
        case 'starting':
        case 'stopping':
        case 'restarting':
        case 'deleted':
          break;
      }
    }
    for (const id of await this.driver.list()) {
      if (!wanted.has(id)) {
        this.log.warn(`${id}: machine has no container any more; removing it`);
        await this.runner.tearDown(id);
      }
    }
    this.log.log(`resync done: ${specs.length} containers on this host`);
  }
}
