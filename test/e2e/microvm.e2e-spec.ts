import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  buildTestImage,
  ndjsonBody,
  parseNdjson,
  startTestRegistry,
  TestStack,
  testVmTemplates,
  waitFor,
  type RunningAgent,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(300_000);

/**
 * Real microVMs end to end: the API and a `qemu` agent as processes, images built by the test and
 * served by Debian's docker-registry on loopback, each container booted in QEMU microvm (TCG here)
 * with the project's own kernel and berth-init. Containers are small (s1) and few: each boot wants a core.
 */
describe('containers as microVMs (api + qemu agent + registry)', () => {
  const stack = new TestStack('microvm');
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let agent: RunningAgent;
  let tenant: TestHttpClient;
  let image: string;
  let privateImage: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    privateRegistry = await startTestRegistry({ htpasswd: { user: 'alice', password: 's3cret-pass' } });
    image = await buildTestImage(registry, 'berth/busybox', {
      cmd: ['sh', '-c', 'echo default-cmd'],
      env: { PATH: '/bin', FROM_IMAGE: 'image-value' },
      files: {
        'usr/bin/polite':
          '#!/bin/sh\ntrap "echo bye; exit 0" TERM\necho polite up\nwhile true; do sleep 1; done\n',
        'usr/bin/stubborn':
          '#!/bin/sh\ntrap "echo ignoring TERM" TERM\necho stubborn up\nwhile true; do sleep 1; done\n',
      },
    });
    privateImage = await buildTestImage(privateRegistry, 'team/secret', {
      cmd: ['sh', '-c', 'echo private-ok'],
    });
    await stack.start();
    agent = await stack.startAgent({
      name: 'vm-host',
      driver: 'qemu',
      env: { BERTH_STOP_TIMEOUT_MS: '2000', BERTH_QEMU_ACCEL: 'auto' },
    });
    tenant = (await stack.tenant('vm-tenant')).http;
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
    await privateRegistry?.stop();
  });

  async function run(body: Record<string, unknown>): Promise<{ id: string; op: any }> {
    const res = await tenant.post('/v1/containers', { size: 's1', ...body });
    expect(res.status).toBe(202);
    const op = await tenant.get(`/v1/operations/${res.body.operation.id}?wait=120`);
    return { id: res.body.data.id, op: op.body };
  }

  async function settled(id: string, state: string): Promise<any> {
    return waitFor(
      `container ${id} to be ${state}`,
      async () => {
        const c = await tenant.get(`/v1/containers/${id}`);
        return c.body.state === state ? c.body : undefined;
      },
      120_000,
      200,
    );
  }

  async function logs(id: string, query = ''): Promise<{ at: string; stream: string; text: string }[]> {
    const res = await tenant.get(`/v1/containers/${id}/logs${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    return ndjsonBody(res);
  }

  function imageCacheEntries(): string[] {
    return readdirSync(path.join(agent.stateDir, 'images', 'images')).filter((e) => e.startsWith('sha256-'));
  }

  function ourQemuPids(): number[] {
    return execFileSync('ps', ['-eo', 'pid,args'])
      .toString()
      .split('\n')
      .filter((l) => l.includes('qemu-system') && l.includes(agent.stateDir))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  }

  it('reports the accelerator the probe chose (TCG on these machines)', async () => {
    const hosts = await stack.operator.get('/v1/admin/hosts');
    const host = hosts.body.data.find((h: any) => h.name === 'vm-host');
    expect(host.driver).toBe('qemu');
    expect(host.capabilities).toMatchObject({
      simulation: false,
      vmm: 'qemu-microvm',
      accel: expect.stringMatching(/^(kvm|tcg)$/),
    });
  });

  it('says how a container started (from its ready VM template) and lists the host templates', async () => {
    const templates = testVmTemplates() === 'on';
    const { op } = await run({ image, command: ['true'] });
    expect(op.state).toBe('succeeded');
    // The running report carried it; the tenant reads it in the create's progress.
    expect(op.progress.start).toEqual(
      templates
        ? { path: 'template', template: expect.any(String), message: 'started from a VM template' }
        : { path: 'cold', message: 'booted cold' },
    );
    // The host's heartbeat (every 500 ms here) carries its templates to GET /v1/admin/hosts.
    const listed = await waitFor('the clone to be counted in the host templates', async () => {
      const hosts = await stack.operator.get('/v1/admin/hosts');
      const host = hosts.body.data.find((h: any) => h.name === 'vm-host');
      const used = host.templates.find((t: any) => t.key === op.progress.start.template);
      return templates ? used?.clones >= 1 && host.templates : host.templates;
    });
    if (!templates) return expect(listed).toEqual([]);
    expect(listed).toContainEqual(
      expect.objectContaining({ key: op.progress.start.template, state: 'ready', vcpu: 1, error: null }),
    );
  });

  it('runs an image that prints an env var and exits 3: the value is in its logs and it ends exited with code 3', async () => {
    const { id, op } = await run({
      image,
      command: ['sh', '-c', 'echo "greeting=$GREETING from=$FROM_IMAGE"; echo to-stderr >&2; exit 3'],
      env: { GREETING: 'hello-from-berth' },
    });
    expect(op.state).toBe('succeeded');
    const c = await settled(id, 'exited');
    expect(c.exitCode).toBe(3);
    const lines = await waitFor('the output to reach the API', async () => {
      const l = await logs(id);
      return l.length >= 2 ? l : undefined;
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', text: 'greeting=hello-from-berth from=image-value' }),
        expect.objectContaining({ stream: 'stderr', text: 'to-stderr' }),
      ]),
    );
    expect((await logs(id, '?tail=1')).length).toBe(1);
    expect(await logs(id, `?since=${Math.floor(Date.now() / 1000) + 3600}`)).toEqual([]);
    // The image was pulled once into the host's cache.
    expect(imageCacheEntries()).toHaveLength(1);
  });

  it('runs the image cmd by default, and a second container of the image reuses the cached root filesystem', async () => {
    const before = imageCacheEntries();
    const { id } = await run({ image });
    await settled(id, 'exited');
    expect(imageCacheEntries()).toEqual(before);
    expect((await logs(id)).map((l) => l.text)).toContain('default-cmd');
  });

  it('stops a workload gracefully on stop, and kills one that ignores SIGTERM after the timeout', async () => {
    const [polite, stubborn] = await Promise.all([
      run({ image, command: ['/usr/bin/polite'] }),
      run({ image, command: ['/usr/bin/stubborn'] }),
    ]);
    expect((await tenant.get(`/v1/containers/${polite.id}`)).body.state).toBe('running');

    const exec = await tenant.post(`/v1/containers/${stubborn.id}/exec`, {
      command: ['sh', '-c', 'echo exec-out; hostname; exit 4'],
    });
    expect(exec.status).toBe(200);
    expect(exec.body).toMatchObject({
      exitCode: 4,
      stderr: '',
      operation: { kind: 'container.exec', state: 'succeeded' },
    });
    expect(exec.body.stdout).toMatch(/^exec-out\n/);

    const stopPolite = await tenant.post(`/v1/containers/${polite.id}/stop`);
    expect((await tenant.get(`/v1/operations/${stopPolite.body.operation.id}?wait=60`)).body.state).toBe(
      'succeeded',
    );
    expect((await tenant.get(`/v1/containers/${polite.id}`)).body).toMatchObject({
      state: 'stopped',
      exitCode: 0,
    });
    expect((await logs(polite.id)).map((l) => l.text)).toContain('bye');

    const t0 = Date.now();
    const stopStubborn = await tenant.post(`/v1/containers/${stubborn.id}/stop`);
    expect((await tenant.get(`/v1/operations/${stopStubborn.body.operation.id}?wait=60`)).body.state).toBe(
      'succeeded',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect((await tenant.get(`/v1/containers/${stubborn.id}`)).body).toMatchObject({
      state: 'stopped',
      exitCode: 137,
    });

    const notRunning = await tenant.post(`/v1/containers/${stubborn.id}/exec`, { command: ['true'] });
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.error.code).toBe('container/not_running');
  });

  it('needs the right registry credentials for a private image', async () => {
    const denied = await run({ image: privateImage });
    expect(denied.op).toMatchObject({ state: 'failed', error: { code: 'image/unauthorized' } });
    expect((await tenant.get(`/v1/containers/${denied.id}`)).body.state).toBe('failed');

    const wrong = await tenant.post('/v1/registry-credentials', {
      registry: privateRegistry.host,
      username: 'alice',
      password: 'wrong',
    });
    expect(wrong.status).toBe(200);
    const pullWrong = await tenant.post('/v1/images/pull', { image: privateImage });
    expect(pullWrong.status).toBe(202);
    expect((await tenant.get(`/v1/operations/${pullWrong.body.operation.id}?wait=60`)).body).toMatchObject({
      state: 'failed',
      error: { code: 'image/unauthorized' },
    });

    await tenant.post('/v1/registry-credentials', {
      registry: privateRegistry.host,
      username: 'alice',
      password: 's3cret-pass',
    });
    const listed = await tenant.get('/v1/registry-credentials');
    expect(JSON.stringify(listed.body)).not.toContain('s3cret-pass');
    const pull = await tenant.post('/v1/images/pull', { image: privateImage });
    expect((await tenant.get(`/v1/operations/${pull.body.operation.id}?wait=60`)).body.state).toBe(
      'succeeded',
    );
    const img = await tenant.get(`/v1/images/${pull.body.data.id}`);
    expect(img.body).toMatchObject({
      state: 'ready',
      digest: expect.stringMatching(/^sha256:/),
      reference: privateImage,
    });
    expect(img.body.config).toMatchObject({ cmd: ['sh', '-c', 'echo private-ok'] });

    const ok = await run({ image: privateImage });
    expect(ok.op.state).toBe('succeeded');
    await settled(ok.id, 'exited');
    expect((await logs(ok.id)).map((l) => l.text)).toContain('private-ok');

    // Another tenant cannot ride on the first tenant's login or on the host's cache.
    const other = (await stack.tenant('other')).http;
    const res = await other.post('/v1/containers', { image: privateImage, size: 's1' });
    const op = await other.get(`/v1/operations/${res.body.operation.id}?wait=120`);
    expect(op.body).toMatchObject({ state: 'failed', error: { code: 'image/unauthorized' } });
  });

  it('restarts an exiting workload under on-failure:2, then leaves it exited', async () => {
    const { id } = await run({
      image,
      command: ['sh', '-c', 'echo attempt; exit 1'],
      restartPolicy: 'on-failure:2',
    });
    await waitFor(
      'three attempts',
      async () => {
        const l = await logs(id);
        return l.filter((x) => x.text === 'attempt').length === 3 ? l : undefined;
      },
      120_000,
      500,
    );
    const c = await settled(id, 'exited');
    expect(c.exitCode).toBe(1);
  });

  it('follows logs as they are written', async () => {
    const { id } = await run({
      image,
      command: ['sh', '-c', 'for i in 1 2 3; do echo tick-$i; sleep 1; done; sleep 5; echo late'],
    });
    const res = await fetch(`${stack.apiUrl}/v1/containers/${id}/logs?follow=true`, {
      headers: { authorization: `Bearer ${tenant.token ?? ''}` },
    });
    expect(res.status).toBe(200);
    const body = await res.text(); // ends when the container has exited
    const texts = parseNdjson(body).map((l) => l.text);
    expect(texts).toEqual(['tick-1', 'tick-2', 'tick-3', 'late']);
    // During the quiet seconds the API sent blank keep-alive lines, so idle timeouts keep the stream open.
    expect(body).toMatch(/tick-3"[^\n]*\n\n+\{/);
  });

  it('an agent killed while a VM runs and started again leaves no orphan QEMU, and the container is still right', async () => {
    const { id } = await run({ image, command: ['sh', '-c', 'echo up; sleep 3600'] });
    await settled(id, 'running');
    const pidsBefore = ourQemuPids();
    expect(pidsBefore).toHaveLength(1);
    await agent.process.kill();
    // The VM outlives its agent ...
    expect(ourQemuPids()).toEqual(pidsBefore);
    agent = await stack.startAgent({
      name: 'vm-host',
      driver: 'qemu',
      env: { BERTH_STOP_TIMEOUT_MS: '2000', BERTH_QEMU_ACCEL: 'tcg' },
    });
    // ... and the new agent adopts it rather than starting another.
    expect(ourQemuPids()).toEqual(pidsBefore);
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('running');
    const exec = await tenant.post(`/v1/containers/${id}/exec`, { command: ['echo', 'adopted'] });
    expect(exec.body).toMatchObject({ exitCode: 0, stdout: 'adopted\n' });

    const del = await tenant.delete(`/v1/containers/${id}?force=true`);
    expect((await tenant.get(`/v1/operations/${del.body.operation.id}?wait=60`)).body.state).toBe(
      'succeeded',
    );
    await waitFor('its QEMU to be gone', () => Promise.resolve(ourQemuPids().length === 0), 20_000);
  });
});
