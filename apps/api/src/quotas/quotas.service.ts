import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QuotasView } from '@berth/contracts';
import { inTransaction, TenantQuotaRepository, TenantRepository, type QuotaOverrides } from '@berth/db';
import { DomainError, type TenantId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { quotasOf } from './quota-guard';

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
  async set(tenantId: string, patch: QuotaOverrides): Promise<QuotasView> {
    return inTransaction(this.ds, async (em) => {
      const quotas = new TenantQuotaRepository(em);
      if (!(await new TenantRepository(em).exists(tenantId))) {
        throw new DomainError('tenant/not_found', `tenant ${tenantId} does not exist`);
      }
      await quotas.setOverrides(tenantId as TenantId, patch);
      return quotasOf(em, tenantId as TenantId, this.config.quotas);
    });
  }
}
