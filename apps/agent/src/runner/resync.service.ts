import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContainerId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER } from '../config.provider';
import type { Driver } from '../drivers/driver';
import { ContainerRunnerService } from './container-runner.service';
import { resyncGoal } from './reconcile-plan';

/**
 * Run when the agent starts: hands every container the API believes is on this host to the runner's
 * reconcile path (resyncGoal says with which goal; containers with work still queued are left to their
 * jobs), and removes machines whose containers no longer exist.
 */
@Injectable()
export class ResyncService {
  private readonly log = new Logger(ResyncService.name);

  constructor(
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly runner: ContainerRunnerService,
  ) {}

  async resync(): Promise<void> {
    const specs = await this.api.listContainers();
    const wanted = new Set(specs.map((s) => s.id));
    for (const spec of specs) {
      const goal = resyncGoal(spec.state);
      if (goal) await this.runner.reconcile(spec.id as ContainerId, goal, { generation: spec.generation });
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
