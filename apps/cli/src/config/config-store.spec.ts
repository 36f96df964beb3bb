import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCliEnv } from './cli-env';
import { ConfigStore } from './config-store';

function tempHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'berth-home-'));
}

describe('ConfigStore', () => {
  it('lives in ~/.config/berth/config.json, or under $XDG_CONFIG_HOME', () => {
    const home = tempHome();
    expect(new ConfigStore(readCliEnv({ HOME: home }).configDir).file).toBe(
      path.join(home, '.config/berth/config.json'),
    );
    expect(new ConfigStore(readCliEnv({ HOME: home, XDG_CONFIG_HOME: '/x/cfg' }).configDir).file).toBe(
      '/x/cfg/berth/config.json',
    );
  });

  it('writes mode 600 in a mode 700 directory whatever the umask, and reads back', () => {
    const store = new ConfigStore(path.join(tempHome(), '.config/berth'));
    const old = process.umask(0o000);
    try {
      store.write({ apiUrl: 'http://b.test', apiKey: 'bk_x' });
    } finally {
      process.umask(old);
    }
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(store.read()).toEqual({ apiUrl: 'http://b.test', apiKey: 'bk_x' });
  });

  it('tightens an existing file that was readable by others when it rewrites it', () => {
    const store = new ConfigStore(path.join(tempHome(), 'berth'));
    store.write({ apiKey: 'a' });
    chmodSync(store.file, 0o644);
    store.write({ apiKey: 'b' });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('reads nothing as {}, removes, and refuses a file that is not a berth config', () => {
    const store = new ConfigStore(path.join(tempHome(), 'berth'));
    expect(store.read()).toEqual({});
    expect(store.remove()).toBe(false);
    store.write({ apiKey: 'k' });
    expect(store.remove()).toBe(true);
    expect(store.read()).toEqual({});
    store.write({});
    writeFileSync(store.file, '{not json');
    expect(() => store.read()).toThrow(/is not JSON/);
    writeFileSync(store.file, '{"apiKey": 42}');
    expect(() => store.read()).toThrow(expect.objectContaining({ code: 'config/invalid' }));
  });
});
