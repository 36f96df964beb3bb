import { InProcessApi, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * A data-plane nudge is advisory (the agent also polls), so a request that causes one answers without
 * waiting for it: under load, nudges wait out a batch window (BERTH_NUDGE_WINDOW_MS), and that wait must
 * not be added to every create's answer.
 */
describe('nudges leave after the answer (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;

  beforeAll(async () => {
    // A long window: a nudge made within it after a batch waits this long for the next batch.
    api = await InProcessApi.start({ BERTH_NUDGE_WINDOW_MS: '4000' });
    tenant = await api.newTenant();
  });

  afterAll(async () => {
    await api?.close();
  });

  async function create(): Promise<void> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20' });
    expect(res.status).toBe(202);
  }

  it("answers a create while its peers' nudge still waits for the batch window", async () => {
    const [a, b] = [await api.registerHost(), await api.registerHost()];
    await api.hostsTakingWork(a);
    await create();
    await api.hostsTakingWork(b);
    await create(); // its peer's host `a` is nudged at once (the batcher was idle)
    await api.queues.nudgesSent();
    api.queues.clear();

    await create(); // `a` again, within the window: the nudge waits, the answer does not
    expect(api.queues.nudges).toEqual([]);
    await api.queues.nudgesSent();
    expect(api.queues.nudges).toEqual([a.id]);
  });
});
