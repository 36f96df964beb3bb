import {
  buildTestImage,
  startRecordingProxy,
  startTestRegistry,
  TestStack,
  waitFor,
  waitOp,
  type RecordingProxy,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(300_000);

/**
 * Issue 13: a launch costs the agent at most three calls to the API (its claim, one progress report
 * when the pull really downloads, `running`). Counted honestly: the agent reaches the real API only
 * through a recording proxy, and its heartbeat and data-plane poll are set far apart, so every request
 * it makes between the create and `running` is in the count. One real microVM (the network hook wires
 * its tap with the claim's data plane), an image from a registry that needs a login.
 */
describe('agent -> API calls per launch (api + qemu agent behind a recording proxy + registry)', () => {
  const stack = new TestStack('launch-calls', {
    // The agent heartbeats once in ten minutes here: the host must not be reaped meanwhile.
    BERTH_HOST_LOST_AFTER_MS: '1200000',
  });
  let registry: TestRegistry;
  let proxy: RecordingProxy;
  let tenant: TestHttpClient;
  let image: string;

  beforeAll(async () => {
    registry = await startTestRegistry({ htpasswd: { user: 'carol', password: 'launch-pass' } });
    image = await buildTestImage(registry, 'team/launch', { cmd: ['sh', '-c', 'sleep 3600'] });
    await stack.start();
    proxy = await startRecordingProxy(stack.apiUrl);
    await stack.startAgent({
      name: 'count-host',
      driver: 'qemu',
      env: {
        BERTH_API_URL: proxy.url,
        BERTH_HEARTBEAT_INTERVAL_MS: '600000',
        BERTH_DATAPLANE_SYNC_MS: '600000',
        BERTH_STOP_TIMEOUT_MS: '0',
      },
    });
    tenant = (await stack.tenant('launch-tenant')).http;
    const login = await tenant.post('/v1/registry-credentials', {
      registry: registry.host,
      username: 'carol',
      password: 'launch-pass',
    });
    expect(login.status).toBe(200);
  });

  afterAll(async () => {
    await stack.stop();
    await proxy?.stop();
    await registry?.stop();
  });

  it('launches a private image on a network with a claim, one progress report and running', async () => {
    proxy.clear();
    const created = await tenant.post('/v1/containers', { image, size: 's1' });
    expect(created.status).toBe(202);
    const { id } = created.body.data as { id: string };
    const opId = created.body.operation.id as string;
    // It joined the tenant's default network: its interface is wired on the host.
    expect(created.body.data.networks).toEqual([expect.objectContaining({ ip: expect.any(String) })]);

    const op = await waitFor(
      'the create to end',
      async () => {
        const o = await waitOp(tenant, opId, 60);
        return o.state === 'pending' || o.state === 'running' ? undefined : o;
      },
      280_000,
    );
    expect(op).toMatchObject({ state: 'succeeded' });
    const calls = proxy.requests();
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('running');

    expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `POST /v1/agent/operations/${opId}/claim 200`,
      // The pull downloaded (with the tenant's login, handed over by the claim): reported once.
      `POST /v1/agent/operations/${opId}/result 204`,
      `POST /v1/agent/containers/${id}/events 200`,
    ]);
    // That report is the download's outcome, on the create's operation.
    expect(op.progress).toMatchObject({ phase: 'done', bytesDone: expect.any(Number) });
    expect(op.progress.bytesDone).toBeGreaterThan(0);
  });
});
