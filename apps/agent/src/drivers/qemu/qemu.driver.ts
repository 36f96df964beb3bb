import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { PrebuiltMachine } from '@berth/config';
import type { ContainerId } from '@berth/domain';
import {
  TerminalDriverError,
  type Driver,
  type DriverCapabilities,
  type ExecRequest,
  type ExecResult,
  type LogLine,
  type MachineExit,
  type MachineSpec,
  type MachineStatus,
  type StartPath,
} from '../driver';
import { cloneable, cloneMachine, cloneStart, layoutOf } from './clone-args';
import { machineDisks, makeWritableLayer, WRITABLE_LAYER } from './disk-recipe';
import { describeProcessEnd, signalledExitCode } from './exit-codes';
import { GuestSession } from './guest-session';
import { INITIAL_STATE, MachineFiles, statusOf, type MachineState } from './machine-files';
import { backupDrive } from './qmp-backup';
import type { ProcessSpec } from './guest-protocol';
import { AGENT_SOCKET, QMP_SOCKET, qemuArgs, type Accel, type QemuMachine } from './qemu-args';
import { isQemuOf, killQemu, qemuPidsUnder, QemuProcess, type QemuLaunch } from './qemu-process';
import { restoreTemplateState } from './qmp-template';
import { TemplateManager, type TemplateStatus } from './template-manager';
import type { Template, TemplateLayout } from './template-store';
import { TIMED_OUT, within } from './timeouts';
import { execProcess, startSpec, workloadProcess } from './workload';

export interface QemuDriverOptions {
  /** Where each machine gets its directory (`<dir>/<container id>`). */
  readonly machinesDir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly accel: Accel;
  /** From QEMU's start to the guest's init announcing itself; generous, TCG boots slow down under load. */
  readonly bootTimeoutMs: number;
  readonly qemuBinary?: string;
  /** The host's TSC rate in kHz (hostTscKhz()); TCG guests keep time by it. */
  readonly tscKhz?: number;
  /** Runs QEMU inside this network namespace (the host's, in tests), where its taps are. */
  readonly netns?: string | null;
  /**
   * VM templates (docs/vm-templates.md): absent or null, every machine boots cold. `prebuild`: the
   * machines (size and device layout) whose templates are built at start-up, before any container asks.
   */
  readonly templates?: { readonly dir: string; readonly prebuild?: readonly PrebuiltMachine[] } | null;
  readonly log?: (message: string) => void;
}

/** A machine whose template is built ahead of demand (which ones: libs/config prebuiltMachines()). */
export type { PrebuiltMachine };

/** A clone that did not come up from its template: the template is discarded and the machine boots cold. */
class RestoreFailed extends Error {}

/** Runs a clone's restore steps; whatever fails there is the template's fault. */
async function restoring<T>(steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (err) {
    throw new RestoreFailed(err instanceof Error ? err.message : String(err));
  }
}

/** From a clone's QEMU start to its state loaded, and from there to berth-init's READY. */
const RESTORE_TIMEOUT_MS = 30_000;
/** Host entropy sent to each clone's berth-init (docs/vm-templates.md). */
const ENTROPY_BYTES = 64;

interface LiveMachine {
  readonly id: ContainerId;
  readonly files: MachineFiles;
  state: MachineState;
  process: QemuProcess | null;
  session: GuestSession | null;
  /** Resolves with the workload's exit code once its end is recorded (null: the VM died without saying). */
  workloadExit: Promise<number | null>;
  endWorkload: (code: number | null) => void;
  /**
   * start, stop and kill calls under way on this machine. An end that happens meanwhile is the call's
   * to report (its caller reads status()); exit listeners hear only of ends nobody asked for.
   */
  callsInFlight: number;
  /** Set by delete(): late events must not write into the removed directory. */
  deleted: boolean;
}

/** After SIGKILL reaches the workload, how long berth-init gets to report its exit before QEMU is killed. */
const KILL_GRACE_MS = 3000;
const KILLED = signalledExitCode('SIGKILL');

/**
 * Runs each container as a QEMU `microvm` with berth-init as PID 1 (see guest/init), composed of one
 * job per module: the QEMU process (qemu-process.ts, its command line from qemu-args.ts), the guest
 * session with berth-init (guest-session.ts), QMP (qmp-backup.ts), the disks (disk-recipe.ts) and the
 * machine's directory (machine-files.ts). What this class owns is each machine's recorded state and
 * who hears of its end. QEMU processes outlive the agent: a new agent re-adopts them (adopt()) and
 * kills any QEMU of ours that it cannot account for. Never an orphan.
 */
export class QemuDriver implements Driver {
  readonly name = 'qemu';
  private readonly machines = new Map<ContainerId, LiveMachine>();
  private readonly exitListeners: ((e: MachineExit) => void)[] = [];
  private readonly outputListeners: ((id: ContainerId, line: LogLine) => void)[] = [];
  private readonly log: (m: string) => void;
  /** Set by close(): the agent is going away and hears of nothing more. */
  private closed = false;
  /** Null when templates are off. */
  private readonly templates: TemplateManager | null;

  constructor(private readonly opts: QemuDriverOptions) {
    this.log = opts.log ?? (() => undefined);
    this.templates = opts.templates
      ? new TemplateManager({
          dir: opts.templates.dir,
          qemuBinary: opts.qemuBinary ?? 'qemu-system-x86_64',
          buildTimeoutMs: opts.bootTimeoutMs,
          prebuild: (opts.templates.prebuild ?? []).map((p) => this.prebuiltLayout(p)),
          log: this.log,
        })
      : null;
  }

  /**
   * Starts the template manager (after adopt(): a build's QEMU must not be taken for an orphan): stale
   * templates go, the prebuilt ones are built in the background. Resolves before any build ends.
   */
  async startTemplates(): Promise<void> {
    await this.templates?.start();
  }

  /** The host's templates, for its heartbeat (empty when templates are off). */
  templateStatus(): TemplateStatus[] {
    return this.templates?.status() ?? [];
  }

  capabilities(): DriverCapabilities {
    return { simulation: false, vmm: 'qemu-microvm', accel: this.opts.accel, channel: 'virtio-serial' };
  }

  onExit(listener: (exit: MachineExit) => void): void {
    this.exitListeners.push(listener);
  }

  onOutput(listener: (id: ContainerId, line: LogLine) => void): void {
    this.outputListeners.push(listener);
  }

  async create(spec: MachineSpec): Promise<void> {
    if (!spec.rootfs)
      throw new TerminalDriverError('image/missing', `no root filesystem was prepared for ${spec.image}`);
    const m = this.machine(spec.id);
    await m.files.init(spec);
    await makeWritableLayer(m.files.file(WRITABLE_LAYER), spec.resources.diskGib);
    const state = await m.files.state();
    if (state) m.state = state;
    else await this.save(m, INITIAL_STATE);
  }

  async start(id: ContainerId): Promise<StartPath | null> {
    const m = await this.load(id);
    if (m.state.phase === 'running' && (await this.runs(m))) return null;
    const spec = await m.files.spec();
    const rootfs = spec.rootfs;
    if (!rootfs)
      throw new TerminalDriverError('image/missing', `no root filesystem was prepared for ${spec.image}`);
    // Before QEMU starts: a container that cannot say what to run fails for good, with no VM to clean up.
    const workload = workloadProcess(spec, rootfs.config);
    await m.files.clearRuntimeFiles();
    const machine = this.machineOf(m, spec, rootfs.path);
    const template = await this.templateFor(machine);

    let took: StartPath = { path: 'cold' };
    await this.during(m, async () => {
      if (template) {
        try {
          await this.boot(m, spec, workload, cloneMachine(machine, template.memoryFile), template);
          took = { path: 'template', template: template.key };
          return;
        } catch (err) {
          if (!(err instanceof RestoreFailed)) throw err;
          // A template that does not restore is discarded (a later start rebuilds it); this one boots cold.
          this.log(
            `${id}: template ${template.key} did not restore (${err.message}); discarded, booting cold`,
          );
          await this.templates?.discard(template.key, err.message);
          await m.files.clearRuntimeFiles();
          took = { path: 'cold', template: template.key, fallback: err.message };
        }
      }
      await this.boot(m, spec, workload, machine, null);
    });
    return took;
  }

  async stop(id: ContainerId, timeoutMs: number): Promise<void> {
    const m = await this.load(id);
    if (m.state.phase !== 'running') return;
    await this.during(m, async () => {
      m.session?.signalWorkload('SIGTERM');
      if ((await within(m.workloadExit, timeoutMs)) === TIMED_OUT) {
        this.log(`${id}: workload ignored SIGTERM for ${timeoutMs} ms; killing it`);
        m.session?.signalWorkload('SIGKILL');
        if ((await within(m.workloadExit, KILL_GRACE_MS)) === TIMED_OUT) await this.forceStop(m, KILLED);
      }
      await m.process?.reap();
    });
  }

  async kill(id: ContainerId): Promise<void> {
    const m = await this.loadIfExists(id);
    if (!m || m.state.phase !== 'running') return;
    await this.during(m, () => this.forceStop(m, KILLED));
  }

  async delete(id: ContainerId): Promise<void> {
    await this.kill(id);
    const m = this.machines.get(id);
    if (m) {
      m.deleted = true;
      m.session?.close();
      m.process?.letGo();
    }
    this.machines.delete(id);
    await rm(path.join(this.opts.machinesDir, id), { recursive: true, force: true });
  }

  async status(id: ContainerId): Promise<MachineStatus> {
    const m = await this.loadIfExists(id);
    return m ? statusOf(m.state, new Date()) : { state: 'absent' };
  }

  async logs(id: ContainerId, opts: { tail?: number } = {}): Promise<LogLine[]> {
    return new MachineFiles(path.join(this.opts.machinesDir, id)).logs(opts.tail);
  }

  async exec(id: ContainerId, req: ExecRequest): Promise<ExecResult> {
    const m = await this.load(id);
    const session = m.session;
    if (m.state.phase !== 'running' || !session?.isOpen) {
      throw new TerminalDriverError('container/not_running', 'the container is not running');
    }
    return session.exec(execProcess(await m.files.spec(), req), req.timeoutMs);
  }

  async backupDisk(id: ContainerId, serial: string, target: string): Promise<boolean> {
    const m = await this.loadIfExists(id);
    if (!m || m.state.phase !== 'running' || m.state.pid === null || !(await this.runs(m))) return false;
    await backupDrive(m.files.file(QMP_SOCKET), serial, target);
    return true;
  }

  async writeFile(id: ContainerId, path: string, content: string): Promise<void> {
    const m = this.machines.get(id);
    if (m?.state.phase === 'running' && m.session?.isOpen) m.session.writeFile(path, content);
    return Promise.resolve();
  }

  async list(): Promise<ContainerId[]> {
    try {
      return (await readdir(this.opts.machinesDir)).filter((n) => n.startsWith('ctr_')) as ContainerId[];
    } catch {
      return [];
    }
  }

  /**
   * After an agent restart: re-attaches to every VM that still runs, records the end of those that
   * died meanwhile, and kills any QEMU started from our machines directory that no machine owns, and
   * any left building a template.
   */
  async adopt(): Promise<{ adopted: ContainerId[]; ended: ContainerId[]; killed: number[] }> {
    const adopted: ContainerId[] = [];
    const ended: ContainerId[] = [];
    const owned = new Set<number>();
    for (const id of await this.list()) {
      const m = await this.loadIfExists(id);
      const pid = m?.state.pid ?? null;
      if (!m || m.state.phase !== 'running' || pid === null) continue;
      const qemu = await QemuProcess.adopt(pid, m.files.dir);
      if (qemu) {
        owned.add(pid);
        this.watch(m, qemu);
        try {
          await this.connect(m, 5000);
          adopted.push(id);
        } catch {
          await this.forceStop(m, null);
          ended.push(id);
        }
      } else {
        // It died while no agent watched: when is not known (null), and not the moment it was found.
        await this.save(m, { ...m.state, phase: 'stopped', finishedAt: null, exitCode: null, pid: null });
        ended.push(id);
      }
    }
    const killed: number[] = [];
    for (const pid of await qemuPidsUnder(this.opts.machinesDir)) {
      if (!owned.has(pid) && killQemu(pid)) killed.push(pid);
    }
    // A template build is never adopted: a QEMU a previous agent left building one is an orphan
    // (this driver's builds start after adopt(), in startTemplates(); none is killed while one runs).
    // Clones name their template's RAM file on their command line too: those adopted above are kept.
    if (this.templates && !this.templates.building) {
      for (const pid of await qemuPidsUnder(this.templates.store.dir))
        if (!owned.has(pid) && killQemu(pid)) killed.push(pid);
    }
    if (adopted.length + ended.length + killed.length > 0) {
      this.log(
        `adopted ${adopted.length} VMs, ${ended.length} had ended, killed ${killed.length} orphan QEMU processes`,
      );
    }
    return { adopted, ended, killed };
  }

  /**
   * Lets go of sockets and timers; the VMs keep running for the next agent to adopt. A template build
   * under way is abandoned (its QEMU killed): a template is cheap to rebuild, an orphan QEMU is not.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const m of this.machines.values()) {
      m.process?.letGo();
      m.session?.close();
    }
    await this.templates?.close();
  }

  /** Resolves once no template build is queued or under way (tests). */
  async templateBuildsSettled(): Promise<void> {
    await this.templates?.settled();
  }

  // ---- internals ----

  /**
   * Starts QEMU for `machine` and the workload in it: booted cold, or restored from `template` (then
   * berth-init also gets fresh host entropy and the NICs' MACs). A clone that does not come up throws
   * RestoreFailed.
   */
  private async boot(
    m: LiveMachine,
    spec: MachineSpec,
    workload: ProcessSpec,
    machine: QemuMachine,
    template: Template | null,
  ): Promise<void> {
    const t0 = Date.now();
    const timeline: Record<string, number> = {};
    try {
      const qemu = QemuProcess.spawn(this.launchOf(m, machine));
      this.watch(m, qemu);
      await this.save(m, {
        ...m.state,
        phase: 'running',
        pid: qemu.pid,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        boots: m.state.boots + 1,
      });

      const failed = qemu.ended.then(async (end) => {
        throw new Error(`qemu ${describeProcessEnd(end)} during boot: ${await m.files.tail('qemu.log')}`);
      });
      timeline.spawned = Date.now() - t0;
      let session: GuestSession;
      if (template) {
        session = await restoring(async () => {
          await Promise.race([
            restoreTemplateState(m.files.file(QMP_SOCKET), template.stateFile, RESTORE_TIMEOUT_MS),
            failed,
          ]);
          timeline.restored = Date.now() - t0;
          const s = await Promise.race([this.connect(m), failed]);
          await Promise.race([s.waitReady(RESTORE_TIMEOUT_MS), failed]);
          return s;
        });
      } else {
        session = await Promise.race([this.connect(m), failed]);
        timeline.channel = Date.now() - t0;
        await Promise.race([session.waitReady(this.opts.bootTimeoutMs), failed]);
      }
      timeline.guestReady = Date.now() - t0;
      const start = startSpec(spec, workload, Date.now());
      await Promise.race([
        session.startWorkload(template ? cloneStart(start, machine, randomBytes(ENTROPY_BYTES)) : start),
        failed,
      ]);
      timeline.workloadStarted = Date.now() - t0;
      if (m.state.phase === 'running')
        await this.save(m, { ...m.state, startedAt: new Date().toISOString() });
      // Milliseconds from spawning QEMU; bench/boot.bench.ts reads this line.
      this.log(
        `boot-timeline ${JSON.stringify({ id: m.id, pid: qemu.pid, accel: this.opts.accel, ...(template ? { template: template.key } : {}), at: t0, ...timeline })}`,
      );
    } catch (err) {
      await this.forceStop(m, null);
      throw err;
    }
  }

  /** The machine's VM template when templates are on and one is ready (else its build is asked for). */
  private async templateFor(machine: QemuMachine): Promise<Template | null> {
    if (!this.templates) return null;
    const sizes = await Promise.all(machine.disks.map(async (d) => (await stat(d.file)).size));
    return cloneable(sizes) ? this.templates.templateFor(layoutOf(machine)) : null;
  }

  /** The layout of a prebuilt machine: as machineOf() would lay it out (placeholder files, no taps). */
  private prebuiltLayout(p: PrebuiltMachine): TemplateLayout {
    return layoutOf({
      name: 'prebuilt',
      dir: '',
      vcpu: p.vcpu,
      memoryMib: p.memoryMib,
      kernel: this.opts.kernel,
      initrd: this.opts.initrd,
      accel: this.opts.accel,
      ...(this.opts.tscKhz ? { tscKhz: this.opts.tscKhz } : {}),
      disks: machineDisks(
        '',
        '',
        Array.from({ length: p.volumes }, () => ({ serial: '', path: '', file: '' })),
      ),
      taps: Array.from({ length: p.nics }, () => ({ ifname: null, mac: '' })),
    });
  }

  private machineOf(m: LiveMachine, spec: MachineSpec, rootfs: string): QemuMachine {
    return {
      name: m.id,
      dir: m.files.dir,
      vcpu: spec.resources.vcpu,
      memoryMib: spec.resources.memoryMib,
      kernel: this.opts.kernel,
      initrd: this.opts.initrd,
      accel: this.opts.accel,
      ...(this.opts.tscKhz ? { tscKhz: this.opts.tscKhz } : {}),
      disks: machineDisks(rootfs, m.files.file(WRITABLE_LAYER), spec.volumes),
      taps: (spec.interfaces ?? []).map((i) => ({ ifname: i.tap, mac: i.mac })),
    };
  }

  private launchOf(m: LiveMachine, machine: QemuMachine): QemuLaunch {
    return {
      binary: this.opts.qemuBinary ?? 'qemu-system-x86_64',
      args: qemuArgs(machine),
      netns: this.opts.netns ?? null,
      logFile: m.files.file('qemu.log'),
    };
  }

  private machine(id: ContainerId): LiveMachine {
    let m = this.machines.get(id);
    if (!m) {
      let endWorkload!: (code: number | null) => void;
      const workloadExit = new Promise<number | null>((resolve) => (endWorkload = resolve));
      m = {
        id,
        files: new MachineFiles(path.join(this.opts.machinesDir, id)),
        state: INITIAL_STATE,
        process: null,
        session: null,
        workloadExit,
        endWorkload,
        callsInFlight: 0,
        deleted: false,
      };
      this.machines.set(id, m);
    }
    return m;
  }

  private async load(id: ContainerId): Promise<LiveMachine> {
    const m = await this.loadIfExists(id);
    if (!m) throw new Error(`machine ${id} does not exist on this host`);
    return m;
  }

  private async loadIfExists(id: ContainerId): Promise<LiveMachine | null> {
    const known = this.machines.get(id);
    if (known) return known;
    const state = await new MachineFiles(path.join(this.opts.machinesDir, id)).state();
    if (!state) return null;
    const m = this.machine(id);
    m.state = state;
    return m;
  }

  private async save(m: LiveMachine, state: MachineState): Promise<void> {
    m.state = state;
    // A machine being deleted has no directory to remember anything in.
    if (m.deleted) return;
    await m.files.saveState(state);
  }

  /** Runs one of start, stop or kill: an end it causes is reported by its caller, not to exit listeners. */
  private async during(m: LiveMachine, call: () => Promise<void>): Promise<void> {
    m.callsInFlight++;
    try {
      await call();
    } finally {
      m.callsInFlight--;
    }
  }

  /** Whether an end of the machine now is news for the exit listeners (see callsInFlight). */
  private unasked(m: LiveMachine): boolean {
    return m.callsInFlight === 0 && !this.closed;
  }

  /** Whether the machine's QEMU still runs: the one this driver watches, or the recorded pid's. */
  private async runs(m: LiveMachine): Promise<boolean> {
    if (m.process) return m.process.alive;
    return m.state.pid !== null && (await isQemuOf(m.state.pid, m.files.dir));
  }

  /** Makes `qemu` the machine's process, with a fresh workload end, and records its end when it comes. */
  private watch(m: LiveMachine, qemu: QemuProcess): void {
    m.process = qemu;
    m.workloadExit = new Promise((resolve) => (m.endWorkload = resolve));
    void qemu.ended
      .then(() => this.onProcessGone(m, qemu))
      .catch((err: unknown) => this.log(`${m.id}: ${String(err)}`));
  }

  private async connect(m: LiveMachine, timeoutMs?: number): Promise<GuestSession> {
    // A QEMU that is gone will never make its socket: stop trying then.
    const gone = new AbortController();
    void m.process?.ended.then(() => gone.abort());
    const session = await GuestSession.connect(
      m.files.file(AGENT_SOCKET),
      {
        line: (line) => this.emitLine(m, line),
        workloadExit: (code) =>
          void this.onWorkloadExit(m, code).catch((err: unknown) => this.log(`${m.id}: ${String(err)}`)),
        log: (message) => this.log(`${m.id}: guest: ${message}`),
      },
      { ...(timeoutMs !== undefined ? { timeoutMs } : {}), signal: gone.signal },
    );
    m.session = session;
    return session;
  }

  private emitLine(m: LiveMachine, line: LogLine): void {
    void m.files.appendLog(line).catch(() => undefined);
    for (const l of this.outputListeners) l(m.id, line);
  }

  private async onWorkloadExit(m: LiveMachine, code: number): Promise<void> {
    if (m.state.phase !== 'running') return;
    m.session?.flushOutput();
    const finishedAt = new Date();
    await this.save(m, {
      ...m.state,
      phase: 'stopped',
      exitCode: code,
      finishedAt: finishedAt.toISOString(),
    });
    m.endWorkload(code);
    m.session?.poweroff();
    const notify = this.unasked(m);
    void (m.process?.reap() ?? Promise.resolve()).then(() => {
      if (notify) for (const l of this.exitListeners) l({ id: m.id, exitCode: code, at: finishedAt });
    });
  }

  private async onProcessGone(m: LiveMachine, qemu: QemuProcess): Promise<void> {
    qemu.letGo();
    if (m.process !== qemu) return; // a later QEMU of this machine has taken over
    const session = m.session;
    m.process = null;
    m.session = null;
    session?.end();
    if (m.state.phase === 'running' && m.state.pid === qemu.pid) {
      // The VM ended without its init reporting an exit: it crashed or was killed from outside.
      session?.flushOutput();
      const at = new Date();
      await this.save(m, { ...m.state, phase: 'stopped', exitCode: null, finishedAt: at.toISOString() });
      m.endWorkload(null);
      if (this.unasked(m)) for (const l of this.exitListeners) l({ id: m.id, exitCode: null, at });
    }
  }

  /** Ends the QEMU process now and records the end with `exitCode`. */
  private async forceStop(m: LiveMachine, exitCode: number | null): Promise<void> {
    if (m.process) m.process.kill();
    else if (m.state.pid !== null && (await isQemuOf(m.state.pid, m.files.dir))) killQemu(m.state.pid);
    if (m.state.phase === 'running') {
      await this.save(m, { ...m.state, phase: 'stopped', exitCode, finishedAt: new Date().toISOString() });
      m.endWorkload(exitCode);
    }
    await m.process?.reap();
  }
}
