import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HostContainerRepository, HostRepository, inTransaction } from '@berth/db';
import { nextHostState, type HostId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { ContainerLifecycleExecutor } from '../containers/container-lifecycle.executor';

/**
 * Marks hosts lost when their heartbeats stop, and their containers with them. A lost container's
 * state change is dated at the host's last heartbeat (its own clock): the last moment it was known
 * to run, which is where billing closes its interval.
 */
@Injectable()
export class HostReaperService {
  private readonly log = new Logger(HostReaperService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly lifecycle: ContainerLifecycleExecutor,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Returns the ids of the hosts it marked lost. Safe to run concurrently and repeatedly. */
  async reap(): Promise<HostId[]> {
    const stale = await new HostRepository(this.ds.manager).silentFor(this.config.hostLostAfterMs);
    const lost: HostId[] = [];
    for (const id of stale) {
      if (await this.markLost(id)) lost.push(id);
    }
    return lost;
  }

  private async markLost(hostId: HostId): Promise<boolean> {
    const { lost, nudge } = await this.markLostInTransaction(hostId);
    // Containers that ended `deleted` left their networks: their peers on other hosts are told.
    await this.queues.nudgeHosts(nudge.filter((h) => h !== hostId));
    return lost;
  }

  private markLostInTransaction(hostId: HostId): Promise<{ lost: boolean; nudge: HostId[] }> {
    return inTransaction(this.ds, async (em) => {
      const nudge: HostId[] = [];
      const host = await new HostRepository(em).lockById(hostId);
      if (!host) return { lost: false, nudge };
      // Re-check under the lock: a heartbeat may have landed since the scan.
      const deadline = Date.now() - this.config.hostLostAfterMs;
      const next = nextHostState(host.state, 'heartbeat.missed');
      if (next === null || host.lastHeartbeatAt.getTime() >= deadline) return { lost: false, nudge };
      host.state = next;
      host.stateChangedAt = new Date();
      await em.save(host);
      const lastSeen = host.lastHeartbeatHostAt ?? host.lastHeartbeatAt;
      const containers = await new HostContainerRepository(em).lockLiveOnHost(hostId);
      const reason = { code: 'host/lost', message: `host ${host.name} stopped answering` };
      for (const c of containers) {
        // Nothing after the host's last heartbeat can be vouched for: usage ends there.
        const { nudge: peers } = await this.lifecycle.run(em, c, {
          event: 'host.lost',
          at: lastSeen,
          clock: host.lastHeartbeatHostAt ? 'host' : 'api',
          now: new Date(),
          reason,
        });
        nudge.push(...peers);
      }
      metrics.hostsLost.inc();
      this.log.warn(
        `host ${host.name} (${host.id}) lost: no heartbeat since ${host.lastHeartbeatAt.toISOString()}; ${containers.length} containers affected`,
      );
      return { lost: true, nudge };
    });
  }
}
