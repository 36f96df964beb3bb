import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { LogLine, MachineSpec } from '../driver';

/** What the driver remembers of a machine across agent restarts (`state.json` in its directory). */
export interface MachineState {
  readonly phase: 'created' | 'running' | 'stopped';
  readonly pid: number | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly boots: number;
}

let tmpCounter = 0;

export const INITIAL_STATE: MachineState = {
  phase: 'created',
  pid: null,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  boots: 0,
};

/**
 * One machine's directory: spec, state, writable layer, sockets, console and workload logs.
 * State is written atomically (temp file + rename) so that a crash never leaves half a file.
 */
export class MachineFiles {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async init(spec: MachineSpec): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.writeJson('spec.json', spec);
  }

  async spec(): Promise<MachineSpec> {
    return JSON.parse(await readFile(this.file('spec.json'), 'utf8')) as MachineSpec;
  }

  async state(): Promise<MachineState | null> {
    try {
      return JSON.parse(await readFile(this.file('state.json'), 'utf8')) as MachineState;
    } catch {
      return null;
    }
  }

  saveState(state: MachineState): Promise<void> {
    return this.writeJson('state.json', state);
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

  private async writeJson(name: string, value: unknown): Promise<void> {
    // A temp name per write: two saves in flight must not rename each other's file.
    const tmp = this.file(`${name}.${process.pid}.${++tmpCounter}.tmp`);
    await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
    await rename(tmp, this.file(name));
  }
}
