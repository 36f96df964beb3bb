import type { EntityManager } from 'typeorm';
import type { OperationId, TenantId } from '@berth/domain';
import { OperationEntity } from '../entities/operation.entity';

/** Operations of one tenant; the tenant id is part of every query. */
export class OperationRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: TenantId, id: OperationId | string): Promise<OperationEntity | null> {
    return this.em.findOne(OperationEntity, { where: { tenantId, id: id as OperationId } });
  }

  async list(
    tenantId: TenantId,
    filter: { targetId?: string },
    page: { limit: number; after?: string },
  ): Promise<{ items: OperationEntity[]; more: boolean }> {
    const qb = this.em
      .createQueryBuilder(OperationEntity, 'o')
      .where('o.tenant_id = :tenantId', { tenantId });
    if (filter.targetId !== undefined) qb.andWhere('o.target_id = :targetId', { targetId: filter.targetId });
    if (page.after !== undefined) qb.andWhere('o.id < :after', { after: page.after });
    const rows = await qb
      .orderBy('o.id', 'DESC')
      .limit(page.limit + 1)
      .getMany();
    return { items: rows.slice(0, page.limit), more: rows.length > page.limit };
  }
}
