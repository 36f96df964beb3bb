import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ControlPlaneRepository,
  HostContainerRepository,
  HostRepository,
  inTransaction,
  type OperationEntity,
} from '@berth/db';
import { controlPlaneOutageAfterMs, nextHostState, type HostId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { ContainerLifecycleExecutor } from '../containers/container-lifecycle.executor';

/**
 * Marks hosts lost when their heartbeats stop, and their containers with them. A lost container's
 * state change is dated at the host's last heartbeat (its own clock): the last moment it was known
 * to run, which is where billing closes its interval. A container the planner moves (restart=always,
 * nothing holding it to the host) is placed on another host in the same transaction, and its create
 * is queued there once that commits.
 *
 * The control plane's own outage is never counted against a host: each tick marks the control plane
 * alive in Postgres, and silence is measured from the later of a host's last heartbeat and the control
 * plane's last resumption, all by the database's clock.
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
    const liveness = await new ControlPlaneRepository(this.ds.manager).markAlive(
      controlPlaneOutageAfterMs(this.config.reaperIntervalMs, this.config.hostLostAfterMs),
    );
    if (liveness.resumed) {
      this.log.warn(
        `control plane back after an outage: hosts have ${this.config.hostLostAfterMs} ms from ${liveness.resumedAt.toISOString()} to heartbeat`,
      );
    }
    const stale = await new HostRepository(this.ds.manager).silentFor(this.config.hostLostAfterMs);
    const lost: HostId[] = [];
    for (const id of stale) {
      if (await this.markLost(id)) lost.push(id);
    }
    return lost;
  }

  private async markLost(hostId: HostId): Promise<boolean> {
    const { lost, nudge, enqueue } = await this.markLostInTransaction(hostId);
    // The moved containers' creates, on their new hosts.
    for (const op of enqueue) await this.queues.enqueue(op);
    // Containers that ended `deleted` left their networks, and moved ones have a new underlay: their
    // peers on other hosts are told.
    await this.queues.nudgeHosts([...new Set(nudge)].filter((h) => h !== hostId));
    return lost;
  }

  private markLostInTransaction(
    hostId: HostId,
  ): Promise<{ lost: boolean; nudge: HostId[]; enqueue: OperationEntity[] }> {
    return inTransaction(this.ds, async (em) => {
      const nudge: HostId[] = [];
      const enqueue: OperationEntity[] = [];
      const hosts = new HostRepository(em);
      const host = await hosts.lockById(hostId);
      if (!host) return { lost: false, nudge, enqueue };
      // Re-check under the lock, by the same rule and clock as the scan: a heartbeat may have landed since.
      const next = nextHostState(host.state, 'heartbeat.missed');
      if (next === null || !(await hosts.isSilentFor(hostId, this.config.hostLostAfterMs))) {
        return { lost: false, nudge, enqueue };
      }
      host.state = next;
      host.stateChangedAt = new Date();
      // Counted, so that heartbeats ask its agent to resync until it says it has (HostsService.heartbeat).
      if (next === 'lost') host.lossEpoch += 1;
      await em.save(host);
      const lastSeen = host.lastHeartbeatHostAt ?? host.lastHeartbeatAt;
      const containers = await new HostContainerRepository(em).lockLiveOnHost(hostId);
      const reason = { code: 'host/lost', message: `host ${host.name} stopped answering` };
      let moved = 0;
      for (const c of containers) {
        // Nothing after the host's last heartbeat can be vouched for: usage ends there.
        const {
          plan,
          operation,
          nudge: peers,
        } = await this.lifecycle.run(em, c, {
          event: 'host.lost',
          at: lastSeen,
          clock: host.lastHeartbeatHostAt ? 'host' : 'api',
          now: new Date(),
          reason,
        });
        nudge.push(...peers);
        if (plan.move && operation) {
          moved += 1;
          enqueue.push(operation);
        }
      }
      metrics.hostsLost.inc();
      this.log.warn(
        `host ${host.name} (${host.id}) lost: no heartbeat since ${host.lastHeartbeatAt.toISOString()}; ${containers.length} containers affected, ${moved} started on other hosts`,
      );
      return { lost: true, nudge, enqueue };
    });
  }
}
