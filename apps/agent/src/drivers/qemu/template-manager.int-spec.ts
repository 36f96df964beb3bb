import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { guestAssets, waitFor } from '@berth/testing';
import { hostTscKhz } from './host-tsc';
import { PREBUILT_READY_LINE, TemplateManager } from './template-manager';
import type { TemplateLayout } from './template-store';

jest.setTimeout(600_000);

/**
 * The template manager with real template builds (QEMU microvm under TCG, the project's kernel and
 * berth-init): one small machine at a time.
 */
describe('TemplateManager (real QEMU)', () => {
  const assets = guestAssets();
  const dir = mkdtempSync('/dev/shm/berth-tpl-manager-');
  // Copies: the suite changes the kernel's identity as a rebuild would, without touching the cache.
  const kernel = path.join(dir, 'kernel', 'vmlinux');
  const initrd = path.join(dir, 'kernel', 'initramfs.cpio');
  mkdirSync(path.dirname(kernel));
  copyFileSync(assets.kernel, kernel);
  copyFileSync(assets.initrd, initrd);
  const templatesDir = path.join(dir, 'templates');
  const layout: TemplateLayout = {
    kernel,
    initrd,
    accel: 'tcg',
    tscKhz: hostTscKhz(),
    memoryMib: 64,
    vcpu: 1,
    disks: [true, false],
    nics: 1,
  };
  const logs: string[] = [];
  const managers: TemplateManager[] = [];
  const manager = (over: Partial<ConstructorParameters<typeof TemplateManager>[0]> = {}) => {
    const m = new TemplateManager({
      dir: templatesDir,
      qemuBinary: 'qemu-system-x86_64',
      buildTimeoutMs: 120_000,
      prebuild: [layout],
      log: (l) => logs.push(l),
      ...over,
    });
    managers.push(m);
    return m;
  };
  const entries = () => readdirSync(templatesDir).sort();

  afterAll(async () => {
    for (const m of managers) await m.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let firstKey = '';

  it('builds the prebuilt layouts at start-up in the background, and removes half builds a crash left', async () => {
    mkdirSync(path.join(templatesDir, 'abandoned.building'), { recursive: true });
    const m = manager();
    await m.start();
    // start() returns before the build ends: a container arriving now boots cold.
    expect(m.status()).toEqual([
      expect.objectContaining({ state: 'building', memoryMib: 64, disks: 2, nics: 1 }),
    ]);
    expect(existsSync(path.join(templatesDir, 'abandoned.building'))).toBe(false);
    await m.settled();
    const [status] = m.status();
    expect(status).toMatchObject({ state: 'ready', clones: 0, error: null });
    expect(Date.parse(status!.builtAt!)).not.toBeNaN();
    firstKey = status!.key;
    expect(entries()).toEqual([firstKey]);
    expect(await m.templateFor(layout)).toMatchObject({ key: firstKey });
    expect(m.status()[0]).toMatchObject({ clones: 1 });
    expect(logs.filter((l) => l === PREBUILT_READY_LINE)).toHaveLength(1);
    await m.close();
  });

  it('takes in the ready templates a previous agent built, without building them again', async () => {
    const m = manager();
    await m.start();
    expect(m.building).toBe(false);
    expect(m.status()).toEqual([expect.objectContaining({ key: firstKey, state: 'ready' })]);
    await m.settled();
    expect(logs.filter((l) => l === PREBUILT_READY_LINE)).toHaveLength(2); // said again, with no build
    await m.close();
  });

  it('after a kernel change, removes the stale template and builds the layout under its new key', async () => {
    const m = manager({ refreshIntervalMs: 100 });
    await m.start();
    const later = new Date(Date.now() + 60_000);
    utimesSync(kernel, later, later); // what a rebuilt kernel looks like to the key
    // The manager notices by itself (its periodic refresh), without a container asking.
    await waitFor(
      'the template under the new key',
      () => Promise.resolve(m.status().some((s) => s.key !== firstKey && s.state === 'ready')),
      240_000,
      200,
    );
    await m.settled();
    const keys = entries();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(firstKey);
    expect(logs).toContain(`template ${firstKey} is stale (its kernel or init changed): removed`);
    expect(m.status().map((s) => s.key)).toEqual(keys);
    await m.close();
  });

  it('reports a build that fails, does not retry it at once, and retries it once the pause is over', async () => {
    rmSync(templatesDir, { recursive: true, force: true });
    const failing = manager({ qemuBinary: '/bin/false', prebuild: [], retryAfterMs: 60_000 });
    await failing.start();
    expect(await failing.templateFor(layout)).toBeNull();
    await failing.settled();
    expect(failing.status()).toEqual([
      expect.objectContaining({ state: 'failed', error: expect.any(String) }),
    ]);
    expect(await failing.templateFor(layout)).toBeNull();
    expect(failing.building).toBe(false); // within the pause: no new build
    expect(existsSync(templatesDir) ? readdirSync(templatesDir) : []).toEqual([]);

    const impatient = manager({ qemuBinary: '/bin/false', prebuild: [], retryAfterMs: 0 });
    await impatient.start();
    expect(await impatient.templateFor(layout)).toBeNull();
    await impatient.settled();
    expect(await impatient.templateFor(layout)).toBeNull();
    expect(impatient.building).toBe(true); // asked again: the pause is over
    await impatient.settled();
    expect(logs.filter((l) => / was not built: /.test(l)).length).toBeGreaterThanOrEqual(3);
  });
});
