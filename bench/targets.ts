/**
 * Issue 14's targets on our 2-core TCG machines, and how a figure compares with one. Pure.
 */
export const TARGETS = {
  /** 202 -> running from a template, ms. */
  templateStartMs: 300,
  /** 202 -> running from a template, at most this times the bare restore of the same template. */
  templateVsBareRestore: 1.3,
  /** An idle clone's proportional set size, MiB. */
  idlePssMib: 40,
  /** The burst within this factor of (one template start x n / cores). */
  burstSlack: 1.2,
} as const;

/**
 * The burst's target: n template starts spread over the host's cores (each start wants a core under
 * TCG), with the slack the issue allows.
 */
export function burstTargetMs(oneStartMs: number, n: number, cores: number): number {
  if (cores < 1) throw new Error('a host has at least one core');
  return ((oneStartMs * n) / cores) * TARGETS.burstSlack;
}

/** "ok" when `value` is at or under `limit`, "MISSED" otherwise (a missing figure never passes). */
export function verdict(value: number, limit: number): 'ok' | 'MISSED' {
  return Number.isFinite(value) && value <= limit ? 'ok' : 'MISSED';
}
