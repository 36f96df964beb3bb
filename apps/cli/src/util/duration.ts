import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `90s`, `30m`, `24h`, `7d`, or a combination as kubeadm's `--ttl` takes them (`1h30m`), as whole
 * seconds. A bare number is seconds.
 */
export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return checked(Number(trimmed), text);
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    throw new InvalidArgumentError(`"${text}" is not a duration: use e.g. 90s, 30m, 24h, 7d or 1h30m.`);
  }
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return checked(total, text);
}

function checked(seconds: number, text: string): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`"${text}" is not a duration of at least one second.`);
  }
  return seconds;
}
