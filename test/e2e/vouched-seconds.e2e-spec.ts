import { TestStack, waitFor, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 16: only vouched seconds are billed. An agent killed with SIGKILL comes back a few seconds later
 * (well within the grace period, so its host is never lost); the container's machine died with it (the
 * hollow simulation's machines live in the agent's process). Nobody saw when: the new agent reports
 * the end no later than the last heartbeat the old one sent, which it finds in its state dir, so the
 * seconds while no agent ran are not billed.
 */
describe('seconds after an agent crash (api + hollow agent)', () => {
  // Heartbeats every 500 ms; a host is lost only after a minute here.
  const stack = new TestStack('vouched', { BERTH_HOST_LOST_AFTER_MS: '60000' });
  let tenant: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'crashy' });
    tenant = (await stack.tenant('vouched')).http;
  });

  afterAll(async () => {
    await stack.stop();
  });

  it("ends the interval of a machine that died with its agent at that agent's last heartbeat, not at its return", async () => {
    const res = await tenant.post('/v1/containers', { image: 'busybox', size: 's1' });
    expect(res.status).toBe(202);
    await tenant.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    const id = res.body.data.id as string;
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('running');
    await sleep(1_500);

    const agent = stack.agents.get('crashy')!;
    await agent.process.kill();
    const killedAt = Date.now();
    const [beat] = await stack.sql<{ last_heartbeat_host_at: Date }>(
      `SELECT last_heartbeat_host_at FROM hosts WHERE name = 'crashy'`,
    );
    // Away for four seconds, then back with its state dir.
    await sleep(4_000);
    const returnedAt = Date.now();
    await stack.startAgent({ name: 'crashy' });
    await waitFor('the container to be found dead', async () => {
      const state = (await tenant.get(`/v1/containers/${id}`)).body.state as string;
      return state !== 'running';
    });
    const [interval] = await stack.sql<{ ended_at: Date | null }>(
      `SELECT ended_at FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [id],
    );
    const ended = interval!.ended_at!.getTime();
    // The old agent's last recorded vouch is its last heartbeat the API took, or the one before (the
    // kill may fall between the API's answer and the record): before the kill, well before the return.
    expect(ended).toBeGreaterThanOrEqual(beat!.last_heartbeat_host_at.getTime() - 1_000);
    expect(ended).toBeLessThanOrEqual(killedAt);
    expect(ended).toBeLessThan(returnedAt - 3_000);
  });
});
