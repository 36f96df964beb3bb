// Usage intervals: what a tenant had, from when to when. Billing (issue 7) rates them; this file
// only names and measures them. Pure.
import { createHash } from 'node:crypto';
import type { UsageId } from './ids';

/**
 * What an interval measures, and in what unit its quantity is:
 * - `volume.gib`, `snapshot.gib`: GiB provisioned (a volume) or stored (a snapshot), so quantity x
 *   seconds is GB-seconds.
 */
export const USAGE_METERS = ['volume.gib', 'snapshot.gib'] as const;
export type UsageMeter = (typeof USAGE_METERS)[number];

export const USAGE_RESOURCE_TYPES = ['volume', 'snapshot'] as const;
export type UsageResourceType = (typeof USAGE_RESOURCE_TYPES)[number];

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

/**
 * Whole seconds between `start` and `end`, rounded up (a started second counts), never negative.
 * Clocks of different machines may disagree by a little; an end before its start is zero, not less.
 */
export function billableSeconds(start: Date, end: Date): number {
  const ms = end.getTime() - start.getTime();
  // Also 0 for an invalid date (NaN): a second that cannot be dated is not billed.
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** quantity x seconds: GB-seconds for storage meters. */
export function quantitySeconds(quantity: number, start: Date, end: Date): number {
  return quantity * billableSeconds(start, end);
}
