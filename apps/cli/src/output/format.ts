// Small formatters for what people read in tables: sizes, ages, Docker-like statuses, money.
import type { ContainerView } from '@berth/contracts';
import { formatUsd } from '@berth/domain';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as `docker images` shows sizes. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`;
}

/** "45 seconds", "3 minutes", "2 hours", "5 days": the span between two instants, rounded down. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (s < 60) return s <= 1 ? 'Less than a second' : plural(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : plural(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 48) return h === 1 ? 'About an hour' : plural(h, 'hour');
  const d = Math.floor(h / 24);
  if (d < 14) return plural(d, 'day');
  if (d < 60) return plural(Math.floor(d / 7), 'week');
  if (d < 730) return plural(Math.floor(d / 30), 'month');
  return plural(Math.floor(d / 365), 'year');
}

/** "3 minutes ago", as Docker's CREATED column; "-" for no date. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '-';
  return `${humanDuration(now.getTime() - t)} ago`;
}

/** Docker's STATUS column: "Up 5 minutes", "Exited (3) 2 minutes ago", else the state. */
export function containerStatus(c: ContainerView, now: Date): string {
  switch (c.state) {
    case 'running':
      return `Up ${humanDuration(now.getTime() - Date.parse(c.startedAt ?? c.stateChangedAt))}`;
    case 'exited':
    case 'stopped':
      return `${c.state === 'exited' ? 'Exited' : 'Stopped'} (${c.exitCode ?? '?'}) ${ago(c.finishedAt ?? c.stateChangedAt, now)}`;
    case 'failed':
      return `Failed${c.stateReason ? `: ${c.stateReason}` : ''}`;
    case 'pending':
    case 'creating':
    case 'starting':
    case 'stopping':
    case 'restarting':
    case 'lost':
    case 'deleting':
    case 'deleted':
      return c.state.charAt(0).toUpperCase() + c.state.slice(1);
  }
}

/** Cuts `s` to `max` characters with an ellipsis, unless `full` (for --no-trunc). */
export function truncate(s: string, max: number, full = false): string {
  if (full || s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** A command as a shell would read it: words with spaces or quotes are quoted. */
export function shellJoin(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A container's addresses as one table cell: `mynet:10.1.0.2,db:10.2.0.3` (eth0 first), "-" for none. */
export function containerIps(c: ContainerView): string {
  const nics = c.networks ?? [];
  return nics.length > 0 ? nics.map((n) => `${n.name}:${n.ip}`).join(',') : '-';
}

/** A port range as people write one: `80`, `8000-8080`, or `all` when the rule names no port. */
export function portRange(from: number | null, to: number | null): string {
  if (from === null) return 'all';
  return to === null || to === from ? String(from) : `${from}-${to}`;
}

/**
 * Money for people, from the API's exact dollar string ("0.000004000", nine decimals): trailing zeros
 * trimmed, cents always shown. "0.000004000" is "$0.000004", "1.500000000" "$1.50", zero "$0.00".
 */
export function dollars(exact: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(exact.trim());
  if (!m) return exact;
  return `${m[1]}$${m[2]}.${(m[3] ?? '').replace(/0+$/, '').padEnd(2, '0')}`;
}

/** `dollars` for an amount the API gives in nano-dollars only (rates, live accruals, unit prices). */
export function nanoDollars(nanoUsd: number): string {
  return dollars(formatUsd(nanoUsd));
}
