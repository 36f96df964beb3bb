import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RegistryCredentials, RegistryCredentialView } from '@berth/contracts';
import { RegistryCredentialEntity } from '@berth/db';
import { DomainError, type TenantId } from '@berth/domain';
import { SecretBox } from '../common/secret-box';

function view(c: RegistryCredentialEntity): RegistryCredentialView {
  return {
    registry: c.registry,
    username: c.username,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** A tenant's logins for private registries: passwords encrypted at rest, never returned to the tenant. */
@Injectable()
export class RegistryCredentialsService {
  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** Creates or replaces the login for `registry`. */
  async put(
    tenantId: TenantId,
    registry: string,
    username: string,
    password: string,
  ): Promise<RegistryCredentialView> {
    const now = new Date();
    const existing = await this.ds.manager.findOne(RegistryCredentialEntity, {
      where: { tenantId, registry },
    });
    const row =
      existing ?? this.ds.manager.create(RegistryCredentialEntity, { tenantId, registry, createdAt: now });
    row.username = username;
    row.secretCiphertext = this.box.seal(password, `${tenantId}|${registry}`);
    row.updatedAt = now;
    return view(await this.ds.manager.save(row));
  }

  async list(tenantId: TenantId): Promise<RegistryCredentialView[]> {
    const rows = await this.ds.manager.find(RegistryCredentialEntity, {
      where: { tenantId },
      order: { registry: 'ASC' },
    });
    return rows.map(view);
  }

  async remove(tenantId: TenantId, registry: string): Promise<RegistryCredentialView> {
    const row = await this.ds.manager.findOne(RegistryCredentialEntity, { where: { tenantId, registry } });
    if (!row)
      throw new DomainError('registry_credential/not_found', `no login is stored for registry ${registry}`);
    await this.ds.manager.delete(RegistryCredentialEntity, { tenantId, registry });
    return view(row);
  }

  /** For the agent that pulls on the tenant's behalf; null when the tenant stored none. */
  async reveal(
    tenantId: TenantId,
    registry: string,
    em: EntityManager = this.ds.manager,
  ): Promise<RegistryCredentials | null> {
    const row = await em.findOne(RegistryCredentialEntity, { where: { tenantId, registry } });
    if (!row) return null;
    return {
      username: row.username,
      password: this.box.open(row.secretCiphertext, `${tenantId}|${registry}`),
    };
  }
}
