import { UsageError } from '../api/errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * `--since` as Docker takes it: a duration back from now (`10m`, `1h30m`), unix seconds, or a date
 * (RFC 3339, or a plain `2024-05-01`). Returns unix seconds, the form the API always accepts.
 */
export function sinceToUnixSeconds(value: string, now: Date): string {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  if (DURATION.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    return ((now.getTime() - ms) / 1000).toFixed(3);
  }
  const t = Date.parse(v);
  if (!Number.isFinite(t)) {
    throw new UsageError(`--since "${value}" is not a duration (10m, 1h30m), unix seconds or a date`);
  }
  return (t / 1000).toFixed(3);
}
