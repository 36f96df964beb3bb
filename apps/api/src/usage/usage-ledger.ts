import type { EntityManager } from 'typeorm';
import { openUsage } from '@berth/db';
import type { ContainerId, TenantId, UsageEffect, UsageMeter } from '@berth/domain';

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
 * What the lifecycle planner needs to date a container's usage (see datedUsage in @berth/domain). Its
 * open interval stays locked until the transaction ends, so the billing worker's hourly cut (which skips
 * locked intervals) cannot move it between this read and the plan's write.
 */
export async function containerUsageFacts(
  em: EntityManager,
  containerId: ContainerId,
): Promise<{ usageOpenSince: Date | null; usageLastEndedAt: Date | null }> {
  const open: { started_at: Date }[] = await em.query(
    `SELECT started_at FROM usage_intervals WHERE resource_id = $1 AND ended_at IS NULL
      ORDER BY started_at DESC FOR UPDATE`,
    [containerId],
  );
  const ended: { last: Date | null }[] = await em.query(
    `SELECT max(ended_at) AS last FROM usage_intervals WHERE resource_id = $1`,
    [containerId],
  );
  return { usageOpenSince: open[0]?.started_at ?? null, usageLastEndedAt: ended[0]?.last ?? null };
}

/** Writes a container's usage as the lifecycle planner dated it. */
export async function applyContainerUsage(
  em: EntityManager,
  c: { id: ContainerId; tenantId: TenantId },
  effect: UsageEffect,
): Promise<void> {
  switch (effect.kind) {
    case 'none':
      return;
    case 'close':
      return closeOpenUsage(em, c.id, effect.at);
    case 'open':
      if (effect.closeOpenAt) await closeOpenUsage(em, c.id, effect.closeOpenAt);
      return openUsage(em, {
        tenantId: c.tenantId,
        resourceType: 'container',
        resourceId: c.id,
        meter: effect.meter,
        quantity: 1,
        at: effect.at,
        minSeconds: effect.minSeconds,
      });
  }
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
