import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newId } from '@berth/domain';
import { busyboxRootfs, guestAssets, waitFor } from '@berth/testing';
import type { MachineExit, MachineSpec } from '../driver';
import { QemuDriver } from './qemu.driver';

jest.setTimeout(240_000);

/**
 * Real microVMs: QEMU microvm under TCG, the project's own guest kernel and berth-init, a busybox
 * root filesystem. Few boots on purpose: each wants a core while it boots.
 */
describe('QemuDriver (real microVMs)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'berth-qemu-'));
  const machinesDir = path.join(work, 'machines');
  const rootfs = busyboxRootfs(path.join(work, 'rootfs.erofs'), {
    'usr/local/bin/stubborn':
      '#!/bin/sh\ntrap "echo ignoring TERM" TERM\necho stubborn up\nwhile true; do sleep 1; done\n',
    'usr/local/bin/polite':
      '#!/bin/sh\ntrap "echo bye; exit 0" TERM\necho polite up\nwhile true; do sleep 1; done\n',
  });
  const { kernel, initrd } = guestAssets();
  const drivers: QemuDriver[] = [];
  const newDriver = () => {
    const d = new QemuDriver({ machinesDir, kernel, initrd, accel: 'tcg', bootTimeoutMs: 120_000 });
    drivers.push(d);
    return d;
  };
  const image = { entrypoint: [], cmd: ['sh'], env: ['PATH=/usr/local/bin:/bin'], workdir: '/', user: '' };
  const spec = (command: string[], env: Record<string, string> = {}, memoryMib = 128): MachineSpec => ({
    id: newId('ctr'),
    name: 'vm-test',
    image: 'busybox-test',
    command,
    env,
    resources: { vcpu: 1, memoryMib, diskGib: 1 },
    restartPolicy: 'no',
    rootfs: { path: rootfs, config: image },
  });

  afterAll(async () => {
    for (const d of drivers) {
      for (const id of await d.list()) await d.delete(id);
      await d.close();
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a workload to its exit code, with env, hostname and a writable layer, and keeps its output', async () => {
    const d = newDriver();
    const exits: MachineExit[] = [];
    d.onExit((e) => exits.push(e));
    const s = spec(
      [
        'sh',
        '-c',
        'echo "greeting=$GREETING host=$(hostname)"; echo oops >&2; echo data > /root/f && cat /root/f; exit 3',
      ],
      {
        GREETING: 'hello-vm',
      },
    );
    await d.create(s);
    await d.start(s.id);
    const status = await waitFor(
      'the workload to exit',
      async () => {
        const st = await d.status(s.id);
        return st.state === 'stopped' ? st : undefined;
      },
      60_000,
    );
    expect(status).toMatchObject({ state: 'stopped', exitCode: 3 });
    const logs = await d.logs(s.id);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', text: 'greeting=hello-vm host=vm-test' }),
        expect.objectContaining({ stream: 'stderr', text: 'oops' }),
        expect.objectContaining({ stream: 'stdout', text: 'data' }),
      ]),
    );
    // The exit happened inside start() or just after; either way the QEMU process is gone.
    // (QEMU removes its pidfile when it exits; the driver's state keeps the pid.)
    const pid = (
      JSON.parse(readFileSync(path.join(machinesDir, s.id, 'state.json'), 'utf8')) as { pid: number }
    ).pid;
    await waitFor('qemu to exit', () => Promise.resolve(!isAlive(pid)), 15_000);
  });

  it('stops a polite workload with SIGTERM and kills one that ignores it after the timeout; exec runs beside it', async () => {
    const d = newDriver();
    const polite = spec(['polite']);
    const stubborn = spec(['stubborn']);
    await d.create(polite);
    await d.create(stubborn);
    await Promise.all([d.start(polite.id), d.start(stubborn.id)]);
    // Each script says it is up after installing its SIGTERM trap: only then is "graceful" defined.
    for (const [id, line] of [
      [polite.id, 'polite up'],
      [stubborn.id, 'stubborn up'],
    ] as const) {
      await waitFor(`${line}`, async () => (await d.logs(id)).some((l) => l.text === line), 30_000);
    }

    const ok = await d.exec(stubborn.id, {
      args: ['sh', '-c', 'echo out-$((6*7)); echo err >&2; exit 5'],
      timeoutMs: 30_000,
    });
    expect(ok).toEqual({ exitCode: 5, stdout: 'out-42\n', stderr: 'err\n' });
    const missing = await d.exec(stubborn.id, { args: ['no-such-command'], timeoutMs: 30_000 });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/no-such-command/);

    await d.stop(polite.id, 20_000);
    expect(await d.status(polite.id)).toMatchObject({ state: 'stopped', exitCode: 0 });
    expect((await d.logs(polite.id)).map((l) => l.text)).toContain('bye');

    const t0 = Date.now();
    await d.stop(stubborn.id, 1500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(await d.status(stubborn.id)).toMatchObject({ state: 'stopped', exitCode: 137 });
    expect((await d.logs(stubborn.id)).map((l) => l.text)).toContain('ignoring TERM');
  });

  it('a new driver (an agent restart) re-adopts a running VM and kills QEMU processes nobody owns', async () => {
    const first = newDriver();
    const s = spec(['sh', '-c', 'echo started; sleep 3600']);
    await first.create(s);
    await first.start(s.id);
    await first.close(); // the agent goes away; the VM keeps running

    // An orphan: a QEMU of ours whose machine directory no longer records it.
    const orphan = spec(['sleep', '3600']);
    await first.create(orphan);
    await first.start(orphan.id);
    await first.close();
    const orphanPid = Number(readFileSync(path.join(machinesDir, orphan.id, 'qemu.pid'), 'utf8'));
    rmSync(path.join(machinesDir, orphan.id, 'state.json'));

    const second = newDriver();
    const result = await second.adopt();
    expect(result.adopted).toContain(s.id);
    expect(result.killed).toContain(orphanPid);
    await waitFor('the orphan to be gone', () => Promise.resolve(!isAlive(orphanPid)), 10_000);
    expect((await second.status(s.id)).state).toBe('running');
    const res = await second.exec(s.id, { args: ['echo', 'still here'], timeoutMs: 30_000 });
    expect(res.stdout).toBe('still here\n');
    await second.delete(s.id);
    expect(await second.status(s.id)).toEqual({ state: 'absent' });
    await waitFor(
      'no QEMU of ours to be left',
      () => Promise.resolve(ourQemuCount(machinesDir) === 0),
      15_000,
    );
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ourQemuCount(machinesDir: string): number {
  const out = execFileSync('ps', ['-eo', 'args']).toString();
  return out.split('\n').filter((l) => l.includes('qemu-system') && l.includes(machinesDir)).length;
}
