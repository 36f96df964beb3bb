// The periods the usage pages offer, as query parameters of GET /v1/usage. Billing periods are UTC
// calendar months; the relative ones ("last 7 days") end now.

export type PeriodChoice =
  | { readonly kind: 'this-month' }
  | { readonly kind: 'last-month' }
  | { readonly kind: 'last-7-days' }
  | { readonly kind: 'last-24-hours' }
  | { readonly kind: 'month'; readonly month: string };

export type PeriodKind = PeriodChoice['kind'];

export const PERIOD_KINDS: readonly { readonly kind: PeriodKind; readonly label: string }[] = [
  { kind: 'this-month', label: 'This month' },
  { kind: 'last-month', label: 'Last month' },
  { kind: 'last-7-days', label: 'Last 7 days' },
  { kind: 'last-24-hours', label: 'Last 24 hours' },
  { kind: 'month', label: 'A month…' },
];

const DAY_MS = 86_400_000;
/** groupBy=hour covers at most this many days (the API refuses more). */
export const MAX_HOURLY_DAYS = 31;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The UTC month holding `at`, as "2026-11". */
export function monthId(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The month before the UTC month holding `at`. */
export function previousMonthId(at: Date): string {
  return monthId(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)));
}

export function isMonthId(value: string): boolean {
  return MONTH.test(value);
}

/** Start (inclusive) and end (exclusive) of a UTC month "YYYY-MM", in ms. */
export function monthBounds(month: string): { readonly from: number; readonly to: number } {
  const m = MONTH.exec(month);
  if (m === null) throw new RangeError(`"${month}" is not a month (YYYY-MM)`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: Date.UTC(year, index, 1), to: Date.UTC(year, index + 1, 1) };
}

export interface PeriodQuery {
  /** period=YYYY-MM, or from and to (ISO times). */
  readonly params: Readonly<Record<string, string>>;
  /** How long the window is, in ms (a month's full length even while it runs). */
  readonly spanMs: number;
}

/** The query for a choice, as of `now`. */
export function periodQuery(choice: PeriodChoice, now: Date): PeriodQuery {
  const nowMs = now.getTime();
  switch (choice.kind) {
    case 'this-month': {
      const { from, to } = monthBounds(monthId(now));
      return { params: { from: new Date(from).toISOString(), to: now.toISOString() }, spanMs: to - from };
    }
    case 'last-month': {
      const month = previousMonthId(now);
      const { from, to } = monthBounds(month);
      return { params: { period: month }, spanMs: to - from };
    }
    case 'last-7-days':
      return {
        params: { from: new Date(nowMs - 7 * DAY_MS).toISOString(), to: now.toISOString() },
        spanMs: 7 * DAY_MS,
      };
    case 'last-24-hours':
      return {
        params: { from: new Date(nowMs - DAY_MS).toISOString(), to: now.toISOString() },
        spanMs: DAY_MS,
      };
    case 'month': {
      if (choice.month === monthId(now)) return periodQuery({ kind: 'this-month' }, now);
      const { from, to } = monthBounds(choice.month);
      return { params: { period: choice.month }, spanMs: to - from };
    }
  }
}

/** Whether hourly buckets may be asked for over this window. */
export function hourlyAllowed(query: PeriodQuery): boolean {
  return query.spanMs <= MAX_HOURLY_DAYS * DAY_MS;
}

/** The query string of GET /v1/usage: "?from=...&to=...&groupBy=day". */
export function usagePath(query: PeriodQuery, extra: Readonly<Record<string, string>>): string {
  const search = new URLSearchParams({ ...query.params, ...extra });
  return `/v1/usage?${search.toString()}`;
}
