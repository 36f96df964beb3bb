import type { EntityManager } from 'typeorm';
import type { TenantId } from '@berth/domain';
import { TenantEntity, type BillingStatus } from '../entities/tenant.entity';

/** Tenants' own rows. */
export class TenantRepository {
  constructor(private readonly em: EntityManager) {}

  exists(tenantId: string): Promise<boolean> {
    return this.em.existsBy(TenantEntity, { id: tenantId as TenantId });
  }

  /** The tenant's billing standing, or null when there is no such tenant. */
  async billingStatusOf(tenantId: TenantId): Promise<BillingStatus | null> {
    const row = await this.em.findOne(TenantEntity, {
      select: { id: true, billingStatus: true },
      where: { id: tenantId },
    });
    return row?.billingStatus ?? null;
  }

  /**
   * Locks the tenant's row until the transaction ends, so that the creates of one tenant are serialised
   * from the quota count to the commit (quota-guard); says whether the tenant exists. Deliberately not
   * the RowLock idiom: FOR NO KEY UPDATE, not FOR UPDATE, does not conflict with the FOR KEY SHARE locks
   * that inserting rows referencing the tenant takes, so rows written earlier in a transaction never
   * make a create wait on another in a cycle.
   */
  async lockForCreate(tenantId: TenantId): Promise<boolean> {
    const row = await this.em
      .createQueryBuilder(TenantEntity, 't')
      .select('t.id')
      .where('t.id = :tenantId', { tenantId })
      .setLock('for_no_key_update', undefined, ['t'])
      .getOne();
    return row !== null;
  }
}
