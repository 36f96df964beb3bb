import { FakeBerth, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const letters = [
  {
    id: 'bdl_2',
    intervalId: 'use_2',
    tenantId: 'ten_1',
    meter: 'container.s1',
    value: 30,
    eventTimestamp: '2026-01-01T03:04:05.000Z',
    reason: 'refused',
    stripeStatus: 400,
    stripeCode: null,
    message: 'timestamp is too far in the past',
    createdAt: '2026-01-02T02:04:05.000Z',
  },
  {
    id: 'bdl_1',
    intervalId: 'use_1',
    tenantId: 'ten_2',
    meter: 'volume.gib',
    value: 7200,
    eventTimestamp: '2026-01-01T01:00:00.000Z',
    reason: 'identifier_window_passed',
    stripeStatus: null,
    stripeCode: null,
    message: 'first sent more than 23 hours ago and never acknowledged',
    createdAt: '2026-01-02T02:04:05.000Z',
  },
];

describe('berth admin billing dead-letters', () => {
  it("lists what the worker gave up on, with Stripe's reason; -q and --json", async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/billing/dead-letters', {
      data: letters,
      nextCursor: null,
    });
    const res = await runBerth(['admin', 'billing', 'dead-letters'], { berth, env });
    expect(berth.requests[0]!.token).toBe('op');
    expect(res.stdout).toMatch(/^ID\s+TENANT\s+METER\s+VALUE\s+EVENT TIME\s+WHY\s+STRIPE SAID\s+SINCE\n/);
    expect(res.stdout).toMatch(
      /bdl_2\s+ten_1\s+container\.s1\s+30\s+.*refused by Stripe\s+400 timestamp is too far/,
    );
    expect(res.stdout).toMatch(
      /bdl_1\s+ten_2\s+volume\.gib\s+7200\s+.*past the 24 h window\s+first sent more/,
    );
    expect((await runBerth(['admin', 'billing', 'dead-letters', '-q'], { berth, env })).stdout).toBe(
      'bdl_2\nbdl_1\n',
    );
    const json = await runBerth(['admin', 'billing', 'dead-letters', '--json'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual(letters);
  });
});

describe('berth admin billing drift', () => {
  const pass = {
    id: '7',
    ranAt: '2026-01-02T02:04:05.000Z',
    windowStart: '2026-01-01T00:00:00.000Z',
    windowEnd: '2026-01-02T02:03:00.000Z',
    checked: 4,
    unsettled: 1,
    drift: [{ tenantId: 'ten_1', meter: 'container.s1', postgres: 130, stripe: 100 }],
  };

  it('asks for passes with drift and prints both sides of each', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/billing/reconciliations', { data: [pass] });
    const res = await runBerth(['admin', 'billing', 'drift'], { berth, env });
    expect(berth.requests[0]!.query).toEqual({ limit: 20, drift: 'true' });
    expect(res.stdout).toMatch(/4 checked, 1 unsettled\s+ten_1\s+container\.s1\s+130\s+100\n/);
  });

  it('says so when there is none, and refuses a bad --last', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/billing/reconciliations', { data: [] });
    expect((await runBerth(['admin', 'billing', 'drift'], { berth, env })).stdout).toBe(
      'No drift in the latest passes.\n',
    );
    const bad = await runBerth(['admin', 'billing', 'drift', '-n', 'lots'], { berth, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--last must be a whole number/);
  });
});
