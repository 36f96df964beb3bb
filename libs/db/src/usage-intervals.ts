import type { EntityManager } from 'typeorm';
import type { TenantId, UsageMeter, UsageResourceType } from '@berth/domain';
import { usageIntervalId } from './usage-interval-id';

/**
 * Opens a usage interval, inside the caller's transaction. Idempotent: the id is derived from resource,
 * meter and start, so writing the same interval twice (a report delivered twice, a retried cut) is one
 * row. The API opens intervals with state changes; the billing worker opens the continuations it cuts.
 */
export async function openUsage(
  em: EntityManager,
  u: {
    tenantId: TenantId | string;
    resourceType: UsageResourceType;
    resourceId: string;
    meter: UsageMeter;
    quantity: number;
    at: Date;
    minSeconds?: number;
  },
): Promise<void> {
  await em.query(
    `INSERT INTO usage_intervals (id, tenant_id, resource_type, resource_id, meter, quantity, started_at, ended_at, min_seconds, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, now())
     ON CONFLICT DO NOTHING`,
    [
      usageIntervalId(u.resourceId, u.meter, u.at),
      u.tenantId,
      u.resourceType,
      u.resourceId,
      u.meter,
      u.quantity,
      u.at,
      u.minSeconds ?? 0,
    ],
  );
}
