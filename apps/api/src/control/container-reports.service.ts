import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  AgentContainerSpec,
  AgentEventReport,
  AgentEventResult,
  AgentNic,
  AgentVolumeMount,
} from '@berth/contracts';
import { HostContainerRepository, inTransaction, OperationEntity, type ContainerEntity } from '@berth/db';
import {
  DomainError,
  nextContainerState,
  operationGoalReached,
  parseCidr,
  type ContainerId,
  type HostId,
} from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { finishOperation, markOperationRunning } from '../operations/operation-ledger';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { agentVolumesOf } from '../volumes/volume-ledger';
import { closeOpenUsage, openContainerUsage } from '../usage/usage-ledger';
import { releaseDeletedContainer } from '../containers/release-deleted-container';

/** The agent's side of containers: reading desired specs and applying what the host observed. */
@Injectable()
export class ContainerReportsService {
  private readonly log = new Logger(ContainerReportsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async spec(hostId: HostId, containerId: string): Promise<AgentContainerSpec> {
    const c = await new HostContainerRepository(this.ds.manager).findOnHost(hostId, containerId);
    if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
    const nics = await nicsOf(this.ds.manager, [c.id], this.config.networkMtu);
    const volumes = await agentVolumesOf(this.ds.manager, [c.id]);
    return specOf(c, nics.get(c.id) ?? [], volumes.get(c.id) ?? []);
  }

  async listOnHost(hostId: HostId): Promise<AgentContainerSpec[]> {
    const containers = await new HostContainerRepository(this.ds.manager).listLiveOnHost(hostId);
    const nics = await nicsOf(
      this.ds.manager,
      containers.map((c) => c.id),
      this.config.networkMtu,
    );
    const volumes = await agentVolumesOf(
      this.ds.manager,
      containers.map((c) => c.id),
    );
    return containers.map((c) => specOf(c, nics.get(c.id) ?? [], volumes.get(c.id) ?? []));
  }

  /**
   * Applies one observed state change. Idempotent: a report that the state machine does not allow
   * from the current state (a duplicate, or one overtaken by a user action) changes nothing, and a
   * report older (by the host's clock) than the last one applied is ignored.
   */
  async report(hostId: HostId, containerId: string, r: AgentEventReport): Promise<AgentEventResult> {
    const { result, nudge } = await this.apply(hostId, containerId, r);
    await this.queues.nudgeHosts(nudge);
    return result;
  }

  private apply(
    hostId: HostId,
    containerId: string,
    r: AgentEventReport,
  ): Promise<{ result: AgentEventResult; nudge: HostId[] }> {
    return inTransaction(this.ds, async (em) => {
      let nudge: HostId[] = [];
      const c = await new HostContainerRepository(em).lockOnHost(hostId, containerId);
      if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
      const at = new Date(r.at);
      let applied = false;
      if (!c.lastReportAt || at >= c.lastReportAt) {
        const next = nextContainerState(c.state, r.event);
        if (next !== null && next !== c.state) {
          this.log.log(`${c.id}: ${c.state} -> ${next} (${r.event}, gen ${r.generation}/${c.generation})`);
          applyState(c, next, at, r);
          await em.save(c);
          applied = true;
          // Usage follows what the host saw, by the host's clock, in this same transaction.
          if (next === 'running') await openContainerUsage(em, c, at);
          // The VM is gone: its peers drop it, its addresses are free, its volumes may have another writer.
          else if (next === 'deleted') nudge = await releaseDeletedContainer(em, c.id, at);
          else await closeOpenUsage(em, c.id, at);
        }
      }
      if (r.operationId) {
        const op = await em
          .createQueryBuilder(OperationEntity, 'o')
          .setLock('pessimistic_write')
          .where(`o.id = :id AND o.target_id = :target AND o.state IN ('pending', 'running')`, {
            id: r.operationId,
            target: c.id,
          })
          .getOne();
        if (op) {
          if (r.event === 'agent.failed') {
            await finishOperation(
              em,
              op,
              'failed',
              r.error ?? { code: 'agent/failed', message: 'the host could not do it' },
            );
          } else if (operationGoalReached(op.kind, c.state)) {
            await finishOperation(em, op, 'succeeded');
          } else {
            await markOperationRunning(em, op);
          }
        }
      }
      return { result: { applied, state: c.state }, nudge };
    });
  }
}

function applyState(c: ContainerEntity, next: ContainerEntity['state'], at: Date, r: AgentEventReport): void {
  c.state = next;
  c.stateChangedAt = at;
  c.lastReportAt = at;
  c.updatedAt = new Date();
  switch (next) {
    case 'running':
      c.startedAt = at;
      c.finishedAt = null;
      c.exitCode = null;
      c.stateReason = null;
      break;
    case 'exited':
    case 'stopped':
      c.finishedAt = at;
      c.exitCode = r.exitCode ?? null;
      break;
    case 'failed':
      c.finishedAt = at;
      c.stateReason = r.error?.message ?? 'failed on the host';
      break;
    default:
      break;
  }
}

/** Each container's NICs in order (eth0 first), as the agent wires them. */
async function nicsOf(
  em: EntityManager,
  containerIds: readonly ContainerId[],
  mtu: number,
): Promise<Map<ContainerId, AgentNic[]>> {
  const out = new Map<ContainerId, AgentNic[]>();
  if (containerIds.length === 0) return out;
  const rows: {
    container_id: ContainerId;
    network_id: string;
    vni: number;
    cidr: string;
    gateway: string;
    ip: string;
    mac: string;
  }[] = await em.query(
    `SELECT a.container_id, a.network_id, n.vni, n.cidr, n.gateway, a.ip, a.mac
       FROM ip_allocations a JOIN networks n ON n.id = a.network_id
      WHERE a.container_id = ANY($1)
      ORDER BY a.container_id, a.nic_index`,
    [containerIds],
  );
  for (const r of rows) {
    const nic: AgentNic = {
      networkId: r.network_id,
      vni: r.vni,
      ip: r.ip,
      prefixLength: parseCidr(r.cidr).prefix,
      gateway: r.gateway,
      mac: r.mac,
      mtu,
    };
    out.set(r.container_id, [...(out.get(r.container_id) ?? []), nic]);
  }
  return out;
}

function specOf(c: ContainerEntity, nics: AgentNic[], volumes: AgentVolumeMount[]): AgentContainerSpec {
  return {
    id: c.id,
    tenantId: c.tenantId,
    name: c.name,
    image: c.image,
    command: c.command,
    env: c.env,
    resources: { vcpu: c.vcpu, memoryMib: c.memoryMib, diskGib: c.diskGib },
    restartPolicy: c.restartPolicy,
    state: c.state,
    generation: c.generation,
    nics,
    volumes,
  };
}
