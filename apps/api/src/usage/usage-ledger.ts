import type { EntityManager } from 'typeorm';
import { usageIntervalId, type TenantId, type UsageMeter, type UsageResourceType } from '@berth/domain';

/**
 * Opens and closes usage intervals. Always called inside the transaction that changes the resource,
 * so the resource's state and its usage never disagree. Both are idempotent: the id is derived from
 * resource, meter and start, and only an open interval is closed.
 */
export async function openUsage(
  em: EntityManager,
  u: {
    tenantId: TenantId;
    resourceType: UsageResourceType;
    resourceId: string;
    meter: UsageMeter;
    quantity: number;
    at: Date;
  },
): Promise<void> {
  await em.query(
    `INSERT INTO usage_intervals (id, tenant_id, resource_type, resource_id, meter, quantity, started_at, ended_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, now())
     ON CONFLICT DO NOTHING`,
    [
      usageIntervalId(u.resourceId, u.meter, u.at),
      u.tenantId,
      u.resourceType,
      u.resourceId,
      u.meter,
      u.quantity,
      u.at,
    ],
  );
}

/** Ends the resource's open interval on `meter` at `at` (never before it started). */
export async function closeUsage(
  em: EntityManager,
  resourceId: string,
  meter: UsageMeter,
  at: Date,
): Promise<void> {
  await em.query(
    `UPDATE usage_intervals SET ended_at = GREATEST($3::timestamptz, started_at)
      WHERE resource_id = $1 AND meter = $2 AND ended_at IS NULL`,
    [resourceId, meter, at],
  );
}

/**
 * quantity x whole seconds (rounded up per interval) accrued by each resource up to `now`: GB-seconds
 * for the storage meters.
 */
export async function accruedBy(
  em: EntityManager,
  resourceIds: readonly string[],
  now: Date = new Date(),
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (resourceIds.length === 0) return out;
  const rows: { resource_id: string; total: string }[] = await em.query(
    `SELECT resource_id,
            SUM(quantity * CEIL(GREATEST(EXTRACT(EPOCH FROM (COALESCE(ended_at, $2::timestamptz) - started_at)), 0)))::bigint AS total
       FROM usage_intervals
      WHERE resource_id = ANY($1)
      GROUP BY resource_id`,
    [resourceIds, now],
  );
  for (const r of rows) out.set(r.resource_id, Number(r.total));
  return out;
}
