import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
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
} from '../driver';
import { pidAlive } from '../../util/pid-alive';
import { HostCommands } from '../network/host-commands';
import { GuestChannel } from './guest-channel';
import { QmpClient } from './qmp-client';
import type { GuestMessage } from './guest-protocol';
import { INITIAL_STATE, MachineFiles, type MachineState } from './machine-files';
import { AGENT_SOCKET, PID_FILE, QMP_SOCKET, qemuArgs, type Accel } from './qemu-args';
import { TIMED_OUT, within } from './timeouts';
import { mergeEnv, workloadProcess } from './workload';
import { ensureSparseExt4 } from '../sparse-ext4';

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
  readonly log?: (message: string) => void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface PendingExec {
  stdout: Buffer[];
  stderr: Buffer[];
  size: number;
  done: Deferred<number>;
}

interface LiveMachine {
  readonly id: ContainerId;
  readonly files: MachineFiles;
  state: MachineState;
  channel: GuestChannel | null;
  /** Resolves when the QEMU process is gone. */
  gone: Deferred<void> | null;
  /** Resolves with the workload's exit code (null: the VM died without saying). */
  workloadExit: Deferred<number | null> | null;
  /** While stop/kill/delete/start is in progress, exits are theirs to report, not the listeners'. */
  quiet: boolean;
  pidWatch: NodeJS.Timeout | null;
  /** Set by delete(): late events must not write into the removed directory. */
  deleted: boolean;
  execs: Map<number, PendingExec>;
  nextExecId: number;
  partial: Record<'stdout' | 'stderr', string>;
}

const GIB = 1024 ** 3;
const MAX_EXEC_OUTPUT = 1024 * 1024;
const SIGTERM = 15;
const SIGKILL = 9;

/**
 * Runs each container as a QEMU `microvm` with berth-init as PID 1 (see guest/init). QEMU processes
 * are detached from the agent, so that an agent restart leaves running containers running: the new
 * agent re-adopts them from their directories (pid, sockets), and kills any QEMU of ours that it
 * cannot account for. Never an orphan.
 */
export class QemuDriver implements Driver {
  readonly name = 'qemu';
  private readonly machines = new Map<ContainerId, LiveMachine>();
  private readonly exitListeners: ((e: MachineExit) => void)[] = [];
  private readonly outputListeners: ((id: ContainerId, line: LogLine) => void)[] = [];
  private readonly log: (m: string) => void;

  constructor(private readonly opts: QemuDriverOptions) {
    this.log = opts.log ?? (() => undefined);
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
    // Sparse: a 10 GiB layer costs a few MB until the workload writes.
    await ensureSparseExt4(m.files.file('rw.ext4'), {
      sizeBytes: spec.resources.diskGib * GIB,
      label: 'berth-rw',
    });
    if (!(await m.files.state())) await this.save(m, INITIAL_STATE);
    else m.state = (await m.files.state()) ?? INITIAL_STATE;
  }

  async start(id: ContainerId): Promise<void> {
    const m = await this.load(id);
    if (m.state.phase === 'running' && m.state.pid !== null && pidAlive(m.state.pid)) return;
    const spec = await m.files.spec();
    if (!spec.rootfs)
      throw new TerminalDriverError('image/missing', `no root filesystem was prepared for ${spec.image}`);
    const proc = workloadProcess(spec, spec.rootfs.config);
    for (const f of [AGENT_SOCKET, QMP_SOCKET, PID_FILE]) await rm(m.files.file(f), { force: true });

    m.quiet = true;
    const t0 = Date.now();
    const timeline: Record<string, number> = {};
    try {
      const args = qemuArgs({
        name: id,
        dir: m.files.dir,
        vcpu: spec.resources.vcpu,
        memoryMib: spec.resources.memoryMib,
        kernel: this.opts.kernel,
        initrd: this.opts.initrd,
        accel: this.opts.accel,
        ...(this.opts.tscKhz ? { tscKhz: this.opts.tscKhz } : {}),
        disks: [
          { serial: 'berth-root', file: spec.rootfs.path, readOnly: true },
          { serial: 'berth-rw', file: m.files.file('rw.ext4'), readOnly: false },
          ...(spec.volumes ?? []).map((v) => ({ serial: v.serial, file: v.file, readOnly: false })),
        ],
        taps: (spec.interfaces ?? []).map((i) => ({ ifname: i.tap, mac: i.mac })),
      });
      const out = openSync(m.files.file('qemu.log'), 'a');
      const qemu = this.opts.qemuBinary ?? 'qemu-system-x86_64';
      // `ip netns exec` enters the host's namespace and execs QEMU: the pid stays QEMU's.
      const [file, argv] = new HostCommands(this.opts.netns ?? null).wrap(qemu, args);
      const child = spawn(file, argv, { detached: true, stdio: ['ignore', out, out] });
      closeSync(out);
      if (child.pid === undefined) throw new Error('could not start qemu-system-x86_64');
      const pid = child.pid;
      child.unref();
      m.gone = deferred<void>();
      m.workloadExit = deferred<number | null>();
      const gone = m.gone;
      child.once('exit', () => gone.resolve());
      void gone.promise
        .then(() => this.onProcessGone(m, pid))
        .catch((err: unknown) => this.log(`${id}: ${String(err)}`));
      await this.save(m, {
        ...m.state,
        phase: 'running',
        pid,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        boots: m.state.boots + 1,
      });

      const failed = gone.promise.then(async () => {
        throw new Error(`qemu exited during boot: ${await this.tail(m, 'qemu.log')}`);
      });
      timeline.spawned = Date.now() - t0;
      m.channel = await Promise.race([GuestChannel.connect(m.files.file(AGENT_SOCKET)), failed]);
      timeline.channel = Date.now() - t0;
      this.attach(m, m.channel);
      await Promise.race([m.channel.waitReady(this.opts.bootTimeoutMs), failed]);
      timeline.guestReady = Date.now() - t0;
      const started = this.waitFor(
        m.channel,
        (msg) => (msg.kind === 'started' || msg.kind === 'exit') && msg.id === 0,
      );
      m.channel.start({
        ...proc,
        hostname: spec.name,
        rootReadOnlyDevice: 'serial:berth-root',
        rootWritableDevice: 'serial:berth-rw',
        timeMs: Date.now(),
        networks: (spec.interfaces ?? []).map(
          (n, i) => `eth${i} ${n.address}/${n.prefixLength} ${n.gateway} ${n.mtu}`,
        ),
        ...(spec.hostsFile ? { hosts: spec.hostsFile } : {}),
        mounts: (spec.volumes ?? []).map((v) => ({
          device: `serial:${v.serial}`,
          path: v.path,
          fstype: 'ext4',
        })),
      });
      if ((await within(Promise.race([started, failed]), 30_000)) === TIMED_OUT) {
        throw new Error('the guest did not start the workload within 30 s');
      }
      timeline.workloadStarted = Date.now() - t0;
      if (m.state.phase === 'running')
        await this.save(m, { ...m.state, startedAt: new Date().toISOString() });
      // Milliseconds from spawning QEMU; bench/boot.bench.ts reads this line.
      this.log(`boot-timeline ${JSON.stringify({ id, pid, accel: this.opts.accel, at: t0, ...timeline })}`);
    } catch (err) {
      await this.forceStop(m, null);
      throw err;
    } finally {
      m.quiet = false;
    }
  }

  async stop(id: ContainerId, timeoutMs: number): Promise<void> {
    const m = await this.load(id);
    if (m.state.phase !== 'running') return;
    m.quiet = true;
    try {
      const exit = m.workloadExit?.promise ?? Promise.resolve(null);
      m.channel?.signal(0, SIGTERM);
      if ((await within(exit, timeoutMs)) === TIMED_OUT) {
        this.log(`${id}: workload ignored SIGTERM for ${timeoutMs} ms; killing it`);
        m.channel?.signal(0, SIGKILL);
        if ((await within(exit, 3000)) === TIMED_OUT) await this.forceStop(m, 137);
      }
      await this.waitGone(m);
    } finally {
      m.quiet = false;
    }
  }

  async kill(id: ContainerId): Promise<void> {
    const m = this.machines.get(id) ?? (await this.loadIfExists(id));
    if (!m || m.state.phase !== 'running') return;
    m.quiet = true;
    try {
      await this.forceStop(m, 137);
    } finally {
      m.quiet = false;
    }
  }

  async delete(id: ContainerId): Promise<void> {
    await this.kill(id);
    const m = this.machines.get(id);
    if (m) m.deleted = true;
    m?.channel?.close();
    if (m?.pidWatch) clearInterval(m.pidWatch);
    this.machines.delete(id);
    await rm(path.join(this.opts.machinesDir, id), { recursive: true, force: true });
  }

  async status(id: ContainerId): Promise<MachineStatus> {
    const m = this.machines.get(id) ?? (await this.loadIfExists(id));
    if (!m) return { state: 'absent' };
    const s = m.state;
    switch (s.phase) {
      case 'created':
        return { state: 'created' };
      case 'running':
        return { state: 'running', startedAt: new Date(s.startedAt ?? Date.now()) };
      case 'stopped':
        return { state: 'stopped', exitCode: s.exitCode, finishedAt: new Date(s.finishedAt ?? Date.now()) };
    }
  }

  async logs(id: ContainerId, opts: { tail?: number } = {}): Promise<LogLine[]> {
    return new MachineFiles(path.join(this.opts.machinesDir, id)).logs(opts.tail);
  }

  async exec(id: ContainerId, req: ExecRequest): Promise<ExecResult> {
    const m = await this.load(id);
    if (m.state.phase !== 'running' || !m.channel || m.channel.isClosed) {
      throw new TerminalDriverError('container/not_running', 'the container is not running');
    }
    const spec = await m.files.spec();
    const image = spec.rootfs?.config;
    const execId = m.nextExecId++;
    const pending: PendingExec = { stdout: [], stderr: [], size: 0, done: deferred<number>() };
    m.execs.set(execId, pending);
    try {
      m.channel.exec(execId, {
        args: req.args,
        env: [...mergeEnv(image?.env ?? [], spec.env), ...(req.env ?? [])],
        ...((req.workdir ?? image?.workdir) ? { workdir: req.workdir ?? image?.workdir } : {}),
        ...((req.user ?? image?.user) ? { user: req.user ?? image?.user } : {}),
      });
      const code = await within(pending.done.promise, req.timeoutMs);
      if (code === TIMED_OUT) {
        m.channel?.signal(execId, SIGKILL);
        throw new TerminalDriverError(
          'exec/timeout',
          `the command did not finish within ${req.timeoutMs} ms`,
        );
      }
      return {
        exitCode: code,
        stdout: Buffer.concat(pending.stdout).toString('utf8'),
        stderr: Buffer.concat(pending.stderr).toString('utf8'),
      };
    } finally {
      m.execs.delete(execId);
    }
  }

  /**
   * QMP drive-backup (sync=full) of the disk with this serial into a new qcow2 file: QEMU copies the
   * disk as it was when the command arrived, diverting the guest's later writes (copy-before-write),
   * so the copy is crash-consistent and the guest never pauses. qcow2 keeps zero clusters as metadata;
   * a raw target would be written in full.
   */
  async backupDisk(id: ContainerId, serial: string, target: string): Promise<boolean> {
    const m = this.machines.get(id) ?? (await this.loadIfExists(id));
    if (!m || m.state.phase !== 'running' || m.state.pid === null || !pidAlive(m.state.pid)) return false;
    const qmp = await QmpClient.connect(m.files.file(QMP_SOCKET), 5000);
    const jobId = `backup-${Date.now().toString(36)}`;
    try {
      await qmp.execute('drive-backup', {
        'job-id': jobId,
        device: serial,
        sync: 'full',
        target,
        format: 'qcow2',
        mode: 'absolute-paths',
        'auto-dismiss': false,
      });
      for (;;) {
        const jobs = (await qmp.execute('query-jobs')) as { id: string; status: string; error?: string }[];
        const job = jobs.find((j) => j.id === jobId);
        if (!job) throw new Error(`backup job ${jobId} vanished`);
        if (job.status === 'concluded') {
          await qmp.execute('job-dismiss', { id: jobId });
          if (job.error) throw new Error(`backup of ${serial} failed: ${job.error}`);
          return true;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      qmp.close();
    }
  }

  async writeFile(id: ContainerId, path: string, content: string): Promise<void> {
    const m = this.machines.get(id);
    if (m?.state.phase === 'running' && m.channel && !m.channel.isClosed) m.channel.writeFile(path, content);
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
   * died meanwhile, and kills any QEMU started from our machines directory that no machine owns.
   */
  async adopt(): Promise<{ adopted: ContainerId[]; ended: ContainerId[]; killed: number[] }> {
    const adopted: ContainerId[] = [];
    const ended: ContainerId[] = [];
    const owned = new Set<number>();
    for (const id of await this.list()) {
      const m = await this.loadIfExists(id);
      const pid = m?.state.pid ?? null;
      if (!m || m.state.phase !== 'running' || pid === null) continue;
      if (pidAlive(pid) && (await this.cmdline(pid)).includes(m.files.dir)) {
        owned.add(pid);
        m.gone = deferred<void>();
        m.workloadExit = deferred<number | null>();
        m.pidWatch = setInterval(() => {
          if (!pidAlive(pid)) m.gone?.resolve();
        }, 500);
        void m.gone.promise
          .then(() => this.onProcessGone(m, pid))
          .catch((err: unknown) => this.log(`${id}: ${String(err)}`));
        try {
          m.channel = await GuestChannel.connect(m.files.file(AGENT_SOCKET), 5000);
          this.attach(m, m.channel);
          adopted.push(id);
        } catch {
          await this.forceStop(m, null);
          ended.push(id);
        }
      } else {
        await this.save(m, {
          ...m.state,
          phase: 'stopped',
          finishedAt: new Date().toISOString(),
          exitCode: null,
          pid: null,
        });
        ended.push(id);
      }
    }
    const killed: number[] = [];
    for (const pid of await this.ourQemuPids()) {
      if (owned.has(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // already gone
      }
    }
    if (adopted.length + ended.length + killed.length > 0) {
      this.log(
        `adopted ${adopted.length} VMs, ${ended.length} had ended, killed ${killed.length} orphan QEMU processes`,
      );
    }
    return { adopted, ended, killed };
  }

  /** Lets go of sockets and timers; the VMs keep running for the next agent to adopt. */
  close(): Promise<void> {
    for (const m of this.machines.values()) {
      if (m.pidWatch) clearInterval(m.pidWatch);
      m.quiet = true;
      m.channel?.close();
    }
    return Promise.resolve();
  }

  // ---- internals ----

  private machine(id: ContainerId): LiveMachine {
    let m = this.machines.get(id);
    if (!m) {
      m = {
        id,
        files: new MachineFiles(path.join(this.opts.machinesDir, id)),
        state: INITIAL_STATE,
        channel: null,
        gone: null,
        workloadExit: null,
        quiet: false,
        pidWatch: null,
        deleted: false,
        execs: new Map(),
        nextExecId: 1,
        partial: { stdout: '', stderr: '' },
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
    const files = new MachineFiles(path.join(this.opts.machinesDir, id));
    const state = await files.state();
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

  private attach(m: LiveMachine, channel: GuestChannel): void {
    channel.on('message', (msg) => this.onMessage(m, msg));
  }

  private onMessage(m: LiveMachine, msg: GuestMessage): void {
    switch (msg.kind) {
      case 'output': {
        if (msg.id === 0) {
          this.emitLines(m, msg.stream, msg.at, msg.data.toString('utf8'));
        } else {
          const e = m.execs.get(msg.id);
          if (e && e.size < MAX_EXEC_OUTPUT) {
            (msg.stream === 'stdout' ? e.stdout : e.stderr).push(msg.data);
            e.size += msg.data.length;
          }
        }
        break;
      }
      case 'exit':
        if (msg.id === 0) void this.onWorkloadExit(m, msg.code);
        else m.execs.get(msg.id)?.done.resolve(msg.code);
        break;
      case 'error':
        if (msg.id === 0) this.emitLines(m, 'stderr', new Date(), `berth-init: ${msg.message}\n`);
        else m.execs.get(msg.id)?.stderr.push(Buffer.from(`${msg.message}\n`));
        break;
      case 'log':
        this.log(`${m.id}: guest: ${msg.message}`);
        break;
      case 'ready':
      case 'started':
        break;
    }
  }

  private emitLines(m: LiveMachine, stream: 'stdout' | 'stderr', at: Date, text: string): void {
    const all = m.partial[stream] + text;
    const parts = all.split('\n');
    m.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.emitLine(m, { at, stream, text: line });
  }

  private emitLine(m: LiveMachine, line: LogLine): void {
    void m.files.appendLog(line).catch(() => undefined);
    for (const l of this.outputListeners) l(m.id, line);
  }

  private flushPartial(m: LiveMachine): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (m.partial[stream]) this.emitLine(m, { at: new Date(), stream, text: m.partial[stream] });
      m.partial[stream] = '';
    }
  }

  private async onWorkloadExit(m: LiveMachine, code: number | null): Promise<void> {
    if (m.state.phase !== 'running') return;
    this.flushPartial(m);
    const finishedAt = new Date();
    await this.save(m, {
      ...m.state,
      phase: 'stopped',
      exitCode: code,
      finishedAt: finishedAt.toISOString(),
    });
    m.workloadExit?.resolve(code);
    m.channel?.poweroff();
    const notify = !m.quiet;
    void this.waitGone(m).then(() => {
      if (notify) for (const l of this.exitListeners) l({ id: m.id, exitCode: code, at: finishedAt });
    });
  }

  private async onProcessGone(m: LiveMachine, pid: number): Promise<void> {
    if (m.pidWatch) clearInterval(m.pidWatch);
    m.pidWatch = null;
    m.channel?.close();
    m.channel = null;
    for (const e of m.execs.values()) e.done.resolve(137);
    if (m.state.phase === 'running' && m.state.pid === pid) {
      // The VM ended without its init reporting an exit: it crashed or was killed from outside.
      this.flushPartial(m);
      const at = new Date();
      await this.save(m, { ...m.state, phase: 'stopped', exitCode: null, finishedAt: at.toISOString() });
      m.workloadExit?.resolve(null);
      if (!m.quiet) for (const l of this.exitListeners) l({ id: m.id, exitCode: null, at });
    }
  }

  /** Ends the QEMU process now and records the end with `exitCode`. */
  private async forceStop(m: LiveMachine, exitCode: number | null): Promise<void> {
    const pid = m.state.pid;
    if (pid !== null && pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    if (m.state.phase === 'running') {
      await this.save(m, { ...m.state, phase: 'stopped', exitCode, finishedAt: new Date().toISOString() });
      m.workloadExit?.resolve(exitCode);
    }
    await this.waitGone(m);
  }

  /** Waits for the QEMU process to end after the guest powered off; kills it if it lingers. */
  private async waitGone(m: LiveMachine): Promise<void> {
    const pid = m.state.pid;
    const gone = m.gone?.promise ?? Promise.resolve();
    if ((await within(gone, 5000)) === TIMED_OUT && pid !== null && pidAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      await within(gone, 2000);
    }
  }

  private waitFor(channel: GuestChannel, match: (m: GuestMessage) => boolean): Promise<GuestMessage> {
    return new Promise((resolve, reject) => {
      const onMessage = (msg: GuestMessage) => {
        if (match(msg)) {
          channel.off('message', onMessage);
          channel.off('close', onClose);
          resolve(msg);
        }
      };
      const onClose = () => {
        channel.off('message', onMessage);
        reject(new Error('the guest channel closed'));
      };
      channel.on('message', onMessage);
      channel.once('close', onClose);
    });
  }

  private async tail(m: LiveMachine, file: string): Promise<string> {
    try {
      return (await readFile(m.files.file(file), 'utf8')).slice(-2000).trim();
    } catch {
      return '(no output)';
    }
  }

  private async cmdline(pid: number): Promise<string> {
    try {
      return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
    } catch {
      return '';
    }
  }

  /** QEMU processes whose command line points into our machines directory. */
  private async ourQemuPids(): Promise<number[]> {
    const marker = `${this.opts.machinesDir}/`;
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmd = await this.cmdline(Number(entry));
      if (cmd.includes('qemu-system') && cmd.includes(marker)) pids.push(Number(entry));
    }
    return pids;
  }
}
