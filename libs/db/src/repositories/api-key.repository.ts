import type { EntityManager } from 'typeorm';
import type { ApiKeyId, TenantId } from '@berth/domain';
import { ApiKeyEntity } from '../entities/api-key.entity';
import type { TenantState } from '../entities/tenant.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';

/** API keys of one tenant. Lookup by prefix (for authentication) is the one tenant-free read. */
export class ApiKeyRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: TenantId, id: ApiKeyId | string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { where: { tenantId, id: id as ApiKeyId } });
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<ApiKeyEntity>> {
    const qb = this.em.createQueryBuilder(ApiKeyEntity, 'k').where('k.tenant_id = :tenantId', { tenantId });
    return pageBy(qb, 'k.id', page);
  }

  /**
   * For authentication only, on every tenant request: the key that a presented token names, with its
   * tenant's state, in one statement. Null when there is no such unrevoked key (or tenant).
   */
  async findActiveWithTenantState(
    prefix: string,
  ): Promise<{ key: ApiKeyEntity; tenantState: TenantState } | null> {
    const rows: {
      id: ApiKeyId;
      tenant_id: TenantId;
      name: string;
      prefix: string;
      secret_hash: string;
      created_at: Date;
      last_used_at: Date | null;
      tenant_state: TenantState;
    }[] = await this.em.query(
      `SELECT k.id, k.tenant_id, k.name, k.prefix, k.secret_hash, k.created_at, k.last_used_at,
              t.state AS tenant_state
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
      [prefix],
    );
    const r = rows[0];
    if (!r) return null;
    const key = this.em.create(ApiKeyEntity, {
      id: r.id,
      tenantId: r.tenant_id,
      name: r.name,
      prefix: r.prefix,
      secretHash: r.secret_hash,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: null,
    });
    return { key, tenantState: r.tenant_state };
  }
}
