// The id of a usage interval, made where intervals are written. It lives here, not in libs/domain,
// because it hashes with node:crypto and libs/domain imports no Node builtin (eslint.config.mjs).
import { createHash } from 'node:crypto';
import type { UsageId, UsageMeter } from '@berth/domain';

/**
 * The interval's id: the same resource, meter and start always give the same id, so a report that
 * arrives twice (or a retried transaction) writes one interval, and Stripe can use it as the meter
 * event's identifier.
 */
export function usageIntervalId(resourceId: string, meter: UsageMeter, startedAt: Date): UsageId {
  const digest = createHash('sha256')
    .update(`${resourceId}\n${meter}\n${startedAt.toISOString()}`)
    .digest('hex')
    .slice(0, 26);
  return `use_${digest}` as UsageId;
}
