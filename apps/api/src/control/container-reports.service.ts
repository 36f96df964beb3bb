import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  AgentContainerSpec,
  AgentEventReport,
  AgentEventResult,
  AgentNic,
  AgentVolumeMount,
} from '@berth/contracts';
import {
  HostContainerRepository,
  inTransaction,
  IpAllocationRepository,
  type ContainerEntity,
} from '@berth/db';
import { DomainError, parseCidr, type ContainerId, type HostId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { agentVolumesOf } from '../volumes/container-volumes';
import { ContainerLifecycleExecutor } from '../containers/container-lifecycle.executor';
import { recordStartPath } from './start-path';

/** The agent's side of containers: reading desired specs and applying what the host observed. */
@Injectable()
export class ContainerReportsService {
  private readonly log = new Logger(ContainerReportsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly lifecycle: ContainerLifecycleExecutor,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async spec(hostId: HostId, containerId: string): Promise<AgentContainerSpec> {
    const c = await new HostContainerRepository(this.ds.manager).findOnHost(hostId, containerId);
    if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
    return this.specIn(this.ds.manager, c);
  }

  /** The desired spec of a container the caller has read, with its NICs and volumes read through `em`. */
  async specIn(em: EntityManager, c: ContainerEntity): Promise<AgentContainerSpec> {
    const nics = await nicsOf(em, [c.id], this.config.networkMtu);
    const volumes = await agentVolumesOf(em, [c.id]);
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
    void this.queues.nudgeHosts(nudge);
    return result;
  }

  private apply(
    hostId: HostId,
    containerId: string,
    r: AgentEventReport,
  ): Promise<{ result: AgentEventResult; nudge: HostId[] }> {
    return inTransaction(this.ds, async (em) => {
      const c = await new HostContainerRepository(em).lockOnHost(hostId, containerId);
      if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
      const from = c.state;
      // Usage follows what the host saw, by the host's clock, in this same transaction.
      const { plan, nudge } = await this.lifecycle.run(em, c, {
        event: r.event,
        at: new Date(r.at),
        clock: 'host',
        now: new Date(),
        reason: r.error ?? null,
        exitCode: r.exitCode ?? null,
        stoppedAt: r.stoppedAt !== undefined ? new Date(r.stoppedAt) : null,
        unseen: r.unseen === true,
        operationId: r.operationId ?? null,
      });
      if (plan.applied) {
        this.log.log(`${c.id}: ${from} -> ${plan.to} (${r.event}, gen ${r.generation}/${c.generation})`);
        if (r.event === 'agent.running' && r.start && r.operationId) {
          await recordStartPath(em, hostId, c.id, r.operationId, r.start);
        }
      }
      return { result: { applied: plan.applied, state: c.state }, nudge };
    });
  }
}

/** Each container's NICs in order (eth0 first), as the agent wires them. */
async function nicsOf(
  em: EntityManager,
  containerIds: readonly ContainerId[],
  mtu: number,
): Promise<Map<ContainerId, AgentNic[]>> {
  const out = new Map<ContainerId, AgentNic[]>();
  for (const r of await new IpAllocationRepository(em).wiredNicsOf(containerIds)) {
    const nic: AgentNic = {
      networkId: r.networkId,
      vni: r.vni,
      ip: r.ip,
      prefixLength: parseCidr(r.cidr).prefix,
      gateway: r.gateway,
      mac: r.mac,
      mtu,
    };
    out.set(r.containerId, [...(out.get(r.containerId) ?? []), nic]);
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
