import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newId } from '@berth/domain';
import { busyboxRootfs, guestAssets, testVmTemplates, waitFor } from '@berth/testing';
import type { MachineExit, MachineSpec } from '../driver';
import { QemuDriver, type PrebuiltMachine } from './qemu.driver';

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
  // Run both ways (scripts/test.sh): with VM templates (the default) every machine of the suite's
  // layout starts as a clone of a template built before the first test; with them off, cold.
  const templates = testVmTemplates() === 'on' ? { dir: mkdtempSync('/dev/shm/berth-qemu-test-') } : null;
  const driverLogs: string[] = [];
  const newDriver = (qemuBinary?: string, prebuild: PrebuiltMachine[] = []) => {
    const d = new QemuDriver({
      machinesDir,
      kernel,
      initrd,
      accel: 'tcg',
      bootTimeoutMs: 120_000,
      ...(qemuBinary ? { qemuBinary } : {}),
      // A broken QEMU binary would fail every restore and have the shared template discarded.
      templates: templates && !qemuBinary ? { ...templates, prebuild } : null,
      log: (m) => driverLogs.push(m),
    });
    drivers.push(d);
    return d;
  };
  /** Whether the machine started from a template (the driver's boot-timeline line says so). */
  const cloned = (id: string) =>
    driverLogs.some((l) => l.startsWith('boot-timeline ') && l.includes(id) && l.includes('"template"'));
  beforeAll(async () => {
    if (!templates) return;
    const builder = newDriver(undefined, [{ vcpu: 1, memoryMib: 128, volumes: 0, nics: 0 }]);
    await builder.startTemplates();
    await builder.templateBuildsSettled();
  });
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

  /** The QEMU pid the driver recorded (QEMU removes its pidfile when it exits; the state keeps it). */
  const pidOf = (id: string) =>
    (JSON.parse(readFileSync(path.join(machinesDir, id, 'state.json'), 'utf8')) as { pid: number }).pid;

  afterAll(async () => {
    try {
      for (const d of drivers) {
        for (const id of await d.list()) await d.delete(id);
        await d.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      if (templates) rmSync(templates.dir, { recursive: true, force: true });
    }
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
    expect(cloned(s.id)).toBe(templates !== null);
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
    const exits: MachineExit[] = [];
    d.onExit((e) => exits.push(e));
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
    // Ends that stop() brought about are its caller's to report, not the exit listeners'.
    expect(exits).toEqual([]);
  });

  it('tells exit listeners of ends nobody asked for: a workload that exits, a QEMU killed from outside; copies a running disk over QMP', async () => {
    const d = newDriver();
    const exits: MachineExit[] = [];
    d.onExit((e) => exits.push(e));
    // Exits once the agent writes /tmp/go (writeFile), well after start() has returned.
    const waiter = spec(['sh', '-c', 'echo waiting; while [ ! -f /tmp/go ]; do sleep 0.2; done; exit 7']);
    // Writes /root/f on its first boot only, and syncs it: a hard kill loses the guest's page cache.
    const victim = spec([
      'sh',
      '-c',
      '[ -f /root/f ] || { echo data > /root/f; sync; }; echo victim up; sleep 3600',
    ]);
    await d.create(waiter);
    await d.create(victim);
    await Promise.all([d.start(waiter.id), d.start(victim.id)]);
    await waitFor('waiting', async () => (await d.logs(waiter.id)).some((l) => l.text === 'waiting'), 30_000);
    await waitFor(
      'victim up',
      async () => (await d.logs(victim.id)).some((l) => l.text === 'victim up'),
      30_000,
    );

    const copy = path.join(work, 'victim-rw.qcow2');
    expect(await d.backupDisk(victim.id, 'berth-rw', copy)).toBe(true);
    expect(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', copy]).toString())).toMatchObject({
      format: 'qcow2',
      'virtual-size': 1024 ** 3,
    });

    await d.writeFile(waiter.id, '/tmp/go', 'now');
    await waitFor('the waiter to be heard exiting', () => Promise.resolve(exits.length > 0), 30_000);
    expect(exits).toEqual([expect.objectContaining({ id: waiter.id, exitCode: 7 })]);
    expect(await d.status(waiter.id)).toMatchObject({ state: 'stopped', exitCode: 7 });
    const waiterPid = pidOf(waiter.id);
    await waitFor("the waiter's QEMU to exit", () => Promise.resolve(!isAlive(waiterPid)), 15_000);

    process.kill(pidOf(victim.id), 'SIGKILL');
    await waitFor('the crash to be heard', () => Promise.resolve(exits.length > 1), 30_000);
    expect(exits[1]).toEqual(expect.objectContaining({ id: victim.id, exitCode: null }));
    expect(await d.status(victim.id)).toMatchObject({ state: 'stopped', exitCode: null });
    expect(await d.backupDisk(victim.id, 'berth-rw', path.join(work, 'too-late.qcow2'))).toBe(false);
    // A stopped machine starts again on its kept writable layer.
    await d.start(victim.id);
    expect((await d.exec(victim.id, { args: ['cat', '/root/f'], timeoutMs: 30_000 })).stdout).toBe('data\n');
    await d.kill(victim.id);
    expect(await d.status(victim.id)).toMatchObject({ state: 'stopped', exitCode: 137 });
    expect(exits).toHaveLength(2);
  });

  it('fails a start whose QEMU dies during boot, saying how it ended, and leaves the machine stopped', async () => {
    const d = newDriver('/bin/false');
    const s = spec(['true']);
    await d.create(s);
    await expect(d.start(s.id)).rejects.toThrow(/^qemu exited with code 1 during boot/);
    expect(await d.status(s.id)).toMatchObject({ state: 'stopped', exitCode: null });

    const missing = newDriver(path.join(work, 'no-such-qemu'));
    const t = spec(['true']);
    await missing.create(t);
    await expect(missing.start(t.id)).rejects.toThrow(/could not start/);
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
