import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestStack, waitFor, type RunningAgent, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * Volumes and snapshots through the API, with two hosts. The hosts run the hollow simulation for
 * machines, but their volume pools are real: files are made, copied (qemu-img), restored, grown
 * (resize2fs) and removed on disk, and the data inside is checked with debugfs. What a guest sees of
 * a volume is covered by volumes-microvm.e2e-spec.ts.
 */
describe('volumes and snapshots (api + two hosts with real volume pools)', () => {
  const stack = new TestStack('volumes');
  let a: RunningAgent;
  let b: RunningAgent;
  let tenant: TestHttpClient;
  let tenantId: string;
  let other: TestHttpClient;
  const scratch = mkdtempSync(path.join(tmpdir(), 'berth-vol-test-'));

  const pool = (agent: RunningAgent) => path.join(agent.stateDir, 'volumes');
  const volumeFile = (agent: RunningAgent, id: string) => path.join(pool(agent), 'volumes', `${id}.raw`);
  const snapshotFile = (agent: RunningAgent, id: string) =>
    path.join(pool(agent), 'snapshots', `${id}.qcow2`);
  const agentOf = (hostId: string, hosts: { id: string; name: string }[]) =>
    hosts.find((h) => h.id === hostId)?.name === 'vol-a' ? a : b;

  beforeAll(async () => {
    await stack.start();
    a = await stack.startAgent({ name: 'vol-a', env: { BERTH_VOLUME_CAPACITY_GIB: '100' } });
    b = await stack.startAgent({ name: 'vol-b', env: { BERTH_VOLUME_CAPACITY_GIB: '100' } });
    const t = await stack.tenant('vol-tenant');
    tenant = t.http;
    tenantId = t.id;
    other = (await stack.tenant('vol-other')).http;
  });

  afterAll(async () => {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function hosts(): Promise<
    { id: string; name: string; volumes: { capacityGib: number; reservedGib: number } }[]
  > {
    return (await stack.operator.get('/v1/admin/hosts')).body.data;
  }

  async function done(res: { status: number; body: any }): Promise<any> {
    expect(res.status).toBe(202);
    const op = await tenant.get(`/v1/operations/${res.body.operation.id}?wait=60`);
    expect(op.body).toMatchObject({ state: 'succeeded' });
    return res.body.data;
  }

  async function createContainer(body: Record<string, unknown>): Promise<any> {
    const res = await tenant.post('/v1/containers', { image: 'busybox', size: 's1', ...body });
    expect(res.status).toBe(202);
    await tenant.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    return res.body.data;
  }

  async function deleteContainer(id: string): Promise<void> {
    const res = await tenant.delete(`/v1/containers/${id}?force=true`);
    expect(res.status).toBe(202);
    await tenant.get(`/v1/operations/${res.body.operation.id}?wait=30`);
  }

  /** Writes a file into a volume's ext4 image from the host, as a guest would have. */
  function writeIntoVolume(file: string, name: string, content: string): void {
    const src = path.join(scratch, name);
    writeFileSync(src, content);
    execFileSync('debugfs', ['-w', '-R', `write ${src} ${name}`, file], { stdio: 'pipe' });
  }

  function readFromVolume(file: string, name: string): string {
    return execFileSync('debugfs', ['-R', `cat ${name}`, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  }

  it('hosts report their volume pools', async () => {
    for (const h of await hosts())
      expect(h.volumes).toEqual({ capacityGib: 100, reservedGib: expect.any(Number) });
  });

  it('creates, lists, shows and refuses bad volumes with coded errors', async () => {
    const res = await tenant.post('/v1/volumes', { name: 'plain' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'plain', sizeGb: 10, state: 'available', attachment: null });
    expect(res.body.id).toMatch(/^vol_/);

    expect((await tenant.post('/v1/volumes', { name: 'plain' })).body.error.code).toBe('volume/name_taken');
    for (const body of [
      { name: 'x', sizeGb: 0 },
      { name: 'x', sizeGb: 1.5 },
      { name: 'x', sizeGb: 100000 },
      { name: 'x', sizeGb: '10' },
      { name: '-bad' },
      {},
    ]) {
      const bad = await tenant.post('/v1/volumes', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('request/invalid');
    }

    expect((await tenant.get('/v1/volumes/plain')).body.id).toBe(res.body.id);
    expect((await tenant.get(`/v1/volumes/${res.body.id}`)).body.name).toBe('plain');
    const missing = await tenant.get('/v1/volumes/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('volume/not_found');
  });

  it('pages through volumes', async () => {
    for (const n of ['page-1', 'page-2', 'page-3']) {
      expect((await tenant.post('/v1/volumes', { name: n, sizeGb: 1 })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = await tenant.get(`/v1/volumes?limit=2${q}`);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((v: { name: string }) => v.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(['plain', 'page-1', 'page-2', 'page-3']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("keeps tenants' volumes apart: another tenant's volume is a 404 everywhere", async () => {
    const mine = (await tenant.post('/v1/volumes', { name: 'private-data', sizeGb: 1 })).body;
    for (const res of [
      await other.get(`/v1/volumes/${mine.id}`),
      await other.delete(`/v1/volumes/${mine.id}`),
      await other.post(`/v1/volumes/${mine.id}/snapshots`, {}),
      await other.post('/v1/containers', { image: 'busybox', volumes: [`${mine.id}:/data`] }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('volume/not_found');
    }
    // By name, the other tenant simply has no such volume: it gets one of its own.
    const theirs = await other.post('/v1/containers', {
      image: 'busybox',
      size: 's1',
      volumes: ['private-data:/d'],
    });
    expect(theirs.status).toBe(202);
    const theirVolume = (await other.get('/v1/volumes/private-data')).body;
    expect(theirVolume.id).not.toBe(mine.id);
    expect((await other.get('/v1/volumes')).body.data.map((v: { id: string }) => v.id)).not.toContain(
      mine.id,
    );
  });

  it('places a container on the host of its volume, gives the volume one writer, and frees it on delete', async () => {
    const vol = (await tenant.post('/v1/volumes', { name: 'db', sizeGb: 2 })).body;
    const c1 = await createContainer({ name: 'db-1', volumes: ['db:/var/lib/db/'] });
    expect(c1.hostId).toBe(vol.hostId);
    expect(c1.volumes).toEqual([{ volumeId: vol.id, name: 'db', path: '/var/lib/db' }]);
    expect((await tenant.get('/v1/volumes/db')).body.attachment).toEqual({
      containerId: c1.id,
      containerName: 'db-1',
      path: '/var/lib/db',
    });

    const second = await tenant.post('/v1/containers', { image: 'busybox', volumes: ['db:/data'] });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('volume/in_use');

    const del = await tenant.delete('/v1/volumes/db');
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('volume/in_use');
    expect(del.body.error.message).toContain('db-1');

    await deleteContainer(c1.id);
    await waitFor(
      'the volume to be free',
      async () => (await tenant.get('/v1/volumes/db')).body.attachment === null,
    );
    const c2 = await createContainer({ name: 'db-2', volumes: ['db:/data'] });
    expect(c2.hostId).toBe(vol.hostId);
    await deleteContainer(c2.id);
  });

  it('makes a named volume that does not exist yet, on the container’s host', async () => {
    const c = await createContainer({ volumes: ['fresh:/data', 'fresh-logs:/var/log/app'] });
    const fresh = (await tenant.get('/v1/volumes/fresh')).body;
    const logs = (await tenant.get('/v1/volumes/fresh-logs')).body;
    expect(fresh).toMatchObject({ sizeGb: 10, state: 'available', hostId: c.hostId });
    expect(logs).toMatchObject({ hostId: c.hostId, attachment: { containerId: c.id, path: '/var/log/app' } });
    await deleteContainer(c.id);
  });

  it('refuses bad volume lists with reasons', async () => {
    const cases: [unknown, string][] = [
      [['nocolon'], 'must be name:/path'],
      [['v:relative'], 'absolute'],
      [['v:/'], 'cannot be /'],
      [['v:/proc/x'], '/proc'],
      [['v:/a/../b'], '".."'],
      [['v1:/data', 'v2:/data'], 'overlap'],
      [['v1:/data', 'v2:/data/sub'], 'overlap'],
      [['v1:/a', 'v1:/b'], 'listed twice'],
      [Array.from({ length: 9 }, (_, i) => `v${i}:/d${i}`), 'no more than 8'],
      ['v:/data', 'must be an array'],
    ];
    for (const [volumes, why] of cases) {
      const res = await tenant.post('/v1/containers', { image: 'busybox', volumes });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('request/invalid');
      expect(res.body.error.message).toContain(why);
    }
  });

  it('refuses volumes of two hosts in one container, and a volume whose host is lost', async () => {
    const first = (await tenant.post('/v1/volumes', { name: 'spread-1', sizeGb: 5 })).body;
    // Spread placement puts the next volume on the emptier pool: the other host.
    let second = (await tenant.post('/v1/volumes', { name: 'spread-2', sizeGb: 5 })).body;
    for (let i = 3; second.hostId === first.hostId; i++) {
      second = (await tenant.post('/v1/volumes', { name: `spread-${i}`, sizeGb: 5 })).body;
    }
    const res = await tenant.post('/v1/containers', {
      image: 'busybox',
      volumes: [`spread-1:/one`, `${second.name}:/two`],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('volume/host_conflict');
    expect(res.body.error.message).toContain('different hosts');
  });

  it('snapshots a detached volume, restores it (bigger), and the snapshot outlives its volume', async () => {
    const vol = (await tenant.post('/v1/volumes', { name: 'docs', sizeGb: 1 })).body;
    const agent = agentOf(vol.hostId, await hosts());
    // First use formats the volume: a container's create job on its host runs the volume hook only for
    // real drivers, so use a snapshot (which also makes the volume) and then write into the file.
    const warm = await done(await tenant.post('/v1/volumes/docs/snapshots', { name: 'docs-empty' }));
    expect(warm).toMatchObject({ name: 'docs-empty', state: 'creating', volumeId: vol.id });
    expect(existsSync(volumeFile(agent, vol.id))).toBe(true);
    writeIntoVolume(volumeFile(agent, vol.id), 'readme.txt', 'version one\n');

    const snap = await done(await tenant.post('/v1/volumes/docs/snapshots', { name: 'docs-v1' }));
    const shown = (await tenant.get(`/v1/snapshots/${snap.id}`)).body;
    expect(shown).toMatchObject({ state: 'available', live: false, sizeGb: 1, volumeName: 'docs' });
    expect(shown.storedBytes).toBeGreaterThan(0);
    // qcow2 keeps only what the volume held: far less than its 1 GiB.
    expect(shown.storedBytes).toBeLessThan(64 * 1024 * 1024);
    expect(existsSync(snapshotFile(agent, snap.id))).toBe(true);

    writeIntoVolume(volumeFile(agent, vol.id), 'readme.txt', 'version two\n');

    // The source volume goes; its snapshots stay.
    await done(await tenant.delete('/v1/volumes/docs'));
    expect(existsSync(volumeFile(agent, vol.id))).toBe(false);
    expect((await tenant.get(`/v1/volumes/${vol.id}`)).body.state).toBe('deleted');
    expect((await tenant.get('/v1/volumes/docs')).status).toBe(404);
    expect((await tenant.get('/v1/snapshots/docs-v1')).body.state).toBe('available');

    const small = await tenant.post('/v1/snapshots/docs-v1/restore', { name: 'docs-small', sizeGb: 0 });
    expect(small.status).toBe(400);
    const restored = await done(
      await tenant.post('/v1/snapshots/docs-v1/restore', { name: 'docs-back', sizeGb: 2 }),
    );
    expect(restored).toMatchObject({ state: 'creating', sourceSnapshotId: snap.id });
    const back = (await tenant.get('/v1/volumes/docs-back')).body;
    expect(back).toMatchObject({ state: 'available', sizeGb: 2, hostId: vol.hostId });
    const file = volumeFile(agent, back.id);
    expect(statSync(file).size).toBe(2 * 1024 ** 3);
    expect(readFromVolume(file, 'readme.txt')).toBe('version one\n');
    // resize2fs grew the filesystem to the new size (block count of 4 KiB blocks).
    const header = execFileSync('dumpe2fs', ['-h', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    expect(Number(/Block count:\s+(\d+)/.exec(header)?.[1])).toBe((2 * 1024 ** 3) / 4096);

    const snaps = (await tenant.get('/v1/snapshots')).body.data.map((s: { name: string }) => s.name);
    expect(snaps).toEqual(expect.arrayContaining(['docs-empty', 'docs-v1']));
    expect((await other.get(`/v1/snapshots/${snap.id}`)).status).toBe(404);
    expect((await other.post(`/v1/snapshots/${snap.id}/restore`, { name: 'steal' })).status).toBe(404);

    await done(await tenant.delete('/v1/snapshots/docs-v1'));
    expect(existsSync(snapshotFile(agent, snap.id))).toBe(false);
    expect((await tenant.get('/v1/snapshots/docs-v1')).status).toBe(404);
    const again = await tenant.delete(`/v1/snapshots/${snap.id}`);
    expect(again.status).toBe(404);
  });

  it("reserves a snapshot's stored size in its host's pool, not its volume's", async () => {
    const vol = (await tenant.post('/v1/volumes', { name: 'big-empty', sizeGb: 40 })).body;
    const reserved = async () => (await hosts()).find((h) => h.id === vol.hostId)!.volumes;
    const before = (await reserved()).reservedGib;
    await done(await tenant.post('/v1/volumes/big-empty/snapshots', { name: 'big-empty-snap' }));
    // An empty 40 GB volume's snapshot stores a few MB: it holds 1 GB of the pool, not 40.
    expect((await reserved()).reservedGib).toBe(before + 1);
    await done(await tenant.delete('/v1/snapshots/big-empty-snap'));
    await done(await tenant.delete('/v1/volumes/big-empty'));
  });

  it('records GB-seconds per tenant: from creation to deletion, at the volume size', async () => {
    const vol = (await tenant.post('/v1/volumes', { name: 'metered', sizeGb: 3 })).body;
    await new Promise((r) => setTimeout(r, 2100));
    const live = (await tenant.get('/v1/volumes/metered')).body;
    expect(live.usageGbSeconds).toBeGreaterThanOrEqual(3 * 3);
    await done(await tenant.delete('/v1/volumes/metered'));
    const rows = await stack.sql<{
      tenant_id: string;
      meter: string;
      quantity: number;
      started_at: Date;
      ended_at: Date | null;
    }>(
      `SELECT tenant_id, meter, quantity, started_at, ended_at FROM usage_intervals WHERE resource_id = $1`,
      [vol.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenant_id: tenantId, meter: 'volume.gib', quantity: 3 });
    expect(rows[0]?.ended_at).not.toBeNull();
    const seconds = (rows[0]!.ended_at!.getTime() - rows[0]!.started_at.getTime()) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(2);
    // Closed: the usage stops growing once deleted.
    const after1 = (await tenant.get(`/v1/volumes/${vol.id}`)).body.usageGbSeconds;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await tenant.get(`/v1/volumes/${vol.id}`)).body.usageGbSeconds).toBe(after1);

    const snapRows = await stack.sql<{ tenant_id: string; quantity: number }>(
      `SELECT tenant_id, quantity FROM usage_intervals WHERE meter = 'snapshot.gib'`,
    );
    expect(snapRows.length).toBeGreaterThan(0);
    for (const r of snapRows) expect(r).toEqual({ tenant_id: tenantId, quantity: 1 });
  });

  it('deletes at once on a lost host, and the host removes the files when it returns', async () => {
    const vol = (await tenant.post('/v1/volumes', { name: 'on-b', sizeGb: 1 })).body;
    const agent = agentOf(vol.hostId, await hosts());
    const snap = await done(await tenant.post('/v1/volumes/on-b/snapshots', { name: 'on-b-snap' }));
    expect(existsSync(volumeFile(agent, vol.id))).toBe(true);
    expect(existsSync(snapshotFile(agent, snap.id))).toBe(true);

    await agent.process.stop();
    await waitFor('the host to be lost', async () => {
      const h = (await hosts()).find((x) => x.name === agent.name) as unknown as { state: string };
      return h.state === 'lost';
    });
    const refused = await tenant.post('/v1/containers', { image: 'busybox', volumes: ['on-b:/data'] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('host/not_ready');
    expect((await tenant.post('/v1/volumes/on-b/snapshots', {})).body.error.code).toBe('host/not_ready');

    const del = await tenant.delete('/v1/volumes/on-b');
    expect(del.status).toBe(202);
    expect(del.body.operation.state).toBe('succeeded');
    expect(del.body.data.state).toBe('deleted');
    expect((await tenant.delete('/v1/snapshots/on-b-snap')).body.data.state).toBe('deleted');

    // It comes back with a larger pool: heartbeats carry the pool's size, so placement sees it.
    const restarted = await stack.startAgent({ name: agent.name, env: { BERTH_VOLUME_CAPACITY_GIB: '150' } });
    if (agent === a) a = restarted;
    else b = restarted;
    await waitFor('the pool size to follow the host', async () => {
      const h = (await hosts()).find((x) => x.name === agent.name);
      return h?.volumes.capacityGib === 150;
    });
    await waitFor('the returning host to remove deleted volumes', () =>
      Promise.resolve(!existsSync(volumeFile(agent, vol.id)) && !existsSync(snapshotFile(agent, snap.id))),
    );
  });

  it('frees the volumes of a container whose delete its host never finished, once the host is lost', async () => {
    const c = await createContainer({ name: 'orphaned', volumes: ['orphan-data:/data'] });
    const agent = agentOf(c.hostId, await hosts());
    // The host dies with the delete queued: only the reaper can end it.
    await agent.process.kill();
    const del = await tenant.delete(`/v1/containers/${c.id}?force=true`);
    expect(del.status).toBe(202);
    expect(del.body.data.state).toBe('deleting');
    await waitFor('the reaper to end the delete', async () => {
      const [row] = await stack.sql<{ state: string }>(`SELECT state FROM containers WHERE id = $1`, [c.id]);
      return row?.state === 'deleted';
    });
    expect((await tenant.get('/v1/volumes/orphan-data')).body.attachment).toBeNull();
    const next = await tenant.post('/v1/containers', { image: 'busybox', volumes: ['orphan-data:/data'] });
    // Free for another writer; its host is lost, so that is what stops the new container now.
    expect(next.body.error.code).toBe('host/not_ready');
  });
});
