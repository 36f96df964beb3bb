/**
 * Where the time goes from the API's 202 to `running` for a container of a cached image, (a) booted
 * cold (an agent with VM templates off) and (b) restored from a VM template (an agent with templates
 * on, once its template is ready); (c) the warm pool, printed as not built while the driver has none.
 * Beside them the baselines, run by hand in the same run: a bare cold boot and a bare restore of a
 * template of the same layout. Then a burst of 20 containers created at once from the template and
 * deleted at once, and idle VM memory as RSS and PSS. Issue 14's targets are printed beside the
 * figures. Medians over BENCH_RUNS runs (default 5), ratios against same-run baselines: these machines
 * are noisy and shared, so only same-run comparisons mean anything.
 *
 *   npm run bench            (builds first; needs what `npm test` installs; root, QEMU, /dev/shm)
 *
 * The agents run one after the other on one host name (so the image cache is kept): cold first, its
 * containers deleted and the agent stopped, then the templates-on agent. Everything it puts in
 * /dev/shm (the agent's templates, the hand-built template and clones) is in one directory removed at
 * the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostTscKhz } from '../apps/agent/src/drivers/qemu/host-tsc';
import type { TemplateLayout } from '../apps/agent/src/drivers/qemu/template-store';
import { defaultAgentConcurrency } from '../libs/config/src/agent-config';
import { SIZES } from '../libs/domain/src/sizes';
import { runMigrations } from '../libs/db/src/migrate';
import {
  buildTestImage,
  guestAssets,
  recreateTemplateDatabase,
  startEphemeralPostgres,
  startEphemeralRedis,
  startTestRegistry,
  TestStack,
  waitFor,
  type RunningAgent,
  type TestHttpClient,
} from '../libs/testing/src';
import { bareBoot, bareRestore, bareTemplate } from './bare-qemu';
import { copiedPagesMib, processMappings, processMemory, tcgCodeMib, type ProcessMemory } from './memory';
import { formatReport, type MemoryRow, type PathResult } from './report';
import { median } from './stats';
import { bootTimelines, guestStartSteps, jobTimelines, startPhases, type BootTimeline } from './timelines';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BURST = 20;
const SIZE = 's1';
const HOST = 'bench-host';
/**
 * The agent's default job concurrency (libs/config): the burst measures the agent as it ships, unless
 * BENCH_AGENT_CONCURRENCY says otherwise (with 8 the burst of 20 reached its ideal: docs/vm-templates.md).
 */
const AGENT_CONCURRENCY = Number(
  process.env.BENCH_AGENT_CONCURRENCY ?? defaultAgentConcurrency('qemu', availableParallelism()),
);
/** How long a guest is left alone before its memory is read (its start-up work done). */
const IDLE_MS = 3000;
const tscKhz = hostTscKhz();

interface Started {
  readonly id: string;
  readonly posted: number;
  readonly accepted: number;
  readonly running: number;
}

/**
 * Polls until every one of `ids` is running (the API's view); answers when each was first seen running.
 * Throws on one that failed or exited.
 */
async function untilRunning(
  tenant: TestHttpClient,
  ids: readonly string[],
  intervalMs: number,
): Promise<Map<string, number>> {
  const deadline = Date.now() + 300_000;
  const want = new Set(ids);
  const seen = new Map<string, number>();
  for (;;) {
    const page = (await tenant.get('/v1/containers?limit=100')).body.data as { id: string; state: string }[];
    const now = Date.now();
    const ours = page.filter((c) => want.has(c.id));
    const bad = ours.find((c) => ['failed', 'exited', 'stopped'].includes(c.state));
    if (bad) throw new Error(`container ${bad.id} is ${bad.state}, not running`);
    for (const c of ours) if (c.state === 'running' && !seen.has(c.id)) seen.set(c.id, now);
    if (seen.size === want.size) return seen;
    if (Date.now() > deadline) throw new Error('containers did not all get running within 300 s');
    await sleep(intervalMs);
  }
}

/** Creates one container and waits until the API says it runs. */
async function startOne(tenant: TestHttpClient, image: string): Promise<Started> {
  const posted = Date.now();
  const res = await tenant.post('/v1/containers', { image, size: SIZE });
  const accepted = Date.now();
  if (res.status !== 202) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  const id = res.body.data.id as string;
  const running = (await untilRunning(tenant, [id], 20)).get(id)!;
  return { id, posted, accepted, running };
}

/** Deletes `ids` at once; answers when the API has them all gone, and when their QEMUs have exited. */
async function deleteAll(
  tenant: TestHttpClient,
  ids: readonly string[],
  pids: readonly number[],
): Promise<{ goneMs: number; qemuGoneMs: number }> {
  const t0 = Date.now();
  const answers = await Promise.all(ids.map((id) => tenant.delete(`/v1/containers/${id}?force=true`)));
  const refused = answers.find((a) => a.status !== 202);
  if (refused) throw new Error(`delete refused: ${JSON.stringify(refused.body)}`);
  let goneMs = NaN;
  let qemuGoneMs = NaN;
  await waitFor(
    'the containers to be gone',
    async () => {
      if (Number.isNaN(goneMs)) {
        const left = (await tenant.get('/v1/containers?limit=100')).body.data as { id: string }[];
        if (!left.some((c) => ids.includes(c.id))) goneMs = Date.now() - t0;
      }
      if (Number.isNaN(qemuGoneMs) && pids.every((p) => !existsSync(`/proc/${p}`)))
        qemuGoneMs = Date.now() - t0;
      return !Number.isNaN(goneMs) && !Number.isNaN(qemuGoneMs);
    },
    120_000,
    50,
  );
  return { goneMs, qemuGoneMs };
}

/** The start phases of `started`, from the agent's log; with the boot timelines (clone or cold). */
function phasesOf(agent: RunningAgent, started: readonly Started[]) {
  const log = agent.process.output();
  const jobs = jobTimelines(log);
  const boots = bootTimelines(log);
  const guest = guestStartSteps(log);
  return started.map((s) => {
    const job = jobs.get(s.id);
    const boot = boots.get(s.id);
    if (!job || !boot) throw new Error(`no timelines for ${s.id} in the agent's log`);
    return { ...startPhases(s, job, boot), boot, guest: guest.get(s.id) ?? new Map<string, number>() };
  });
}

/** Medians per phase over the runs that took the path (`keep`), of all the runs made for it. */
function pathResult(
  rows: readonly ReturnType<typeof phasesOf>[number][],
  keep: (b: BootTimeline) => boolean,
): PathResult {
  const kept = rows.filter((r) => keep(r.boot));
  if (kept.length === 0) throw new Error('no run took this path');
  const phases = new Map<string, number>();
  for (const [name] of kept[0]!.phases)
    phases.set(name, median(kept.map((r) => r.phases.find(([n]) => n === name)?.[1] ?? NaN)));
  const guest = new Map<string, number>();
  for (const name of kept[0]!.guest.keys())
    guest.set(name, median(kept.map((r) => r.guest.get(name) ?? NaN)));
  return { phases, total: median(kept.map((r) => r.total)), counted: kept.length, of: rows.length, guest };
}

/** Idle memory of `pids`; with `templateMemory`, clones of that template's RAM file. */
async function idleMemory(
  label: string,
  pids: readonly number[],
  templateMemory?: string,
): Promise<MemoryRow> {
  await sleep(IDLE_MS);
  const m = pids.map(processMemory);
  const maps = pids.map(processMappings);
  const med = (k: keyof ProcessMemory) => median(m.map((v) => v[k]));
  return {
    label,
    vms: pids.length,
    rssMib: med('rssMib'),
    pssMib: med('pssMib'),
    pssAnonMib: med('pssAnonMib'),
    pssFileMib: med('pssFileMib'),
    pssShmemMib: med('pssShmemMib'),
    tcgCodeMib: median(maps.map(tcgCodeMib)),
    ...(templateMemory ? { copiedMib: median(maps.map((x) => copiedPagesMib(x, templateMemory))) } : {}),
  };
}

/** QEMU processes whose command line points under `dir` (whatever the bench left there). */
function qemuPidsUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
        return cmd.includes('qemu-system') && cmd.includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The first ready template under `dir` (its manifest exists), once no build is under way there. */
function readyTemplate(dir: string): { key: string; layout: TemplateLayout } | null {
  if (!existsSync(dir)) return null;
  const entries = readdirSync(dir);
  if (entries.some((e) => e.endsWith('.building'))) return null;
  for (const e of entries) {
    const manifest = path.join(dir, e, 'template.json');
    if (existsSync(manifest))
      return JSON.parse(readFileSync(manifest, 'utf8')) as { key: string; layout: TemplateLayout };
  }
  return null;
}

async function main(): Promise<void> {
  const { kernel } = guestAssets();
  // This worktree's berth-init (template mode), built once and cached by its sources' hash; the agents
  // and the baselines all boot it.
  const initrd = execFileSync('bash', [path.join(__dirname, '../../scripts/build-guest-init.sh')], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)!;
  const memoryMib = SIZES[SIZE].memoryMib;
  const cores = cpus().length;
  const shm = mkdtempSync('/dev/shm/berth-bench-');
  const agentTemplates = path.join(shm, 'agent-templates');

  const pg = await startEphemeralPostgres();
  const redis = await startEphemeralRedis();
  const registry = await startTestRegistry();
  process.env.BERTH_TEST_PG_ADMIN_URL = pg.url;
  process.env.BERTH_TEST_REDIS_URL = redis.url;
  const stack = new TestStack('bench');
  const agentEnv = {
    BERTH_QEMU_ACCEL: 'tcg',
    BERTH_GUEST_KERNEL: kernel,
    BERTH_GUEST_INITRD: initrd,
    // The burst's 20 s1 containers must fit the host's declared capacity.
    BERTH_HOST_VCPU: '64',
    BERTH_AGENT_CONCURRENCY: String(AGENT_CONCURRENCY),
  };
  try {
    await runMigrations(await recreateTemplateDatabase(pg.url));
    const image = await buildTestImage(registry, 'bench/busybox', {
      cmd: ['sh', '-c', 'echo up; sleep 3600'],
    });
    await stack.start();
    const tenant = (await stack.tenant('bench')).http;
    const pidOf = (agent: RunningAgent, id: string) =>
      Number(readFileSync(`${agent.stateDir}/machines/${id}/qemu.pid`, 'utf8'));

    // (a) cold: an agent with templates off. Its first container pulls the image, measured apart.
    const cold = await stack.startAgent({
      name: HOST,
      driver: 'qemu',
      env: { ...agentEnv, BERTH_VM_TEMPLATES: 'off' },
    });
    const pull = await startOne(tenant, image);
    const coldStarts: Started[] = [];
    for (let i = 0; i < RUNS; i++) coldStarts.push(await startOne(tenant, image));
    const [pullRow] = phasesOf(cold, [pull]);
    const coldRows = phasesOf(cold, coldStarts);
    const coldPids = coldStarts.map((s) => pidOf(cold, s.id));
    const memory: MemoryRow[] = [await idleMemory(`cold (${RUNS} alive)`, coldPids)];
    await deleteAll(tenant, [pull.id, ...coldStarts.map((s) => s.id)], [pidOf(cold, pull.id), ...coldPids]);
    await cold.process.stop();

    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) bare.push(await bareBoot(kernel, initrd, memoryMib, tscKhz));

    // (b) template: the same host with templates on. Its first container boots cold or clones (if the
    // agent built the template at start-up); either way the bench waits for the template to be ready.
    const tpl = await stack.startAgent({
      name: HOST,
      driver: 'qemu',
      env: { ...agentEnv, BERTH_VM_TEMPLATES: 'on', BERTH_VM_TEMPLATES_DIR: agentTemplates },
    });
    const warm = await startOne(tenant, image);
    await waitFor(
      'the agent’s template to be ready',
      () => Promise.resolve(readyTemplate(agentTemplates)),
      180_000,
    );
    await deleteAll(tenant, [warm.id], [pidOf(tpl, warm.id)]);
    const tplStarts: Started[] = [];
    for (let i = 0; i < RUNS; i++) tplStarts.push(await startOne(tenant, image));
    const tplRows = phasesOf(tpl, tplStarts);
    const key = tplRows.find((r) => r.boot.template)?.boot.template;
    if (!key) throw new Error('no container started from a template');
    const clonePids = tplStarts.map((s) => pidOf(tpl, s.id));
    const templateMemory = path.join(agentTemplates, key, 'memory');
    memory.push(await idleMemory(`clone (${RUNS} alive)`, clonePids, templateMemory));
    await deleteAll(
      tenant,
      tplStarts.map((s) => s.id),
      clonePids,
    );

    // The bare restore: a template of the agent's template's layout, built and cloned by hand.
    const manifest = JSON.parse(readFileSync(path.join(agentTemplates, key, 'template.json'), 'utf8')) as {
      layout: TemplateLayout;
    };
    const own = await bareTemplate(path.join(shm, 'bare-templates'), manifest.layout);
    const restores: { restoredMs: number; readyMs: number }[] = [];
    for (let i = 0; i < RUNS; i++)
      restores.push(await bareRestore(path.join(shm, `bare-clone-${i}`), manifest.layout, own.template));

    // The burst: 20 at once from the template, to running; then 20 deleted at once, to gone.
    const burstT0 = Date.now();
    const created = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const posted = Date.now();
        const res = await tenant.post('/v1/containers', { image, size: SIZE });
        return { res, posted, accepted: Date.now() };
      }),
    );
    const refused = created.find((c) => c.res.status !== 202);
    if (refused) throw new Error(`burst create failed: ${JSON.stringify(refused.res.body)}`);
    const burstIds = created.map((c) => c.res.body.data.id as string);
    const runningAt = await untilRunning(tenant, burstIds, 100);
    const burstRunning = Math.max(...runningAt.values()) - burstT0;
    // Each container of the burst, cut into the same phases: where the wait goes when 20 come at once.
    const burstRows = phasesOf(
      tpl,
      created.map((c, i) => ({
        id: burstIds[i]!,
        posted: c.posted,
        accepted: c.accepted,
        running: runningAt.get(burstIds[i]!)!,
      })),
    );
    const cloned = burstRows.filter((r) => r.boot.template === key).length;
    const burstPids = burstIds.map((id) => pidOf(tpl, id));
    memory.push(await idleMemory(`clone (${BURST} alive)`, burstPids, templateMemory));
    const burstGone = await deleteAll(tenant, burstIds, burstPids);
    const templateFileMib = (statSync(templateMemory).blocks * 512) / 2 ** 20;

    console.log(
      `\n${formatReport({
        runs: RUNS,
        cores,
        size: SIZE,
        memoryMib,
        cold: pathResult(coldRows, (b) => !b.template),
        template: pathResult(tplRows, (b) => b.template === key),
        pool: null, // the QEMU driver has no warm pool (issue 14 item 3 is not built)
        burstEach: pathResult(burstRows, (b) => b.template === key),
        firstPull: {
          total: pullRow!.total,
          image: pullRow!.phases.find(([n]) => n === 'hook image')?.[1] ?? NaN,
        },
        bareBoot: median(bare),
        bareRestore: {
          restored: median(restores.map((r) => r.restoredMs)),
          ready: median(restores.map((r) => r.readyMs)),
        },
        bareTemplateBuild: own.buildMs,
        burst: {
          n: BURST,
          cloned,
          agentConcurrency: AGENT_CONCURRENCY,
          runningMs: burstRunning,
          goneMs: burstGone.goneMs,
          qemuGoneMs: burstGone.qemuGoneMs,
        },
        memory,
        templateFileMib,
      })}\n`,
    );
  } finally {
    await stack.stop();
    await registry.stop();
    await redis.stop();
    await pg.stop();
    // A template build or a clone the bench started by hand and did not end (it failed midway).
    for (const pid of qemuPidsUnder(shm)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(shm, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
