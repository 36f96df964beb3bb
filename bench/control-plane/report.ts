/**
 * The control-plane bench's printed report: baselines, launches with 1 and 1,000 hollow hosts, costs per
 * launch, latencies by table size, and issue 15's targets as met or missed. Pure: the bench measures,
 * this only formats.
 */
import type { PerLaunch } from './counters';
import { checkTargets } from './targets';

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  /** Calls timed (successful), and calls that failed. */
  readonly n: number;
  readonly errors: number;
}

export interface LaunchResult {
  readonly hosts: number;
  readonly launches: number;
  /** Wall time for the fleet to register and start every host, and a host's registration p50. */
  readonly fleetStartMs: number;
  readonly registerP50Ms: number;
  /** Failed registration attempts the agents repeated (with their join keys) before the fleet was up. */
  readonly registerRetries: number;
  /** With the fleet idle, and during the launches: heartbeats/s, their mean latency, the API's CPU. */
  readonly idleBeats: BeatsAndCpu;
  readonly launchBeats: BeatsAndCpu;
  readonly fleetSockets: number;
  readonly fleetRssMib: number;
  /** Redis's connected clients with the fleet up (the API's, the fleet's, the bench's). */
  readonly redisClients: number;
  readonly createsPerS: number;
  /** First POST -> last container running. */
  readonly launchesPerS: number;
  /** POST -> 202. */
  readonly accepted: Latency;
  /** 202 -> running (the API's answer to the host's report). */
  readonly toRunning: Latency;
  /** Everything between the first POST and the last running, per launch. */
  readonly perLaunch: PerLaunch;
  /** The same counters per second with the fleet idle (heartbeats, timers), measured just before. */
  readonly idlePerS: {
    readonly statements: number;
    readonly requests: number;
    readonly redisCommands: number;
  };
  readonly windowMs: number;
}

export interface BeatsAndCpu {
  readonly heartbeatsPerS: number;
  readonly heartbeatMeanMs: number;
  /** API CPU seconds per second (1 = one core busy). */
  readonly apiCpuCores: number;
  /** The hollow fleet process's, likewise (the simulation's share of the machine). */
  readonly fleetCpuCores: number;
  /** Postgres (the postmaster and its backends), Redis and the bench's own client, likewise. */
  readonly postgresCpuCores: number;
  readonly redisCpuCores: number;
  readonly clientCpuCores: number;
}

export interface SizeResult {
  readonly size: number;
  readonly seedMs: number;
  readonly create: Latency;
  readonly createsPerS: number;
  readonly list: Latency;
  readonly get: Latency;
}

export interface ControlPlaneResults {
  readonly cores: number;
  readonly concurrency: number;
  readonly baselines: {
    readonly bullmqJobsPerS: number;
    readonly bullmqJobs: number;
    readonly rawTxPerS: number;
    readonly rawTx: number;
    /** Bare HTTP exchanges (node:http in its own process, the bench's own client): the machine's HTTP ceiling. */
    readonly rawHttpPerS: number;
    readonly rawHttp: number;
  };
  readonly launches: readonly LaunchResult[];
  readonly sizes: readonly SizeResult[];
  readonly largeSize: number;
  readonly smallSize: number;
}

const f = (v: number, d = 0): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
const pad = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i] ?? 14))).join('');
const lat = (l: Latency): string => `${f(l.p50, 1)} / ${f(l.p99, 1)}`;
const top = (m: ReadonlyMap<string, number>, n: number): string =>
  [...m]
    .slice(0, n)
    .map(([k, v]) => `${k} ${f(v, 2)}`)
    .join(', ');

export function formatControlPlaneReport(r: ControlPlaneResults): string {
  const out: string[] = [];
  const b = r.baselines;
  out.push(
    `berth control-plane benchmark: hollow hosts (a SIMULATION: machines are records, boot delay 0), one run,`,
    `${r.cores} cores, API + Postgres + Redis + fleet co-located; concurrency ${r.concurrency}; latencies p50 / p99 in ms`,
    '',
    'baselines (same Postgres and Redis, same run)',
    `  raw BullMQ add+process       ${f(b.bullmqJobsPerS).padStart(8)} jobs/s   (${b.bullmqJobs} jobs, ${r.concurrency} adders, worker concurrency ${r.concurrency})`,
    `  raw single-row transactions  ${f(b.rawTxPerS).padStart(8)} tx/s     (${b.rawTx} x BEGIN; INSERT; COMMIT on ${r.concurrency} connections)`,
    `  raw HTTP exchanges           ${f(b.rawHttpPerS).padStart(8)} req/s    (${b.rawHttp} POSTs to a bare node:http server in its own process, ${r.concurrency} at once)`,
  );

  if (r.launches.length > 0) {
    const W = [44, ...r.launches.map(() => 18)];
    const row = (label: string, cell: (l: LaunchResult) => string): string =>
      pad([label, ...r.launches.map(cell)], W);
    out.push(
      '',
      row('launches (202 -> running)', (l) => `${l.hosts} host${l.hosts === 1 ? '' : 's'}`),
      row('  launches', (l) => String(l.launches)),
      row(
        '  fleet started in (s), a registration p50',
        (l) => `${f(l.fleetStartMs / 1000, 1)}, ${f(l.registerP50Ms)} ms`,
      ),
      row('  registrations repeated (join key)', (l) => String(l.registerRetries)),
      row(
        '  idle: heartbeats/s, mean ms',
        (l) => `${f(l.idleBeats.heartbeatsPerS)}, ${f(l.idleBeats.heartbeatMeanMs, 1)}`,
      ),
      row(
        '  idle: API, fleet CPU (cores)',
        (l) => `${f(l.idleBeats.apiCpuCores, 2)}, ${f(l.idleBeats.fleetCpuCores, 2)}`,
      ),
      row(
        '  launching: heartbeats/s, mean ms',
        (l) => `${f(l.launchBeats.heartbeatsPerS)}, ${f(l.launchBeats.heartbeatMeanMs, 1)}`,
      ),
      row(
        '  launching: API, fleet CPU (cores)',
        (l) => `${f(l.launchBeats.apiCpuCores, 2)}, ${f(l.launchBeats.fleetCpuCores, 2)}`,
      ),
      row(
        '  launching: Postgres, Redis, client CPU',
        (l) =>
          `${f(l.launchBeats.postgresCpuCores, 2)}, ${f(l.launchBeats.redisCpuCores, 2)}, ${f(l.launchBeats.clientCpuCores, 2)}`,
      ),
      // Where a launch's CPU goes, whole machine: the 2 cores divided by it bound launches/s.
      row('  CPU ms per launch, all processes', (l) => f(cpuMsPerLaunch(l), 1)),
      row('  fleet process sockets, RSS MiB', (l) => `${f(l.fleetSockets)}, ${f(l.fleetRssMib)}`),
      row('  Redis connected clients', (l) => f(l.redisClients)),
      row('  creates/s', (l) => f(l.createsPerS, 1)),
      row('  launches/s', (l) => f(l.launchesPerS, 1)),
      row('    ratio to raw tx/s', (l) => `${f(l.launchesPerS / b.rawTxPerS, 3)}x`),
      row('    ratio to raw BullMQ jobs/s', (l) => `${f(l.launchesPerS / b.bullmqJobsPerS, 3)}x`),
      // A launch is three HTTP exchanges (create, claim, report): a third of the raw rate bounds any
      // launch path over HTTP on this machine, whatever it does behind them.
      row('    ratio to raw HTTP req/s / 3', (l) => `${f((3 * l.launchesPerS) / b.rawHttpPerS, 3)}x`),
      row('  POST -> 202', (l) => lat(l.accepted)),
      row('  202 -> running', (l) => lat(l.toRunning)),
      row('  failed creates', (l) => String(l.accepted.errors)),
      row('  per launch: Postgres statements', (l) => f(l.perLaunch.statements, 1)),
      row('              API requests', (l) => f(l.perLaunch.requests, 2)),
      row('              Redis commands', (l) => f(l.perLaunch.redisCommands, 1)),
      row('  idle fleet per launch window: statements', (l) =>
        f((l.idlePerS.statements * l.windowMs) / 1000 / l.launches, 1),
      ),
      row('                                requests', (l) =>
        f((l.idlePerS.requests * l.windowMs) / 1000 / l.launches, 2),
      ),
      row('                                Redis commands', (l) =>
        f((l.idlePerS.redisCommands * l.windowMs) / 1000 / l.launches, 1),
      ),
    );
    for (const l of r.launches) {
      out.push(
        `  ${l.hosts} host(s), per launch: statements by kind: ${top(l.perLaunch.statementsByKind, 8)}`,
        `    requests by route: ${top(l.perLaunch.requestsByRoute, 6)}`,
        `    Redis commands by name: ${top(l.perLaunch.redisByCommand, 20)}`,
      );
    }
    out.push(
      '  per launch: every statement, API request and Redis command between the first POST and the last',
      '  running, divided by the launches (heartbeats and timers included; the idle rows say how much of it',
      '  the idle fleet would have cost in the same time). launches/s: first POST -> last running.',
    );
  }

  if (r.sizes.length > 0) {
    const W = [36, ...r.sizes.map(() => 16)];
    const row = (label: string, cell: (s: SizeResult) => string): string =>
      pad([label, ...r.sizes.map(cell)], W);
    out.push(
      '',
      row('by table size (containers)', (s) => s.size.toLocaleString('en-US')),
      row('  seeded in (s)', (s) => f(s.seedMs / 1000, 1)),
      row('  create (POST -> 202)', (s) => lat(s.create)),
      row('  creates/s', (s) => f(s.createsPerS, 1)),
      row('  list (GET ?limit=50)', (s) => lat(s.list)),
      row('  get (GET /:id)', (s) => lat(s.get)),
      row('  failed calls', (s) => String(s.create.errors + s.list.errors + s.get.errors)),
    );
    const small = r.sizes.find((s) => s.size === r.smallSize);
    if (small)
      out.push(
        row('  creates/s ratio to the smallest', (s) => `${f(s.createsPerS / small.createsPerS, 2)}x`),
      );
    out.push(
      '  seeded: many tenants (100 containers each, their own default network), 70% running, 15% stopped,',
      '  10% exited, 5% deleted, with NICs, usage intervals and create operations; measured calls by the',
      "  bench's own tenants through the API.",
    );
  }

  const TW = [58, 20, 8];
  out.push('', pad(['targets (issue 15, 2-core machine, co-located)', 'measured', ''], TW));
  for (const c of checkTargets({
    rawTxPerS: b.rawTxPerS,
    launchesPerS: new Map(r.launches.map((l) => [l.hosts, l.launchesPerS])),
    bySize: new Map(
      r.sizes.map((s) => [
        s.size,
        { createP99: s.create.p99, listP99: s.list.p99, createsPerS: s.createsPerS },
      ]),
    ),
    largeSize: r.largeSize,
    smallSize: r.smallSize,
  }))
    out.push(pad([`  ${c.label}`, c.measured, c.met ? 'met' : 'MISSED'], TW));
  return out.join('\n');
}

/** CPU milliseconds the whole co-located machine spent per launch while launching (every process measured). */
export function cpuMsPerLaunch(l: LaunchResult): number {
  const b = l.launchBeats;
  const cores = b.apiCpuCores + b.fleetCpuCores + b.postgresCpuCores + b.redisCpuCores + b.clientCpuCores;
  return (cores * l.windowMs) / Math.max(l.launches, 1);
}
