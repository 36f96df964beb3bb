import type { EntityManager } from 'typeorm';
import { openUsage } from '@berth/db';
import {
  containerMeter,
  MIN_SECONDS_PER_START,
  type ContainerId,
  type SizeName,
  type TenantId,
  type UsageMeter,
} from '@berth/domain';

/**
 * Opens and closes usage intervals. Always called inside the transaction that changes the resource,
 * so the resource's state and its usage never disagree. Idempotent: an interval's id is derived from
 * resource, meter and start (openUsage, shared with the billing worker, lives in @berth/db), and only an
 * open interval is closed.
 */
export { openUsage };

/** Ends every open interval of the resource at `at` (never before it started). */
export async function closeOpenUsage(em: EntityManager, resourceId: string, at: Date): Promise<void> {
  await em.query(
    `UPDATE usage_intervals SET ended_at = GREATEST($2::timestamptz, started_at)
      WHERE resource_id = $1 AND ended_at IS NULL`,
    [resourceId, at],
  );
}

/**
 * A container started running at `at` (its host's clock): a new interval on its size's meter that
 * bills at least MIN_SECONDS_PER_START. It never starts before the end of the container's last
 * interval, so no second is billed twice (a host that comes back after being lost reports the
 * machine's original start; the seconds it could not vouch for while away are not billed).
 */
export async function openContainerUsage(
  em: EntityManager,
  c: { id: ContainerId; tenantId: TenantId; size: SizeName },
  at: Date,
): Promise<void> {
  await closeOpenUsage(em, c.id, at);
  const rows: { last: Date | null }[] = await em.query(
    `SELECT max(ended_at) AS last FROM usage_intervals WHERE resource_id = $1`,
    [c.id],
  );
  const last = rows[0]?.last ?? null;
  const start = last && last > at ? last : at;
  await openUsage(em, {
    tenantId: c.tenantId,
    resourceType: 'container',
    resourceId: c.id,
    meter: containerMeter(c.size),
    quantity: 1,
    at: start,
    minSeconds: MIN_SECONDS_PER_START,
  });
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
