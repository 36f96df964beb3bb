import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CreatedApiKeyView, Page, TenantView } from '@berth/contracts';
import { decodeCursor, DEFAULT_PAGE_LIMIT, inTransaction, pageBy, pageOf, TenantEntity } from '@berth/db';
import { DomainError, newId } from '@berth/domain';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { tenantView } from './tenant.view';

/** Operator-side tenant management. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly ds: DataSource,
    private readonly keys: ApiKeysService,
  ) {}

  /** Creates the tenant and its first API key together, so the operator can hand the tenant a credential. */
  create(name: string): Promise<{ tenant: TenantView; apiKey: CreatedApiKeyView }> {
    return inTransaction(this.ds, async (em) => {
      const tenant = await em.save(
        em.create(TenantEntity, {
          id: newId('ten'),
          name,
          state: 'active',
          suspendedAt: null,
          billingStatus: 'active',
          billingStatusChangedAt: null,
          stripeCustomerId: null,
        }),
      );
      const apiKey = await this.keys.create(tenant.id, 'initial', em);
      return { tenant: tenantView(tenant), apiKey };
    });
  }

  async list(limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<TenantView>> {
    const after = decodeCursor(cursor);
    const page = await pageBy(this.ds.manager.createQueryBuilder(TenantEntity, 't'), 't.id', {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(page, tenantView, (t) => t.id);
  }

  async get(id: string): Promise<TenantView> {
    return tenantView(await this.find(id));
  }

  /** Idempotent. A suspended tenant's keys are refused with `tenant/suspended`; its objects are kept. */
  async setSuspended(id: string, suspended: boolean): Promise<TenantView> {
    const t = await this.find(id);
    if ((t.state === 'suspended') !== suspended) {
      t.state = suspended ? 'suspended' : 'active';
      t.suspendedAt = suspended ? new Date() : null;
      await this.ds.manager.save(t);
    }
    return tenantView(t);
  }

  private async find(id: string): Promise<TenantEntity> {
    const t = await this.ds.manager.findOne(TenantEntity, { where: { id: id as TenantEntity['id'] } });
    if (!t) throw new DomainError('tenant/not_found', `tenant ${id} does not exist`);
    return t;
  }
}
