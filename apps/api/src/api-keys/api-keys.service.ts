import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreatedApiKeyView, Page } from '@berth/contracts';
import { ApiKeyEntity, ApiKeyRepository, decodeCursor, DEFAULT_PAGE_LIMIT, pageOf } from '@berth/db';
import { DomainError, newId, type TenantId } from '@berth/domain';
import { hashToken } from '../auth/secret-hasher';
import { issueToken } from '../auth/tokens';
import { apiKeyView } from './api-key.view';
import type { ApiKeyView } from '@berth/contracts';

/** A tenant's own API keys. The secret exists only in the answer to create. */
@Injectable()
export class ApiKeysService {
  constructor(private readonly ds: DataSource) {}

  async create(
    tenantId: TenantId,
    name: string,
    em: EntityManager = this.ds.manager,
  ): Promise<CreatedApiKeyView> {
    const issued = issueToken('bk');
    const key = em.create(ApiKeyEntity, {
      id: newId('key'),
      tenantId,
      name,
      prefix: issued.prefix,
      secretHash: hashToken(issued.secret),
      lastUsedAt: null,
      revokedAt: null,
    });
    const saved = await em.save(key);
    return { ...apiKeyView(saved), secret: issued.token };
  }

  async list(tenantId: TenantId, limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(cursor);
    const result = await new ApiKeyRepository(this.ds.manager).list(tenantId, {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(result, apiKeyView, (k) => k.id);
  }

  async get(tenantId: TenantId, id: string): Promise<ApiKeyView> {
    const key = await new ApiKeyRepository(this.ds.manager).findById(tenantId, id);
    if (!key) throw new DomainError('api_key/not_found', `API key ${id} does not exist`);
    return apiKeyView(key);
  }

  /** Idempotent: revoking a revoked key returns it unchanged. */
  async revoke(tenantId: TenantId, id: string): Promise<ApiKeyView> {
    const repo = new ApiKeyRepository(this.ds.manager);
    const key = await repo.findById(tenantId, id);
    if (!key) throw new DomainError('api_key/not_found', `API key ${id} does not exist`);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.ds.manager.save(key);
    }
    return apiKeyView(key);
  }
}
