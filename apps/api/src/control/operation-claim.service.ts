import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentClaimRequest, AgentContainerWork, AgentWorkBundle } from '@berth/contracts';
import {
  HostContainerRepository,
  inSnapshotTransaction,
  type ContainerEntity,
  type OperationEntity,
} from '@berth/db';
import { DomainError, type HostId, type OperationKind, type TenantId } from '@berth/domain';
import { isStorageJobKind } from '@berth/queue';
import { ContainerLifecycleExecutor } from '../containers/container-lifecycle.executor';
import { operationOnHost } from '../operations/operation-ledger';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { AgentWorkService, PULLING_CONTAINER_OPERATIONS } from './agent-work.service';
import { ContainerReportsService } from './container-reports.service';
import { DataplaneService } from './dataplane.service';
import { StorageWorkService } from './storage-work.service';

type ContainerWorkKind = AgentContainerWork['operationKind'];

const CONTAINER_WORK_KINDS: readonly OperationKind[] = [
  'container.create',
  'container.start',
  'container.restart',
  'container.stop',
  'container.delete',
] satisfies readonly ContainerWorkKind[];

/** Container work that begins a container's life on the host: claiming it records `agent.creating`. */
const STARTING_KINDS: readonly OperationKind[] = ['container.create', 'container.start'];

function isContainerWorkKind(kind: OperationKind): kind is ContainerWorkKind {
  return CONTAINER_WORK_KINDS.includes(kind);
}

/**
 * A host's claim on one operation queued for it: answers everything the job needs in one read, taken
 * in one snapshot (the container's spec, its registry login, this host's data plane), and records that
 * the host has started (the operation runs; a pending container becomes `creating`, dated by the host's
 * clock, through the lifecycle executor). A job that a newer generation overtook, or whose container
 * is gone, is answered `skip` so that the agent drops it quietly.
 */
@Injectable()
export class OperationClaimService {
  constructor(
    private readonly ds: DataSource,
    private readonly lifecycle: ContainerLifecycleExecutor,
    private readonly queues: AgentQueuesService,
    private readonly reports: ContainerReportsService,
    private readonly work: AgentWorkService,
    private readonly storage: StorageWorkService,
    private readonly dataplane: DataplaneService,
  ) {}

  async claim(hostId: HostId, operationId: string, req: AgentClaimRequest): Promise<AgentWorkBundle> {
    const { bundle, nudge } = await inSnapshotTransaction(this.ds, async (em) => {
      // The container it is about locked first, then the operation: every other writer of a container
      // (a tenant's action, a report, the reaper) locks the container before its operations, and the
      // other order deadlocks with them. A change since the snapshot is a serialization failure: run again.
      const target = await new HostContainerRepository(em).lockTargetOf(hostId, operationId);
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      if (isContainerWorkKind(op.kind)) return this.claimContainerWork(em, hostId, target, op, op.kind, req);
      return { bundle: await this.claimOtherWork(em, hostId, op), nudge: [] };
    });
    void this.queues.nudgeHosts(nudge);
    return bundle;
  }

  private async claimContainerWork(
    em: EntityManager,
    hostId: HostId,
    c: ContainerEntity | null,
    op: OperationEntity,
    kind: ContainerWorkKind,
    req: AgentClaimRequest,
  ): Promise<{ bundle: AgentWorkBundle; nudge: HostId[] }> {
    if (!c || c.state === 'deleted') {
      return { bundle: { kind: 'skip', operationId: op.id, reason: 'gone', generation: null }, nudge: [] };
    }
    if ((req.generation ?? op.generation) < c.generation) {
      return {
        bundle: { kind: 'skip', operationId: op.id, reason: 'stale', generation: c.generation },
        nudge: [],
      };
    }
    let nudge: HostId[] = [];
    if (STARTING_KINDS.includes(kind)) {
      const now = new Date();
      ({ nudge } = await this.lifecycle.run(em, c, {
        event: 'agent.creating',
        at: new Date(req.at),
        clock: 'host',
        now,
        reason: null,
        exitCode: null,
        operationId: op.id,
        lockedOperation: op,
      }));
    }
    const spec = await this.reports.specIn(em, c);
    const pulls = PULLING_CONTAINER_OPERATIONS.includes(kind);
    const wires = pulls && (spec.nics ?? []).length > 0;
    return {
      bundle: {
        kind: 'container',
        operationId: op.id,
        operationKind: kind,
        spec,
        registryCredentials: pulls ? await this.work.loginForImage(em, hostId, c.tenantId, c.image) : null,
        dataplane: wires ? await this.dataplane.forContainers(hostId, [c.id], em) : null,
      },
      nudge,
    };
  }

  private async claimOtherWork(
    em: EntityManager,
    hostId: HostId,
    op: OperationEntity,
  ): Promise<AgentWorkBundle> {
    if (op.kind === 'container.exec') {
      const exec = await this.work.execSpec(em, op);
      await this.work.progress(em, op, { phase: 'running' });
      return { kind: 'exec', exec };
    }
    if (op.kind === 'image.pull') {
      const image = await this.work.imageSpec(em, hostId, op);
      await this.work.progress(em, op, { phase: 'resolving' });
      return {
        kind: 'image',
        image,
        registryCredentials: await this.work.loginForImage(
          em,
          hostId,
          image.tenantId as TenantId,
          image.reference,
        ),
      };
    }
    if (isStorageJobKind(op.kind)) {
      const work = await this.storage.work(em, op);
      await this.work.progress(em, op, { phase: 'running' });
      return { kind: 'storage', work };
    }
    throw new DomainError('operation/not_found', `operation ${op.id} is not work a host claims`);
  }
}
