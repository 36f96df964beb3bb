import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  buildTestImage,
  ndjsonBody,
  startTestRegistry,
  TestStack,
  waitFor,
  type RunningAgent,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(600_000);

/**
 * Volumes as a guest sees them: real microVMs (QEMU microvm, TCG here) with volumes attached as
 * virtio-blk disks, formatted on first use and mounted by berth-init. Few VMs at a time: under TCG
 * each booting guest wants a core.
 */
describe('volumes in microVMs (api + qemu agent + registry)', () => {
  const stack = new TestStack('volvm');
  let registry: TestRegistry;
  let agent: RunningAgent;
  let tenant: TestHttpClient;
  let image: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/volumes', {
      cmd: ['sh', '-c', 'echo hi'],
      env: { PATH: '/bin' },
    });
    await stack.start();
    agent = await stack.startAgent({
      name: 'vol-vm-host',
      driver: 'qemu',
      env: { BERTH_STOP_TIMEOUT_MS: '2000', BERTH_QEMU_ACCEL: 'auto' },
    });
    tenant = (await stack.tenant('vol-vm-tenant')).http;
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
  });

  async function succeeded(res: { status: number; body: any }, waitSeconds = 120): Promise<any> {
    expect(res.status).toBe(202);
    const op = await tenant.get(`/v1/operations/${res.body.operation.id}?wait=${waitSeconds}`);
    expect(op.body).toMatchObject({ state: 'succeeded' });
    return res.body.data;
  }

  async function run(name: string, volumes: string[], script: string): Promise<any> {
    return succeeded(
      await tenant.post('/v1/containers', {
        image,
        name,
        size: 's1',
        volumes,
        command: ['sh', '-c', script],
      }),
    );
  }

  async function settled(id: string, states: string[]): Promise<any> {
    return waitFor(
      `container ${id} to be ${states.join(' or ')}`,
      async () => {
        const c = await tenant.get(`/v1/containers/${id}`);
        return states.includes(c.body.state) ? c.body : undefined;
      },
      180_000,
      250,
    );
  }

  async function output(id: string): Promise<string> {
    const res = await tenant.get(`/v1/containers/${id}/logs`);
    return ndjsonBody(res)
      .map((l: { text: string }) => l.text)
      .join('\n');
  }

  async function exec(
    id: string,
    script: string,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const res = await tenant.post(`/v1/containers/${id}/exec`, {
      command: ['sh', '-c', script],
      timeoutSeconds: 60,
    });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function remove(id: string): Promise<void> {
    await succeeded(await tenant.delete(`/v1/containers/${id}?force=true`));
  }

  const volumeFile = (id: string) => path.join(agent.stateDir, 'volumes', 'volumes', `${id}.raw`);

  it('keeps a file across containers: written in one, read in the next after the first is deleted', async () => {
    const writer = await run('writer', ['notes:/data'], 'echo "written by writer" > /data/greeting && sync');
    const done = await settled(writer.id, ['exited']);
    expect(done.exitCode).toBe(0);
    const vol = (await tenant.get('/v1/volumes/notes')).body;
    expect(vol).toMatchObject({ sizeGb: 10, attachment: { containerName: 'writer', path: '/data' } });
    await remove(writer.id);
    await waitFor(
      'the volume to be free',
      async () => (await tenant.get('/v1/volumes/notes')).body.attachment === null,
    );

    const reader = await run('reader', ['notes:/data'], 'cat /data/greeting; ls -ld /data');
    await settled(reader.id, ['exited']);
    expect(await output(reader.id)).toContain('written by writer');
    await remove(reader.id);
  });

  it('snapshots a volume under a running container, and a restore holds the old content', async () => {
    expect((await tenant.post('/v1/volumes', { name: 'state', sizeGb: 1 })).status).toBe(201);
    const c = await run('stateful', ['state:/srv/state'], 'echo up; while true; do sleep 1; done');
    await settled(c.id, ['running']);
    expect((await exec(c.id, 'echo first > /srv/state/value && sync')).exitCode).toBe(0);

    const snap = await succeeded(await tenant.post('/v1/volumes/state/snapshots', { name: 'state-1' }));
    expect((await tenant.get(`/v1/snapshots/${snap.id}`)).body).toMatchObject({
      state: 'available',
      live: true,
    });

    expect((await exec(c.id, 'echo second > /srv/state/value && sync && cat /srv/state/value')).stdout).toBe(
      'second\n',
    );
    // The container never paused or stopped for the snapshot.
    expect((await tenant.get(`/v1/containers/${c.id}`)).body.state).toBe('running');

    const restored = await succeeded(
      await tenant.post('/v1/snapshots/state-1/restore', { name: 'state-old' }),
    );
    const reader = await run('state-reader', [`${restored.name}:/restored`], 'cat /restored/value');
    await settled(reader.id, ['exited']);
    expect(await output(reader.id)).toContain('first');
    expect(await output(reader.id)).not.toContain('second');
    await remove(reader.id);
    await remove(c.id);
  });

  it('gives the workload ENOSPC on a full volume while the VM and the agent stay healthy', async () => {
    expect((await tenant.post('/v1/volumes', { name: 'tiny', sizeGb: 1 })).status).toBe(201);
    const c = await run(
      'filler',
      ['tiny:/data'],
      'dd if=/dev/zero of=/data/fill bs=1M 2>&1; echo "dd exit $?"; echo still-here; while true; do sleep 1; done',
    );
    await settled(c.id, ['running']);
    const log = await waitFor(
      'dd to fill the volume',
      async () => {
        const text = await output(c.id);
        return text.includes('still-here') ? text : undefined;
      },
      300_000,
      1000,
    );
    expect(log).toMatch(/No space left on device/);
    expect(log).toMatch(/dd exit [1-9]/);

    // The guest is fine: it runs commands, and freeing space makes the volume writable again.
    const after = await exec(c.id, 'rm /data/fill && echo ok > /data/small && cat /data/small');
    expect(after).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect((await tenant.get(`/v1/containers/${c.id}`)).body.state).toBe('running');
    const host = (await stack.operator.get('/v1/admin/hosts')).body.data[0];
    expect(host.state).toBe('ready');
    expect(agent.process.child.exitCode).toBeNull();
    await remove(c.id);
  });

  it('removes volume files when their volumes are deleted', async () => {
    const ids: string[] = [];
    for (const name of ['notes', 'state', 'state-old', 'tiny']) {
      const v = (await tenant.get(`/v1/volumes/${name}`)).body;
      expect(existsSync(volumeFile(v.id))).toBe(true);
      await succeeded(await tenant.delete(`/v1/volumes/${name}`));
      ids.push(v.id);
    }
    for (const id of ids) expect(existsSync(volumeFile(id))).toBe(false);
  });
});
