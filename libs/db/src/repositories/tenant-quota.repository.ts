import type { EntityManager } from 'typeorm';
import { CONTAINER_HOLDS_CAPACITY, QUOTA_LIMITS, type QuotaLimit, type TenantId } from '@berth/domain';
import { TenantQuotaEntity } from '../entities/tenant-quota.entity';

/** The operator's overrides, by limit (the entity's properties are named as the limits); null is the default. */
export type QuotaOverrides = Partial<Record<QuotaLimit, number | null>>;

// Built from the domain's own set, the one that placement reserves host capacity by (host-snapshots.ts).
const RESERVING_STATES = [...CONTAINER_HOLDS_CAPACITY].map((s) => `'${s}'`).join(', ');

/** What a tenant holds now, per limit, as placement and billing see it. */
const USAGE_SQL: Readonly<Record<QuotaLimit, string>> = {
  containers: `(SELECT count(*) FROM containers WHERE tenant_id = $1 AND state <> 'deleted')`,
  vcpus: `(SELECT COALESCE(sum(vcpu), 0) FROM containers WHERE tenant_id = $1 AND state IN (${RESERVING_STATES}))`,
  memoryMib: `(SELECT COALESCE(sum(memory_mib), 0) FROM containers WHERE tenant_id = $1 AND state IN (${RESERVING_STATES}))`,
  volumeGb: `(SELECT COALESCE(sum(size_gib), 0) FROM volumes WHERE tenant_id = $1 AND state <> 'deleted')`,
  snapshots: `(SELECT count(*) FROM snapshots WHERE tenant_id = $1 AND state <> 'deleted')`,
  floatingIps: `(SELECT count(*) FROM floating_ips WHERE tenant_id = $1 AND released_at IS NULL)`,
  networks: `(SELECT count(*) FROM networks WHERE tenant_id = $1 AND deleted_at IS NULL)`,
};

/** A tenant's quota overrides (tenant_quotas) and what it holds against them (its row's lock is TenantRepository's). */
export class TenantQuotaRepository {
  constructor(private readonly em: EntityManager) {}

  /** The tenant's overrides; every limit is null when the operator set none. */
  async overridesOf(tenantId: TenantId): Promise<QuotaOverrides> {
    const row = await this.em.findOneBy(TenantQuotaEntity, { tenantId });
    return Object.fromEntries(QUOTA_LIMITS.map((l) => [l, row?.[l] ?? null]));
  }

  /** Sets the limits `patch` names (null resets one to the default) and leaves the others. */
  async setOverrides(tenantId: TenantId, patch: QuotaOverrides): Promise<void> {
    const given = QUOTA_LIMITS.filter((l) => patch[l] !== undefined);
    const values = Object.fromEntries(given.map((l) => [l, patch[l] ?? null]));
    await this.em.upsert(TenantQuotaEntity, { tenantId, ...values, updatedAt: new Date() }, ['tenantId']);
  }

  /** The tenant's usage of `limits`, in one query. */
  async usageOf(
    tenantId: TenantId,
    limits: readonly QuotaLimit[],
  ): Promise<Partial<Record<QuotaLimit, number>>> {
    if (limits.length === 0) return {};
    const rows: Record<string, string>[] = await this.em.query(
      `SELECT ${limits.map((l) => `${USAGE_SQL[l]} AS "${l}"`).join(', ')}`,
      [tenantId],
    );
    const row = rows[0] ?? {};
    return Object.fromEntries(limits.map((l) => [l, Number(row[l] ?? 0)]));
  }
}
