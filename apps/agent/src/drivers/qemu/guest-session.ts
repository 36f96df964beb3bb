import { TerminalDriverError, type ExecResult, type LogLine } from '../driver';
import { GuestChannel } from './guest-channel';
import type { GuestMessage, ProcessSpec, StartSpec } from './guest-protocol';
import { GUEST_SIGNALS, signalledExitCode, type GuestSignal } from './exit-codes';
import { TIMED_OUT, within } from './timeouts';

/** What a session tells its machine about. */
export interface GuestSessionEvents {
  /** A whole line of the workload's output (exec output is the exec's, not the machine's). */
  line(line: LogLine): void;
  /** berth-init says the workload exited. */
  workloadExit(code: number): void;
  /** berth-init's own diagnostics. */
  log(message: string): void;
}

/** The workload is process 0 of the protocol; execs get ids from 1. */
const WORKLOAD = 0;
const MAX_EXEC_OUTPUT = 1024 * 1024;
/** From START to berth-init saying the workload runs (or already exited). */
const START_TIMEOUT_MS = 30_000;

interface PendingExec {
  readonly stdout: Buffer[];
  readonly stderr: Buffer[];
  size: number;
  readonly done: Promise<number>;
  finish(code: number): void;
}

/**
 * The agent's conversation with one guest's berth-init over the guest channel: the handshake, the
 * workload's start, signals and output (cut into lines), execs beside it, file writes and power-off.
 * It knows nothing of QEMU or of the machine's recorded state.
 */
export class GuestSession {
  private readonly execs = new Map<number, PendingExec>();
  private nextExecId = 1;
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  private constructor(
    private readonly channel: GuestChannel,
    private readonly events: GuestSessionEvents,
  ) {
    channel.on('message', (msg) => this.onMessage(msg));
  }

  /**
   * Connects to the guest channel's socket, waiting up to `timeoutMs` for QEMU to make it, unless
   * `signal` aborts the wait first.
   */
  static async connect(
    socketPath: string,
    events: GuestSessionEvents,
    opts: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
  ): Promise<GuestSession> {
    return new GuestSession(await GuestChannel.connect(socketPath, opts.timeoutMs, opts.signal), events);
  }

  get isOpen(): boolean {
    return !this.channel.isClosed;
  }

  /** Resolves once berth-init has announced itself. */
  async waitReady(timeoutMs: number): Promise<void> {
    await this.channel.waitReady(timeoutMs);
  }

  /** Starts the workload; resolves once berth-init says it runs (or that it already exited). */
  async startWorkload(spec: StartSpec): Promise<void> {
    const started = this.next(
      (msg) => (msg.kind === 'started' || msg.kind === 'exit') && msg.id === WORKLOAD,
    );
    this.channel.start(spec);
    if ((await within(started, START_TIMEOUT_MS)) === TIMED_OUT) {
      throw new Error(`the guest did not start the workload within ${START_TIMEOUT_MS / 1000} s`);
    }
  }

  signalWorkload(signal: GuestSignal): void {
    this.channel.signal(WORKLOAD, GUEST_SIGNALS[signal]);
  }

  /** Runs a process beside the workload; a command still running after `timeoutMs` is killed. */
  async exec(spec: ProcessSpec, timeoutMs: number): Promise<ExecResult> {
    const id = this.nextExecId++;
    let finish!: (code: number) => void;
    const done = new Promise<number>((resolve) => (finish = resolve));
    const pending: PendingExec = { stdout: [], stderr: [], size: 0, done, finish };
    this.execs.set(id, pending);
    try {
      this.channel.exec(id, spec);
      const code = await within(done, timeoutMs);
      if (code === TIMED_OUT) {
        this.channel.signal(id, GUEST_SIGNALS.SIGKILL);
        throw new TerminalDriverError('exec/timeout', `the command did not finish within ${timeoutMs} ms`);
      }
      return {
        exitCode: code,
        stdout: Buffer.concat(pending.stdout).toString('utf8'),
        stderr: Buffer.concat(pending.stderr).toString('utf8'),
      };
    } finally {
      this.execs.delete(id);
    }
  }

  writeFile(path: string, content: string): void {
    this.channel.writeFile(path, content);
  }

  poweroff(): void {
    this.channel.poweroff();
  }

  /** Emits what is left of the workload's unfinished lines (it ended, or its machine did). */
  flushOutput(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.events.line({ at: new Date(), stream, text: this.partial[stream] });
      this.partial[stream] = '';
    }
  }

  /** The machine is gone: execs still waiting end as killed, and the channel is closed. */
  end(): void {
    for (const e of this.execs.values()) e.finish(signalledExitCode('SIGKILL'));
    this.close();
  }

  /** Lets go of the channel; the guest keeps running (a later session can connect again). */
  close(): void {
    this.channel.close();
  }

  private onMessage(msg: GuestMessage): void {
    switch (msg.kind) {
      case 'output':
        if (msg.id === WORKLOAD) this.emitLines(msg.stream, msg.at, msg.data.toString('utf8'));
        else this.collect(msg.id, msg.stream, msg.data);
        break;
      case 'exit':
        if (msg.id === WORKLOAD) this.events.workloadExit(msg.code);
        else this.execs.get(msg.id)?.finish(msg.code);
        break;
      case 'error':
        if (msg.id === WORKLOAD) this.emitLines('stderr', new Date(), `berth-init: ${msg.message}\n`);
        else this.execs.get(msg.id)?.stderr.push(Buffer.from(`${msg.message}\n`));
        break;
      case 'log':
        this.events.log(msg.message);
        break;
      case 'ready':
      case 'started':
        break;
    }
  }

  private collect(id: number, stream: LogLine['stream'], data: Buffer): void {
    const e = this.execs.get(id);
    if (!e || e.size >= MAX_EXEC_OUTPUT) return;
    (stream === 'stdout' ? e.stdout : e.stderr).push(data);
    e.size += data.length;
  }

  private emitLines(stream: LogLine['stream'], at: Date, text: string): void {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.events.line({ at, stream, text: line });
  }

  /** The next message that matches; rejects if the channel closes first. */
  private next(match: (msg: GuestMessage) => boolean): Promise<GuestMessage> {
    return new Promise((resolve, reject) => {
      const onMessage = (msg: GuestMessage) => {
        if (!match(msg)) return;
        this.channel.off('message', onMessage);
        this.channel.off('close', onClose);
        resolve(msg);
      };
      const onClose = () => {
        this.channel.off('message', onMessage);
        reject(new Error('the guest channel closed'));
      };
      this.channel.on('message', onMessage);
      this.channel.once('close', onClose);
    });
  }
}
