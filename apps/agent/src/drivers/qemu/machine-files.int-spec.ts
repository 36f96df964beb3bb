import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newId } from '@berth/domain';
import type { MachineSpec } from '../driver';
import { INITIAL_STATE, MachineFiles } from './machine-files';

describe('MachineFiles (real files)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'berth-machine-files-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const spec: MachineSpec = {
    id: newId('ctr'),
    name: 'm',
    image: 'x',
    command: null,
    env: {},
    resources: { vcpu: 1, memoryMib: 64, diskGib: 1 },
    restartPolicy: 'no',
  };

  it('makes a private directory with the spec, and keeps state across instances', async () => {
    const files = new MachineFiles(path.join(root, 'machines', spec.id));
    await files.init(spec);
    expect(statSync(files.dir).mode & 0o777).toBe(0o700);
    expect(await files.spec()).toEqual(spec);
    expect(await files.state()).toBeNull();
    await files.saveState({ ...INITIAL_STATE, boots: 2 });
    expect(await new MachineFiles(files.dir).state()).toEqual({ ...INITIAL_STATE, boots: 2 });
    expect(statSync(files.file('state.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(files.dir).sort()).toEqual(['spec.json', 'state.json']);
  });

  it('reads a torn state file as no state', async () => {
    const files = new MachineFiles(path.join(root, spec.id));
    await files.init(spec);
    writeFileSync(files.file('state.json'), '{"phase":"runn');
    expect(await files.state()).toBeNull();
  });

  it("never brings back a deleted machine's directory: a late state write fails instead", async () => {
    const files = new MachineFiles(path.join(root, spec.id));
    await files.init(spec);
    rmSync(files.dir, { recursive: true });
    await expect(files.saveState(INITIAL_STATE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(files.dir)).toBe(false);
  });

  it('clears what an earlier QEMU left before the next one starts', async () => {
    const files = new MachineFiles(path.join(root, spec.id));
    await files.init(spec);
    for (const f of ['agent.sock', 'qmp.sock', 'qemu.pid']) writeFileSync(files.file(f), '');
    await files.clearRuntimeFiles();
    await files.clearRuntimeFiles();
    expect(readdirSync(files.dir)).toEqual(['spec.json']);
  });
});
