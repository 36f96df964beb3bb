import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isId, type TenantId } from '@berth/domain';
import { SnapshotEntity } from '../entities/snapshot.entity';
import { VolumeEntity } from '../entities/volume.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, type RowLock } from '../row-lock';

type Storage = VolumeEntity | SnapshotEntity;

/**
 * A tenant's volumes or snapshots; every read takes the tenant id. By id a deleted one is still found
 * (its history and usage stay readable); by name only a live one, since names are reused.
 */
class StorageRepository<T extends Storage & ObjectLiteral> {
  constructor(
    protected readonly em: EntityManager,
    private readonly entity: new () => T,
    private readonly idPrefix: 'vol' | 'snap',
  ) {}

  findByRef(tenantId: TenantId, ref: string): Promise<T | null> {
    return this.byRef(tenantId, ref).getOne();
  }

  /** As findByRef, locked (see RowLock). */
  lockByRef(tenantId: TenantId, ref: string, lock: RowLock = 'update'): Promise<T | null> {
    return locked(this.byRef(tenantId, ref), lock).getOne();
  }

  private byRef(tenantId: TenantId, ref: string): SelectQueryBuilder<T> {
    const qb = this.em.createQueryBuilder(this.entity, 's').where('s.tenant_id = :tenantId', { tenantId });
    if (isId(this.idPrefix, ref)) qb.andWhere('s.id = :ref', { ref });
    else qb.andWhere(`s.name = :ref AND s.state <> 'deleted'`, { ref });
    return qb;
  }

  list(
    tenantId: TenantId,
    page: PageRequest,
    filter: (qb: SelectQueryBuilder<T>) => void = () => undefined,
  ): Promise<PageResult<T>> {
    const qb = this.em
      .createQueryBuilder(this.entity, 's')
      .where(`s.tenant_id = :tenantId AND s.state <> 'deleted'`, { tenantId });
    filter(qb);
    return pageBy(qb, 's.id', page);
  }
}

export class VolumeRepository extends StorageRepository<VolumeEntity> {
  constructor(em: EntityManager) {
    super(em, VolumeEntity, 'vol');
  }

  /** The volumes mounted into these containers, by slot. */
  attachedTo(containerIds: readonly string[]): Promise<VolumeEntity[]> {
    if (containerIds.length === 0) return Promise.resolve([]);
    return this.em
      .createQueryBuilder(VolumeEntity, 'v')
      .where('v.container_id IN (:...ids)', { ids: containerIds })
      .orderBy('v.container_id', 'ASC')
      .addOrderBy('v.device_index', 'ASC')
      .getMany();
  }
}

export class SnapshotRepository extends StorageRepository<SnapshotEntity> {
  constructor(em: EntityManager) {
    super(em, SnapshotEntity, 'snap');
  }
}
