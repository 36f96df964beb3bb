import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { HostId } from '@berth/domain';
import type { AgentConfig } from '../config.provider';
import { HostIdentityStore } from './host-identity.store';

describe('HostIdentityStore join key', () => {
  let stateDir: string;
  const store = () =>
    new HostIdentityStore({ stateDir, apiUrl: 'http://127.0.0.1:1' } as Partial<AgentConfig> as AgentConfig);

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'berth-identity-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('keeps one key, mode 600, across restarts until the join is answered, so a repeated join presents it', async () => {
    const key = await store().joinKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A restarted agent (a new store over the same state dir) repeats the join with the same key.
    expect(await store().joinKey()).toBe(key);
    expect((await stat(path.join(stateDir, 'join-key'))).mode & 0o777).toBe(0o600);
  });

  it('forgets the key once the identity is saved: a later join (state dir kept) would make a new one', async () => {
    const s = store();
    const key = await s.joinKey();
    await s.save('hst_1' as HostId, 'bh_token');
    expect(await readdir(stateDir)).toEqual(['host.json']);
    expect(await store().joinKey()).not.toBe(key);
  });
});
