import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { invoice } from '../../testing/fixtures';

const invoices = [
  invoice(),
  invoice({
    id: '2025-12',
    periodStart: '2025-12-01T00:00:00.000Z',
    periodEnd: '2026-01-01T00:00:00.000Z',
    status: 'closed',
    totalNanoUsd: 1_500_000_000,
    totalUsd: '1.500000000',
  }),
  invoice({ id: '2025-11', status: 'closed', lines: [], totalNanoUsd: 0, totalUsd: '0.000000000' }),
];

describe('berth invoices', () => {
  it('lists the invoices, the draft first, with their totals in dollars', async () => {
    const berth = new FakeBerth().on('GET', '/v1/invoices', {
      data: invoices,
      nextCursor: null,
      billingStatus: 'active',
    });
    const res = await runBerth(['invoices'], { berth });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    // One request, no paging parameters: the list is not paged.
    expect(berth.requests.map((r) => [r.path, r.query])).toEqual([['/v1/invoices', {}]]);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^PERIOD\s+STATUS\s+TOTAL$/),
      expect.stringMatching(/^2026-01\s+draft\s+\$0\.034773333$/),
      expect.stringMatching(/^2025-12\s+closed\s+\$1\.50$/),
      expect.stringMatching(/^2025-11\s+closed\s+\$0\.00$/),
    ]);
    expect(lines[2]!.indexOf('$')).toBe(lines[0]!.indexOf('TOTAL'));
  });

  it('a past-due account: the table, then on stderr what that means', async () => {
    const berth = new FakeBerth().on('GET', '/v1/invoices', {
      data: invoices,
      nextCursor: null,
      billingStatus: 'past_due',
    });
    const res = await runBerth(['invoices'], { berth });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^PERIOD\s+STATUS\s+TOTAL\n/);
    expect(res.stderr).toBe(
      'Your account is past due: the last invoice could not be charged. New containers are refused ' +
        'until it is paid (or the payment method updated); running ones keep running.\n',
    );
  });

  it('-q prints the periods; --json the whole answer, billing status included', async () => {
    const answer = { data: invoices, nextCursor: null, billingStatus: 'past_due' };
    const berth = new FakeBerth().on('GET', '/v1/invoices', answer);
    expect((await runBerth(['invoices', '-q'], { berth })).stdout).toBe('2026-01\n2025-12\n2025-11\n');
    const json = await runBerth(['invoices', '--json'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(answer);
    expect(json.stderr).toBe('');
  });

  it('an API error: its code and exit 1; an argument without `show`: exit 2', async () => {
    const berth = new FakeBerth().on('GET', '/v1/invoices', apiError(403, 'tenant/suspended', 'suspended'));
    expect(await runBerth(['invoices'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: tenant/suspended: suspended\n',
    });
    const res = await runBerth(['invoices', '2026-01']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("too many arguments for 'invoices'");
    expect(res.berth.requests).toHaveLength(0);
  });

  it('--help lists `show` and examples', async () => {
    const res = await runBerth(['invoices', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: berth invoices \[options\] \[command\]/);
    expect(res.stdout).toMatch(/\n {2}show \[options\] <period>\s/);
    expect(res.stdout).toContain('\nExamples:\n  $ berth invoices\n');
  });
});
