import type { EntityManager } from 'typeorm';
import type { QuotasView } from '@berth/contracts';
import { TenantQuotaRepository, TenantRepository, type QuotaOverrides } from '@berth/db';
import { refuseIfPastDue } from '../billing/billing-standing';
import {
  DomainError,
  QUOTA_LIMITS,
  quotaExceeded,
  type QuotaDemand,
  type QuotaLimit,
  type QuotaLimits,
  type TenantId,
} from '@berth/domain';

/**
 * The one owner of "may this tenant have more?". Every create path calls assertWithinQuota in its own
 * transaction, before it writes: the call locks the tenant's row, so the creates of one tenant are
 * serialised from the count to the commit, and two concurrent creates can never both see room for one.
 *
 * Lock order: the tenant's row comes before hosts, volumes and networks (every create path calls this
 * first). FOR NO KEY UPDATE, not FOR UPDATE: it does not conflict with the FOR KEY SHARE locks that
 * inserting rows referencing the tenant takes, so rows written earlier in a transaction never make a
 * create wait on another in a cycle.
 */

/** The tenant's overrides (null where it has the default). */
async function loadOverrides(em: EntityManager, tenantId: TenantId): Promise<QuotaOverrides> {
  if (!(await new TenantRepository(em).exists(tenantId))) {
    throw new DomainError('tenant/not_found', `tenant ${tenantId} does not exist`);
  }
  return new TenantQuotaRepository(em).overridesOf(tenantId);
}

function effective(
  overrides: QuotaOverrides,
  defaults: QuotaLimits,
): Record<QuotaLimit, { quota: number; custom: boolean }> {
  const out = {} as Record<QuotaLimit, { quota: number; custom: boolean }>;
  for (const l of QUOTA_LIMITS) {
    const own = overrides[l];
    out[l] =
      own === null || own === undefined
        ? { quota: defaults[l], custom: false }
        : { quota: own, custom: true };
  }
  return out;
}

/** The tenant's usage of `limits`, in one query. */
export function usageOf(
  em: EntityManager,
  tenantId: TenantId,
  limits: readonly QuotaLimit[],
): Promise<Partial<QuotaLimits>> {
  return new TenantQuotaRepository(em).usageOf(tenantId, limits);
}

/**
 * Refuses (403 quota/exceeded, naming the limit, the quota and the usage) a create that would take
 * the tenant past any of its quotas, and with `goodStanding` (new compute) a tenant that is past due
 * (billing-standing.ts). Locks the tenant's row until the caller's transaction ends, reading its
 * standing, quotas and usage in that same statement; call it before the create writes anything, in the
 * same transaction. Calling it twice in one transaction is harmless (the lock is already held).
 */
export async function assertWithinQuota(
  em: EntityManager,
  tenantId: TenantId,
  defaults: QuotaLimits,
  demand: QuotaDemand,
  opts: { goodStanding?: boolean } = {},
): Promise<void> {
  const asked = QUOTA_LIMITS.filter((l) => (demand[l] ?? 0) > 0);
  const tenant = await new TenantQuotaRepository(em).lockWithUsage(tenantId, asked);
  if (!tenant) throw new DomainError('tenant/not_found', `tenant ${tenantId} does not exist`);
  if (opts.goodStanding) refuseIfPastDue(tenant.billingStatus);
  const quotas = effective(tenant.overrides, defaults);
  for (const l of asked) {
    const err = quotaExceeded(l, quotas[l].quota, tenant.usage[l] ?? 0, demand[l] ?? 0);
    if (err) throw err;
  }
}

/** Each limit's quota (and whether the operator set it for this tenant) with what the tenant uses now. */
export async function quotasOf(
  em: EntityManager,
  tenantId: TenantId,
  defaults: QuotaLimits,
): Promise<QuotasView> {
  const quotas = effective(await loadOverrides(em, tenantId), defaults);
  const usage = await usageOf(em, tenantId, QUOTA_LIMITS);
  const limits = {} as Record<QuotaLimit, QuotasView['limits'][QuotaLimit]>;
  for (const l of QUOTA_LIMITS) limits[l] = { ...quotas[l], usage: usage[l] ?? 0 };
  return { tenantId, limits };
}
