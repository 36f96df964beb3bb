import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newId } from '@berth/domain';
import { addNetns, busyboxRootfs, deleteNetns, guestAssets, sh, waitFor } from '@berth/testing';
import type { LogLine, MachineSpec, StartPath } from '../driver';
import { ensureSparseExt4 } from '../sparse-ext4';
import { hostTscKhz } from './host-tsc';
import { QemuDriver, type QemuDriverOptions } from './qemu.driver';
import { qemuPidsUnder } from './qemu-process';

jest.setTimeout(600_000);

const REPO = path.join(__dirname, '../../../../..');

/**
 * VM templates with real microVMs (docs/vm-templates.md): QEMU microvm under TCG, the project's guest
 * kernel and this worktree's berth-init. At most two VMs run at once (each wants a core under TCG).
 */
describe('VM templates (real QEMU)', () => {
  const { kernel } = guestAssets();
  // This worktree's berth-init (template mode is new); built once and cached by its sources' hash.
  const initrd = execFileSync('bash', [path.join(REPO, 'scripts/build-guest-init.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  const work = mkdtempSync(path.join(tmpdir(), 'berth-tpl-'));
  // On tmpfs, as in production: every clone maps the template's RAM file.
  const templatesDir = mkdtempSync('/dev/shm/berth-tpl-test-');
  const machinesDir = path.join(work, 'machines');
  const rootfs = busyboxRootfs(path.join(work, 'rootfs.erofs'), {
    'usr/local/bin/report': [
      '#!/bin/sh',
      'echo "identity=$(hostname) $GREETING"',
      'echo "boot_id=$(cat /proc/sys/kernel/random/boot_id)"',
      'echo "urandom=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d \' \\n\')"',
      // What a TLS library does for a key: getrandom(2) through the blocking pool.
      'echo "key=$(head -c 32 /dev/random | od -An -tx1 | tr -d \' \\n\')"',
      'echo "layer-$1" > /root/layer && echo "layer=$(cat /root/layer)"',
      'echo "volume-$1" > /data/v && echo "volume=$(cat /data/v)"',
      'echo clock',
      'sleep 2',
      'echo clock',
    ].join('\n'),
    'usr/local/bin/polite':
      '#!/bin/sh\ntrap "echo bye; exit 0" TERM\necho polite up\nwhile true; do sleep 1; done\n',
    'usr/local/bin/report-net': [
      '#!/bin/sh',
      'echo "mac=$(cat /sys/class/net/eth0/address)"',
      'if ping -c 1 -W 20 "$1" >/dev/null; then echo ping=ok; else echo ping=failed; fi',
    ].join('\n'),
  });
  const logs: string[] = [];
  const output: { id: string; line: LogLine; receivedAt: number }[] = [];
  /** Every driver of the suite: this one and the "next agents" that adopt its machines. */
  const options: QemuDriverOptions = {
    machinesDir,
    kernel,
    initrd,
    accel: 'tcg',
    bootTimeoutMs: 120_000,
    tscKhz: hostTscKhz(),
    templates: { dir: templatesDir },
    log: (m) => logs.push(m),
  };
  const driver = new QemuDriver(options);
  driver.onOutput((id, line) => output.push({ id, line, receivedAt: Date.now() }));
  const image = { entrypoint: [], cmd: ['sh'], env: ['PATH=/usr/local/bin:/bin'], workdir: '/', user: '' };

  /** A machine of one layout (root, writable layer, one volume) with its own volume file. */
  const spec = async (): Promise<MachineSpec> => {
    const id = newId('ctr');
    const volume = path.join(work, `${id}.vol`);
    await ensureSparseExt4(volume, { sizeBytes: 64 * 1024 * 1024, label: 'berth-volume' });
    return {
      id,
      name: `tpl-${id.slice(-6)}`,
      image: 'busybox-test',
      command: ['report', id],
      env: { GREETING: `hello-${id}` },
      resources: { vcpu: 1, memoryMib: 128, diskGib: 1 },
      restartPolicy: 'no',
      rootfs: { path: rootfs, config: image },
      volumes: [{ serial: 'berth-vol-data', path: '/data', file: volume }],
    };
  };

  /** How the driver said each machine started (its start()'s answer). */
  const started = new Map<string, StartPath | null>();
  const runToExit = async (s: MachineSpec) => {
    await driver.create(s);
    started.set(s.id, await driver.start(s.id));
    return waitFor(
      `${s.id} to exit`,
      async () => {
        const st = await driver.status(s.id);
        return st.state === 'stopped' ? st : undefined;
      },
      120_000,
    );
  };
  const reported = (id: string, key: string) =>
    output.find((o) => o.id === id && o.line.text.startsWith(`${key}=`))?.line.text.slice(key.length + 1);
  const timeline = (id: string) => {
    const line = logs.find((l) => l.startsWith('boot-timeline ') && l.includes(id));
    return line ? (JSON.parse(line.slice('boot-timeline '.length)) as { template?: string }) : undefined;
  };
  /** A file inside an ext4 image, read on the host: the guest's writes really are in that file. */
  const ext4File = (image: string, file: string) =>
    execFileSync('debugfs', ['-R', `cat ${file}`, image], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  const templateKeys = () => readdirSync(templatesDir).filter((d) => !d.endsWith('.building'));

  afterAll(async () => {
    try {
      for (const id of await driver.list()) await driver.delete(id);
      await driver.close();
      // Every QEMU this suite started is gone (a powered-off guest's QEMU exits by itself, soon):
      // machines and template builds alike.
      await waitFor(
        'every QEMU of the suite to be gone',
        async () =>
          (await qemuPidsUnder(machinesDir)).length + (await qemuPidsUnder(templatesDir)).length === 0,
        30_000,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
      rmSync(templatesDir, { recursive: true, force: true });
    }
  });

  let key = '';
  const specs: MachineSpec[] = [];

  it('boots the first container cold and builds its template in the background meanwhile', async () => {
    const a = await spec();
    specs.push(a);
    expect(await runToExit(a)).toMatchObject({ state: 'stopped', exitCode: 0 });
    expect(timeline(a.id)).toBeDefined();
    expect(timeline(a.id)?.template).toBeUndefined();
    expect(started.get(a.id)).toEqual({ path: 'cold' });
    expect(reported(a.id, 'volume')).toBe(`volume-${a.id}`);

    await driver.templateBuildsSettled();
    expect(templateKeys()).toHaveLength(1);
    key = templateKeys()[0]!;
    expect(logs.some((l) => l.startsWith(`template ${key} built in `))).toBe(true);
    // The state holds device state only (RAM is the memory file): tens of KB, not the guest's 128 MiB.
    const state = statSync(path.join(templatesDir, key, 'state')).size;
    expect(state).toBeGreaterThan(1000);
    expect(state).toBeLessThan(1024 * 1024);
    expect(statSync(path.join(templatesDir, key, 'memory')).size).toBe(128 * 1024 * 1024);
  });

  it('starts two clones of it: each with fresh randomness, the host clock, its own name, env, writable layer and volume', async () => {
    const b = await spec();
    const c = await spec();
    specs.push(b, c);
    await driver.create(b);
    await driver.create(c);
    expect(await driver.start(b.id)).toEqual({ path: 'template', template: key });
    expect(await driver.start(c.id)).toEqual({ path: 'template', template: key });
    expect(driver.templateStatus()).toContainEqual(
      expect.objectContaining({ key, state: 'ready', clones: 2 }),
    );
    for (const s of [b, c]) {
      const st = await waitFor(
        `${s.id} to exit`,
        async () => {
          const x = await driver.status(s.id);
          return x.state === 'stopped' ? x : undefined;
        },
        120_000,
      );
      expect(st).toMatchObject({ state: 'stopped', exitCode: 0 });
      expect(timeline(s.id)?.template).toBe(key);
    }

    // Each clone resumed the template's RNG state; the host's entropy must have re-keyed it before
    // the workload ran (the kernel may also reseed by itself soon after: that is not to be relied on).
    for (const s of [b, c]) expect(logs).toContain(`${s.id}: guest: RNG reseeded with 64 host bytes`);
    // Each says where its start's time went inside the guest (the bench reads it).
    for (const s of [b, c]) {
      const line = logs.find((l) => l.startsWith(`${s.id}: guest: start-timeline `));
      const steps = JSON.parse(line!.slice(line!.indexOf('{'))) as Record<string, number>;
      expect(Object.keys(steps)).toEqual(['seed', 'disks', 'net', 'root', 'spawn']);
      for (const ms of Object.values(steps)) expect(ms).toBeGreaterThanOrEqual(0);
    }
    expect(logs.some((l) => l.includes(`${specs[0]!.id}: guest: RNG reseeded`))).toBe(false);
    for (const what of ['boot_id', 'urandom', 'key']) {
      const values = specs.map((s) => reported(s.id, what));
      for (const v of values) expect(v).toMatch(/^[0-9a-f-]{32,}$/);
      expect(new Set(values).size).toBe(specs.length);
    }
    // The guest's clock is the host's (the template's was minutes old), also two seconds on.
    for (const s of [b, c]) {
      const clocks = output.filter((o) => o.id === s.id && o.line.text === 'clock');
      expect(clocks).toHaveLength(2);
      for (const o of clocks) expect(Math.abs(o.line.at.getTime() - o.receivedAt)).toBeLessThan(1000);
    }
    // Each clone has its own name and environment (the template had none).
    for (const s of [b, c]) expect(reported(s.id, 'identity')).toBe(`${s.name} hello-${s.id}`);
    // Each clone wrote into its own disks (the template's were empty placeholders). Read once its
    // QEMU is gone: the guest syncs its disks as it powers off, after the workload's exit is reported.
    for (const s of [b, c]) {
      await waitFor(
        `${s.id}'s QEMU to exit`,
        async () => (await qemuPidsUnder(path.join(machinesDir, s.id))).length === 0,
        30_000,
      );
      expect(reported(s.id, 'layer')).toBe(`layer-${s.id}`);
      expect(reported(s.id, 'volume')).toBe(`volume-${s.id}`);
      expect(ext4File(path.join(machinesDir, s.id, 'rw.ext4'), '/upper/root/layer')).toBe(`layer-${s.id}\n`);
      expect(ext4File(s.volumes![0]!.file, '/v')).toBe(`volume-${s.id}\n`);
    }
  });

  it('runs execs in a clone, copies its running volume over QMP and stops it with SIGTERM, as a cold machine', async () => {
    const e = { ...(await spec()), command: ['polite'] };
    specs.push(e);
    await driver.create(e);
    await driver.start(e.id);
    expect(timeline(e.id)?.template).toBe(key);
    await waitFor(
      'polite up',
      () => Promise.resolve(output.some((o) => o.id === e.id && o.line.text === 'polite up')),
      60_000,
    );
    const res = await driver.exec(e.id, {
      args: ['sh', '-c', 'echo "exec in $(hostname)"; cat /proc/cmdline'],
      timeoutMs: 30_000,
    });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toContain(`exec in ${e.name}\n`);
    expect(res.stdout).toContain('berth.template'); // it runs the template's kernel command line
    const copy = path.join(work, `${e.id}-vol.qcow2`);
    expect(await driver.backupDisk(e.id, 'berth-vol-data', copy)).toBe(true);
    expect(statSync(copy).size).toBeGreaterThan(0);
    await driver.stop(e.id, 30_000);
    expect(await driver.status(e.id)).toMatchObject({ state: 'stopped', exitCode: 0 });
    expect(output.some((o) => o.id === e.id && o.line.text === 'bye')).toBe(true);
  });

  it("kills a template build's QEMU that a previous agent left behind, as it adopts", async () => {
    const stale = path.join(templatesDir, 'stale.building');
    mkdirSync(stale);
    // Paused from the start (-S): it costs no CPU, and it is a QEMU under the templates directory.
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-S', '-M', 'microvm', '-nodefaults', '-display', 'none', '-pidfile', path.join(stale, 'qemu.pid')],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => qemu.once('exit', resolve));
    await waitFor(
      'the stale QEMU to run',
      () => Promise.resolve(existsSync(path.join(stale, 'qemu.pid'))),
      30_000,
    );
    const next = new QemuDriver(options);
    const adopted = await next.adopt();
    await next.close();
    expect(adopted.killed).toEqual([qemu.pid]);
    await exited;
    rmSync(stale, { recursive: true, force: true });
  });

  it('clones machines with a NIC: each with its own MAC, talking to the host over its own tap', async () => {
    // The host: a namespace with a bridge, one tap per machine on it (as the agent's network code does).
    const ns = `tpl-${process.pid}`;
    addNetns(ns);
    const netDriver = new QemuDriver({ ...options, machinesDir: path.join(work, 'net-machines'), netns: ns });
    netDriver.onOutput((id, line) => output.push({ id, line, receivedAt: Date.now() }));
    try {
      sh('ip', '-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
      sh('ip', '-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'br0');
      for (const dev of ['lo', 'br0']) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
      const machines: MachineSpec[] = [];
      for (let n = 0; n < 3; n++) {
        sh('ip', '-n', ns, 'tuntap', 'add', 'dev', `tpltap${n}`, 'mode', 'tap');
        sh('ip', '-n', ns, 'link', 'set', `tpltap${n}`, 'master', 'br0', 'up');
        const base = await spec();
        machines.push({
          ...base,
          command: ['report-net', '10.77.0.1'],
          interfaces: [
            {
              tap: `tpltap${n}`,
              mac: `52:54:00:77:00:0${n + 1}`,
              address: `10.77.0.${10 + n}`,
              prefixLength: 24,
              gateway: '10.77.0.1',
              mtu: 1500,
            },
          ],
        });
      }
      const run = async (s: MachineSpec) => {
        await netDriver.create(s);
        await netDriver.start(s.id);
        return waitFor(
          `${s.id} to exit`,
          async () => {
            const st = await netDriver.status(s.id);
            return st.state === 'stopped' ? st : undefined;
          },
          120_000,
        );
      };
      // The first boots cold (no template of this layout yet) and has the NIC layout's template built.
      const [first, ...clones] = machines;
      expect(await run(first!)).toMatchObject({ exitCode: 0 });
      expect(timeline(first!.id)?.template).toBeUndefined();
      await netDriver.templateBuildsSettled();
      for (const s of clones) {
        expect(await run(s)).toMatchObject({ exitCode: 0 });
        expect(timeline(s.id)?.template).toMatch(/^[0-9a-f]{20}$/);
        expect(timeline(s.id)?.template).not.toBe(key); // a layout with a NIC has a template of its own
      }
      for (const s of machines) {
        const nic = s.interfaces![0]!;
        expect(reported(s.id, 'mac')).toBe(nic.mac);
        // The host's reply reached it: QEMU's receive filter knows the clone's MAC, not the template's.
        expect(reported(s.id, 'ping')).toBe('ok');
        expect(sh('ip', '-n', ns, 'neigh', 'show', nic.address)).toContain(nic.mac);
      }
    } finally {
      for (const id of await netDriver.list()) await netDriver.delete(id);
      await netDriver.close();
      await waitFor(
        'the network test QEMUs to be gone',
        async () => (await qemuPidsUnder(path.join(work, 'net-machines'))).length === 0,
        30_000,
      );
      deleteNetns(ns);
    }
  });

  it('discards a template that does not restore and boots the container cold', async () => {
    const corrupt = randomBytes(64 * 1024);
    writeFileSync(path.join(templatesDir, key, 'state'), corrupt);
    const d = await spec();
    specs.push(d);
    expect(await runToExit(d)).toMatchObject({ state: 'stopped', exitCode: 0 });
    expect(logs.some((l) => l.startsWith(`${d.id}: template ${key} did not restore`))).toBe(true);
    // ... and built again at once, so that the next start is a clone again.
    await driver.templateBuildsSettled();
    expect(existsSync(path.join(templatesDir, key, 'template.json'))).toBe(true);
    expect(readFileSync(path.join(templatesDir, key, 'state')).equals(corrupt)).toBe(false);
    expect(timeline(d.id)?.template).toBeUndefined();
    expect(started.get(d.id)).toEqual({ path: 'cold', template: key, fallback: expect.any(String) });
    expect(reported(d.id, 'volume')).toBe(`volume-${d.id}`);
  });

  it('a new agent adopts a running clone (its command line names the template) and kills nothing', async () => {
    const f = { ...(await spec()), command: ['polite'] };
    specs.push(f);
    await driver.create(f);
    await driver.start(f.id);
    expect(timeline(f.id)?.template).toMatch(/^[0-9a-f]{20}$/);
    const [pid] = await qemuPidsUnder(path.join(machinesDir, f.id));
    await driver.close(); // the agent goes away; its VMs keep running
    const next = new QemuDriver(options);
    try {
      const adopted = await next.adopt();
      expect(adopted).toEqual({ adopted: [f.id], ended: [], killed: [] });
      expect(await qemuPidsUnder(path.join(machinesDir, f.id))).toEqual([pid]);
      expect((await next.exec(f.id, { args: ['hostname'], timeoutMs: 30_000 })).stdout).toBe(`${f.name}\n`);
    } finally {
      await next.delete(f.id);
      await next.close();
    }
  });
});
