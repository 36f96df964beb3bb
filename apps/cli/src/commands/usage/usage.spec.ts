import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { liveItem, liveUsage, usageLine, usageReport } from '../../testing/fixtures';

describe('berth usage', () => {
  it('this month so far by type, by default: a header, a table, its total', async () => {
    const berth = new FakeBerth().on('GET', '/v1/usage', usageReport());
    const res = await runBerth(['usage'], { berth });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    // No flags, no query: berth's defaults (this month to now, by type) apply.
    expect(berth.requests[0]!.query).toEqual({});
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Usage from 2026-01-01 to 2026-01-02 03:04:05 UTC, by type');
    expect(lines[1]).toMatch(/^TYPE\s+SECONDS\s+GB-SECONDS\s+AMOUNT$/);
    expect(lines[2]).toMatch(/^container\s+3600\s+0\s+\$0\.00144$/);
    expect(lines[3]).toMatch(/^volume\s+0\s+864000\s+\$0\.033333333$/);
    expect(lines[4]).toMatch(/^TOTAL\s+3600\s+864000\s+\$0\.034773333$/);
    expect(lines).toHaveLength(5);
    expect(lines[4]!.indexOf('$')).toBe(lines[1]!.indexOf('AMOUNT'));
  });

  it('--period and --by go into the query; by container shows each resource with its type', async () => {
    const report = usageReport({
      from: '2025-12-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
      groupBy: 'container',
      lines: [
        usageLine({ key: 'ctr_1', label: 'web', resourceType: 'container' }),
        usageLine({
          key: 'fip_1',
          label: '203.0.113.10',
          resourceType: 'floating_ip',
          seconds: 86_400,
          amountNanoUsd: 34_560_000,
          amountUsd: '0.034560000',
        }),
      ],
      total: { seconds: 90_000, gbSeconds: 0, amountNanoUsd: 1_500_000_000, amountUsd: '1.500000000' },
    });
    const berth = new FakeBerth().on('GET', '/v1/usage', report);
    const res = await runBerth(['usage', '--period', '2025-12', '--by', 'container'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ period: '2025-12', groupBy: 'container' });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Usage for 2025-12 (UTC), by container');
    expect(lines[1]).toMatch(/^ID\s+NAME\s+TYPE\s+SECONDS\s+GB-SECONDS\s+AMOUNT$/);
    expect(lines[2]).toMatch(/^ctr_1\s+web\s+container\s+3600\s+0\s+\$0\.00144$/);
    expect(lines[3]).toMatch(/^fip_1\s+203\.0\.113\.10\s+floating_ip\s+86400\s+0\s+\$0\.03456$/);
    expect(lines[4]).toMatch(/^TOTAL\s+90000\s+0\s+\$1\.50$/);
    expect(lines[4]!.indexOf('90000')).toBe(lines[1]!.indexOf('SECONDS'));
  });

  it('--from and --to are sent as ISO instants; either alone leaves the other to berth', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/usage',
      usageReport({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T12:00:00.000Z', groupBy: 'day' }),
    );
    const res = await runBerth(
      ['usage', '--from', '2026-01-01', '--to', '2026-01-01T12:00:00Z', '--by', 'day'],
      {
        berth,
      },
    );
    expect(res.stdout.split('\n')[0]).toBe('Usage from 2026-01-01 to 2026-01-01 12:00:00 UTC, by day');
    expect(berth.requests[0]!.query).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T12:00:00.000Z',
      groupBy: 'day',
    });
    await runBerth(['usage', '--from', '2025-12-15'], { berth });
    expect(berth.requests[1]!.query).toEqual({ from: '2025-12-15T00:00:00.000Z' });
    await runBerth(['usage', '--to', '2026-01-02T00:00:00+01:00', '--by', 'meter'], { berth });
    expect(berth.requests[2]!.query).toEqual({ to: '2026-01-01T23:00:00.000Z', groupBy: 'meter' });
  });

  it('--json prints the report as berth answered it', async () => {
    const berth = new FakeBerth().on('GET', '/v1/usage', usageReport());
    const res = await runBerth(['usage', '--json', '--by', 'type'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ groupBy: 'type' });
    expect(JSON.parse(res.stdout)).toEqual(usageReport());
  });

  it('a period with no usage: the header, no lines, a zero total', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/usage',
      usageReport({
        lines: [],
        total: { seconds: 0, gbSeconds: 0, amountNanoUsd: 0, amountUsd: '0.000000000' },
      }),
    );
    const lines = (await runBerth(['usage'], { berth })).stdout.trimEnd().split('\n');
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[2]).toMatch(/^TOTAL\s+0\s+0\s+\$0\.00$/);
  });

  it('refuses malformed or contradicting flags with exit 2 and sends nothing', async () => {
    const cases: [string[], string | RegExp][] = [
      [
        ['--period', '2026-13'],
        'Error: cli/usage: --period "2026-13" must be a month, YYYY-MM (e.g. 2026-01)\n',
      ],
      [['--period', '2026-1'], /--period "2026-1" must be a month, YYYY-MM/],
      [['--period', 'december'], /--period "december" must be a month, YYYY-MM/],
      [
        ['--period', '2025-12', '--from', '2025-12-01'],
        'Error: cli/usage: give --period or --from/--to, not both\n',
      ],
      [['--period', '2025-12', '--to', '2025-12-31'], /give --period or --from\/--to, not both/],
      [
        ['--from', 'yesterday'],
        'Error: cli/usage: --from "yesterday" is not a date or time such as 2026-01-15 or 2026-01-15T12:00:00Z\n',
      ],
      [['--from', '12/01/2025'], /--from "12\/01\/2025" is not a date or time/],
      [['--to', '2026-02-30'], /--to "2026-02-30" is not a date or time/],
      [['--to', '2026-01-01T25:00:00Z'], /--to "2026-01-01T25:00:00Z" is not a date or time/],
      [['--from', '2026-01-08', '--to', '2026-01-01'], 'Error: cli/usage: --to must be after --from\n'],
      [
        ['--by', 'colour'],
        /argument 'colour' is invalid\. Allowed choices are container, size, type, day, hour, meter\./,
      ],
      [
        ['--live', '--period', '2026-01'],
        /--live shows what accrues now: it takes no --period, --from, --to or --by/,
      ],
      [['--live', '--by', 'day'], /--live shows what accrues now/],
      [['--period'], /option '--period <YYYY-MM>' argument missing/],
      [['extra'], /too many arguments for 'usage'/],
    ];
    for (const [flags, message] of cases) {
      const res = await runBerth(['usage', ...flags]);
      expect(res.code).toBe(2);
      if (typeof message === 'string') expect(res.stderr).toBe(message);
      else expect(res.stderr).toMatch(message);
      expect(res.stdout).toBe('');
      expect(res.berth.requests).toHaveLength(0);
    }
  });

  it("berth's refusal: its coded error and exit 1", async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/usage',
      apiError(400, 'request/invalid', 'a usage window can span at most 366 days'),
    );
    expect(await runBerth(['usage', '--from', '2020-01-01'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: request/invalid: a usage window can span at most 366 days\n',
    });
  });
});

describe('berth usage --live', () => {
  it('prints what accrued this period, the rate now, and each item accruing', async () => {
    const berth = new FakeBerth().on('GET', '/v1/usage/live', liveUsage());
    const res = await runBerth(['usage', '--live'], { berth });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(berth.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/usage/live']);
    expect(berth.requests[0]!.query).toEqual({});
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Accrued this period (since 2026-01-01 UTC): $0.034773333');
    expect(lines[1]).toBe('Accruing now: $0.000000786 a second');
    expect(lines[2]).toMatch(/^NAME\s+TYPE\s+SIZE\s+SINCE\s+RATE\/S\s+ACCRUED$/);
    expect(lines[3]).toMatch(/^web\s+container\s+s1\s+About a minute ago\s+\$0\.0000004\s+\$0\.000024$/);
    expect(lines[4]).toMatch(/^pgdata\s+volume\s+10 GB\s+2 minutes ago\s+\$0\.000000386\s+\$0\.000046296$/);
    expect(lines[4]!.indexOf('$0.000000386')).toBe(lines[2]!.indexOf('RATE/S'));
  });

  it('a floating IP has no size; nothing accruing: the header only; --json prints the reading', async () => {
    const fip = liveItem({
      resourceType: 'floating_ip',
      resourceId: 'fip_1',
      name: '203.0.113.10',
      meter: 'fip',
      size: null,
    });
    const berth = new FakeBerth()
      .on('GET', '/v1/usage/live', liveUsage({ items: [fip] }))
      .on(
        'GET',
        '/v1/usage/live',
        liveUsage({ items: [], ratePerSecondNanoUsd: 0, ratePerSecondUsd: '0.000000000' }),
        1,
      );
    const idle = (await runBerth(['usage', '--live'], { berth })).stdout.split('\n');
    expect(idle[1]).toBe('Accruing now: $0.00 a second');
    expect(idle.slice(2)).toEqual([expect.stringMatching(/^NAME\s+TYPE\s+SIZE/), '']);
    const res = await runBerth(['usage', '--live'], { berth });
    expect(res.stdout.split('\n')[3]).toMatch(/^203\.0\.113\.10\s+floating_ip\s+-\s+About a minute ago\s/);
    const json = await runBerth(['usage', '--live', '--json'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(liveUsage({ items: [fip] }));
  });

  it("berth's refusal: its coded error and exit 1", async () => {
    const berth = new FakeBerth().on('GET', '/v1/usage/live', apiError(401, 'auth/invalid_key', 'bad key'));
    expect(await runBerth(['usage', '--live'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: auth/invalid_key: bad key\n',
    });
  });
});
