// Numbers, money, times and durations for people, in the reader's locale. Pure: every function takes
// an optional locale (and time zone) so the specs can pin them; the app passes none.

const NANO_PER_USD = 1_000_000_000;
const MAX_DIGITS = 9;

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = numberFormats.get(id);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, options);
    numberFormats.set(id, f);
  }
  return f;
}

function clampDigits(n: number): number {
  return Math.min(MAX_DIGITS, Math.max(2, n));
}

/**
 * How many fraction digits show an amount to about three significant digits: cents for a dollar or
 * more, more for the sub-cent amounts per-second billing is made of (up to the nano-dollar).
 */
export function autoDigits(nanoUsd: number): number {
  const abs = Math.abs(nanoUsd);
  if (abs === 0 || abs >= NANO_PER_USD) return 2;
  return clampDigits(Math.ceil(-Math.log10(abs / NANO_PER_USD)) + 2);
}

/**
 * The fraction digits a meter needs so that one second's accrual (`rateNanoUsd`) changes the last
 * digit shown: 400 nano-dollars a second needs 7 ($0.0000004).
 */
export function meterDigits(rateNanoUsd: number): number {
  if (rateNanoUsd <= 0) return 2;
  return clampDigits(Math.ceil(-Math.log10(rateNanoUsd / NANO_PER_USD) - 1e-9));
}

export interface UsdOptions {
  /** Fixed fraction digits (2 to 9); by default `autoDigits`. */
  readonly digits?: number;
  readonly locale?: string;
}

/** Nano-dollars as US dollars in the reader's locale, e.g. "$0.0153" or "$12.40". */
export function formatUsd(nanoUsd: number, options: UsdOptions = {}): string {
  const digits = options.digits === undefined ? autoDigits(nanoUsd) : clampDigits(options.digits);
  return numberFormat(options.locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: options.digits === undefined ? 2 : digits,
    maximumFractionDigits: digits,
  }).format(nanoUsd / NANO_PER_USD);
}

/** A rate per second: every digit down to the nano-dollar that is not a trailing zero. */
export function formatRate(nanoUsdPerSecond: number, locale?: string): string {
  return numberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: MAX_DIGITS,
  }).format(nanoUsdPerSecond / NANO_PER_USD);
}

/** A whole count with the locale's grouping: "3,600". */
export function formatCount(n: number, locale?: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A share as a percentage: "42 %", "0.5 %". */
export function formatShare(part: number, whole: number, locale?: string): string {
  const ratio = whole === 0 ? 0 : part / whole;
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: ratio < 0.1 ? 1 : 0 }).format(ratio);
}

/**
 * A duration in whole seconds as people read it: "5 s", "3 min 05 s", "1 h 02 min 05 s",
 * "2 d 0 h 00 min 10 s". Units after the first are zero-padded so that a ticking value keeps its width.
 */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const seconds = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days} d ${hours} h ${pad(minutes)} min ${pad(seconds)} s`;
  if (hours > 0) return `${hours} h ${pad(minutes)} min ${pad(seconds)} s`;
  if (minutes > 0) return `${minutes} min ${pad(seconds)} s`;
  return `${seconds} s`;
}

/** The seconds from an ISO time to `nowMs`, or null when there is no start. */
export function secondsSince(iso: string | null, nowMs: number): number | null {
  if (iso === null) return null;
  const start = Date.parse(iso);
  if (Number.isNaN(start)) return null;
  return Math.max(0, Math.floor((nowMs - start) / 1000));
}

export interface TimeOptions {
  readonly locale?: string;
  readonly timeZone?: string;
}

/** A moment, e.g. "Nov 22, 2026, 12:00 PM" in the reader's locale and time zone. */
export function formatDateTime(iso: string, options: TimeOptions = {}): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(at);
}

/** A time of day with seconds, for log lines: "12:00:05 PM". */
export function formatTime(iso: string, options: TimeOptions = {}): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(options.locale, {
    timeStyle: 'medium',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(at);
}

/** A billing period (a UTC calendar month, "2026-11") by name: "November 2026". */
export function formatMonth(period: string, locale?: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (m === null) return period;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(at);
}

const RESOURCE_TYPE_LABELS: Readonly<Record<string, string>> = {
  container: 'Containers',
  volume: 'Volumes',
  snapshot: 'Snapshots',
  floating_ip: 'Floating IPs',
};

const RESOURCE_TYPE_SINGULAR: Readonly<Record<string, string>> = {
  container: 'Container',
  volume: 'Volume',
  snapshot: 'Snapshot',
  floating_ip: 'Floating IP',
};

/** A resource type as a heading for many: "Floating IPs". */
export function resourceTypesLabel(type: string): string {
  return RESOURCE_TYPE_LABELS[type] ?? type;
}

/** A resource type for one: "Floating IP". */
export function resourceTypeLabel(type: string | null): string {
  if (type === null) return '—';
  return RESOURCE_TYPE_SINGULAR[type] ?? type;
}

/** An invoice's status in words. */
export function invoiceStatusLabel(status: 'draft' | 'closed'): string {
  return status === 'draft' ? 'Draft (in progress)' : 'Closed';
}

/** A container's state in words: "running", "exited". */
export function containerStateLabel(state: string): string {
  return state.replace(/_/g, ' ');
}
