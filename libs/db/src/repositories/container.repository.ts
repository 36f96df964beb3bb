import { Brackets, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import {
  isId,
  type ContainerId,
  type ContainerState,
  type HostId,
  type OperationKind,
  type TenantId,
} from '@berth/domain';
import { ContainerEntity } from '../entities/container.entity';
import { locked } from '../row-lock';

export interface ContainerFilter {
  readonly states?: readonly ContainerState[];
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly includeDeleted?: boolean;
}

/**
 * Containers of one tenant. Every method takes the tenant id: there is no way to build a query for a
 * tenant's containers without it (DESIGN.md, "Tenancy"). Host-side reads live in `HostContainerRepository`.
 */
export class ContainerRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, or by name when `ref` is not a container id (as the Docker CLI lets people do). */
  findByRef(tenantId: TenantId, ref: string): Promise<ContainerEntity | null> {
    return this.byRef(tenantId, ref, false);
  }

  /** As findByRef, and locks the row for the rest of the transaction; the caller must be inside one. */
  lockByRef(tenantId: TenantId, ref: string): Promise<ContainerEntity | null> {
    return this.byRef(tenantId, ref, true);
  }

  private byRef(tenantId: TenantId, ref: string, lock: boolean): Promise<ContainerEntity | null> {
    const qb = this.em
      .createQueryBuilder(ContainerEntity, 'c')
      .where('c.tenant_id = :tenantId', { tenantId })
      .andWhere(isId('ctr', ref) ? 'c.id = :ref' : 'c.name = :ref', { ref })
      .andWhere(`c.state <> 'deleted'`);
    return (lock ? locked(qb) : qb).getOne();
  }

  /** The names of these containers of the tenant, by id (a view's attached container). */
  async namesOf(tenantId: TenantId, ids: readonly ContainerId[]): Promise<Map<ContainerId, string>> {
    const out = new Map<ContainerId, string>();
    if (ids.length === 0) return out;
    const rows: { id: ContainerId; name: string }[] = await this.em.query(
      `SELECT id, name FROM containers WHERE tenant_id = $1 AND id = ANY($2)`,
      [tenantId, ids],
    );
    for (const r of rows) out.set(r.id, r.name);
    return out;
  }

  /** The host of the tenant's container, or null when it has none (or there is no such container). */
  async hostOf(tenantId: TenantId, id: ContainerId): Promise<HostId | null> {
    const rows: { host_id: HostId | null }[] = await this.em.query(
      `SELECT host_id FROM containers WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0]?.host_id ?? null;
  }
}

/** What a host's agent may read: the containers placed on that host, and no others. */
export class HostContainerRepository {
  constructor(private readonly em: EntityManager) {}

  findOnHost(hostId: HostId, id: ContainerId | string): Promise<ContainerEntity | null> {
    return this.em.findOne(ContainerEntity, { where: { hostId, id: id as ContainerId } });
  }

  lockOnHost(hostId: HostId, id: string): Promise<ContainerEntity | null> {
    return locked(
      this.em
        .createQueryBuilder(ContainerEntity, 'c')
        .where('c.host_id = :hostId AND c.id = :id', { hostId, id }),
    ).getOne();
  }

  /**
   * The container the host's operation is about, locked; null when the operation is not about a
   * container on this host (not container work, gone, another host's). One statement: a claim locks the
   * container before the operation without reading the operation first.
   */
  lockTargetOf(hostId: HostId, operationId: string): Promise<ContainerEntity | null> {
    return locked(
      this.em
        .createQueryBuilder(ContainerEntity, 'c')
        .where('c.host_id = :hostId', { hostId })
        .andWhere(
          'c.id = (SELECT o.target_id FROM operations o WHERE o.id = :operationId AND o.host_id = :hostId)',
          {
            operationId,
          },
        ),
    ).getOne();
  }

  listLiveOnHost(hostId: HostId): Promise<ContainerEntity[]> {
    return this.liveOnHost(hostId).getMany();
  }

  /** As listLiveOnHost, locked until the transaction ends (the reaper moves them all). */
  lockLiveOnHost(hostId: HostId): Promise<ContainerEntity[]> {
    return locked(this.liveOnHost(hostId)).getMany();
  }

  /**
   * The images of the tenant's containers on the host that are in one of `states`, or that have an open
   * operation of one of `kinds` on this host (one row per container).
   */
  async imagesAwaitingPull(
    hostId: HostId,
    tenantId: TenantId,
    states: readonly ContainerState[],
    kinds: readonly OperationKind[],
  ): Promise<string[]> {
    const rows = await this.em
      .createQueryBuilder(ContainerEntity, 'c')
      .select('c.image', 'image')
      .where('c.host_id = :hostId AND c.tenant_id = :tenantId', { hostId, tenantId })
      .andWhere(
        new Brackets((w) =>
          w.where('c.state IN (:...states)', { states }).orWhere(
            `EXISTS (SELECT 1 FROM operations o WHERE o.target_id = c.id AND o.host_id = :hostId
             AND o.state IN ('pending', 'running') AND o.kind IN (:...kinds))`,
            { kinds },
          ),
        ),
      )
      .getRawMany<{ image: string }>();
    return rows.map((r) => r.image);
  }

  private liveOnHost(hostId: HostId): SelectQueryBuilder<ContainerEntity> {
    return this.em
      .createQueryBuilder(ContainerEntity, 'c')
      .where(`c.host_id = :hostId AND c.state <> 'deleted'`, { hostId })
      .orderBy('c.id', 'ASC');
  }
}
