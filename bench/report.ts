/**
 * The boot bench's printed report: one table of start phases per path, the baselines, the burst, idle
 * memory and issue 14's targets beside the figures. Pure: the bench measures, this only formats.
 */
import { VMM_PHASE } from './timelines';
import { burstTargetMs, TARGETS, verdict } from './targets';

/** One way of starting a container, as medians (ms) over the runs that took that way. */
export interface PathResult {
  /** Phase name -> median ms, in the order the phases happen (see startPhases). */
  readonly phases: ReadonlyMap<string, number>;
  /** Median 202 -> running. */
  readonly total: number;
  /** Runs that took this path, of the runs made for it. */
  readonly counted: number;
  readonly of: number;
  /** Medians of the steps berth-init timed inside the guest (part of workload start). */
  readonly guest?: ReadonlyMap<string, number>;
}

export interface MemoryRow {
  readonly label: string;
  readonly vms: number;
  readonly rssMib: number;
  readonly pssMib: number;
  readonly pssAnonMib: number;
  readonly pssFileMib: number;
  readonly pssShmemMib: number;
  /** QEMU's TCG translated-code cache, resident (part of PSS anon, private to each VM). */
  readonly tcgCodeMib: number;
  /** Clones only: guest RAM pages copied from the template (part of PSS anon). */
  readonly copiedMib?: number;
}

export interface BenchResults {
  readonly runs: number;
  readonly cores: number;
  readonly size: string;
  readonly memoryMib: number;
  readonly cold: PathResult;
  readonly template: PathResult;
  /** null: the driver has no warm pool (it has none today). */
  readonly pool: PathResult | null;
  /** Each container of the burst (from the template), through the same phases. */
  readonly burstEach: PathResult;
  readonly firstPull: { readonly total: number; readonly image: number };
  readonly bareBoot: number;
  readonly bareRestore: { readonly restored: number; readonly ready: number };
  readonly bareTemplateBuild: number;
  readonly burst: {
    readonly n: number;
    /** Of the n, how many started from the template. */
    readonly cloned: number;
    readonly agentConcurrency: number;
    /** First POST -> every container running (the API's view). */
    readonly runningMs: number;
    /** First DELETE -> every container gone (404). */
    readonly goneMs: number;
    /** First DELETE -> every QEMU process exited. */
    readonly qemuGoneMs: number;
  };
  readonly memory: readonly MemoryRow[];
  /** What the template's RAM file holds on tmpfs (one per template and host, shared by its clones). */
  readonly templateFileMib: number;
}

const LABELS: Record<string, string> = {
  api: 'api (POST -> 202)',
  queue: 'queue (202 -> agent)',
  create: 'create (driver)',
  [VMM_PHASE]: 'vmm start | restore',
  guest: 'guest (-> READY)',
  workload: 'workload start',
  report: 'report (-> running)',
};

const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
const x = (v: number): string => `${v.toFixed(2)}x`;
const pad = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('');

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  const W = [28, 12, 14, 12, 14];
  out.push(
    `berth boot benchmark: ${r.runs} runs a path, TCG on ${r.cores} cores, size ${r.size} ` +
      `(${r.memoryMib} MiB guest), cached image; medians in ms`,
    '',
    pad(['phase', '(a) cold', '(b) template', '(c) pool', 'burst, each'], W),
  );
  const names = [...r.cold.phases.keys(), ...r.template.phases.keys(), ...r.burstEach.phases.keys()].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  const pool = (v: number | undefined) => (r.pool ? ms(v) : 'not built');
  for (const n of names)
    out.push(
      pad(
        [
          LABELS[n] ?? n,
          ms(r.cold.phases.get(n)),
          ms(r.template.phases.get(n)),
          pool(r.pool?.phases.get(n)),
          ms(r.burstEach.phases.get(n)),
        ],
        W,
      ),
    );
  out.push(
    pad(
      ['202 -> running', ms(r.cold.total), ms(r.template.total), pool(r.pool?.total), ms(r.burstEach.total)],
      W,
    ),
  );
  out.push(
    pad(
      [
        '  ratio to its baseline',
        x(r.cold.total / r.bareBoot),
        x(r.template.total / r.bareRestore.ready),
        r.pool ? x(r.pool.total / r.bareRestore.ready) : '',
      ],
      W,
    ),
  );
  out.push(
    pad(
      [
        '  runs on this path',
        `${r.cold.counted}/${r.cold.of}`,
        `${r.template.counted}/${r.template.of}`,
        '',
        `${r.burstEach.counted}/${r.burstEach.of}`,
      ],
      W,
    ),
  );
  const steps = [...(r.cold.guest?.keys() ?? []), ...(r.template.guest?.keys() ?? [])].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  for (const n of steps)
    out.push(
      pad(
        [
          `  in the guest: ${n}`,
          ms(r.cold.guest?.get(n)),
          ms(r.template.guest?.get(n)),
          r.pool ? ms(r.pool.guest?.get(n)) : '',
          ms(r.burstEach.guest?.get(n)),
        ],
        W,
      ),
    );
  out.push(
    '',
    "(a) baseline: bare cold boot; (b) and (c): bare restore. vmm start | restore: the driver's create -> QEMU",
    '    spawned and its channel up (cold) or its state loaded (template); workload start: READY -> the',
    "    agent has the workload running; in the guest: berth-init's own timing of its START steps (RNG",
    '    and clock, disks (a clone drops its block cache), network, root filesystem, spawn); report: -> the API',
    '    says running (polled every 20 ms; the burst polls every 100 ms).',
    '',
    'baselines, run by hand in the same run (ms from spawning QEMU)',
    `  bare cold boot (-> berth-init probe ok)      ${ms(r.bareBoot).padStart(6)}`,
    `  bare restore (-> state loaded)               ${ms(r.bareRestore.restored).padStart(6)}`,
    `  bare restore (-> READY)                      ${ms(r.bareRestore.ready).padStart(6)}`,
    `  template build by hand (once)                ${ms(r.bareTemplateBuild).padStart(6)}`,
    `  first container of the cold agent (pulls the image): 202 -> running ${ms(r.firstPull.total)} ms, image ${ms(r.firstPull.image)} ms`,
  );

  const b = r.burst;
  const target = burstTargetMs(r.template.total, b.n, r.cores);
  out.push(
    '',
    `burst: ${b.n} containers created at once (${b.cloned} from the template; agent concurrency ${b.agentConcurrency})`,
    `  all running   ${ms(b.runningMs).padStart(6)} ms   target (${ms(r.template.total)} x ${b.n} / ${r.cores}) x ${TARGETS.burstSlack} = ${ms(target)} ms  ${x(b.runningMs / (target / TARGETS.burstSlack))} the ideal (n starts / cores)`,
    `  ${b.n} deleted at once: all gone (404) ${ms(b.goneMs)} ms, every QEMU exited ${ms(b.qemuGoneMs)} ms`,
  );

  const MW = [28, 6, 10, 10, 11, 11, 11, 11, 14];
  out.push(
    '',
    pad(
      [
        'idle VM memory (medians)',
        'VMs',
        'RSS MiB',
        'PSS MiB',
        'PSS anon',
        'PSS file',
        'PSS tmpfs',
        'TCG code',
        'guest copied',
      ],
      MW,
    ),
  );
  for (const m of r.memory)
    out.push(
      pad(
        [
          m.label,
          String(m.vms),
          ...[m.rssMib, m.pssMib, m.pssAnonMib, m.pssFileMib, m.pssShmemMib, m.tcgCodeMib].map((v) =>
            v.toFixed(1),
          ),
          m.copiedMib === undefined ? '-' : m.copiedMib.toFixed(1),
        ],
        MW,
      ),
    );
  out.push(
    `  PSS anon: QEMU's own memory (TCG code cache, heap) and, in a clone, the guest pages it copied from`,
    `  its template; PSS tmpfs: its share of the template's pages. The template's RAM file holds`,
    `  ${r.templateFileMib.toFixed(1)} MiB on tmpfs, once per template and host.`,
  );

  const clonePss = r.memory.find((m) => m.label.startsWith('clone'))?.pssMib ?? NaN;
  const vsBare = r.template.total / r.bareRestore.ready;
  const TW = [52, 14, 8];
  out.push(
    '',
    pad(['targets (issue 14, 2-core TCG)', 'measured', ''], TW),
    pad(
      [
        `template start 202 -> running <= ${TARGETS.templateStartMs} ms`,
        `${ms(r.template.total)} ms`,
        verdict(r.template.total, TARGETS.templateStartMs),
      ],
      TW,
    ),
    pad(
      [
        `template start <= ${TARGETS.templateVsBareRestore}x bare restore`,
        x(vsBare),
        verdict(vsBare, TARGETS.templateVsBareRestore),
      ],
      TW,
    ),
    pad(
      [
        `idle clone PSS <= ${TARGETS.idlePssMib} MiB`,
        `${clonePss.toFixed(1)} MiB`,
        verdict(clonePss, TARGETS.idlePssMib),
      ],
      TW,
    ),
    pad(
      [
        `burst of ${b.n} to running <= ${ms(target)} ms`,
        `${ms(b.runningMs)} ms`,
        verdict(b.runningMs, target),
      ],
      TW,
    ),
  );
  return out.join('\n');
}
