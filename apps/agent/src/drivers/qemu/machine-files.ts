import { appendFile, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { LogLine, MachineSpec, MachineStatus } from '../driver';
import { removeStateFile, writeStateFile } from '../state-files';
import { AGENT_SOCKET, PID_FILE, QMP_SOCKET } from './qemu-args';

/** What the driver remembers of a machine across agent restarts (`state.json` in its directory). */
export interface MachineState {
  readonly phase: 'created' | 'running' | 'stopped';
  readonly pid: number | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly boots: number;
}

export const INITIAL_STATE: MachineState = {
  phase: 'created',
  pid: null,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  boots: 0,
};

const PHASES: readonly MachineState['phase'][] = ['created', 'running', 'stopped'];

/** A `state.json` as written by saveState; null for anything else (a torn or foreign file). */
export function parseMachineState(text: string): MachineState | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const s = v as Record<keyof MachineState, unknown>;
  const intOrNull = (x: unknown) => x === null || Number.isInteger(x);
  const timeOrNull = (x: unknown) => x === null || (typeof x === 'string' && !Number.isNaN(Date.parse(x)));
  const valid =
    PHASES.includes(s.phase as MachineState['phase']) &&
    intOrNull(s.pid) &&
    timeOrNull(s.startedAt) &&
    timeOrNull(s.finishedAt) &&
    intOrNull(s.exitCode) &&
    Number.isInteger(s.boots);
  return valid ? (v as MachineState) : null;
}

/**
 * The machine's status as the Driver interface reports it. A running machine that has not reached
 * its workload yet counts from `now`; a stopped one whose end was not dated (found dead by adopt())
 * says so (`endUnknown`), and counts from `now` too.
 */
export function statusOf(s: MachineState, now: Date): MachineStatus {
  switch (s.phase) {
    case 'created':
      return { state: 'created' };
    case 'running':
      return { state: 'running', startedAt: s.startedAt ? new Date(s.startedAt) : now };
    case 'stopped':
      return s.finishedAt
        ? { state: 'stopped', exitCode: s.exitCode, finishedAt: new Date(s.finishedAt) }
        : { state: 'stopped', exitCode: s.exitCode, finishedAt: now, endUnknown: true };
  }
}

/**
 * One machine's directory: spec, state, writable layer, sockets, console and workload logs.
 * Spec and state are written atomically (state-files.ts) so that a crash never leaves half a file.
 */
export class MachineFiles {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async init(spec: MachineSpec): Promise<void> {
    await writeStateFile(this.file('spec.json'), JSON.stringify(spec), { dirMode: 0o700, fileMode: 0o600 });
  }

  async spec(): Promise<MachineSpec> {
    return JSON.parse(await readFile(this.file('spec.json'), 'utf8')) as MachineSpec;
  }

  async state(): Promise<MachineState | null> {
    try {
      return parseMachineState(await readFile(this.file('state.json'), 'utf8'));
    } catch {
      return null;
    }
  }

  saveState(state: MachineState): Promise<void> {
    // Only init() makes the directory: a late event must not bring back a deleted machine's.
    return writeStateFile(this.file('state.json'), JSON.stringify(state), {
      fileMode: 0o600,
      makeDir: false,
    });
  }

  /** Removes what an earlier QEMU of this machine left (sockets, pid file), before the next one starts. */
  async clearRuntimeFiles(): Promise<void> {
    for (const f of [AGENT_SOCKET, QMP_SOCKET, PID_FILE]) await removeStateFile(this.file(f));
  }

  appendLog(line: LogLine): Promise<void> {
    const record = { t: line.at.toISOString(), s: line.stream, d: line.text };
    return appendFile(this.file('logs.jsonl'), `${JSON.stringify(record)}\n`);
  }

  async logs(tail?: number): Promise<LogLine[]> {
    let text: string;
    try {
      text = await readFile(this.file('logs.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter((l) => l.length > 0);
    const picked = tail !== undefined ? lines.slice(-tail) : lines;
    return picked.map((l) => {
      const r = JSON.parse(l) as { t: string; s: 'stdout' | 'stderr'; d: string };
      return { at: new Date(r.t), stream: r.s, text: r.d };
    });
  }

  /** The end of one of QEMU's own files (its log), for an error message. */
  async tail(name: string): Promise<string> {
    try {
      return (await readFile(this.file(name), 'utf8')).slice(-2000).trim();
    } catch {
      return '(no output)';
    }
  }
}
