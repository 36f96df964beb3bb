/**
 * What the control-plane bench counts, read from outside the API: its Prometheus text (/metrics) and
 * Redis's INFO commandstats. Pure parsers; the bench takes a reading before and after a phase and
 * divides the difference by the launches.
 */

/** One reading of the counters the bench divides per launch. */
export interface CounterReading {
  /** berth_db_statements_total, all kinds. */
  readonly statements: number;
  /** berth_db_statements_total by kind (select, insert, update, delete, begin, commit, ...). */
  readonly statementsByKind: ReadonlyMap<string, number>;
  /** berth_api_http_requests_total, all routes. */
  readonly requests: number;
  /** berth_api_http_requests_total by "METHOD route". */
  readonly requestsByRoute: ReadonlyMap<string, number>;
  /** Commands Redis ran (INFO commandstats, all commands). */
  readonly redisCommands: number;
  /** The same by command (evalsha, bzpopmin, ...). */
  readonly redisByCommand: ReadonlyMap<string, number>;
  /** Heartbeats the API answered, and the seconds they took in all (its request-duration histogram). */
  readonly heartbeats: { readonly count: number; readonly seconds: number };
  /** CPU seconds the API process has used (berth_api_process_cpu_seconds_total). */
  readonly apiCpuSeconds: number;
}

/** The route the agents' heartbeats are counted under. */
export const HEARTBEAT_ROUTE = '/v1/agent/heartbeat';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of metric `name` in Prometheus text format: labels and value. */
export function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Sums metric `name` grouped by what `key` makes of each sample's labels. */
export function sumBy(
  text: string,
  name: string,
  key: (labels: Record<string, string>) => string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples(text, name)) out.set(key(s.labels), (out.get(key(s.labels)) ?? 0) + s.value);
  return out;
}

/** Calls per command from INFO commandstats (`cmdstat_get:calls=2,usec=...`). */
export function redisCommandCalls(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** A reading from the API's /metrics text and Redis's INFO commandstats. */
export function reading(metricsText: string, commandstats: string): CounterReading {
  const statementsByKind = sumBy(metricsText, 'berth_db_statements_total', (l) => l.kind ?? '?');
  const requestsByRoute = sumBy(
    metricsText,
    'berth_api_http_requests_total',
    (l) => `${l.method ?? '?'} ${l.route ?? '?'}`,
  );
  const redisByCommand = redisCommandCalls(commandstats);
  return {
    statements: total(statementsByKind),
    statementsByKind,
    requests: total(requestsByRoute),
    requestsByRoute,
    redisCommands: total(redisByCommand),
    redisByCommand,
    heartbeats: {
      count: routeTotal(metricsText, 'berth_api_http_request_duration_seconds_count', HEARTBEAT_ROUTE),
      seconds: routeTotal(metricsText, 'berth_api_http_request_duration_seconds_sum', HEARTBEAT_ROUTE),
    },
    apiCpuSeconds: total(sumBy(metricsText, 'berth_api_process_cpu_seconds_total', () => 'cpu')),
  };
}

const routeTotal = (text: string, name: string, route: string): number =>
  sumBy(text, name, (l) => l.route ?? '?').get(route) ?? 0;

/**
 * Between two readings `wallMs` apart: heartbeats answered per second and their mean latency in ms
 * (NaN with none), and the API's CPU as a share of one core.
 */
export function heartbeatsAndCpu(
  before: CounterReading,
  after: CounterReading,
  wallMs: number,
): { heartbeatsPerS: number; heartbeatMeanMs: number; apiCpuCores: number } {
  const n = after.heartbeats.count - before.heartbeats.count;
  return {
    heartbeatsPerS: (n * 1000) / wallMs,
    heartbeatMeanMs: n > 0 ? ((after.heartbeats.seconds - before.heartbeats.seconds) * 1000) / n : NaN,
    apiCpuCores: ((after.apiCpuSeconds - before.apiCpuSeconds) * 1000) / wallMs,
  };
}

/** `after - before`, per launch: the costs the report prints. */
export interface PerLaunch {
  readonly statements: number;
  readonly statementsByKind: ReadonlyMap<string, number>;
  readonly requests: number;
  readonly requestsByRoute: ReadonlyMap<string, number>;
  readonly redisCommands: number;
  readonly redisByCommand: ReadonlyMap<string, number>;
}

const diffMap = (
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  n: number,
): Map<string, number> =>
  new Map(
    [...new Set([...a.keys(), ...b.keys()])]
      .map((k): [string, number] => [k, ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / n])
      .filter(([, v]) => v !== 0)
      .sort((x, y) => y[1] - x[1]),
  );

/**
 * The costs between two readings divided by `launches`; `ownRequests` (the bench's own reads of
 * /metrics between them, and the like) are taken off the requests first, and `ownRedisCommands` (the
 * bench's INFO calls) off Redis's count.
 */
export function perLaunch(
  before: CounterReading,
  after: CounterReading,
  launches: number,
  own: { requests?: ReadonlyMap<string, number>; redisCommands?: number } = {},
): PerLaunch {
  if (launches <= 0) throw new Error('no launches to divide by');
  const mine = own.requests ?? new Map<string, number>();
  const adjusted = new Map(after.requestsByRoute);
  for (const [route, n] of mine) adjusted.set(route, (adjusted.get(route) ?? 0) - n);
  const requestsByRoute = diffMap(before.requestsByRoute, adjusted, launches);
  return {
    statements: (after.statements - before.statements) / launches,
    statementsByKind: diffMap(before.statementsByKind, after.statementsByKind, launches),
    requests: total(requestsByRoute),
    requestsByRoute,
    redisCommands: (after.redisCommands - before.redisCommands - (own.redisCommands ?? 0)) / launches,
    // The bench's own INFO calls are left in `info`: a tenth of a command per launch at most.
    redisByCommand: diffMap(before.redisByCommand, after.redisByCommand, launches),
  };
}
