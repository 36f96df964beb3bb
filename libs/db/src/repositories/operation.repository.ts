import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { newId, type HostId, type OperationId, type OperationKind, type TenantId } from '@berth/domain';
import { OperationEntity } from '../entities/operation.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked } from '../row-lock';

/** Operations of one tenant; the tenant id is part of every query. */
export class OperationRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: TenantId, id: OperationId | string): Promise<OperationEntity | null> {
    return this.em.findOne(OperationEntity, { where: { tenantId, id: id as OperationId } });
  }

  list(
    tenantId: TenantId,
    filter: { targetId?: string },
    page: PageRequest,
  ): Promise<PageResult<OperationEntity>> {
    const qb = this.em
      .createQueryBuilder(OperationEntity, 'o')
      .where('o.tenant_id = :tenantId', { tenantId });
    if (filter.targetId !== undefined) qb.andWhere('o.target_id = :targetId', { targetId: filter.targetId });
    return pageBy(qb, 'o.id', page, 'DESC');
  }

  /** Writes a new pending operation on `targetId`, inside the transaction that changes the target. */
  async open(
    o: {
      tenantId: TenantId;
      kind: OperationKind;
      targetId: string;
      hostId: HostId | null;
      generation: number;
    },
    at: Date,
  ): Promise<OperationEntity> {
    const row = {
      id: newId('op'),
      ...o,
      state: 'pending' as const,
      errorCode: null,
      errorMessage: null,
      enqueueCount: 0,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      completedAt: null,
    };
    // An insert, not save(): a new id needs no look-up first. (progress is left to its NULL.)
    await this.em.insert(OperationEntity, row);
    return this.em.create(OperationEntity, { ...row, progress: null });
  }

  /**
   * The target's operations still in flight (pending or running), or only `onlyId` among them, locked
   * until the transaction ends.
   */
  lockInFlight(targetId: string, onlyId?: string): Promise<OperationEntity[]> {
    const qb = this.em
      .createQueryBuilder(OperationEntity, 'o')
      .where(`o.target_id = :targetId AND o.state IN ('pending', 'running')`, { targetId });
    if (onlyId !== undefined) qb.andWhere('o.id = :onlyId', { onlyId });
    return locked(qb).getMany();
  }

  /**
   * Writes `changes` to the operation's row and to `op`: one UPDATE of those columns (save() would read
   * the row back first to find what changed; the caller already knows).
   */
  async patch(op: OperationEntity, changes: Partial<Omit<OperationEntity, 'id'>>): Promise<void> {
    Object.assign(op, changes);
    // TypeORM's deep-partial type cannot express a jsonb record (progress); the columns are the entity's own.
    await this.em.update(OperationEntity, { id: op.id }, changes as QueryDeepPartialEntity<OperationEntity>);
  }
}

/** What a host's agent may read: operations queued for that host, and no others. */
export class HostOperationRepository {
  constructor(private readonly em: EntityManager) {}

  findOnHost(hostId: HostId, id: string): Promise<OperationEntity | null> {
    return this.onHost(hostId, id).getOne();
  }

  /** As findOnHost, locked until the transaction ends. */
  lockOnHost(hostId: HostId, id: string): Promise<OperationEntity | null> {
    return locked(this.onHost(hostId, id)).getOne();
  }

  /**
   * Adds `fields` to the progress of this host's operation on `targetId` (beside what is there), in one
   * UPDATE; another host's operation, or one on another target, is left as it is.
   */
  async mergeProgress(
    hostId: HostId,
    id: string,
    targetId: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    await this.em.query(
      `UPDATE operations SET progress = coalesce(progress, '{}'::jsonb) || $4::jsonb
        WHERE id = $1 AND host_id = $2 AND target_id = $3`,
      [id, hostId, targetId, JSON.stringify(fields)],
    );
  }

  private onHost(hostId: HostId, id: string): SelectQueryBuilder<OperationEntity> {
    return this.em
      .createQueryBuilder(OperationEntity, 'o')
      .where('o.id = :id AND o.host_id = :hostId', { id, hostId });
  }
}

/** Operations across the fleet as the reconciler reads them: queued for a host and still open. */
export class OpenOperationRepository {
  constructor(private readonly em: EntityManager) {}

  /** At most `limit` open operations on hosts unchanged since before `cutoff`, the longest unchanged first. */
  staleSince(cutoff: Date, limit: number): Promise<OperationEntity[]> {
    return this.em
      .createQueryBuilder(OperationEntity, 'o')
      .where(`o.state IN ('pending', 'running') AND o.host_id IS NOT NULL`)
      .andWhere('o.updated_at < :cutoff', { cutoff })
      .orderBy('o.updated_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Counts one more enqueue of a still-open operation (a finished one stays as it ended). */
  async recordEnqueue(id: OperationId): Promise<void> {
    await this.em.query(
      `UPDATE operations SET enqueue_count = enqueue_count + 1, updated_at = now() WHERE id = $1 AND state IN ('pending', 'running')`,
      [id],
    );
  }
}
