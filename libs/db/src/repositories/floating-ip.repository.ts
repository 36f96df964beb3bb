import type { EntityManager } from 'typeorm';
import { isId, isIpv4, type TenantId } from '@berth/domain';
import { FloatingIpEntity } from '../entities/floating-ip.entity';
import type { RowLock } from './network.repository';
import { pageBy, type PageRequest, type PageResult } from '../pagination';

/** Floating IPs a tenant holds (not released); every read takes the tenant id. */
export class FloatingIpRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, by address, or by name (names may not look like addresses, so the three never clash). */
  findByRef(tenantId: TenantId, ref: string, lock: RowLock = 'none'): Promise<FloatingIpEntity | null> {
    const column = isId('fip', ref) ? 'f.id' : isIpv4(ref) ? 'f.address' : 'f.name';
    const qb = this.em
      .createQueryBuilder(FloatingIpEntity, 'f')
      .where('f.tenant_id = :tenantId AND f.released_at IS NULL', { tenantId })
      .andWhere(`${column} = :ref`, { ref });
    if (lock === 'share') qb.setLock('pessimistic_read');
    if (lock === 'update') qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<FloatingIpEntity>> {
    const qb = this.em
      .createQueryBuilder(FloatingIpEntity, 'f')
      .where('f.tenant_id = :tenantId AND f.released_at IS NULL', { tenantId });
    return pageBy(qb, 'f.id', page);
  }
}
