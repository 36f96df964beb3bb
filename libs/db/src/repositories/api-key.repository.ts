import { IsNull, type EntityManager } from 'typeorm';
import type { ApiKeyId, TenantId } from '@berth/domain';
import { ApiKeyEntity } from '../entities/api-key.entity';
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

  /** For authentication only: the key that a presented token names, whoever owns it. */
  findActiveByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { where: { prefix, revokedAt: IsNull() } });
  }
}
