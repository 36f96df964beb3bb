/**
 * What the input shape check (apps/api/src/common/input-shape.ts) costs on the hot path: for request
 * bodies from small to the 1 MiB limit, the time of JSON.parse alone beside JSON.parse followed by the
 * check, measured in the same run (these machines are noisy, so only same-run ratios mean anything),
 * and how fast hostile bodies are refused. Medians of BENCH_RUNS runs (default 7).
 *
 *   npm run -s build && node dist/bench/input-limits.bench.js
 */
import {
  COMMAND_OUTPUT_LIMITS,
  INPUT_LIMITS,
  type InputShapeLimits,
} from '../apps/api/src/common/input-limits';
import { assertInputShape } from '../apps/api/src/common/input-shape';
import { median } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/** Each timed run repeats a body until it has taken at least this long. */
const RUN_MS = 150;

interface Case {
  readonly label: string;
  readonly text: string;
  readonly limits: InputShapeLimits;
}

/** How many calls of `fn` take about RUN_MS. */
function calibrate(fn: () => void): number {
  for (let reps = 1; ; reps *= 2) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= RUN_MS / 4) return reps * 4;
  }
}

function microsPerCall(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return ((performance.now() - t0) * 1000) / reps;
}

/**
 * Microseconds per call of `base` and of `fn`, medians of RUNS runs taken in alternation, so that
 * the machine's drift (other processes, GC) falls on both alike.
 */
function timePair(base: () => void, fn: () => void): [number, number] {
  const reps = calibrate(base);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    a.push(microsPerCall(base, reps));
    b.push(microsPerCall(fn, reps));
  }
  return [median(a), median(b)];
}

function refuses(text: string, limits: InputShapeLimits): boolean {
  try {
    assertInputShape(JSON.parse(text), limits, 'body');
    return false;
  } catch {
    return true;
  }
}

const legitimate: Case[] = [
  {
    label: 'container create, typical (0.3 KB)',
    text: JSON.stringify({
      image: 'registry.example.com/team/web:1.4.2',
      name: 'web-1',
      size: 's2',
      command: ['sh', '-c', 'exec httpd -f -p 8080'],
      env: { PORT: '8080', MODE: 'production', LOG_LEVEL: 'info', REGION: 'eu-1', FEATURE: 'on' },
      labels: { app: 'web', tier: 'front' },
      networks: ['default'],
    }),
    limits: INPUT_LIMITS,
  },
  {
    label: 'security group, 60 rules (6 KB)',
    text: JSON.stringify({
      name: 'web',
      rules: Array.from({ length: 60 }, (_, i) => ({
        direction: 'ingress',
        protocol: 'tcp',
        portFrom: 1000 + i,
        portTo: 1000 + i,
        cidr: '10.0.0.0/8',
      })),
    }),
    limits: INPUT_LIMITS,
  },
  {
    label: 'container create, every list at its limit (0.8 MB)',
    text: JSON.stringify({
      image: 'busybox',
      command: new Array(256).fill('argument'),
      env: Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`VAR_${i}`, 'x'.repeat(3000)])),
      labels: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`label-${i}`, 'y'.repeat(255)])),
    }),
    limits: INPUT_LIMITS,
  },
  {
    label: 'agent exec result, 1 MB of output',
    text: JSON.stringify({ exitCode: 0, stdout: 'o'.repeat(1000 * 1000), stderr: '' }),
    limits: COMMAND_OUTPUT_LIMITS,
  },
];

const hostile: Case[] = [
  { label: '2,000 nested arrays', text: `${'['.repeat(2000)}${']'.repeat(2000)}`, limits: INPUT_LIMITS },
  {
    label: '200,000 nested arrays (0.4 MB)',
    text: `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    limits: INPUT_LIMITS,
  },
  {
    label: 'an array of 300,000 zeros (0.6 MB)',
    text: `{"command":[${new Array(300_000).fill('0').join(',')}]}`,
    limits: INPUT_LIMITS,
  },
  {
    label: '500 arrays of 1,000 zeros (1 MB)',
    text: JSON.stringify(
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`a${i}`, new Array(1000).fill(0)])),
    ),
    limits: INPUT_LIMITS,
  },
];

function row(label: string, parse: string, both: string, ratio: string): string {
  return `${label.padEnd(52)} ${parse.padStart(10)} ${both.padStart(14)} ${ratio.padStart(6)}`;
}

function measure(c: Case, check: () => void): string {
  const [parse, both] = timePair(() => JSON.parse(c.text), check);
  return row(c.label, parse.toFixed(1), both.toFixed(1), (both / parse).toFixed(2));
}

function main(): void {
  console.log(`input shape check: medians of ${RUNS} runs, microseconds per body\n`);
  console.log(row('legitimate bodies', 'JSON.parse', 'parse + check', 'ratio'));
  for (const c of legitimate) {
    if (refuses(c.text, c.limits)) throw new Error(`${c.label} was refused: the limits are too tight`);
    console.log(measure(c, () => assertInputShape(JSON.parse(c.text), c.limits, 'body')));
  }
  console.log(`\n${row('hostile bodies (refused)', 'JSON.parse', 'parse + check', 'ratio')}`);
  for (const c of hostile) {
    if (!refuses(c.text, c.limits)) throw new Error(`${c.label} was accepted`);
    console.log(measure(c, () => refuses(c.text, c.limits)));
  }
}

main();
