import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  buildTestImage,
  runCliOk,
  startFakeStripe,
  startTestRegistry,
  TestStack,
  waitFor,
  type FakeStripe,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';
import { CONTAINER_PRICE_PER_SECOND } from '@berth/domain';

jest.setTimeout(600_000);

/**
 * Billing of real microVMs: the seconds a workload ran inside QEMU (by its host's clock), rated,
 * shown by `berth usage`, and the same totals sent by the billing worker to a local Stripe-compatible
 * server through the official `stripe` package. Two small VMs, one after the other.
 */
describe('billing real microVMs (api + qemu agent + billing worker + local Stripe + CLI)', () => {
  const stack = new TestStack('billvm');
  const home = mkdtempSync(path.join(tmpdir(), 'berth-billvm-home-'));
  let stripe: FakeStripe;
  let registry: TestRegistry;
  let tenant: { id: string; key: string; http: TestHttpClient };
  let image: string;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/billing', {
      cmd: ['sh', '-c', 'echo hi'],
      env: { PATH: '/bin' },
    });
    await stack.start();
    await stack.startAgent({ name: 'billvm-host', driver: 'qemu', env: { BERTH_QEMU_ACCEL: 'auto' } });
    tenant = await stack.tenant('billvm-tenant');
    await stack.startBilling({ stripe });
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
    await stripe?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const berth = (args: string[]): Promise<string> =>
    runCliOk(args, { home, env: { BERTH_API_URL: stack.apiUrl, BERTH_API_KEY: tenant.key } });

  async function runToExit(name: string, seconds: number): Promise<any> {
    const res = await tenant.http.post('/v1/containers', {
      image,
      name,
      size: 's1',
      command: ['sh', '-c', `sleep ${seconds}`],
    });
    expect(res.status).toBe(202);
    return waitFor(
      `${name} to exit`,
      async () => {
        const c = (await tenant.http.get(`/v1/containers/${res.body.data.id}`)).body;
        return c.state === 'exited' ? c : undefined;
      },
      180_000,
      250,
    );
  }

  it('bills what the VMs ran, shows it in `berth usage`, and sends the same totals to Stripe', async () => {
    const long = await runToExit('ran-twelve', 12);
    const short = await runToExit('ran-three', 3);
    const ranLong = (Date.parse(long.finishedAt) - Date.parse(long.startedAt)) / 1000;
    const ranShort = (Date.parse(short.finishedAt) - Date.parse(short.startedAt)) / 1000;
    // The workload's own sleep, measured by the host around the VM: N seconds (±1).
    expect(Math.abs(ranLong - 12)).toBeLessThanOrEqual(1);
    expect(ranShort).toBeLessThan(10);

    const report = JSON.parse(await berth(['usage', '--by', 'container', '--json']));
    const lineOf = (id: string) => report.lines.find((l: { key: string }) => l.key === id);
    expect(lineOf(long.id)).toMatchObject({ label: 'ran-twelve', seconds: Math.ceil(ranLong) });
    expect(Math.abs(lineOf(long.id).seconds - 12)).toBeLessThanOrEqual(1);
    expect(lineOf(short.id)).toMatchObject({ label: 'ran-three', seconds: 10, amountNanoUsd: 10 * 400 });
    expect(lineOf(long.id).amountNanoUsd).toBe(lineOf(long.id).seconds * CONTAINER_PRICE_PER_SECOND.s1);

    // For people: the names, the seconds and the amounts in dollars.
    const table = await berth(['usage', '--by', 'container']);
    expect(table).toContain('ran-twelve');
    expect(table).toContain(String(lineOf(long.id).seconds));
    expect(table).toMatch(/\$0\.000004\b/); // 10 s of S1 = 4000 nano-dollars
    expect(table).toMatch(/TOTAL/);

    // The billing worker sends both intervals; Stripe's totals match berth's.
    await waitFor(
      'both intervals to reach Stripe',
      () =>
        Promise.resolve(
          stripe.meterEvents().filter((e) => e.event_name === 'berth_container_s1_seconds').length >= 2,
        ),
      60_000,
    );
    const [row] = await stack.sql<{ stripe_customer_id: string }>(
      `SELECT stripe_customer_id FROM tenants WHERE id = $1`,
      [tenant.id],
    );
    const sentSeconds = stripe
      .meterEvents()
      .filter((e) => e.customer === row!.stripe_customer_id && e.event_name === 'berth_container_s1_seconds')
      .reduce((n, e) => n + e.value, 0);
    const containerSeconds = report.lines
      .filter((l: { resourceType: string }) => l.resourceType === 'container')
      .reduce((n: number, l: { seconds: number }) => n + l.seconds, 0);
    expect(sentSeconds).toBe(containerSeconds);
    expect(sentSeconds * CONTAINER_PRICE_PER_SECOND.s1).toBe(report.total.amountNanoUsd);
  });
});
