import type { EntityManager } from 'typeorm';
import { CONTAINER_HOLDS_CAPACITY, QUOTA_LIMITS, type QuotaLimit, type TenantId } from '@berth/domain';
import { TenantQuotaEntity } from '../entities/tenant-quota.entity';
import type { BillingStatus } from '../entities/tenant.entity';

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

/** What a create reads of its tenant under the tenant's lock, in one statement (TenantQuotaRepository.lockWithUsage). */
export interface LockedTenantUsage {
  readonly billingStatus: BillingStatus;
  readonly overrides: QuotaOverrides;
  readonly usage: Partial<Record<QuotaLimit, number>>;
}

/** The quota columns of tenant_quotas, by limit. */
const OVERRIDE_COLUMNS: Readonly<Record<QuotaLimit, string>> = {
  containers: 'containers',
  vcpus: 'vcpus',
  memoryMib: 'memory_mib',
  volumeGb: 'volume_gb',
  snapshots: 'snapshots',
  floatingIps: 'floating_ips',
  networks: 'networks',
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

  /**
   * Locks the tenant's row until the transaction ends, so that the creates of one tenant are serialised
   * from the quota count to the commit (quota-guard), reading its billing standing and overrides with the
   * lock; then reads its usage of `limits`. Null when there is no such tenant.
   *
   * Two statements, not one: a statement's snapshot is taken when it starts, before it waits for the
   * lock, so usage counted in the locking statement would miss what the create that held the lock just
   * committed. FOR NO KEY UPDATE, not FOR UPDATE: it does not conflict with the FOR KEY SHARE locks that
   * inserting rows referencing the tenant takes, so rows written earlier in a transaction never make a
   * create wait on another in a cycle.
   */
  async lockWithUsage(tenantId: TenantId, limits: readonly QuotaLimit[]): Promise<LockedTenantUsage | null> {
    const rows: Record<string, string | number | null>[] = await this.em.query(
      `SELECT t.billing_status,
              ${QUOTA_LIMITS.map((l) => `q.${OVERRIDE_COLUMNS[l]} AS "${l}"`).join(', ')}
         FROM tenants t LEFT JOIN tenant_quotas q ON q.tenant_id = t.id
        WHERE t.id = $1
          FOR NO KEY UPDATE OF t`,
      [tenantId],
    );
    const row = rows[0];
    if (!row) return null;
    const overrides = Object.fromEntries(
      QUOTA_LIMITS.map((l) => [l, row[l] === null || row[l] === undefined ? null : Number(row[l])]),
    );
    return {
      billingStatus: row.billing_status as BillingStatus,
      overrides,
      usage: await this.usageOf(tenantId, limits),
    };
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
