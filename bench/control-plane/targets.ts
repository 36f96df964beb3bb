/**
 * Issue 15's targets for the control plane on our 2-core machines, everything co-located, and the
 * checks the report prints beside the figures. Pure.
 */
export const CONTROL_PLANE_TARGETS = {
  /** launches/s at least this share of raw single-row transactions/s (a launch needs >= 2 durable writes). */
  launchesVsRawTx: 0.25,
  /** create p99 at 100,000 containers, concurrency 8, ms. */
  createP99Ms: 50,
  /** list p99 at 100,000 containers, concurrency 8, ms. */
  listP99Ms: 50,
  /** creates/s at 100,000 containers at least this share of creates/s at 1,000 ("within 20%"). */
  createsFlat: 0.8,
} as const;

export interface TargetCheck {
  readonly label: string;
  /** The figure as printed. */
  readonly measured: string;
  readonly met: boolean;
}

/** A figure that was not measured (NaN) never meets a target. */
const atLeast = (value: number, floor: number): boolean => Number.isFinite(value) && value >= floor;
const atMost = (value: number, ceiling: number): boolean => Number.isFinite(value) && value <= ceiling;

export interface TargetInputs {
  readonly rawTxPerS: number;
  /** launches/s by host count (1 and 1,000; whatever counts were run). */
  readonly launchesPerS: ReadonlyMap<number, number>;
  /** By table size: create and list p99 (ms) and creates/s. */
  readonly bySize: ReadonlyMap<number, { createP99: number; listP99: number; createsPerS: number }>;
  /** The size the p99 targets are for, and the size creates/s is compared with (100,000 and 1,000). */
  readonly largeSize: number;
  readonly smallSize: number;
}

const NOT_MEASURED = 'not measured';
/** `v` with `unit` after it, or "not measured". */
const fmt = (v: number, digits = 1, unit = ''): string =>
  Number.isFinite(v) ? `${v.toFixed(digits)}${unit}` : NOT_MEASURED;

/** Every target of the issue, met or missed, in the order the report prints them. */
export function checkTargets(t: TargetInputs): TargetCheck[] {
  const T = CONTROL_PLANE_TARGETS;
  const out: TargetCheck[] = [];
  for (const [hosts, lps] of [...t.launchesPerS].sort((a, b) => a[0] - b[0])) {
    const ratio = lps / t.rawTxPerS;
    out.push({
      label: `launches/s with ${hosts} host(s) >= ${T.launchesVsRawTx} x raw tx/s`,
      measured: Number.isFinite(ratio) ? `${fmt(lps)}/s = ${fmt(ratio, 3)}x` : NOT_MEASURED,
      met: atLeast(ratio, T.launchesVsRawTx),
    });
  }
  const large = t.bySize.get(t.largeSize);
  const small = t.bySize.get(t.smallSize);
  const n = t.largeSize.toLocaleString('en-US');
  out.push({
    label: `create p99 <= ${T.createP99Ms} ms at ${n} containers`,
    measured: fmt(large?.createP99 ?? NaN, 1, ' ms'),
    met: atMost(large?.createP99 ?? NaN, T.createP99Ms),
  });
  out.push({
    label: `list p99 <= ${T.listP99Ms} ms at ${n} containers`,
    measured: fmt(large?.listP99 ?? NaN, 1, ' ms'),
    met: atMost(large?.listP99 ?? NaN, T.listP99Ms),
  });
  const flat = (large?.createsPerS ?? NaN) / (small?.createsPerS ?? NaN);
  out.push({
    label: `creates/s at ${n} >= ${T.createsFlat} x at ${t.smallSize.toLocaleString('en-US')}`,
    measured: fmt(flat, 2, 'x'),
    met: atLeast(flat, T.createsFlat),
  });
  return out;
}
