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

jest.setTimeout(300_000);

/**
 * Issue 13: the restart policy's count survives an agent restart (it is kept in the agent's state
 * dir), so `on-failure:2` still stops after two restarts when the agent restarted in between. One
 * real microVM whose workload exits with 1 each time the test touches /go in it (by exec), so that
 * the test decides when each exit happens, whatever the machine's speed.
 */
describe('restart counts across an agent restart (api + qemu agent + registry)', () => {
  const stack = new TestStack('restart-counts');
  let registry: TestRegistry;
  let agent: RunningAgent;
  let tenant: TestHttpClient;
  let image: string;

  const AGENT = { name: 'restart-host', driver: 'qemu' as const, env: { BERTH_STOP_TIMEOUT_MS: '0' } };

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/restarts', { cmd: ['sh'] });
    await stack.start();
    agent = await stack.startAgent(AGENT);
    tenant = (await stack.tenant('restart-tenant')).http;
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
  });

  async function attempts(id: string): Promise<number> {
    const res = await tenant.get(`/v1/containers/${id}/logs`);
    return ndjsonBody(res).filter((l) => l.text === 'attempt').length;
  }

  /** Waits until the workload has booted `n` times and the container is running. */
  async function runningAttempt(id: string, n: number): Promise<void> {
    await waitFor(
      `attempt ${n} of ${id} to run`,
      async () =>
        (await attempts(id)) === n && (await tenant.get(`/v1/containers/${id}`)).body.state === 'running',
      120_000,
      300,
    );
  }

  /** Makes the workload exit with 1 (it waits for /go). */
  async function fail(id: string): Promise<void> {
    const res = await tenant.post(`/v1/containers/${id}/exec`, { command: ['touch', '/go'] });
    expect(res.status).toBe(200);
  }

  it('keeps counting after the agent restarts, and on-failure:2 leaves the third exit exited', async () => {
    const created = await tenant.post('/v1/containers', {
      image,
      size: 's1',
      restartPolicy: 'on-failure:2',
      command: ['sh', '-c', 'echo attempt; while [ ! -f /go ]; do sleep 0.2; done; rm -f /go; exit 1'],
    });
    expect(created.status).toBe(202);
    const id = created.body.data.id as string;
    await runningAttempt(id, 1);

    await fail(id); // restart 1 of 2
    await runningAttempt(id, 2);

    // The agent restarts (its VM runs on, adopted by the new agent): its count must not start over.
    await agent.process.kill();
    agent = await stack.startAgent(AGENT);

    await fail(id); // restart 2 of 2
    await runningAttempt(id, 3);

    await fail(id); // the limit: no third restart
    // The agent says so once it has decided (a restart would have been logged as one instead).
    await waitFor(
      'the agent to leave it exited',
      () =>
        Promise.resolve(
          agent.process.output().includes(`${id}: left exited: restart policy on-failure:2 after 2 restarts`),
        ),
      120_000,
      300,
    );
    const c = await waitFor(
      `${id} to end exited`,
      async () => {
        const res = await tenant.get(`/v1/containers/${id}`);
        return res.body.state === 'exited' ? res.body : undefined;
      },
      120_000,
      300,
    );
    expect(c.exitCode).toBe(1);
    expect(await attempts(id)).toBe(3);
  });
});
