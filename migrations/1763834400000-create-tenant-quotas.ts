import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's per-tenant quota overrides. Only overrides are stored: a NULL limit (or no row) means
 * the default from config (BERTH_QUOTA_*), so changing a default reaches every tenant not set apart.
 */
export class CreateTenantQuotas1763834400000 implements MigrationInterface {
  name = 'CreateTenantQuotas1763834400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_quotas (
        tenant_id text PRIMARY KEY REFERENCES tenants(id),
        containers integer CHECK (containers >= 0),
        vcpus integer CHECK (vcpus >= 0),
        memory_mib integer CHECK (memory_mib >= 0),
        volume_gb integer CHECK (volume_gb >= 0),
        snapshots integer CHECK (snapshots >= 0),
        floating_ips integer CHECK (floating_ips >= 0),
        networks integer CHECK (networks >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
