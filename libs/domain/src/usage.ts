// Usage intervals: what a tenant had, from when to when. Billing (issue 7) rates them; this file
// only names and measures them. Pure.
import { amountFor, meterUnit, sizeOfMeter, type UsageMeter, type UsageResourceType } from './pricing';

/**
 * Whole seconds between `start` and `end`, rounded up (a started second counts), never negative.
 * Clocks of different machines may disagree by a little; an end before its start is zero, not less.
 */
export function billableSeconds(start: Date, end: Date): number {
  const ms = end.getTime() - start.getTime();
  // Also 0 for an invalid date (NaN): a second that cannot be dated is not billed.
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** The UTC calendar month holding `at`: the billing period (invoices, the worker's reconciliation). */
export function monthOf(at: Date): UsageWindow {
  const from = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const to = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { from, to };
}

/** One stretch of usage, as rating needs it. */
export interface UsageIntervalRecord {
  readonly id: string;
  readonly resourceType: UsageResourceType;
  readonly resourceId: string;
  readonly meter: UsageMeter;
  /** GB for storage meters, 1 otherwise. */
  readonly quantity: number;
  readonly startedAt: Date;
  /** null: still open, accruing up to `now`. */
  readonly endedAt: Date | null;
  /** The least seconds this interval bills (MIN_SECONDS_PER_START for the first stretch of a start). */
  readonly minSeconds: number;
}

export interface UsageWindow {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Billable units of an interval inside a window: whole seconds (rounded up) of its overlap, at least its
 * minimum when it started inside the window, times its quantity (GB for storage). Units are what a
 * Stripe meter event carries and what amountFor prices.
 */
export function intervalUnits(i: UsageIntervalRecord, window: UsageWindow, now: Date): number {
  const end = i.endedAt ?? now;
  const from = i.startedAt > window.from ? i.startedAt : window.from;
  const to = end < window.to ? end : window.to;
  let seconds = billableSeconds(from, to);
  const startsInside = i.startedAt >= window.from && i.startedAt < window.to;
  if (startsInside && seconds < i.minSeconds) seconds = i.minSeconds;
  return seconds * i.quantity;
}

/** All of a closed interval's units: what is sent to Stripe for it. */
export function totalUnits(i: UsageIntervalRecord & { readonly endedAt: Date }): number {
  return intervalUnits(i, { from: i.startedAt, to: new Date(8.64e15) }, i.endedAt);
}

export const USAGE_GROUPINGS = ['container', 'size', 'type', 'day', 'hour', 'meter'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];
/** A second dimension for the time groupings (day, hour): one series per size or per resource type. */
export const USAGE_SPLITS = ['size', 'type'] as const;
export type UsageSplit = (typeof USAGE_SPLITS)[number];

export interface UsageLine {
  readonly key: string;
  /** With a split: the size or resource type this line is for; null otherwise. */
  readonly series: string | null;
  /** Seconds of meters priced by the second (containers, floating IPs). */
  readonly seconds: number;
  /** GB-seconds of storage meters. */
  readonly gbSeconds: number;
  /** Nano-dollars. */
  readonly amount: number;
}

const BUCKET_MS: Partial<Record<UsageGrouping, number>> = { day: 86_400_000, hour: 3_600_000 };

function bucketKey(groupBy: UsageGrouping, start: number): string {
  const iso = new Date(start).toISOString();
  return groupBy === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
}

function sizeOrType(i: UsageIntervalRecord): string {
  return sizeOfMeter(i.meter) ?? i.resourceType;
}

/**
 * Usage in a window, grouped. Each group's amount is rated per meter on the group's summed units (one
 * rounding per meter and group), so totals never drift from the lines by rounding. Lines sort by key,
 * then series.
 *
 * container: by resource (containers, and each volume, snapshot and floating IP as its own line);
 * size: by container size, other resources by type; type: by resource type; meter: by meter;
 * day, hour: by UTC day or hour (an interval is split at the boundaries; its minimum counts in the
 * bucket it started in), optionally split into series by size or type.
 */
export function rateUsage(
  intervals: readonly UsageIntervalRecord[],
  window: UsageWindow,
  groupBy: UsageGrouping,
  now: Date,
  split: UsageSplit | null = null,
): { lines: UsageLine[]; total: number } {
  const units = new Map<string, { key: string; series: string | null; byMeter: Map<UsageMeter, number> }>();
  const add = (key: string, series: string | null, meter: UsageMeter, n: number) => {
    if (n <= 0) return;
    const id = `${key}\u0000${series ?? ''}`;
    const group = units.get(id) ?? { key, series, byMeter: new Map<UsageMeter, number>() };
    group.byMeter.set(meter, (group.byMeter.get(meter) ?? 0) + n);
    units.set(id, group);
  };
  for (const i of intervals) {
    const bucket = BUCKET_MS[groupBy];
    if (bucket !== undefined) {
      const series = split === null ? null : split === 'size' ? sizeOrType(i) : i.resourceType;
      const end = i.endedAt ?? now;
      const last = Math.min(end.getTime(), window.to.getTime());
      const first = Math.floor(Math.max(i.startedAt.getTime(), window.from.getTime()) / bucket) * bucket;
      // Each bucket gets the growth of the interval's running total (rounding and minimum applied to
      // the total, not per bucket), so the buckets add up to exactly what the other groupings bill.
      // At least the bucket it starts in: a stretch shorter than a millisecond still bills its minimum.
      let before = 0;
      for (let b = first; b === first || b < last; b += bucket) {
        const upTo = new Date(Math.min(b + bucket, window.to.getTime()));
        const cumulative = intervalUnits(i, { from: window.from, to: upTo }, now);
        add(bucketKey(groupBy, b), series, i.meter, cumulative - before);
        before = cumulative;
      }
      continue;
    }
    const key =
      groupBy === 'container'
        ? i.resourceId
        : groupBy === 'size'
          ? sizeOrType(i)
          : groupBy === 'type'
            ? i.resourceType
            : i.meter;
    add(key, null, i.meter, intervalUnits(i, window, now));
  }
  const lines: UsageLine[] = [];
  let total = 0;
  const ordered = [...units.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  for (const { key, series, byMeter } of ordered) {
    let seconds = 0;
    let gbSeconds = 0;
    let amount = 0;
    for (const [meter, n] of byMeter) {
      if (meterUnit(meter) === 'gb-second') gbSeconds += n;
      else seconds += n;
      amount += amountFor(meter, n);
    }
    lines.push({ key, series, seconds, gbSeconds, amount });
    total += amount;
  }
  return { lines, total };
}
