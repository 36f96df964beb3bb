import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ContainerEntity,
  HostReservationRepository,
  OperationRepository,
  UsageIntervalRepository,
  VolumeRepository,
  type OperationEntity,
} from '@berth/db';
import {
  DomainError,
  fitsWithin,
  hostAcceptsWork,
  planContainerCreate,
  planContainerLifecycle,
  subtractResources,
  type HostId,
  type LifecycleChecks,
  type LifecycleInput,
  type LifecyclePlan,
  type NewOperation,
  type OperationOutcome,
  type OperationsEffect,
  type ReleaseEffect,
} from '@berth/domain';
import { assertInGoodStanding } from '../billing/billing-standing';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { placeOnFleet } from '../hosts/fleet-placement';
import { hostsAffectedByContainers, releaseContainerNetworking } from '../networks/container-networking';
import { finishOperation, markOperationRunning, openOperation } from '../operations/operation-ledger';
import { assertWithinQuota } from '../quotas/quota-guard';

export interface LifecycleRequest extends LifecycleInput {
  /** The operation an agent's report is about, when it names one. */
  readonly operationId?: string | null;
  /** That operation, when the caller has already locked it in this transaction (a claim has): not read again. */
  readonly lockedOperation?: OperationEntity;
}

/** A new container as the tenant asked for it and placement placed it; its lifecycle fields are planned. */
export type NewContainer = Pick<
  ContainerEntity,
  | 'id'
  | 'tenantId'
  | 'name'
  | 'image'
  | 'command'
  | 'env'
  | 'labels'
  | 'size'
  | 'vcpu'
  | 'memoryMib'
  | 'diskGib'
  | 'restartPolicy'
  | 'hostId'
>;

export interface LifecycleOutcome {
  readonly plan: LifecyclePlan;
  /** The operation the plan opened (a tenant's action, or a move's create on its new host); else null. */
  readonly operation: OperationEntity | null;
  /** Hosts whose data plane named a container that let go of its networking: nudge them after commit. */
  readonly nudge: HostId[];
}

/**
 * The one writer of a container's life: every path that moves a container (its creation, an agent's
 * report, a tenant's action, the host reaper) asks the domain's planner what the event does and has it
 * written here, in the caller's transaction, with the container already locked by the caller.
 */
@Injectable()
export class ContainerLifecycleExecutor {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  /** Throws what the planner or its checks refuse, before anything is written. */
  async run(em: EntityManager, c: ContainerEntity, request: LifecycleRequest): Promise<LifecycleOutcome> {
    const usage = new UsageIntervalRepository(em);
    const history = await usage.lockHistory(c.id);
    const facts = {
      ...c,
      usageOpenSince: history.openSince,
      usageLastEndedAt: history.lastEndedAt,
      // Only host.lost asks whether a volume holds it to its host (whether it may move).
      ...(request.event === 'host.lost'
        ? { pinnedToHost: await new VolumeRepository(em).hasHostLocalAttached(c.id) }
        : {}),
    };
    let plan = planContainerLifecycle(facts, request);
    let movedTo: HostId | null = null;
    if (plan.checks.placement) {
      movedTo = await this.placeElsewhere(em, c);
      if (movedTo === null) plan = planContainerLifecycle(facts, { ...request, noHostWithRoom: true });
    }
    await this.check(em, c, plan.checks);
    await settleOperations(em, c, plan.operations, request);
    if (plan.patch) {
      const changes = plan.move && movedTo !== null ? { ...plan.patch, hostId: movedTo } : plan.patch;
      Object.assign(c, changes);
      // One UPDATE of what the plan changed (save() would read the locked row back first).
      await em.update(ContainerEntity, { id: c.id }, changes);
    }
    const nudge = await release(em, c, plan.release);
    // Its peers' hosts learn where its addresses live now.
    if (plan.move) nudge.push(...(await hostsAffectedByContainers(em, [c.id])));
    await usage.apply({ tenantId: c.tenantId, resourceType: 'container', resourceId: c.id }, plan.usage);
    const operation = plan.newOperation ? await openPlannedOperation(em, c, plan.newOperation) : null;
    return { plan, operation, nudge };
  }

  /** A ready host with room for `c` (reserved for this transaction), or null when none has. */
  private async placeElsewhere(em: EntityManager, c: ContainerEntity): Promise<HostId | null> {
    try {
      return await placeOnFleet(
        em,
        { vcpu: c.vcpu, memoryMib: c.memoryMib, diskGib: c.diskGib },
        { policy: this.config.placementPolicy },
      );
    } catch (err) {
      if (err instanceof DomainError && err.code === 'capacity/unavailable') return null;
      throw err;
    }
  }

  /**
   * Writes a new container as planContainerCreate decides (its state, generation, usage and create
   * operation), in the caller's transaction. The caller has already checked quota and standing and
   * placed it; it attaches volumes and networks after.
   */
  async create(
    em: EntityManager,
    spec: NewContainer,
    at: Date,
  ): Promise<{ container: ContainerEntity; operation: OperationEntity }> {
    const plan = planContainerCreate(at);
    const container = em.create(ContainerEntity, { ...spec, ...plan.fields });
    // An insert, not save(): a new id needs no look-up first.
    await em.insert(ContainerEntity, container);
    await new UsageIntervalRepository(em).apply(
      { tenantId: container.tenantId, resourceType: 'container', resourceId: container.id },
      plan.usage,
    );
    return { container, operation: await openPlannedOperation(em, container, plan.newOperation) };
  }

  /** The plan's checks other than placement (run() places before it plans for good). */
  private async check(em: EntityManager, c: ContainerEntity, checks: LifecycleChecks): Promise<void> {
    if (checks.capacity) {
      // A stopped container reserves nothing; starting it reserves its vCPUs and memory again, so it
      // counts against those quotas as a create does (or stop-create-start would run past them).
      await assertWithinQuota(
        em,
        c.tenantId,
        this.config.quotas,
        { vcpus: c.vcpu, memoryMib: c.memoryMib },
        { goodStanding: checks.goodStanding },
      );
      await reserveOnOwnHost(em, c);
    } else if (checks.goodStanding) {
      await assertInGoodStanding(em, c.tenantId);
    }
  }
}

/** Opens the operation a plan asks for: queued for the container's host, or done at once. */
async function openPlannedOperation(
  em: EntityManager,
  c: ContainerEntity,
  planned: NewOperation,
): Promise<OperationEntity> {
  const operation = await openOperation(em, {
    tenantId: c.tenantId,
    kind: planned.kind,
    targetId: c.id,
    hostId: c.hostId,
    generation: planned.generation,
  });
  if (planned.then === 'succeed') await finishOperation(em, operation, 'succeeded');
  return operation;
}

/**
 * Start of a stopped container: it lives on its host (its writable layer is there), so that host must have
 * room. The host's reservation row stays locked until the transaction ends, so no placement there can
 * take the room this start saw (the state change that follows adds the container's share to it).
 */
async function reserveOnOwnHost(em: EntityManager, c: ContainerEntity): Promise<void> {
  if (!c.hostId) throw new DomainError('host/not_ready', `container ${c.name} has no host`);
  const snap = await new HostReservationRepository(em).lockHost(c.hostId);
  if (!snap || !hostAcceptsWork(snap.state)) {
    throw new DomainError(
      'host/not_ready',
      `the host of container ${c.name} is ${snap?.state ?? 'gone'}; it cannot be started now`,
    );
  }
  const free = subtractResources(snap.capacity, snap.reserved);
  const need = { vcpu: c.vcpu, memoryMib: c.memoryMib, diskGib: 0 };
  if (!fitsWithin(need, free)) {
    throw new DomainError(
      'capacity/unavailable',
      `the host of container ${c.name} has no room for ${c.vcpu} vCPU and ${c.memoryMib} MiB now; try again later`,
    );
  }
}

/** The container's operations in flight, or only the one a report names (when it is this container's). */
async function settleOperations(
  em: EntityManager,
  c: ContainerEntity,
  effect: OperationsEffect,
  request: LifecycleRequest,
): Promise<void> {
  const namedId = request.operationId ?? null;
  if (effect.scope === 'none' || (effect.scope === 'named' && namedId === null)) return;
  const inFlight =
    effect.scope === 'named' && namedId !== null
      ? await namedInFlight(em, c, namedId, request.lockedOperation)
      : await new OperationRepository(em).lockInFlight(c.id);
  for (const op of inFlight) await settle(em, op, effect.outcome[op.kind]);
}

/** The named operation if it is this container's and still in flight, locked; the caller's lock serves when it has one. */
async function namedInFlight(
  em: EntityManager,
  c: ContainerEntity,
  namedId: string,
  locked: OperationEntity | undefined,
): Promise<OperationEntity[]> {
  if (locked?.id !== namedId) return new OperationRepository(em).lockInFlight(c.id, namedId);
  return locked.targetId === c.id && (locked.state === 'pending' || locked.state === 'running')
    ? [locked]
    : [];
}

async function settle(em: EntityManager, op: OperationEntity, outcome: OperationOutcome): Promise<void> {
  switch (outcome.kind) {
    case 'leave':
      return;
    case 'running':
      return markOperationRunning(em, op);
    case 'succeed':
      return finishOperation(em, op, 'succeeded');
    case 'supersede':
      return finishOperation(em, op, 'superseded');
    case 'fail':
      return finishOperation(em, op, 'failed', outcome.error);
  }
}

/**
 * Lets go of what a container held besides its VM: its addresses, groups and floating IP are freed
 * (its peers' hosts are returned, computed while it still has them), and its volumes may have another writer.
 */
async function release(em: EntityManager, c: ContainerEntity, effect: ReleaseEffect): Promise<HostId[]> {
  const nudge = effect.networking ? await hostsAffectedByContainers(em, [c.id]) : [];
  if (effect.networking) await releaseContainerNetworking(em, c.id);
  if (effect.volumes) await new VolumeRepository(em).releaseContainer(c.id);
  return nudge;
}
