import { IsNull, type EntityManager } from 'typeorm';
import type { ApiKeyId, TenantId } from '@berth/domain';
import { ApiKeyEntity } from '../entities/api-key.entity';

/** API keys of one tenant. Lookup by prefix (for authentication) is the one tenant-free read. */
export class ApiKeyRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: TenantId, id: ApiKeyId | string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { where: { tenantId, id: id as ApiKeyId } });
  }

  async list(
    tenantId: TenantId,
    page: { limit: number; after?: string },
  ): Promise<{ items: ApiKeyEntity[]; more: boolean }> {
    const qb = this.em.createQueryBuilder(ApiKeyEntity, 'k').where('k.tenant_id = :tenantId', { tenantId });
    if (page.after !== undefined) qb.andWhere('k.id > :after', { after: page.after });
    const rows = await qb
      .orderBy('k.id', 'ASC')
      .limit(page.limit + 1)
      .getMany();
    return { items: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  /** For authentication only: the key that a presented token names, whoever owns it. */
  findActiveByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { where: { prefix, revokedAt: IsNull() } });
  }
}
