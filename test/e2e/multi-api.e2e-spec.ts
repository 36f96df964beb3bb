import { randomBytes } from 'node:crypto';
import {
  expectError,
  startTcpBalancer,
  TestHttpClient,
  TestStack,
  waitFor,
  waitOp,
  type HttpResult,
  type StartedProcess,
  type TcpBalancer,
} from '@berth/testing';

jest.setTimeout(360_000);

interface Api {
  readonly url: string;
  readonly process: StartedProcess;
  alive: boolean;
}

/**
 * The periodic control jobs of apps/api/src/control/control-worker.service.ts (CONTROL_JOBS), with the
 * interval this suite's APIs schedule them at (the stack's reaper and reconciler, the env below).
 */
const CONTROL_JOBS: Readonly<Record<string, number>> = {
  'hosts.reap': 500,
  'operations.reconcile': 1000,
  'idempotency.reap': 1000,
  'join-tokens.reap': 1000,
};
const TICK_LINE = /control job ([^\s"]+) ran tick ([^\s"]+)/g;

/**
 * Several API processes on one Postgres and one Redis (issue 15, item 4): three APIs, clients spread over
 * them round robin, two hollow agents (SIMULATION: no VM) that reach the APIs through a plain TCP round
 * robin (the "any load balancer"; an agent knows one API URL). What must hold: each periodic control job
 * runs once per tick whichever process takes it; each container is launched once; an Idempotency-Key
 * holds across processes; a process killed (SIGKILL) in the middle of a burst of creates loses nothing,
 * and the agents carry on through the others.
 */
describe('several API processes on one Postgres and Redis', () => {
  const stack = new TestStack('multi-api', {
    // The per-tick line of the control worker is at debug level.
    BERTH_LOG_LEVEL: 'debug',
    BERTH_IDEMPOTENCY_REAP_INTERVAL_MS: '1000',
  });
  const apis: Api[] = [];
  let balancer: TcpBalancer;
  let tenantKey = '';
  let tenantId = '';

  beforeAll(async () => {
    await stack.start();
    apis.push({ url: stack.apiUrl, process: stack.api, alive: true });
    for (let i = 0; i < 2; i++) apis.push({ ...(await stack.startApi()), alive: true });
    balancer = await startTcpBalancer(apis.map((a) => new URL(a.url).host));
    const hostEnv = { BERTH_API_URL: balancer.url, BERTH_HOST_VCPU: '64', BERTH_HOST_MEMORY_MIB: '65536' };
    await stack.startAgent({ name: 'host-a', env: hostEnv });
    await stack.startAgent({ name: 'host-b', env: hostEnv });
    const tenant = await stack.tenant('multi-api');
    tenantKey = tenant.key;
    tenantId = tenant.id;
  });

  afterAll(async () => {
    await balancer?.stop();
    await stack.stop();
  });

  const client = (api: Api): TestHttpClient => new TestHttpClient(api.url, tenantKey);
  const live = (): Api[] => apis.filter((a) => a.alive);
  const nth = (i: number): Api => {
    const api = apis[i];
    if (!api) throw new Error(`no API process ${i}`);
    return api;
  };
  /** The live process whose turn it is (round robin over those alive). */
  const pick = (turn: number): Api => {
    const alive = live();
    const api = alive[turn % alive.length];
    if (!api) throw new Error('no API process is alive');
    return api;
  };
  const body = (label: string) => ({ image: 'busybox:latest', size: 's1', labels: { test: label } });
  const newKey = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

  /** Every control tick each process logged, as `job -> tick id -> how many runs`. */
  function ticksRun(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const api of apis) {
      for (const [, job = '', tick = ''] of api.process.output().matchAll(TICK_LINE)) {
        const ticks = out.get(job) ?? new Map<string, number>();
        ticks.set(tick, (ticks.get(tick) ?? 0) + 1);
        out.set(job, ticks);
      }
    }
    return out;
  }

  /** Which processes ran at least one tick of any control job. */
  function processesThatRanTicks(): number {
    return apis.filter((a) => /control job \S+ ran tick/.test(a.process.output())).length;
  }

  it('runs every periodic control job once per tick, on whichever process takes it', async () => {
    // Enough ticks of each job (the reaper every 500 ms, the others every 1 s) that three competing
    // workers had every chance to take one twice.
    await waitFor(
      'twelve ticks of every control job',
      () => {
        const ticks = ticksRun();
        return Promise.resolve(Object.keys(CONTROL_JOBS).every((j) => (ticks.get(j)?.size ?? 0) >= 12));
      },
      120_000,
    );
    const ticks = ticksRun();
    expectOncePerTick(ticks);
    // The metric each process exports counts its own runs: their sum is the fleet's.
    const perProcess = await Promise.all(apis.map((a) => controlJobRuns(a.url)));
    expect(perProcess.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(processesThatRanTicks()).toBeGreaterThan(1);
  });

  it('holds an Idempotency-Key across processes: one container, the same answer, 409 for another body', async () => {
    const key = newKey('across');
    const headers = { 'Idempotency-Key': key };
    const [a, b] = await Promise.all([
      client(nth(0)).post('/v1/containers', body('across'), headers),
      client(nth(1)).post('/v1/containers', body('across'), headers),
    ]);
    // Concurrent: one acts; the other replays its answer or is told the first is still running.
    const answered = [a, b].filter((r) => r.status === 202);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const r of [a, b].filter((x) => x.status !== 202)) expectError(r, 409, 'idempotency/in_progress');
    // Once answered, any process gives the same answer.
    const replay = await client(nth(2)).post('/v1/containers', body('across'), headers);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    for (const r of answered) expect(r.body).toEqual(replay.body);
    // The same key with another body, on yet another process: refused.
    const reused = await client(nth(1)).post('/v1/containers', body('across-other'), headers);
    expectError(reused, 409, 'idempotency/key_reused');

    const list = await client(nth(0)).get(`/v1/containers?label=test%3Dacross&limit=10`);
    expect((list.body.data as { id: string }[]).map((c) => c.id)).toEqual([replay.body.data.id]);
    expect(await waitOp(client(nth(2)), replay.body.operation.id)).toMatchObject({ state: 'succeeded' });
  });

  it('loses nothing when one API process is killed in the middle of a burst of creates', async () => {
    const total = 30;
    const concurrency = 6;
    const keys = Array.from({ length: total }, (_, i) => newKey(`burst${i}`));
    const victim = nth(1);
    const answers = new Map<string, HttpResult>();
    const unanswered = new Set<string>();
    let answeredCount = 0;
    const kill: { done?: Promise<void> } = {};
    let turn = 0;

    /** Sends one create until it has a 202: a lost answer or "still in progress" is retried elsewhere. */
    async function create(key: string): Promise<void> {
      for (;;) {
        const api = pick(turn++);
        let res: HttpResult;
        try {
          res = await client(api).post('/v1/containers', body('burst'), { 'Idempotency-Key': key });
        } catch {
          unanswered.add(key); // the connection died with the process: no answer at all
          continue;
        }
        if (res.status === 202) {
          answers.set(key, res);
          answeredCount += 1;
          // A third of the burst answered, the rest in flight: kill one process, by pid, without warning.
          if (answeredCount === 10 && kill.done === undefined) {
            victim.alive = false;
            kill.done = victim.process.kill();
          }
          return;
        }
        expectError(res, 409, 'idempotency/in_progress');
        await new Promise((r) => setTimeout(r, 500));
      }
    }

    const queue = [...keys];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await create(key);
      }),
    );
    await kill.done;
    expect(victim.process.child.signalCode).toBe('SIGKILL');

    // Every create ended with one 202 per key, each a different container.
    const ids = keys.map((k) => answers.get(k)?.body.data.id as string);
    expect(new Set(ids).size).toBe(total);
    // ...and nothing more was made: a retry never made a second container.
    const listed = await client(pick(0)).get('/v1/containers?label=test%3Dburst&limit=200');
    expect((listed.body.data as { id: string }[]).map((c) => c.id).sort()).toEqual([...ids].sort());

    // Every answered create ends running, read through the surviving processes.
    for (const [i, key] of keys.entries()) {
      const op = await waitOp(client(pick(i)), answers.get(key)?.body.operation.id, 60);
      expect({ key, state: op.state }).toEqual({ key, state: 'succeeded' });
    }
    await waitFor('every container of the burst running', async () => {
      const res = await client(pick(0)).get('/v1/containers?label=test%3Dburst&limit=200');
      return (res.body.data as { state: string }[]).every((c) => c.state === 'running');
    });

    // Launched once: one create operation each, one transition to running in all the APIs' logs, one
    // usage interval per meter.
    const ops = await stack.sql<{ target_id: string; n: string }>(
      `SELECT target_id, count(*) AS n FROM operations WHERE kind = 'container.create' AND target_id = ANY($1)
       GROUP BY target_id`,
      [ids],
    );
    expect(ops.filter((o) => o.n !== '1')).toEqual([]);
    expect(ops).toHaveLength(total);
    const logs = apis.map((a) => a.process.output()).join('\n');
    const runningLines = ids.map((id) => ({
      id,
      lines: logs.split('\n').filter((l) => l.includes(`${id}: `) && / -> running \(agent\.running/.test(l))
        .length,
    }));
    expect(runningLines.filter((r) => r.lines !== 1)).toEqual([]);
    const usage = await stack.sql<{ resource_id: string; meter: string; n: string }>(
      `SELECT resource_id, meter, count(*) AS n FROM usage_intervals
       WHERE tenant_id = $1 AND resource_id = ANY($2) GROUP BY resource_id, meter`,
      [tenantId, ids],
    );
    expect(usage.filter((u) => u.n !== '1')).toEqual([]);
    expect(new Set(usage.map((u) => u.resource_id)).size).toBe(total);

    // The agents carry on through the live processes: heartbeats after the kill, no host lost.
    const [{ now } = { now: new Date() }] = await stack.sql<{ now: Date }>('SELECT now() AS now');
    await waitFor('both hosts to heartbeat after the kill', async () => {
      const hosts = await stack.sql<{ state: string; last_heartbeat_at: Date }>(
        'SELECT state, last_heartbeat_at FROM hosts',
      );
      return hosts.length === 2 && hosts.every((h) => h.last_heartbeat_at > now);
    });
    const hosts = await stack.sql<{ state: string }>('SELECT state FROM hosts');
    expect(hosts.map((h) => h.state)).toEqual(['ready', 'ready']);

    // The periodic jobs still ran once per tick through the kill.
    const ticks = ticksRun();
    expectOncePerTick(ticks);
    // What the run saw, for the report.
    console.log(
      `multi-api burst: ${total} creates, ${unanswered.size} lost their answer with the killed process ` +
        `and were retried elsewhere; balancer connections per API ${balancer.connectionsPerBackend().join('/')}`,
    );
  });
});

/**
 * Each tick of each control job ran once, and only the scheduled ticks ran: a tick's job id is
 * `repeat:<job>:<scheduled millis>`, so ticks one process took twice show as a count above one, and a
 * run off the schedule (a process re-asserting the schedule and adding its own) as a step between
 * consecutive ticks that is not a whole number of intervals.
 */
function expectOncePerTick(ticks: Map<string, Map<string, number>>): void {
  for (const [job, every] of Object.entries(CONTROL_JOBS)) {
    const runs = ticks.get(job) ?? new Map<string, number>();
    const twice = [...runs].filter(([, n]) => n > 1);
    const at = [...runs.keys()].map((id) => Number(id.split(':').pop())).sort((a, b) => a - b);
    const offSchedule = at.slice(1).filter((t, i) => (t - (at[i] ?? 0)) % every !== 0);
    expect({ job, twice, offSchedule }).toEqual({ job, twice: [], offSchedule: [] });
  }
}

/** The sum of `berth_control_jobs_total` one API process exports. */
async function controlJobRuns(url: string): Promise<number> {
  const res = await new TestHttpClient(url).get('/metrics');
  expect(res.status).toBe(200);
  let sum = 0;
  for (const [, n] of (res.body as string).matchAll(/^berth_control_jobs_total\{[^}]*\} (\d+)/gm))
    sum += Number(n);
  return sum;
}
