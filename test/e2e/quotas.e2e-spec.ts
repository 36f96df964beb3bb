import { TestStack, waitOp, type HttpResult, type TestHttpClient } from '@berth/testing';

jest.setTimeout(240_000);

/**
 * Per-tenant quotas through the public API, with the API and one hollow agent (real volume pool) as
 * separate processes: the defaults from config, the operator's overrides, a coded 403 for each kind of
 * resource, and creates sent all at once that must not pass a quota between them.
 */
describe('quotas (api + agent processes)', () => {
  const stack = new TestStack('quotas', {
    BERTH_QUOTA_CONTAINERS: '4',
    BERTH_QUOTA_NETWORKS: '3',
    BERTH_QUOTA_VCPUS: '16',
    BERTH_QUOTA_MEMORY_MIB: '32768',
    BERTH_QUOTA_VOLUME_GB: '1000',
    BERTH_QUOTA_SNAPSHOTS: '50',
    // The floating-IP quota's older variable still sets its default.
    BERTH_FIP_QUOTA: '2',
    BERTH_FIP_POOL: '203.0.113.0/29',
  });

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({
      name: 'quota-host',
      env: {
        BERTH_HOST_VCPU: '256',
        BERTH_HOST_MEMORY_MIB: '262144',
        BERTH_HOST_DISK_GIB: '10000',
        BERTH_VOLUME_CAPACITY_GIB: '10000',
      },
    });
  });

  afterAll(() => stack.stop());

  async function tenant(name: string, quotas?: Record<string, number | null>) {
    const t = await stack.tenant(name);
    if (quotas)
      expect((await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, quotas)).status).toBe(200);
    return t;
  }

  function expectQuotaExceeded(
    res: HttpResult,
    limit: string,
    quota: number,
    usage: number,
    requested: number,
  ) {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: 403,
      code: 'quota/exceeded',
    });
    expect(res.body.error.details).toEqual({ limit, quota, usage, requested });
    expect(res.body.error.message).toContain(`your quota is ${quota} (you have ${usage})`);
  }

  /** An accepted request (202) whose operation then succeeds. */
  async function succeeds(t: TestHttpClient, res: HttpResult): Promise<void> {
    expect(res.status).toBe(202);
    expect((await waitOp(t, res.body.operation.id, 60)).state).toBe('succeeded');
  }

  const run = (t: TestHttpClient, body: Record<string, unknown> = {}) =>
    t.post('/v1/containers', { image: 'busybox', size: 's1', ...body });

  it('shows the tenant every limit with the configured defaults and its usage, and the operator the same', async () => {
    const t = await tenant('q-view');
    await succeeds(t.http, await run(t.http, { name: 'one' }));
    const mine = await t.http.get('/v1/quotas');
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      tenantId: t.id,
      limits: {
        containers: { quota: 4, custom: false, usage: 1 },
        vcpus: { quota: 16, custom: false, usage: 1 },
        memoryMib: { quota: 32768, custom: false, usage: 64 },
        volumeGb: { quota: 1000, custom: false, usage: 0 },
        snapshots: { quota: 50, custom: false, usage: 0 },
        floatingIps: { quota: 2, custom: false, usage: 0 },
        // The default network its first container made.
        networks: { quota: 3, custom: false, usage: 1 },
      },
    });
    const shown = await stack.operator.get(`/v1/admin/tenants/${t.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: t.id, name: 'q-view', quotas: mine.body.limits });
  });

  it('lets the operator set limits, partially, reset one to the default with null, and refuses bad input', async () => {
    const t = await tenant('q-set');
    const set = await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, { containers: 7, vcpus: 3 });
    expect(set.status).toBe(200);
    expect(set.body.limits).toMatchObject({
      containers: { quota: 7, custom: true, usage: 0 },
      vcpus: { quota: 3, custom: true },
      networks: { quota: 3, custom: false },
    });
    const reset = await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, { vcpus: null, networks: 0 });
    expect(reset.body.limits).toMatchObject({
      containers: { quota: 7, custom: true },
      vcpus: { quota: 16, custom: false },
      networks: { quota: 0, custom: true },
    });
    expect((await t.http.get('/v1/quotas')).body.limits).toEqual(reset.body.limits);

    for (const body of [
      { containers: -1 },
      { containers: 1.5 },
      { containers: '3' },
      { bogus: 1 },
      { vcpus: 2e9 },
    ]) {
      const bad = await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, body);
      expect({ status: bad.status, code: bad.body.error?.code }).toEqual({
        status: 400,
        code: 'request/invalid',
      });
    }
    const missing = await stack.operator.post('/v1/admin/tenants/ten_nope/quotas', { containers: 1 });
    expect({ status: missing.status, code: missing.body.error?.code }).toEqual({
      status: 404,
      code: 'tenant/not_found',
    });
    // A tenant cannot raise its own quotas.
    expect((await t.http.post(`/v1/admin/tenants/${t.id}/quotas`, { containers: 100 })).status).toBe(401);
    expect((await t.http.get('/v1/quotas')).body.limits.containers.quota).toBe(7);
  });

  it('containers: of 20 creates sent at once against a quota of 5, exactly 5 are made', async () => {
    const t = await tenant('q-race', { containers: 5 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => run(t.http, { name: `race-${i}` })),
    );
    const made = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status !== 202);
    expect(made).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const r of refused) expectQuotaExceeded(r, 'containers', 5, 5, 1);
    expect(refused[0]!.body.error.message).toMatch(
      /^this would make 6 containers; your quota is 5 \(you have 5\)/,
    );
    const rows = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM containers WHERE tenant_id = $1 AND state <> 'deleted'`,
      [t.id],
    );
    expect(Number(rows[0]!.n)).toBe(5);
    expect((await t.http.get('/v1/quotas')).body.limits.containers).toEqual({
      quota: 5,
      custom: true,
      usage: 5,
    });

    // Deleting one makes room for one.
    await succeeds(t.http, await t.http.delete(`/v1/containers/${made[0]!.body.data.id}?force=true`));
    expect((await run(t.http, { name: 'after-delete' })).status).toBe(202);
    expectQuotaExceeded(await run(t.http, { name: 'one-too-many' }), 'containers', 5, 5, 1);
  });

  it('vCPUs and memory: running containers reserve them, a stopped one frees them, and starting it again counts', async () => {
    const t = await tenant('q-cpu', { vcpus: 2, containers: 10 });
    const big = await run(t.http, { name: 'big', size: 'm2' }); // 2 vCPU, 2048 MiB
    await succeeds(t.http, big);
    expectQuotaExceeded(await run(t.http, { name: 'small' }), 'vcpus', 2, 2, 1);

    await succeeds(t.http, await t.http.post('/v1/containers/big/stop'));
    expect((await t.http.get('/v1/quotas')).body.limits.vcpus.usage).toBe(0);
    await succeeds(t.http, await run(t.http, { name: 'small' }));
    // Starting the stopped one would make 3 vCPUs: refused, and it stays stopped.
    expectQuotaExceeded(await t.http.post('/v1/containers/big/start'), 'vcpus', 2, 1, 2);
    expect((await t.http.get('/v1/containers/big')).body.state).toBe('stopped');
    expectQuotaExceeded(await t.http.post('/v1/containers/big/restart'), 'vcpus', 2, 1, 2);

    await succeeds(t.http, await t.http.delete('/v1/containers/small?force=true'));
    await succeeds(t.http, await t.http.post('/v1/containers/big/start'));

    const m = await tenant('q-mem', { memoryMib: 128 });
    await succeeds(m.http, await run(m.http, { name: 'a', size: 's2' })); // 128 MiB
    expectQuotaExceeded(await run(m.http, { name: 'b', size: 's1' }), 'memoryMib', 128, 128, 64);
  });

  it('volume GB: of 20 volumes of 10 GB sent at once against 50 GB, exactly 5 are made; a container’s new volumes count', async () => {
    const t = await tenant('q-vol', { volumeGb: 50 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.http.post('/v1/volumes', { name: `v-${i}`, sizeGb: 10 })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(15);
    for (const r of refused) expectQuotaExceeded(r, 'volumeGb', 50, 50, 10);
    expect((await t.http.get('/v1/quotas')).body.limits.volumeGb.usage).toBe(50);

    // A container naming a volume it has not made makes a 10 GB one: over the quota too.
    expectQuotaExceeded(await run(t.http, { name: 'db', volumes: ['fresh:/data'] }), 'volumeGb', 50, 50, 10);
    expect((await t.http.get('/v1/volumes/fresh')).status).toBe(404);
    // Its existing volumes count nothing more.
    const made = results.find((r) => r.status === 201)!.body.name as string;
    await succeeds(t.http, await run(t.http, { name: 'db', volumes: [`${made}:/data`] }));
  });

  it('snapshots count, and a restore counts its volume', async () => {
    const t = await tenant('q-snap', { snapshots: 1, volumeGb: 3 });
    expect((await t.http.post('/v1/volumes', { name: 'src', sizeGb: 2 })).status).toBe(201);
    const snaps = await Promise.all([
      t.http.post('/v1/volumes/src/snapshots', { name: 's1' }),
      t.http.post('/v1/volumes/src/snapshots', { name: 's2' }),
    ]);
    const made = snaps.find((r) => r.status === 202)!;
    expect(snaps.filter((r) => r.status === 202)).toHaveLength(1);
    expectQuotaExceeded(
      snaps.find((r) => r.status !== 202)!,
      'snapshots',
      1,
      1,
      1,
    );
    await succeeds(t.http, made);
    // 2 GB held, 3 allowed: a 2 GB restore would make 4.
    expectQuotaExceeded(
      await t.http.post(`/v1/snapshots/${made.body.data.id}/restore`, { name: 'copy' }),
      'volumeGb',
      3,
      2,
      2,
    );
    await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, { volumeGb: 4 });
    await succeeds(t.http, await t.http.post(`/v1/snapshots/${made.body.data.id}/restore`, { name: 'copy' }));
  });

  it('networks: the default network a first container makes counts too', async () => {
    const t = await tenant('q-net');
    for (const name of ['n1', 'n2', 'n3'])
      expect((await t.http.post('/v1/networks', { name })).status).toBe(201);
    expectQuotaExceeded(await t.http.post('/v1/networks', { name: 'n4' }), 'networks', 3, 3, 1);
    // No network named: it would join the default one, which does not exist yet.
    expectQuotaExceeded(await run(t.http, { name: 'web' }), 'networks', 3, 3, 1);
    expect((await t.http.get('/v1/containers/web')).status).toBe(404);
    await succeeds(t.http, await run(t.http, { name: 'web', networks: ['n1'] }));
  });

  it('floating IPs: BERTH_FIP_QUOTA still sets the default, and the operator can raise it', async () => {
    const t = await tenant('q-fip');
    const results = await Promise.all([1, 2, 3].map(() => t.http.post('/v1/fips', {})));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expectQuotaExceeded(
      results.find((r) => r.status !== 201)!,
      'floatingIps',
      2,
      2,
      1,
    );
    await stack.operator.post(`/v1/admin/tenants/${t.id}/quotas`, { floatingIps: 3 });
    expect((await t.http.post('/v1/fips', {})).status).toBe(201);
  });
});
