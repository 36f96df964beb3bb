import type { EntityManager } from 'typeorm';
import type { OperationId, TenantId } from '@berth/domain';
import { OperationEntity } from '../entities/operation.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';

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
}
