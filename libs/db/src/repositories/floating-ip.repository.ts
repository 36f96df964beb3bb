import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { isId, isIpv4, type TenantId } from '@berth/domain';
import { FloatingIpEntity } from '../entities/floating-ip.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, lockedName, type RowLock } from '../row-lock';

/** Floating IPs a tenant holds (not released); every read takes the tenant id. */
export class FloatingIpRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, by address, or by name (names may not look like addresses, so the three never clash). */
  findByRef(tenantId: TenantId, ref: string): Promise<FloatingIpEntity | null> {
    return this.byRef(tenantId, ref).getOne();
  }

  /** As findByRef, locked (see RowLock). */
  lockByRef(tenantId: TenantId, ref: string, lock: RowLock = 'update'): Promise<FloatingIpEntity | null> {
    return locked(this.byRef(tenantId, ref), lock).getOne();
  }

  private byRef(tenantId: TenantId, ref: string): SelectQueryBuilder<FloatingIpEntity> {
    const column = isId('fip', ref) ? 'f.id' : isIpv4(ref) ? 'f.address' : 'f.name';
    return this.em
      .createQueryBuilder(FloatingIpEntity, 'f')
      .where('f.tenant_id = :tenantId AND f.released_at IS NULL', { tenantId })
      .andWhere(`${column} = :ref`, { ref });
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<FloatingIpEntity>> {
    const qb = this.em
      .createQueryBuilder(FloatingIpEntity, 'f')
      .where('f.tenant_id = :tenantId AND f.released_at IS NULL', { tenantId });
    return pageBy(qb, 'f.id', page);
  }
}

/** The fleet's floating-IP pool: which addresses are held, whoever holds them. */
export class FloatingIpPoolRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Takes the pool for the rest of the transaction: one allocation at a time, fleet-wide, so two
   * concurrent allocations cannot pick the same free address (there is no row to lock for a free one).
   */
  async lockPool(): Promise<void> {
    await lockedName(this.em, 'berth.floating_ips');
  }

  /** Every address held now (not released), by any tenant. */
  async heldAddresses(): Promise<string[]> {
    const rows: { address: string }[] = await this.em.query(
      `SELECT address FROM floating_ips WHERE released_at IS NULL`,
    );
    return rows.map((r) => r.address);
  }
}
