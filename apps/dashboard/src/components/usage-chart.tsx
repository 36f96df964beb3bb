import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { seriesColor } from '../chart-palette';
import { stack, type Granularity, type UsageChartData } from '../chart-data';
import { formatUsd } from '../format';
import { useColorScheme } from '../hooks/use-color-scheme';

interface Props {
  readonly data: UsageChartData;
  readonly granularity: Granularity;
  /** What the chart shows, for screen readers (the table under it has the numbers). */
  readonly label: string;
}

function chartHeight(width: number): number {
  return width < 480 ? 240 : 320;
}

function bucketFormat(granularity: Granularity, long: boolean): Intl.DateTimeFormat {
  // Days are UTC calendar days (billing periods are UTC months); hours are shown in local time.
  return granularity === 'day'
    ? new Intl.DateTimeFormat(undefined, {
        month: 'short',
        day: 'numeric',
        ...(long ? { weekday: 'short', year: 'numeric' } : {}),
        timeZone: 'UTC',
      })
    : new Intl.DateTimeFormat(
        undefined,
        long ? { dateStyle: 'medium', timeStyle: 'short' } : { hour: 'numeric' },
      );
}

function axisUsd(value: number): string {
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: 'USD',
    notation: value >= 1000 ? 'compact' : 'standard',
    maximumSignificantDigits: 3,
  }).format(value);
}

/**
 * Stacked bars of the amount per bucket, one band per series (the largest at the bottom). Each series
 * is drawn as a full bar of its running sum, the tallest first, so each band shows only its own part;
 * the legend and the table below give every series' own amounts.
 */
export function UsageChart({ data, granularity, label }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const style = getComputedStyle(el);
    const ink = style.getPropertyValue('--muted').trim() || '#666666';
    const grid = style.getPropertyValue('--rule').trim() || '#dddddd';
    const sums = stack(data.series.map((s) => s.values));
    // Tallest (the whole stack) first: uPlot draws series in order, later ones on top.
    const order = data.series.map((_, i) => i).reverse();
    const aligned: uPlot.AlignedData = [data.xs, ...order.map((i) => sums[i] ?? [])];
    const half = data.bucketSeconds / 2;
    const short = bucketFormat(granularity, false);
    const long = bucketFormat(granularity, true);
    const bars = uPlot.paths.bars?.({ size: [0.8, 48], gap: 1 });
    const width = Math.max(200, el.clientWidth);

    const options: uPlot.Options = {
      width,
      height: chartHeight(width),
      ...(granularity === 'day'
        ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') }
        : {}),
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: true },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - half, max + half] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 0.01] },
      },
      axes: [
        {
          stroke: ink,
          grid: { show: false },
          ticks: { stroke: grid },
          space: granularity === 'day' ? 56 : 48,
          values: (_u, splits) => splits.map((ts) => short.format(new Date(ts * 1000))),
        },
        {
          stroke: ink,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          // Wide enough for the longest label: sub-cent amounts carry many digits.
          size: (_u, values) =>
            values && values.length > 0 ? Math.max(48, ...values.map((v) => String(v).length * 7 + 18)) : 64,
          values: (_u, splits) => splits.map(axisUsd),
        },
      ],
      series: [
        {
          label: granularity === 'day' ? 'Day (UTC)' : 'Hour',
          value: (_u, ts) => (ts === null ? '—' : long.format(new Date(ts * 1000))),
        },
        ...order.map((i): uPlot.Series => {
          const s = data.series[i];
          const color = seriesColor(i, scheme);
          return {
            label: s?.label ?? '',
            stroke: color,
            fill: color,
            width: 0,
            points: { show: false },
            ...(bars === undefined ? {} : { paths: bars }),
            value: (_u, _raw, _si, idx) => (idx === null ? '—' : formatUsd((s?.values[idx] ?? 0) * 1e9)),
          };
        }),
      ],
    };
    const chart = new uPlot(options, aligned, el);
    let lastWidth = width;
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, el.clientWidth);
      if (next === lastWidth) return;
      lastWidth = next;
      chart.setSize({ width: next, height: chartHeight(next) });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [data, granularity, scheme]);

  return <div ref={box} class="chart" role="img" aria-label={label} />;
}
