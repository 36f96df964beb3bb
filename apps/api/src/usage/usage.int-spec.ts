import { expectError } from '@berth/testing';
import { CONTAINER_PRICE_PER_SECOND, MIN_SECONDS_PER_START } from '@berth/domain';
import { HostReaperService } from '../control/host-reaper.service';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * What a tenant is told it used (`GET /v1/usage`, `GET /v1/usage/live`), from the usage intervals
 * that the hosts' reports and the reaper wrote, dated by the hosts' clocks.
 */
describe('usage (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;
  let tenant: TestTenant;
  /** The host's clock, in a month that is over: 2026-11. */
  const hostClock = (seconds: number): Date => new Date(Date.UTC(2026, 10, 12, 9, 0, seconds));
  const PERIOD = '2026-11';

  beforeAll(async () => {
    api = await InProcessApi.start();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
    host = await api.registerHost();
    await api.hostsTakingWork(host);
  });

  async function report(id: string, event: string, at: Date, operationId?: string): Promise<void> {
    const res = await host.agent.post(`/v1/agent/containers/${id}/events`, {
      event,
      at: at.toISOString(),
      generation: 1,
      ...(operationId ? { operationId } : {}),
    });
    expect(res.status).toBe(200);
  }

  /** A container of `size` that its host saw run from `from` to `to` (host clock seconds). */
  async function ran(name: string, from: number, to: number | null, who = tenant): Promise<string> {
    const res = await who.http.post('/v1/containers', { image: 'alpine:3.20', name, size: 's2' });
    expect(res.status).toBe(202);
    await api.madeAt(res.body.data.id, hostClock(-60));
    await report(res.body.data.id, 'agent.running', hostClock(from), res.body.operation.id);
    if (to !== null) await report(res.body.data.id, 'agent.exited', hostClock(to));
    return res.body.data.id;
  }

  async function usage(query: string, who = tenant): Promise<any> {
    const res = await who.http.get(`/v1/usage?${query}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  it("bills a container's seconds as its host saw them, at its size's price", async () => {
    const id = await ran('worker', 0, 100);
    const report = await usage(`period=${PERIOD}&groupBy=container`);
    expect(report).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(report.lines).toEqual([
      expect.objectContaining({
        key: id,
        label: 'worker',
        resourceType: 'container',
        seconds: 100,
        amountNanoUsd: 100 * CONTAINER_PRICE_PER_SECOND.s2,
      }),
    ]);
    expect(report.total).toMatchObject({ seconds: 100, amountNanoUsd: 100 * CONTAINER_PRICE_PER_SECOND.s2 });
  });

  it('a start that ran less than the minimum is billed the minimum', async () => {
    await ran('blip', 0, 3);
    const report = await usage(`period=${PERIOD}`);
    expect(report.total.amountNanoUsd).toBe(MIN_SECONDS_PER_START * CONTAINER_PRICE_PER_SECOND.s2);
  });

  it('restarts add up, and no second is billed twice', async () => {
    const id = await ran('flappy', 0, 50);
    await report(id, 'agent.running', hostClock(60));
    await report(id, 'agent.exited', hostClock(90));
    const report2 = await usage(`period=${PERIOD}&groupBy=container`);
    expect(report2.lines).toEqual([expect.objectContaining({ key: id, seconds: 80 })]);
  });

  it('a container on a lost host is billed up to its last heartbeat', async () => {
    const id = await ran('stranded', 0, null);
    const hb = await host.agent.post('/v1/agent/heartbeat', { at: hostClock(40).toISOString(), machines: 1 });
    expect(hb.status).toBe(200);
    await api.silenceHost(host);
    expect(await api.service(HostReaperService).reap()).toEqual([host.id]);
    const report = await usage(`period=${PERIOD}&groupBy=container`);
    expect(report.lines).toEqual([expect.objectContaining({ key: id, seconds: 40 })]);
  });

  it('a tenant sees its own usage only', async () => {
    await ran('mine', 0, 100);
    const other = await api.newTenant();
    expect((await usage(`period=${PERIOD}`, other)).lines).toEqual([]);
    expect((await usage(`period=${PERIOD}`, other)).total.amountNanoUsd).toBe(0);
  });

  it('what runs now is live: an open container and a volume, at their rates', async () => {
    const id = await ran('live', 0, null);
    const v = await tenant.http.post('/v1/volumes', { name: 'disk', sizeGb: 5 });
    expect(v.status).toBe(201);
    const live = await tenant.http.get('/v1/usage/live');
    expect(live.status).toBe(200);
    expect(live.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resourceId: id,
          meter: 'container.s2',
          size: 's2',
          since: hostClock(0).toISOString(),
          ratePerSecondNanoUsd: CONTAINER_PRICE_PER_SECOND.s2,
        }),
        expect.objectContaining({ resourceId: v.body.id, meter: 'volume.gib', quantity: 5 }),
      ]),
    );
    expect(live.body.items).toHaveLength(2);
  });

  it('refuses a period that is not a month and a split without a day or hour grouping (400)', async () => {
    expectError(await tenant.http.get('/v1/usage?period=november'), 400, 'request/invalid');
    expectError(await tenant.http.get(`/v1/usage?period=${PERIOD}&splitBy=size`), 400, 'request/invalid');
  });
});
