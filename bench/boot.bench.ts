/**
 * Where the time goes from the API's 202 to `running`, for a container booted as a real microVM,
 * beside a bare QEMU boot of the same kernel and berth-init run by hand in the same run; and the
 * resident memory of an idle VM. Figures are medians over BENCH_RUNS runs (default 5), printed with
 * ratios against the bare boot: these machines are noisy, so only same-run comparisons mean anything.
 *
 *   npm run bench            (builds first; needs what `npm test` installs)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bootArgs, kernelCommandLine } from '../apps/agent/src/drivers/qemu/qemu-args';
import { hostTscKhz } from '../apps/agent/src/drivers/qemu/host-tsc';
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
} from '../libs/testing/src';
import { median } from './stats';

/** The host's TSC rate, read once: every boot of the run uses it. */
const tscKhz = hostTscKhz();

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The baseline: QEMU started by hand, kernel + berth-init to its "probe ok" line, then power-off. */
function bareBoot(kernel: string, initrd: string): Promise<number> {
  const t0 = performance.now();
  const args = [
    // The machine the driver boots (bootArgs), its kernel command line plus the probe flag that makes
    // berth-init stop at once, and a console to read that from.
    ...bootArgs({
      accel: 'tcg',
      memoryMib: 64,
      vcpu: 1,
      kernel,
      initrd,
      append: kernelCommandLine('tcg', ['berth.probe'], tscKhz),
    }),
    '-serial',
    'stdio',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let at: number | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (at === null && out.includes('berth-init: probe ok')) at = performance.now() - t0;
    });
    child.once('exit', () =>
      at === null ? reject(new Error(`bare boot failed: ${out.slice(-500)}`)) : resolve(at),
    );
  });
}

function timelines(log: string, kind: 'boot-timeline' | 'job-timeline'): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const line of log.split('\n')) {
    const i = line.indexOf(`${kind} `);
    if (i < 0) continue;
    try {
      const msg = (JSON.parse(line) as { msg: string }).msg;
      const t = JSON.parse(msg.slice(msg.indexOf('{'))) as Record<string, number> & { id: string };
      out.set(t.id, t);
    } catch {
      // not one of ours
    }
  }
  return out;
}

function rssMib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const { kernel, initrd } = guestAssets();
  const pg = await startEphemeralPostgres();
  const redis = await startEphemeralRedis();
  const registry = await startTestRegistry();
  process.env.BERTH_TEST_PG_ADMIN_URL = pg.url;
  process.env.BERTH_TEST_REDIS_URL = redis.url;
  const stack = new TestStack('bench');
  try {
    await runMigrations(await recreateTemplateDatabase(pg.url));
    const image = await buildTestImage(registry, 'bench/busybox', {
      cmd: ['sh', '-c', 'echo up; sleep 3600'],
    });
    await stack.start();
    const agent = await stack.startAgent({
      name: 'bench-host',
      driver: 'qemu',
      env: { BERTH_QEMU_ACCEL: 'tcg' },
    });
    const tenant = (await stack.tenant('bench')).http;

    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) bare.push(await bareBoot(kernel, initrd));

    // One container first, so that the image pull (a one-off per host and digest) is measured apart.
    const rows: Record<string, number>[] = [];
    const ids: string[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const t0 = Date.now();
      const res = await tenant.post('/v1/containers', { image, size: 's1' });
      const accepted = Date.now();
      if (res.status !== 202) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
      const id = res.body.data.id as string;
      await waitFor(
        'running',
        async () => (await tenant.get(`/v1/containers/${id}`)).body.state === 'running',
        120_000,
        20,
      );
      const running = Date.now();
      ids.push(id);
      const log = agent.process.output();
      const job = timelines(log, 'job-timeline').get(id);
      const boot = timelines(log, 'boot-timeline').get(id);
      if (!job || !boot) throw new Error('timelines missing from the agent log');
      rows.push({
        api: accepted - t0,
        queue: job.at! - accepted,
        image: job.image ?? 0,
        vmmStart: boot.channel!,
        guestInit: boot.guestReady! - boot.channel!,
        workloadStart: boot.workloadStarted! - boot.guestReady!,
        report: running - (job.at! + job.started!),
        total: running - accepted,
      });
    }
    const [first, ...warm] = rows;
    const phases = ['api', 'queue', 'image', 'vmmStart', 'guestInit', 'workloadStart', 'report', 'total'];
    const bareMedian = median(bare);
    console.log(
      `\nberth boot benchmark: ${RUNS} runs, TCG, size s1, medians in ms (ratio = phase / bare QEMU boot)\n`,
    );
    console.log(`${'phase'.padEnd(16)}${'ms'.padStart(8)}${'ratio'.padStart(8)}`);
    for (const p of phases) {
      const v = median(warm.map((r) => r[p]!));
      console.log(`${p.padEnd(16)}${v.toFixed(0).padStart(8)}${(v / bareMedian).toFixed(2).padStart(8)}`);
    }
    console.log(`${'bare qemu boot'.padEnd(16)}${bareMedian.toFixed(0).padStart(8)}${'1.00'.padStart(8)}`);
    console.log(
      `\nfirst container (pulls the image): total ${first!.total} ms, of which image ${first!.image} ms`,
    );
    console.log(
      `202 -> running, warm cache: ${(median(warm.map((r) => r.total!)) / bareMedian).toFixed(2)}x a bare boot`,
    );

    const pids = ids.map((id) => Number(readFileSync(`${agent.stateDir}/machines/${id}/qemu.pid`, 'utf8')));
    await new Promise((r) => setTimeout(r, 3000)); // let the guests go idle
    const rss = pids.map(rssMib);
    console.log(
      `idle VM resident memory (s1, 64 MiB guest): median ${median(rss).toFixed(1)} MiB over ${rss.length} VMs`,
    );
    for (const id of ids) await tenant.delete(`/v1/containers/${id}?force=true`);
  } finally {
    await stack.stop();
    await registry.stop();
    await redis.stop();
    await pg.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
