// Shaping a day or hour usage report (GET /v1/usage?groupBy=day|hour&splitBy=...) for a stacked bar
// chart: one x per bucket over the whole window (buckets without usage are zero, not missing), one
// series per size or resource type, largest first.
import type { UsageLineView } from '@berth/contracts';
import { resourceTypesLabel } from './format';

const BUCKET_MS = { day: 86_400_000, hour: 3_600_000 } as const;
export type Granularity = keyof typeof BUCKET_MS;

export interface ChartSeries {
  /** The report's `series` ("s1", "volume"), or "" for unsplit usage. */
  readonly key: string;
  readonly label: string;
  /** Dollars per bucket, aligned with `xs`. */
  readonly values: number[];
  readonly totalNanoUsd: number;
}

export interface UsageChartData {
  readonly bucketSeconds: number;
  /** Bucket starts, in Unix seconds (what uPlot's time scale takes). */
  readonly xs: number[];
  /** Largest total first: the bottom of the stack. */
  readonly series: ChartSeries[];
}

export interface ChartReport {
  readonly from: string;
  readonly to: string;
  readonly lines: readonly Pick<UsageLineView, 'key' | 'series' | 'amountNanoUsd'>[];
}

/** A series key as a legend label: resource types by name, sizes as they are ("s1"). */
export function seriesLabel(series: string | null): string {
  if (series === null || series === '') return 'All usage';
  return resourceTypesLabel(series);
}

/** The start of the bucket a line's key names ("2026-11-03", "2026-11-03T14:00Z"), in ms. */
export function bucketStart(key: string, granularity: Granularity): number {
  const ms = granularity === 'day' ? Date.parse(`${key}T00:00:00Z`) : Date.parse(key);
  if (Number.isNaN(ms)) throw new RangeError(`"${key}" is not a ${granularity}`);
  return ms;
}

export function shapeUsage(report: ChartReport, granularity: Granularity): UsageChartData {
  const bucket = BUCKET_MS[granularity];
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const first = Math.floor(from / bucket) * bucket;
  const starts: number[] = [];
  for (let b = first; b === first || b < to; b += bucket) starts.push(b);
  const index = new Map(starts.map((b, i) => [b, i]));

  const byKey = new Map<string, { values: number[]; total: number }>();
  for (const line of report.lines) {
    const i = index.get(bucketStart(line.key, granularity));
    if (i === undefined) continue;
    const key = line.series ?? '';
    let s = byKey.get(key);
    if (s === undefined) {
      s = { values: starts.map(() => 0), total: 0 };
      byKey.set(key, s);
    }
    s.values[i] = (s.values[i] ?? 0) + line.amountNanoUsd / 1e9;
    s.total += line.amountNanoUsd;
  }
  const series = [...byKey.entries()]
    .map(([key, s]) => ({ key, label: seriesLabel(key), values: s.values, totalNanoUsd: s.total }))
    .sort((a, b) => b.totalNanoUsd - a.totalNanoUsd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { bucketSeconds: bucket / 1000, xs: starts.map((b) => b / 1000), series };
}

/**
 * Running sums for a stack: row i is the sum of rows 0..i, so that drawing the rows from last to first,
 * each as a full bar, shows every series as its own band.
 */
export function stack(rows: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  let below: readonly number[] | undefined;
  for (const row of rows) {
    const sums = row.map((v, i) => v + (below?.[i] ?? 0));
    out.push(sums);
    below = sums;
  }
  return out;
}
