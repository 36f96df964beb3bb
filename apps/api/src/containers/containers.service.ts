import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { AcceptedView, ContainerView, Page } from '@berth/contracts';
import {
  type ContainerEntity,
  ContainerRepository,
  ContainerViewRepository,
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  inTransaction,
  type OperationEntity,
  pageOf,
} from '@berth/db';
import {
  DEFAULT_SIZE,
  DEFAULT_VOLUME_GIB,
  DomainError,
  newId,
  parseRestartPolicy,
  parseVolumeMount,
  validateVolumeMounts,
  formatRestartPolicy,
  placeContainerWithVolumes,
  sizeResources,
  validateLabels,
  volumesToPlace,
  type ContainerUserEvent,
  type HostId,
  type Resources,
  type TenantId,
} from '@berth/domain';
import { IdempotencyService } from '../common/idempotency.service';
import { onUniqueViolation } from '../common/unique-violation';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { FleetPlacementService, type Place } from '../hosts/fleet-placement.service';
import {
  allocateNics,
  attachGroups,
  hostsAffectedByContainers,
  networkingOf,
  NO_NETWORKING,
  resolveGroups,
} from '../networks/container-networking';
import { resolveNetworksForCreate } from '../networks/network-ledger';
import { operationView } from '../operations/operation.view';
import { AgentQueuesService } from '../queue/agent-queues.service';
import {
  attachPlannedVolumes,
  type ContainerVolumes,
  planContainerVolumes,
  volumesOf,
} from '../volumes/container-volumes';
import { assertWithinQuota } from '../quotas/quota-guard';
import { containerView, containerViewOfRow } from './container.view';
import type { CreateContainerDto } from './dto/create-container.dto';
import type { ListContainersDto } from './dto/list-containers.dto';
import { ContainerLifecycleExecutor } from './container-lifecycle.executor';

type Action = ContainerUserEvent;

/** Where a create puts its container: on a host already chosen, or beside its volumes (chosen through `place`). */
type HostChoice =
  | { readonly kind: 'chosen'; readonly hostId: HostId }
  | { readonly kind: 'with-volumes'; readonly place: Place };

interface CreatedContainer {
  readonly container: ContainerEntity;
  readonly op: OperationEntity;
  readonly answer: AcceptedView<ContainerView>;
}

/**
 * The tenant's containers. Every change writes the container and its operation in one transaction,
 * then enqueues the operation's job (ids and generation only) on the host's queue.
 */
@Injectable()
export class ContainersService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly lifecycle: ContainerLifecycleExecutor,
    private readonly placement: FleetPlacementService,
    private readonly idempotency: IdempotencyService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(tenantId: TenantId, dto: CreateContainerDto): Promise<AcceptedView<ContainerView>> {
    const restartPolicy = formatRestartPolicy(parseRestartPolicy(dto.restartPolicy ?? 'no'));
    const labels = dto.labels ?? {};
    validateLabels(labels);
    const mounts = (dto.volumes ?? []).map(parseVolumeMount);
    validateVolumeMounts(mounts);
    const size = dto.size ?? DEFAULT_SIZE;
    const resources = sizeResources(size);
    const id = newId('ctr');
    const name =
      dto.name ??
      `${dto.image.split(/[/:@]/).filter(Boolean).slice(-2, -1)[0] ?? 'ctr'}-${randomBytes(3).toString('hex')}`;

    const spec = {
      id,
      tenantId,
      name,
      image: dto.image,
      command: dto.command ?? null,
      env: dto.env ?? {},
      labels,
      size,
      vcpu: resources.vcpu,
      memoryMib: resources.memoryMib,
      diskGib: resources.diskGib,
      restartPolicy,
    };
    const write = (place: HostChoice): Promise<CreatedContainer> =>
      onUniqueViolation(
        'containers_tenant_name_uq',
        () => nameTaken(name),
        () =>
          inTransaction(this.ds, async (em) => {
            // First: it locks the tenant's row, which every create path takes before anything else, and
            // reads its standing and usage with it.
            await assertWithinQuota(
              em,
              tenantId,
              this.config.quotas,
              { containers: 1, vcpus: resources.vcpu, memoryMib: resources.memoryMib },
              { goodStanding: true },
            );
            // Networks and groups next: a wrong name fails before anything is written. Both stay locked
            // against deletion until this transaction ends. A name already taken is the unique index's
            // to say (at the insert), not a read's.
            const networks = await resolveNetworksForCreate(
              em,
              tenantId,
              dto.networks,
              this.config.defaultNetworkCidr,
              this.config.quotas,
            );
            const groups = await resolveGroups(em, tenantId, dto.securityGroups ?? []);
            // Volumes before hosts (every path that locks both locks them in this order).
            const plan = mounts.length > 0 ? await planContainerVolumes(em, tenantId, mounts) : null;
            // Volumes a container names but the tenant has not made yet are made with it.
            if (plan && plan.missing.length > 0) {
              await assertWithinQuota(em, tenantId, this.config.quotas, {
                volumeGb: plan.missing.length * DEFAULT_VOLUME_GIB,
              });
            }
            const hostId =
              place.kind === 'chosen'
                ? place.hostId
                : await this.placeWithVolumes(em, plan, resources, place.place);
            // The container, its usage and its create operation, as the lifecycle planner decides. The
            // insert reserves the container's share on its host (or is refused there: see
            // FleetPlacementService).
            const { container, operation: op } = await this.lifecycle.create(
              em,
              { ...spec, hostId },
              new Date(),
            );
            if (plan) await attachPlannedVolumes(em, tenantId, id, hostId, plan, mounts);
            const nics = await allocateNics(em, id, networks);
            const groupIds = groups.map((g) => g.id);
            await attachGroups(em, id, groupIds);
            const answer = {
              operation: operationView(op),
              data: containerView(
                container,
                { networks: nics, securityGroups: groupIds },
                plan ? await volumesOf(em, id) : [],
              ),
            };
            // Committed with the container: a retry after this process died never makes a second one.
            await this.idempotency.completeWithin(em, answer);
            return { container, op, answer };
          }),
      );
    // Placed on the fleet's snapshot, without locking it: a container without volumes on any host, one
    // with volumes where its volumes are (or can be made), chosen once they are planned.
    const { container, op, answer } =
      mounts.length === 0
        ? await this.placement.placeAndWrite(resources, (hostId) => write({ kind: 'chosen', hostId }))
        : await this.placement.placeWithin((place) => write({ kind: 'with-volumes', place }));
    await this.queues.enqueue(op);
    // Its peers learn its name and address, and the hosts whose rules name its groups its address: found
    // after the commit (the read is not in the create's transaction) and off the answer. Its own host is
    // not nudged: the create job's claim carries its part of that host's data plane, applied before the
    // new taps are connected.
    this.queues.nudgeHostsFound(async () =>
      (await hostsAffectedByContainers(this.ds.manager, [container.id])).filter(
        (h) => h !== container.hostId,
      ),
    );
    return answer;
  }

  /**
   * The host for a container with volumes: where its volumes are, or can be made, on the fleet's
   * unlocked snapshot. The container's insert and its new volumes' inserts reserve there, each counter's
   * trigger checking its own (vCPU and memory, the volume pool) in this transaction.
   */
  private placeWithVolumes(
    em: EntityManager,
    plan: ContainerVolumes | null,
    resources: Resources,
    place: Place,
  ): Promise<HostId> {
    if (!plan) throw new Error('a container with volumes is placed with its volumes planned');
    const volumes = volumesToPlace(plan);
    return place(em, {
      reserves: { resources, volumeGib: plan.missing.length * DEFAULT_VOLUME_GIB },
      choose: (fleet) =>
        placeContainerWithVolumes(volumes, fleet.hosts, fleet.pools, resources, this.config.placementPolicy),
    });
  }

  /** A page of the tenant's containers, each with its NICs, groups and volumes: one statement. */
  async list(tenantId: TenantId, q: ListContainersDto): Promise<Page<ContainerView>> {
    const after = decodeCursor(q.cursor);
    const labels = Object.fromEntries(
      (q.label ?? []).map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1)];
      }),
    );
    const result = await new ContainerViewRepository(this.ds.manager).page(
      tenantId,
      { ...(q.state ? { states: q.state } : {}), ...(q.name !== undefined ? { name: q.name } : {}), labels },
      { limit: q.limit ?? DEFAULT_PAGE_LIMIT, ...(after ? { after } : {}) },
    );
    return pageOf(result, containerViewOfRow, (c) => c.id);
  }

  /** One container by id or name, with its NICs, groups and volumes: one statement. */
  async get(tenantId: TenantId, id: string): Promise<ContainerView> {
    const c = await new ContainerViewRepository(this.ds.manager).one(tenantId, id);
    if (!c) throw containerNotFound(id);
    return containerViewOfRow(c);
  }

  /**
   * start, stop, restart or delete. Raises the generation (so that older jobs are skipped), supersedes
   * operations in flight, and checks the host still has room when the container comes back to life.
   */
  async act(
    tenantId: TenantId,
    id: string,
    action: Action,
    opts: { force?: boolean } = {},
  ): Promise<AcceptedView<ContainerView>> {
    const { container, op, enqueue, net, vols, nudge } = await inTransaction(this.ds, async (em) => {
      const c = await new ContainerRepository(em).lockByRef(tenantId, id);
      if (!c) throw containerNotFound(id);
      const now = new Date();
      const { plan, operation, nudge } = await this.lifecycle.run(em, c, {
        event: action,
        at: now,
        clock: 'api',
        now,
        force: opts.force === true,
      });
      if (!operation) throw new Error(`${action} on ${c.id} opened no operation`);
      // A lost host can do nothing: deleting there ends at once, and the agent clears up if it returns.
      if (plan.to === 'deleted') {
        return { container: c, op: operation, enqueue: false, net: NO_NETWORKING, vols: [], nudge };
      }
      return {
        container: c,
        op: operation,
        enqueue: true,
        net: await networkingOf(em, c.id),
        vols: await volumesOf(em, c.id),
        nudge: [],
      };
    });
    if (enqueue) await this.queues.enqueue(op);
    void this.queues.nudgeHosts(nudge);
    return { operation: operationView(op), data: containerView(container, net, vols) };
  }
}

function containerNotFound(id: string): DomainError {
  return new DomainError('container/not_found', `container ${id} does not exist`);
}

function nameTaken(name: string): DomainError {
  return new DomainError(
    'container/name_taken',
    `a container named ${name} already exists; pick another name or delete it`,
  );
}

export type { OperationEntity };
