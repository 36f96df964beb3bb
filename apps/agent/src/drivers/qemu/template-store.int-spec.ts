import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TemplateStore, type TemplateLayout } from './template-store';

describe('TemplateStore (real files)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-tpl-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const kernel = path.join(dir, 'vmlinux');
  const initrd = path.join(dir, 'initramfs.cpio');
  writeFileSync(kernel, 'kernel');
  writeFileSync(initrd, 'init');
  const layout: TemplateLayout = {
    kernel,
    initrd,
    accel: 'tcg',
    memoryMib: 128,
    vcpu: 1,
    disks: [true],
    nics: 0,
  };

  it('has a template ready only once its build is committed, and forgets it when discarded', async () => {
    const store = new TemplateStore(path.join(dir, 'templates'));
    const key = await store.keyOf(layout);
    expect(await store.ready(key)).toBeNull();
    const building = await store.startBuild(key);
    writeFileSync(path.join(building, 'state'), 'device state');
    expect(await store.ready(key)).toBeNull(); // a build under way is not a template
    const t = await store.commit(key, layout);
    expect(t).toEqual({
      key,
      memoryFile: path.join(dir, 'templates', key, 'memory'),
      stateFile: path.join(dir, 'templates', key, 'state'),
    });
    expect(await store.ready(key)).toEqual(t);
    expect(readdirSync(path.join(dir, 'templates'))).toEqual([key]);
    await store.discard(key);
    expect(await store.ready(key)).toBeNull();
  });

  it('drops an abandoned build, and keys a rewritten kernel anew', async () => {
    const store = new TemplateStore(path.join(dir, 'templates2'));
    const key = await store.keyOf(layout);
    await store.startBuild(key);
    await store.abandonBuild(key);
    expect(readdirSync(path.join(dir, 'templates2'))).toEqual([]);
    writeFileSync(kernel, 'a rebuilt kernel');
    expect(await store.keyOf(layout)).not.toBe(key);
  });
});
