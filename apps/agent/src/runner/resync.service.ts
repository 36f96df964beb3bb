import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentContainerSpec } from '@berth/contracts';
import type { ContainerId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER } from '../config.provider';
import type { Driver } from '../drivers/driver';
import { ReportGate } from '../reporter/report-gate';
import { VouchStore } from '../state/vouch.store';
import { ContainerRunnerService } from './container-runner.service';
import { resyncGoal } from './reconcile-plan';

/** How long a resync after a loss waits before trying again when the API did not answer. */
const RETRY_AFTER_MS = 1_000;

/**
 * Run when the agent starts, and when a heartbeat says the host was lost: first removes machines whose
 * containers are no longer this host's (deleted, or started on another host while this one was lost;
 * the API's list is fenced by host id, and nothing else is reported meanwhile), then hands every
 * container the API believes is on this host to the runner's reconcile path (resyncGoal says with which
 * goal; containers with work still queued are left to their jobs).
 */
@Injectable()
export class ResyncService {
  private readonly log = new Logger(ResyncService.name);
  private afterLoss: Promise<void> | null = null;

  constructor(
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly runner: ContainerRunnerService,
    private readonly gate: ReportGate,
    private readonly vouch: VouchStore,
  ) {}

  /**
   * `vouchedUntil`: the last moment the host vouched for its machines before this resync, when an end
   * found now was not seen (an agent restart): such ends are dated no later (reportAfter).
   */
  async resync(vouchedUntil: Date | null = this.vouch.previousRun): Promise<void> {
    const specs = await this.gate.holdWhile(() => this.stopUnwanted());
    for (const spec of specs) {
      const goal = resyncGoal(spec.state, vouchedUntil);
      if (goal) await this.runner.reconcile(spec.id as ContainerId, goal, { generation: spec.generation });
    }
    this.log.log(`resync done: ${specs.length} containers on this host`);
  }

  /**
   * The heartbeat found the host was lost until now: resync at once, retrying until the API answers
   * (the heartbeat that said so will not say it again). At most one runs; a call meanwhile joins it.
   */
  resyncAfterLoss(): Promise<void> {
    this.afterLoss ??= (async () => {
      for (;;) {
        try {
          // The agent ran all along: every end it did not report itself, it finds dated by its driver.
          return await this.resync(null);
        } catch (err) {
          this.log.warn(
            `resync after loss failed, retrying: ${err instanceof Error ? err.message : String(err)}`,
          );
          await sleep(RETRY_AFTER_MS);
        }
      }
    })().finally(() => (this.afterLoss = null));
    return this.afterLoss;
  }

  /** Removes the machines of containers that are not this host's; answers the containers that are. */
  private async stopUnwanted(): Promise<AgentContainerSpec[]> {
    const specs = await this.api.listContainers();
    const wanted = new Set(specs.map((s) => s.id));
    for (const id of await this.driver.list()) {
      // A job may have made the machine since the list was read (the queue runs while a lost host
      // resyncs): asked again, one by one, only for machines the list does not name.
      if (!wanted.has(id) && !isLive(await this.api.containerSpec(id))) {
        this.log.warn(`${id}: machine has no container on this host any more; removing it`);
        await this.runner.tearDown(id);
      }
    }
    return specs;
  }
}

/** Whether the API holds the container on this host and not deleted (a deleted one keeps its host id). */
function isLive(spec: AgentContainerSpec | null): boolean {
  return spec !== null && spec.state !== 'deleted';
}
