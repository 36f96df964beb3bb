import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QuotasView } from '@berth/contracts';
import { inTransaction } from '@berth/db';
import { DomainError, QUOTA_LIMITS, type QuotaLimit, type TenantId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { QUOTA_COLUMNS, quotasOf } from './quota-guard';

/** Reading and setting tenants' quotas; the checks themselves are in quota-guard.ts. */
@Injectable()
export class QuotasService {
  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Every limit with its usage. */
  view(tenantId: TenantId): Promise<QuotasView> {
    return quotasOf(this.ds.manager, tenantId, this.config.quotas);
  }

  /**
   * The operator's partial update: a number sets a limit, null resets it to the default, absent leaves
   * it. Lowering a quota below what the tenant holds removes nothing; it only refuses more.
   */
  async set(tenantId: string, patch: Partial<Record<QuotaLimit, number | null>>): Promise<QuotasView> {
    const given = QUOTA_LIMITS.filter((l) => patch[l] !== undefined);
    return inTransaction(this.ds, async (em) => {
      const exists: unknown[] = await em.query(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
      if (exists.length === 0) throw new DomainError('tenant/not_found', `tenant ${tenantId} does not exist`);
      const columns = given.map((l) => QUOTA_COLUMNS[l]);
      const values = given.map((l) => patch[l] ?? null);
      await em.query(
        `INSERT INTO tenant_quotas (tenant_id${columns.map((c) => `, ${c}`).join('')}, updated_at)
         VALUES ($1${values.map((_, i) => `, $${i + 2}`).join('')}, now())
         ON CONFLICT (tenant_id) DO UPDATE SET ${[...columns.map((c) => `${c} = EXCLUDED.${c}`), 'updated_at = now()'].join(', ')}`,
        [tenantId, ...values],
      );
      return quotasOf(em, tenantId as TenantId, this.config.quotas);
    });
  }
}
