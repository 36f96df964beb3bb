import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerId } from '@berth/domain';
import type {
  Driver,
  DriverCapabilities,
  ExecRequest,
  ExecResult,
  LogLine,
  MachineExit,
  MachineSpec,
  MachineStatus,
  StartPath,
} from './driver';

interface HollowMachine {
  spec: MachineSpec;
  status: MachineStatus;
  logs: LogLine[];
}

const SIMULATION_NOTE = '[hollow simulation: nothing runs]';

/**
 * SIMULATION. The `hollow` driver runs nothing: its machines are records with a configurable boot
 * delay, as Kubernetes' kubemark hollow nodes are. It exists for control-plane tests and scale
 * benchmarks only, never as proof that a feature works on real machines. Its records live in memory
 * and vanish with the agent process. Every log line and its capabilities say that it is a simulation.
 */
export class HollowDriver implements Driver {
  readonly name = 'hollow';
  private readonly machines = new Map<ContainerId, HollowMachine>();
  private readonly exitListeners: ((e: MachineExit) => void)[] = [];

  constructor(private readonly bootDelayMs: number) {}

  capabilities(): DriverCapabilities {
    return { simulation: true, accel: 'none', bootDelayMs: this.bootDelayMs };
  }

  create(spec: MachineSpec): Promise<void> {
    if (!this.machines.has(spec.id)) {
      this.machines.set(spec.id, { spec, status: { state: 'created' }, logs: [] });
      this.log(spec.id, `created machine for image ${spec.image} ${SIMULATION_NOTE}`);
    }
    return Promise.resolve();
  }

  /** Nothing boots here, from a template or cold: the honest answer is `simulated`. */
  async start(id: ContainerId): Promise<StartPath | null> {
    const m = this.get(id);
    if (m.status.state === 'running') return null;
    await sleep(this.bootDelayMs);
    m.status = { state: 'running', startedAt: new Date() };
    this.log(id, `started ${SIMULATION_NOTE}`);
    return { path: 'simulated' };
  }

  stop(id: ContainerId): Promise<void> {
    const m = this.machines.get(id);
    if (m?.status.state === 'running') {
      m.status = { state: 'stopped', exitCode: 0, finishedAt: new Date() };
      this.log(id, `stopped ${SIMULATION_NOTE}`);
    }
    return Promise.resolve();
  }

  kill(id: ContainerId): Promise<void> {
    const m = this.machines.get(id);
    if (m?.status.state === 'running') m.status = { state: 'stopped', exitCode: 137, finishedAt: new Date() };
    return Promise.resolve();
  }

  delete(id: ContainerId): Promise<void> {
    this.machines.delete(id);
    return Promise.resolve();
  }

  status(id: ContainerId): Promise<MachineStatus> {
    return Promise.resolve(this.machines.get(id)?.status ?? { state: 'absent' });
  }

  logs(id: ContainerId, opts: { tail?: number } = {}): Promise<LogLine[]> {
    const lines = this.machines.get(id)?.logs ?? [];
    return Promise.resolve(opts.tail !== undefined ? lines.slice(-opts.tail) : [...lines]);
  }

  exec(id: ContainerId, req: ExecRequest): Promise<ExecResult> {
    const m = this.get(id);
    if (m.status.state !== 'running') throw new Error(`hollow machine ${id} is not running`);
    return Promise.resolve({
      exitCode: 0,
      stdout: `${SIMULATION_NOTE} would run: ${req.args.join(' ')}\n`,
      stderr: '',
    });
  }

  writeFile(): Promise<void> {
    return Promise.resolve(); // a record has no files
  }

  onOutput(): void {
    // hollow machines produce no workload output
  }

  list(): Promise<ContainerId[]> {
    return Promise.resolve([...this.machines.keys()]);
  }

  onExit(listener: (exit: MachineExit) => void): void {
    this.exitListeners.push(listener);
  }

  /** Simulates the workload exiting by itself (for tests of exit handling in the control plane). */
  simulateExit(id: ContainerId, exitCode: number): void {
    const m = this.get(id);
    const at = new Date();
    m.status = { state: 'stopped', exitCode, finishedAt: at };
    this.log(id, `workload exited with ${exitCode} ${SIMULATION_NOTE}`);
    for (const l of this.exitListeners) l({ id, exitCode, at });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private get(id: ContainerId): HollowMachine {
    const m = this.machines.get(id);
    if (!m) throw new Error(`hollow machine ${id} does not exist`);
    return m;
  }

  private log(id: ContainerId, text: string): void {
    this.machines.get(id)?.logs.push({ at: new Date(), stream: 'stdout', text });
  }
}
